"""API routes for capacity, tokens, draining, the audit log and health."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, text

from gigawatt.broker.audit import list_audit
from gigawatt.broker.auth import refresh_revocations, require
from gigawatt.broker.drain import drain_site
from gigawatt.broker.errors import BadRequestError, UnavailableError
from gigawatt.broker.hours import hour_of, rfc3339_seconds
from gigawatt.broker.models import (
    AuditOut,
    CapacityRow,
    DrainOut,
    HealthOut,
    HourTime,
    Name,
    TokenIn,
    TokenInfoOut,
    TokenOut,
)
from gigawatt.broker.routes_placements import ERRORS
from gigawatt.broker.runtime import Caller, Ctx, read, run
from gigawatt.broker.tokens import create_token, list_tokens, revoke_token
from gigawatt.broker.views import capacity_rows

__all__ = ["router"]

router = APIRouter(responses=ERRORS)
HEALTH_TIMEOUT_S = 5.0


def _hour(value: str, field: str) -> int:
    try:
        return hour_of(value)
    except ValueError as exc:
        raise BadRequestError("invalid", str(exc), field) from None


@router.get("/v1/capacity", response_model=list[CapacityRow])
async def capacity(
    request: Request,
    who: Caller,
    ctx: Ctx,
    start: Annotated[HourTime, Query()],
    end: Annotated[HourTime, Query()],
    site: Annotated[Name | None, Query()] = None,
) -> JSONResponse:
    """Capacity and bookings per offer and hour slot over [start, end)."""
    s, e = _hour(start, "start"), _hour(end, "end")
    return JSONResponse(await read(capacity_rows, ctx, site, s, e))


@router.post("/v1/tokens", status_code=201, response_model=TokenOut)
async def tokens_create(request: Request, body: TokenIn, who: Caller, ctx: Ctx) -> JSONResponse:
    """Create a token for a team, a provider or an admin (admin only).

    The first token of a role and name makes its principal (the owner of what its tokens
    do); later ones are further tokens of the same principal. ``admin`` and ``system``
    are reserved names.
    """
    out = await run(
        request,
        create_token,
        ctx,
        who,
        body.role,
        body.name,
        body.provider,
        body.ttl_seconds,
        body.expires_at,
    )
    return JSONResponse(out, status_code=201)


@router.get("/v1/tokens", response_model=list[TokenInfoOut])
async def tokens_list(
    request: Request,
    who: Caller,
    ctx: Ctx,
    after: Annotated[int | None, Query(ge=0, le=2**53, description="Only ids above.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most rows returned.")] = 100,
) -> JSONResponse:
    """Tokens without their secrets: an admin sees all, others their principal's own."""
    return JSONResponse(await run(request, lambda: list_tokens(ctx, who, after=after, limit=limit)))


@router.delete("/v1/tokens/{token_id}", response_model=TokenInfoOut)
async def tokens_revoke(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=2**53, description="Token id.")],
    who: Caller,
    ctx: Ctx,
) -> JSONResponse:
    """Revoke a token (an admin any; a team or provider its principal's own).

    Effective at once in this server and within one second in every other server
    process on the database. Revoking a revoked token answers it again.
    """
    out = await run(request, revoke_token, ctx, who, token_id)
    await run(request, refresh_revocations, ctx)  # after the commit: refused here at once
    return JSONResponse(out)


@router.post("/v1/sites/{name}/drain", response_model=DrainOut)
async def drain(request: Request, name: str, who: Caller, ctx: Ctx) -> JSONResponse:
    """Drain a failed site (admin): re-place its placements or report them displaced."""
    require(who, "admin")
    return JSONResponse(await run(request, drain_site, ctx, who, name))


@router.get("/v1/audit", response_model=list[AuditOut])
async def audit(
    request: Request,
    who: Caller,
    ctx: Ctx,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            description="RFC 3339 time: entries at or after it.",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    after: Annotated[int | None, Query(ge=0, le=2**53)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> JSONResponse:
    """Decisions with the clause that drove each (admin only), oldest first."""
    require(who, "admin")
    since_s = None
    if since is not None:
        try:
            since_s = rfc3339_seconds(since)
        except ValueError as exc:
            raise BadRequestError("invalid", str(exc), "since") from None

    def rows_of(conn: Connection) -> list[dict[str, object]]:
        return list_audit(conn, since=since_s, after=after, limit=limit)

    rows = await read(lambda: ctx.db.transact(rows_of, write=False))
    return JSONResponse(rows)


@router.get(
    "/healthz",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database does not answer."}},
)
async def healthz(request: Request, ctx: Ctx) -> JSONResponse:
    """Liveness: the database answers (503 with the cause while it does not).

    The ping runs on a thread of its own, not behind the queue of writes.
    """

    def ping(conn: Connection) -> None:
        conn.execute(text("SELECT 1"))

    cause = None
    try:
        await asyncio.wait_for(
            asyncio.to_thread(ctx.db.transact, ping, write=False), HEALTH_TIMEOUT_S
        )
    except UnavailableError:
        cause = ctx.db.health.cause or "the database does not answer"
    except TimeoutError:
        cause = f"no answer within {HEALTH_TIMEOUT_S:g} s"
        ctx.db.health.down(cause)
    out = {"scenario": ctx.catalog.scenario.name, "database": ctx.db.dialect}
    if cause is not None:
        out.update(status="unavailable", cause=cause)
        return JSONResponse(out, status_code=503, headers={"Retry-After": "1"})
    return JSONResponse({"status": "ok", **out})
