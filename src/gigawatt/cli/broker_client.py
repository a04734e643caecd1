"""What every command talking to a running broker shares: its options, client and answer.

``--url``/``--token`` (or ``GIGAWATT_BROKER_URL``/``GIGAWATT_TOKEN``), ``--json`` on the
command or on its group (``gigawatt broker --json list``), and :func:`ask`: one request,
its answer printed as JSON or shown as tables. The HTTP client (httpx) loads only when
a request is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from gigawatt.cli.output import print_json

if TYPE_CHECKING:
    from gigawatt.broker.client import BrokerClient

__all__ = ["DEFAULT_URL", "JsonOpt", "TokenOpt", "UrlOpt", "ask", "json_wanted"]

R = TypeVar("R")

DEFAULT_URL = "http://127.0.0.1:8000"
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
UrlOpt = Annotated[
    str,
    typer.Option("--url", envvar="GIGAWATT_BROKER_URL", help="Broker base URL."),
]
TokenOpt = Annotated[
    str | None, typer.Option("--token", envvar="GIGAWATT_TOKEN", help="Bearer token.")
]


def json_wanted(ctx: typer.Context, as_json: bool) -> bool:
    """Whether ``--json`` was given to the command or to its group."""
    return as_json or bool(isinstance(ctx.obj, dict) and ctx.obj.get("json"))


def ask(
    ctx: typer.Context,
    url: str,
    token: str | None,
    as_json: bool,
    request: Callable[[BrokerClient], R],
    show: Callable[[R], None],
    *,
    key: str | None = None,
) -> R:
    """Send one request to the broker and print its answer.

    Args:
        ctx: The command's context (for a ``--json`` given to its group).
        url: The broker's base URL.
        token: The bearer token, if any.
        as_json: The command's ``--json``.
        request: What to ask of the client.
        show: Prints the answer as tables (without ``--json``).
        key: With ``--json``, print ``{key: answer}`` instead of the bare answer.

    Returns:
        The answer.
    """
    from gigawatt.broker.client import BrokerClient

    with BrokerClient(url, token) as client:
        answer = request(client)
    if json_wanted(ctx, as_json):
        print_json(answer if key is None else {key: answer})
    else:
        show(answer)
    return answer
