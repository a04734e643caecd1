"""A placement request: its body parsed (strictly) and checked against the scenario.

The placement route and its ASGI shortcut both call :func:`parse_placement`; anything it
refuses is answered with the same status and wording on either path. The rules beyond
the body's schema (:class:`~gigawatt.broker.models.PlacementIn`):

* the accelerator exists in the scenario; ``[start, end)`` lies inside its horizon and
  spans at most ``max_placement_hours``;
* FLOP/s imply at most :data:`~gigawatt.broker.models.MAX_COUNT` accelerators on the
  fastest accelerator the request may use (so no count overflows in the arithmetic);
* ``start`` is at or after the current UTC hour (:meth:`BrokerContext.current_hour`),
  unless an admin sends ``backfill: true`` (:func:`check_not_past`).
"""

from __future__ import annotations

from typing import Any

from gigawatt.broker.admission import accelerator_hours
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Request, fewest_accelerators
from gigawatt.broker.errors import BadRequestError, ForbiddenError
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.broker.http.body import parse_body
from gigawatt.broker.http.headers import IDEMPOTENCY_KEY
from gigawatt.broker.models import MAX_COUNT, PlacementIn
from gigawatt.broker.placements import place
from gigawatt.broker.runtime import Runner

__all__ = [
    "PLACEMENT_OPENAPI",
    "PastStartError",
    "check_not_past",
    "parse_placement",
    "submit_placement",
]


class PastStartError(BadRequestError):
    """A placement starting before the current hour, without an admin's back-fill (422)."""


def parse_placement(ctx: BrokerContext, raw: bytes) -> tuple[PlacementIn, Request]:
    """The body of ``POST /v1/placements`` and its request (:func:`check_not_past` follows).

    Raises:
        BadRequestError: not JSON, breaks the schema, or names what the scenario lacks.
    """
    body = parse_body(PlacementIn, raw)
    return body, to_request(ctx, body)


def to_request(ctx: BrokerContext, body: PlacementIn) -> Request:
    """Check a placement body against the scenario and turn it into a request.

    Raises:
        BadRequestError: unknown accelerator, outside the horizon, too long, or FLOP/s
            needing more than ``MAX_COUNT`` accelerators.
    """
    cat = ctx.catalog
    accelerators = cat.scenario.accelerators
    if body.accelerator is not None and body.accelerator not in accelerators:
        known = ", ".join(sorted(accelerators))
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
    req = Request(
        tuple(sorted(set(body.tags))),
        body.accelerator,
        body.count,
        body.flops,
        body.utilization,
        start,
        end,
        body.single_site,
    )
    if body.flops is not None and not fewest_accelerators(cat, req) <= MAX_COUNT:
        raise BadRequestError(
            "too_large",
            f"{body.flops:g} FLOP/s at utilization {body.utilization:g} needs more than "
            f"{MAX_COUNT:,} accelerators even of the fastest type",
            "flops",
        )
    return req


def check_not_past(ctx: BrokerContext, who: Principal, body: PlacementIn, req: Request) -> None:
    """Refuse a start before the current UTC hour, unless an admin back-fills.

    Raises:
        ForbiddenError: ``backfill`` from a token that is not an admin's.
        PastStartError: the start has passed and this is no admin back-fill.
    """
    if body.backfill and who.role != "admin":
        raise ForbiddenError("forbidden", "only an admin may back-fill (backfill: true)")
    now = ctx.current_hour()
    if req.start_hour < now and not body.backfill:
        raise PastStartError(
            "past_start",
            f"start {iso_hour(req.start_hour)} is before the current hour {iso_hour(now)}; "
            "placements start at or after it (an admin may back-fill with backfill: true)",
            "start",
        )


async def submit_placement(
    ctx: BrokerContext, runner: Runner, who: Principal, req: Request, key: str
) -> tuple[str, bool]:
    """Place a parsed request: the team's limits, then its turn in the team's queue.

    Returns:
        ``(response JSON, replayed)`` of :func:`gigawatt.broker.placements.place`.

    Raises:
        TooManyRequestsError: the team is over a limit (:mod:`gigawatt.broker.admission`).
        BrokerError: what :func:`~gigawatt.broker.placements.place` raises.
    """
    hours = req.end_hour - req.start_hour
    lane = f"{who.role}:{who.name}"
    if who.role != "team":
        return await runner(place, ctx, who, req, key, lane=lane, hours=hours)
    acc_hours = accelerator_hours(ctx.catalog, req)
    ctx.limits.admit(who.name, acc_hours)
    try:
        return await runner(place, ctx, who, req, key, lane=lane, hours=hours)
    finally:
        ctx.limits.done(who.name, acc_hours)


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
            "description": "Unique per request; a repeat returns the first answer. "
            "Sent once: a repeated Idempotency-Key, Authorization or Content-Type is a 400.",
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
