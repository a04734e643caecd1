"""The typer application and the error boundary every command runs inside."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer

from gigawatt.cli.output import fail
from gigawatt.errors import GigawattError

__all__ = ["app", "guarded"]

app = typer.Typer(
    name="gigawatt",
    help="Plan and broker AI compute across clouds and owned campuses, under contracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

P = ParamSpec("P")
R = TypeVar("R")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn gigawatt errors into a message and exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        as_json = bool(kwargs.get("as_json", False))
        try:
            return func(*args, **kwargs)
        except GigawattError as exc:
            raise typer.Exit(fail(exc, as_json=as_json)) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper


def json_option() -> Any:
    """The ``--json`` option every command takes."""
    return typer.Option(False, "--json", help="Print one JSON object instead of tables.")
