"""The dashboard: its page and assets at ``/``, and the read endpoints it calls under ``/v1``.

The page is static (HTML, CSS and JavaScript shipped in the package, no build step, no
CDN); it signs in with a bearer token typed by the user and calls the JSON API. Every
endpoint here enforces roles server-side, as the rest of the API does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from gigawatt.broker.auth import require
from gigawatt.broker.errors import BadRequestError
from gigawatt.broker.hours import hour_of
from gigawatt.broker.models import AuditOut, HourTime, Name
from gigawatt.broker.routes_placements import ERRORS
from gigawatt.broker.runtime import Caller, Ctx, read
from gigawatt.broker.web.models import CapacitySummaryOut, MeOut, PlanOut, RecentOut
from gigawatt.broker.web.plan import PlanCharts, plotly_js_bytes
from gigawatt.broker.web.queries import (
    MAX_SUMMARY_HOURS,
    capacity_summary,
    default_start_hour,
    recent_placements,
    search_audit,
)

__all__ = ["STATIC_DIR", "install_web", "router"]

STATIC_DIR = Path(__file__).parent / "static"
#: Everything from this server only; plotly injects style elements, hence inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(responses=ERRORS)
AuditAction = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$", description="Exact action.")]


@router.get("/v1/me", response_model=MeOut)
async def me(who: Caller, ctx: Ctx) -> JSONResponse:
    """The calling token: its id, its principal (role, name, id) and provider if any."""
    return JSONResponse(
        {
            "role": who.role,
            "name": who.name,
            "provider": who.provider,
            "principal_id": who.id,
            "token_id": who.token_id,
            "scenario": ctx.catalog.scenario.name,
        }
    )


@router.get("/v1/capacity/summary", response_model=CapacitySummaryOut)
async def capacity_by_site(
    request: Request,
    who: Caller,
    ctx: Ctx,
    start: Annotated[HourTime | None, Query(description="First slot (default: now).")] = None,
    hours: Annotated[int, Query(ge=1, le=MAX_SUMMARY_HOURS, description="Slots.")] = 12,
) -> JSONResponse:
    """Capacity and bookings by site and accelerator over the coming hour slots.

    Without ``start`` the slots start at the current hour, moved into the scenario's
    horizon. The range stops at the horizon's end.
    """
    if start is None:
        s = default_start_hour(ctx, hours)
    else:
        try:
            s = hour_of(start)
        except ValueError as exc:
            raise BadRequestError("invalid", str(exc), "start") from None
    return JSONResponse(await read(capacity_summary, ctx, s, hours))


@router.get("/v1/recent/placements", response_model=list[RecentOut])
async def placements_recent(
    request: Request,
    who: Caller,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=500, description="Most rows returned.")] = 50,
) -> JSONResponse:
    """Your most recent placements, newest first, with the clause behind each."""
    return JSONResponse(await read(recent_placements, ctx, who, limit))


@router.get("/v1/audit/search", response_model=list[AuditOut])
async def audit_search(
    request: Request,
    who: Caller,
    ctx: Ctx,
    action: AuditAction = None,
    actor: Annotated[Name | None, Query(description="Exact actor.")] = None,
    site: Annotated[Name | None, Query(description="Exact site.")] = None,
    clause: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f]+$",  # no control characters (PostgreSQL refuses NUL)
            description="Part of the clause.",
        ),
    ] = None,
    placement_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**53, description="Only ids below.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    """Audit entries matching every filter, newest first (admin only)."""
    require(who, "admin")
    rows = await read(
        lambda: search_audit(
            ctx,
            action=action,
            actor=actor,
            site=site,
            clause=clause,
            placement_id=placement_id,
            before=before,
            limit=limit,
        ),
    )
    return JSONResponse(rows)


@router.get("/v1/plan/charts", response_model=PlanOut)
async def plan_charts(request: Request, who: Caller) -> Response:
    """The loaded plan's charts as plotly figures (``gigawatt serve --plan DIR``).

    Lab tokens only (team, admin): the plan shows the lab's spend with each provider.
    """
    require(who, "team", "admin")
    charts: PlanCharts = request.app.state.plan_charts
    body = await anyio.to_thread.run_sync(charts.body)
    return Response(body, media_type="application/json")


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    """The dashboard page."""
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


@router.get("/vendor/plotly.min.js", include_in_schema=False)
async def plotly_script() -> Response:
    """plotly.js from the installed plotly package (nothing comes from a CDN)."""
    body = await anyio.to_thread.run_sync(plotly_js_bytes)
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def install_web(app: FastAPI, plan_dir: str | None) -> None:
    """Add the dashboard to the application: its endpoints, page and static assets."""
    app.state.plan_charts = PlanCharts(plan_dir)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
