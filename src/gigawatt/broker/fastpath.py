"""The placement route without the framework's layers: ``POST /v1/placements`` in plain ASGI.

FastAPI and Starlette put about ten layers (middleware, exception wrappers, routers,
request objects) between the server and a route; on the placement route they cost
about as much CPU as deciding and booking. This middleware sits outermost and answers
the common case itself: a known team (or admin) token from the cache, a valid
``Idempotency-Key``, a body within the limit that validates. It then runs the same
:func:`~gigawatt.broker.http.placement.submit_placement` (team limits, then
:func:`gigawatt.broker.placements.place` in the team's turn) through the same runner
and answers the same JSON and statuses (a :class:`~gigawatt.broker.errors.BrokerError`
as its error body, anything else as the 500 body, logged).

Anything else (an unknown or uncached token, a missing header, a body that does not
validate or names what the scenario lacks) goes to the application unchanged, the body
already read handed over as it arrived, so that every error keeps the application's
wording and status.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gigawatt.broker.auth import cached_principal
from gigawatt.broker.context import BrokerContext
from gigawatt.broker.errors import BrokerError
from gigawatt.broker.http.headers import IDEMPOTENCY_KEY, bearer_token, singleton_headers
from gigawatt.broker.http.placement import check_not_past, parse_placement, submit_placement
from gigawatt.broker.runtime import Runner

__all__ = ["PlacementFastPath"]

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
