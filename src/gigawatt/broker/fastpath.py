"""The placement route without the framework's layers: ``POST /v1/placements`` in plain ASGI.

FastAPI and Starlette put about ten layers (middleware, exception wrappers, routers,
request objects) between the server and a route; on the placement route they cost
about as much CPU as deciding and booking. This middleware sits outermost and answers
the common case itself: a known team (or admin) token from the cache, a valid
``Idempotency-Key``, a body within the limit that validates. It then runs the same
:func:`gigawatt.broker.placements.place` through the same runner and answers the same
JSON and statuses (a :class:`~gigawatt.broker.errors.BrokerError` as its error body,
anything else as the 500 body, logged).

Anything else (an unknown or uncached token, a missing header, a body that does not
validate or names what the scenario lacks) goes to the application unchanged, the body
already read handed over as it arrived, so that every error keeps the application's
wording and status.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gigawatt.broker.auth import cached_principal
from gigawatt.broker.context import BrokerContext
from gigawatt.broker.errors import BrokerError
from gigawatt.broker.models import PlacementIn
from gigawatt.broker.placements import place
from gigawatt.broker.routes_placements import IDEMPOTENCY_KEY, to_request
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
        ):
            await self.app(scope, receive, send)
            return
        auth = key = length = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = value
            elif name == b"idempotency-key":
                key = value
            elif name == b"content-length":
                length = value
        who = None
        if auth is not None and auth[:7].lower() == b"bearer ":
            who = cached_principal(self.ctx, auth[7:].decode("latin-1").strip())
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
            req = to_request(self.ctx, PlacementIn.model_validate_json(body))
        except (ValidationError, BrokerError):  # the application words the error
            await self.app(scope, _replay(body, receive), send)
            return
        try:
            text, replayed = await self.runner(place, self.ctx, who, req, key.decode("latin-1"))
        except BrokerError as exc:
            await _respond(send, exc.status, bytes(JSONResponse(exc.to_dict()).body), None)
            return
        except Exception as exc:
            log.exception("unexpected error", exc_info=exc)
            await _respond(send, 500, _INTERNAL, None)
            return
        await _respond(send, 201, text.encode(), _REPLAYED if replayed else None)


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


async def _respond(send: Send, status: int, body: bytes, extra: Any) -> None:
    headers = [_JSON, (b"content-length", str(len(body)).encode())]
    if extra is not None:
        headers.append(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
