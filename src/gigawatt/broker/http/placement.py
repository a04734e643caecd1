"""A placement request over HTTP: read once, submitted, and answered in plain ASGI.

The placement route and its ASGI shortcut both call :func:`parse_placement`; anything it
refuses is answered with the same status and wording on either path. The rules beyond
the body's schema (:class:`~gigawatt.broker.models.PlacementIn`):

* the accelerator exists in the scenario; ``[start, end)`` lies inside its horizon and
  spans at most ``max_placement_hours``;
* FLOP/s imply at most :data:`~gigawatt.broker.models.MAX_COUNT` accelerators on the
  fastest accelerator the request may use (so no count overflows in the arithmetic);
* ``start`` is at or after the current UTC hour (:meth:`BrokerContext.current_hour`),
  unless an admin sends ``backfill: true`` (:func:`check_not_past`).

**The ASGI shortcut** (:class:`PlacementFastPath`): FastAPI and Starlette put about ten
layers (middleware, exception wrappers, routers, request objects) between the server and
a route; on the placement route they cost about as much CPU as deciding and booking.
This middleware sits outermost and answers the common case itself: a known team (or
admin) token from the cache, a valid ``Idempotency-Key``, a body within the limit that
validates. It then runs the same
:func:`submit_placement` (team limits, then the placement in the team's turn in the
committer, :mod:`gigawatt.broker.committer`) through the same runner
and answers the same JSON and statuses (a :class:`~gigawatt.broker.errors.BrokerError`
as its error body, anything else as the 500 body, logged).

Anything else (an unknown or uncached token, a missing header, a body that does not
validate or names what the scenario lacks) goes to the application unchanged, the body
already read handed over as it arrived, so that every error keeps the application's
wording and status.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gigawatt.broker.admission import accelerator_hours
from gigawatt.broker.auth import cached_principal
from gigawatt.broker.committer import Runner
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Request, fewest_accelerators
from gigawatt.broker.errors import BadRequestError, BrokerError, ForbiddenError
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.broker.http.body import parse_body
from gigawatt.broker.http.headers import IDEMPOTENCY_KEY, bearer_token, singleton_headers
from gigawatt.broker.models import MAX_COUNT, PlacementIn
from gigawatt.broker.placing import Placement

__all__ = [
    "PLACEMENT_OPENAPI",
    "PastStartError",
    "PlacementFastPath",
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
        ``(response JSON, replayed)`` from the committer (:mod:`gigawatt.broker.committer`).

    Raises:
        TooManyRequestsError: the team is over a limit (:mod:`gigawatt.broker.admission`).
        BrokerError: the placement's own refusal (a key reused for another request).
    """
    try:
        text, replayed = await _submit(ctx, runner, who, req, key)
    except BrokerError:
        if runner.metrics is not None:
            runner.metrics.answered("refused")
        raise
    if runner.metrics is not None:
        runner.metrics.answered("replayed" if replayed else json.loads(text)["status"])
    return text, replayed


async def _submit(
    ctx: BrokerContext, runner: Runner, who: Principal, req: Request, key: str
) -> tuple[str, bool]:
    hours = req.end_hour - req.start_hour
    lane = f"{who.role}:{who.name}"
    op = Placement(ctx, who, req, key)
    if who.role != "team":
        answer: tuple[str, bool] = await runner(op, lane=lane, hours=hours)
        return answer
    acc_hours = accelerator_hours(ctx.catalog, req)
    ctx.limits.admit(who.name, acc_hours)
    try:
        answer = await runner(op, lane=lane, hours=hours)
        return answer
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


log = logging.getLogger("gigawatt.broker")

_JSON = (b"content-type", b"application/json")
_REPLAYED = (b"idempotency-replayed", b"true")
_INTERNAL = (
    b'{"error":{"code":"internal","message":"internal error; see the server log","field":null}}'
)


class PlacementFastPath:
    """ASGI middleware answering ``POST /v1/placements`` directly (see the module).

    Args:
        app: The application (everything else, and every request it declines).
        ctx: The broker state.
        runner: The runner of broker operations.
        max_body_bytes: Largest body it reads itself (larger ones go to the application).
    """

    def __init__(self, app: ASGIApp, ctx: BrokerContext, runner: Runner, max_body_bytes: int):
        self.app = app
        self.ctx = ctx
        self.runner = runner
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a placement, or hand the request to the application."""
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != "/v1/placements"
            or scope.get("query_string")  # refused by the application
        ):
            await self.app(scope, receive, send)
            return
        try:
            headers = singleton_headers(scope["headers"])
        except BrokerError as exc:  # a repeated header: refused here as by the application
            await _error(send, exc)
            return
        token = bearer_token(headers.authorization)
        who = cached_principal(self.ctx, token) if token is not None else None
        key = headers.idempotency_key
        length = headers.content_length
        if (
            who is None
            or who.role not in ("team", "admin")
            or key is None
            or not IDEMPOTENCY_KEY.match(key.decode("latin-1"))
            or length is None
            or not length.isdigit()
            or int(length) > self.max_body_bytes
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, int(length))
        try:
            parsed, req = parse_placement(self.ctx, body)
            check_not_past(self.ctx, who, parsed, req)
        except BrokerError:  # the application words the error (or replays a retry)
            await self.app(scope, _replay(body, receive), send)
            return
        try:
            text, replayed = await submit_placement(
                self.ctx, self.runner, who, req, key.decode("latin-1")
            )
        except BrokerError as exc:
            await _error(send, exc)
            return
        except Exception as exc:
            down = self.ctx.db.health.failed(exc)  # the connection broke mid-transaction
            if down is not None:
                await _error(send, down)
                return
            log.exception("unexpected error", exc_info=exc)
            await _respond(send, 500, _INTERNAL)
            return
        await _respond(send, 201, text.encode(), *((_REPLAYED,) if replayed else ()))


async def _read_body(receive: Receive, length: int) -> bytes:
    """The whole body (at most ``length`` bytes are expected)."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the body over again, then the client's own messages."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _error(send: Send, exc: BrokerError) -> None:
    """Answer a broker error as the application does (status, body, headers)."""
    extra = [(k.lower().encode(), v.encode()) for k, v in (exc.headers() or {}).items()]
    await _respond(send, exc.status, bytes(JSONResponse(exc.to_dict()).body), *extra)


async def _respond(send: Send, status: int, body: bytes, *extra: tuple[bytes, bytes]) -> None:
    headers = [_JSON, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
