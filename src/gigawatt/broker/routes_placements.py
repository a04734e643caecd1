"""API routes for lab teams and providers: placements and offers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from gigawatt.broker.auth import require
from gigawatt.broker.context import BrokerContext
from gigawatt.broker.decide import Request as PlacementRequest
from gigawatt.broker.errors import BadRequestError
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.broker.models import ErrorOut, Name, OfferOut, PlacementIn, PlacementOut
from gigawatt.broker.offers import answer_offer, list_offers
from gigawatt.broker.placement_views import get_placement, list_placements, release_placement
from gigawatt.broker.placements import place
from gigawatt.broker.runtime import Caller, Ctx, context_of, principal_of, run

__all__ = ["ERRORS", "IDEMPOTENCY_KEY", "PLACEMENT_OPENAPI", "router", "to_request"]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 403, 404, 409, 413, 422)
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


def to_request(ctx: BrokerContext, body: PlacementIn) -> PlacementRequest:
    """Check a placement body against the scenario and turn it into a request.

    Raises:
        BadRequestError: unknown accelerator, outside the horizon, or too long.
    """
    cat = ctx.catalog
    if body.accelerator is not None and body.accelerator not in cat.scenario.accelerators:
        known = ", ".join(sorted(cat.scenario.accelerators))
        raise BadRequestError(
            "unknown_accelerator",
            f"no accelerator {body.accelerator!r} (known: {known})",
            "accelerator",
        )
    start, end = hour_of(body.start), hour_of(body.end)
    if start < cat.first_hour or end > cat.end_hour:
        raise BadRequestError(
            "outside_horizon",
            f"placements must lie in the scenario's horizon [{iso_hour(cat.first_hour)}, "
            f"{iso_hour(cat.end_hour)})",
            "start" if start < cat.first_hour else "end",
        )
    if end - start > ctx.settings.max_placement_hours:
        raise BadRequestError(
            "too_long",
            f"a placement spans at most {ctx.settings.max_placement_hours} hours, "
            f"this one {end - start}",
            "end",
        )
    return PlacementRequest(
        tuple(sorted(set(body.tags))),
        body.accelerator,
        body.count,
        body.flops,
        body.utilization,
        start,
        end,
        body.single_site,
    )


IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
PLACEMENT_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlacementIn"}}},
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "description": "Unique per request; a repeat returns the first answer.",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": IDEMPOTENCY_KEY.pattern,
            },
        }
    ],
    "security": [{"HTTPBearer": []}],
}


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
    key = request.headers.get("idempotency-key")
    if key is None or not IDEMPOTENCY_KEY.match(key):
        raise BadRequestError(
            "invalid",
            "send an Idempotency-Key header of 1-200 printable ASCII characters",
            "Idempotency-Key",
        )
    try:
        body = PlacementIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    require(who, "team", "admin")
    ctx = context_of(request)
    req = to_request(ctx, body)
    text, replayed = await run(request, place, ctx, who, req, key)
    headers = {"Idempotency-Replayed": "true"} if replayed else None
    return Response(text, status_code=201, media_type="application/json", headers=headers)


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
    rows = await run(
        request,
        lambda: list_placements(ctx, who, status=status, site=site, after=after, limit=limit),
    )
    return JSONResponse(rows)


@router.get("/placements/{placement_id}", response_model=PlacementOut)
async def placement_get(request: Request, placement_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """One placement."""
    return JSONResponse(await run(request, get_placement, ctx, who, placement_id))


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
    rows = await run(
        request, lambda: list_offers(ctx, who, status=status, after=after, limit=limit)
    )
    return JSONResponse(rows)


@router.post("/offers/{offer_id}/accept", response_model=OfferOut)
async def offer_accept(request: Request, offer_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """Accept an offer: the placement moves to the counterparty."""
    return JSONResponse(await run(request, answer_offer, ctx, who, offer_id, True))


@router.post("/offers/{offer_id}/decline", response_model=OfferOut)
async def offer_decline(request: Request, offer_id: Id, who: Caller, ctx: Ctx) -> JSONResponse:
    """Decline an offer: the placement stays at the best other site."""
    return JSONResponse(await run(request, answer_offer, ctx, who, offer_id, False))
