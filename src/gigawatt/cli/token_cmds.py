"""``gigawatt broker token create|list|revoke``: tokens of a running broker."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.broker_client import DEFAULT_URL, JsonOpt, TokenOpt, UrlOpt, ask
from gigawatt.cli.output import console, table

__all__ = ["parse_ttl_seconds", "token_app"]

token_app = typer.Typer(
    help="Create, list and revoke tokens (create needs an admin token).", no_args_is_help=True
)

_TTL = re.compile(r"^(\d{1,9})([smhdw]?)$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
COLUMNS = ["id", "owner", "role", "name", "provider", "state", "expires"]


def parse_ttl_seconds(text: str) -> int:
    """Seconds of a time to live written as ``90``, ``90s``, ``30m``, ``12h``, ``7d``, ``2w``.

    Raises:
        typer.BadParameter: anything else.
    """
    match = _TTL.match(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not a duration: write a whole number with s, m, h, d or w "
            "(e.g. 12h or 30d)",
            param_hint="--ttl",
        )
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def _minute(instant: str | None) -> str:
    """``2026-12-03T20:20Z`` from the API's ``2026-12-03T20:20:38.072Z`` (or ``never``)."""
    return "never" if instant is None else instant[:16] + "Z"


def _rows(tokens: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            t["id"],
            t["principal_id"],
            t["role"],
            t["name"],
            t.get("provider") or "",
            t["state"],
            _minute(t.get("expires_at")),
        ]
        for t in tokens
    ]


@token_app.command("create")
@guarded
def create_command(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="team, provider or admin.")],
    name: Annotated[str, typer.Option("--name", help="Team, provider-token or admin name.")],
    provider: Annotated[
        str | None, typer.Option("--provider", help="Provider a provider token speaks for.")
    ] = None,
    ttl: Annotated[
        str | None, typer.Option("--ttl", help="Expire after this long, e.g. 12h, 30d.")
    ] = None,
    expires_at: Annotated[
        str | None, typer.Option("--expires-at", help="Expire at this RFC 3339 instant.")
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token (admin); the secret is printed once and never stored."""
    ttl_seconds = parse_ttl_seconds(ttl) if ttl is not None else None

    def show(made: dict[str, Any]) -> None:
        console.print(table("Token", COLUMNS, _rows([made])))
        console.print("token (shown once, keep it secret):", markup=False)
        console.print(made["token"], markup=False, soft_wrap=True)

    ask(
        ctx,
        url,
        token,
        as_json,
        lambda c: c.create_token(
            role, name, provider, ttl_seconds=ttl_seconds, expires_at=expires_at
        ),
        show,
    )


@token_app.command("list")
@guarded
def list_command(
    ctx: typer.Context,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens without their secrets (an admin sees all, others their own)."""
    ask(
        ctx,
        url,
        token,
        as_json,
        lambda c: c.tokens(),
        lambda rows: console.print(table("Tokens", COLUMNS, _rows(rows))),
        key="tokens",
    )


@token_app.command("revoke")
@guarded
def revoke_command(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="Id of the token (see token list).")],
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token: refused at once here, within a second by every server process."""
    ask(
        ctx,
        url,
        token,
        as_json,
        lambda c: c.revoke_token(token_id),
        lambda revoked: console.print(table("Revoked", COLUMNS, _rows([revoked]))),
    )
