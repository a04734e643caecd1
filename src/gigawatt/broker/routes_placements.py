"""API routes for lab teams and providers: placements and offers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from gigawatt.broker.auth import require
from gigawatt.broker.http.headers import idempotency_key, singleton_headers
from gigawatt.broker.http.placement import (
    PLACEMENT_OPENAPI,
    PastStartError,
    check_not_past,
    parse_placement,
    submit_placement,
)
from gigawatt.broker.models import ErrorOut, Name, OfferOut, PlacementOut
from gigawatt.broker.offers import answer_offer, list_offers
from gigawatt.broker.placement_views import get_placement, list_placements, release_placement
from gigawatt.broker.placements import first_answer
from gigawatt.broker.runtime import Caller, Ctx, Runner, context_of, principal_of, read, run

__all__ = ["ERRORS", "router"]

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    **{code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422)},
    429: {"model": ErrorOut, "headers": _RETRY_AFTER, "description": "Over a team limit."},
    503: {"model": ErrorOut, "headers": _RETRY_AFTER, "description": "Database unavailable."},
}
router = APIRouter(prefix="/v1", responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**53, description="Numeric id.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most rows returned.")]
After = Annotated[int | None, Query(ge=0, le=2**53, description="Only ids above this.")]
PlacementStatus = Annotated[
    str | None, Query(pattern="^(placed|offered|rejected|released|displaced)$")
]
OfferStatus = Annotated[
    str | None, Query(pattern="^(pending|accepted|declined|expired|withdrawn|cancelled)$")
]


@router.post(
    "/placements", status_code=201, response_model=PlacementOut, openapi_extra=PLACEMENT_OPENAPI
)
async def create_placement(request: Request) -> Response:
    """Place count accelerators (or FLOP/s) over [start, end) under the contracts.

    The hot path: the body and headers are read here rather than through FastAPI's
    dependency machinery (it costs more than the database on this route); the OpenAPI
    schema still describes them (``PLACEMENT_OPENAPI``).
    """
    who = await principal_of(request)
    key = idempotency_key(singleton_headers(request.scope["headers"]).idempotency_key)
    ctx = context_of(request)
    body, req = parse_placement(ctx, await request.body())
    require(who, "team", "admin")
    try:
        check_not_past(ctx, who, body, req)
    except PastStartError:  # unless this is the retry of a placement made in time
        first = await read(first_answer, ctx, who, req, key)
        if first is None:
            raise
        return Response(first, 201, media_type="application/json", headers=_REPLAYED)
    runner: Runner = request.app.state.runner
    text, replayed = await submit_placement(ctx, runner, who, req, key)
    headers = _REPLAYED if replayed else None
    return Response(text, status_code=201, media_type="application/json", headers=headers)


_REPLAYED = {"Idempotency-Replayed": "true"}


@router.get("/placements", response_model=list[PlacementOut])
async def placements_list(
    request: Request,
    who: Caller,
    ctx: Ctx,
    status: PlacementStatus = None,
    site: Annotated[Name | None, Query()] = None,
    after: After = None,
    limit: Limit = 100,
) -> JSONResponse:
    """Placements you may see (a team its own, a provider those on its sites)."""
    rows = await read(
        lambda: list_placements(ctx, who, status=status, site=site, after=after, limit=limit)
    )
    return JSONResponse(rows)


@router.get("/placements/{placement_id}", response_model=PlacementOut)
async def placement_get(request: Request, placement_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """One placement."""
    return JSONResponse(await read(get_placement, ctx, who, placement_id))


@router.delete("/placements/{placement_id}", response_model=PlacementOut)
async def placement_release(
    request: Request, placement_id: Id, who: Caller, ctx: Ctx
) -> JSONResponse:
    """Release a placement's capacity (withdrawing its offer if one is pending)."""
    return JSONResponse(await run(request, release_placement, ctx, who, placement_id))


@router.get("/offers", response_model=list[OfferOut])
async def offers_list(
    request: Request,
    who: Caller,
    ctx: Ctx,
    status: OfferStatus = None,
    after: After = None,
    limit: Limit = 100,
) -> JSONResponse:
    """Right-of-first-refusal offers (a provider sees its own)."""
    rows = await read(lambda: list_offers(ctx, who, status=status, after=after, limit=limit))
    return JSONResponse(rows)


@router.post("/offers/{offer_id}/accept", response_model=OfferOut)
async def offer_accept(request: Request, offer_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """Accept an offer: the placement moves to the counterparty."""
    return JSONResponse(await run(request, answer_offer, ctx, who, offer_id, True))


@router.post("/offers/{offer_id}/decline", response_model=OfferOut)
async def offer_decline(request: Request, offer_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """Decline an offer: the placement stays at the best other site."""
    return JSONResponse(await run(request, answer_offer, ctx, who, offer_id, False))
