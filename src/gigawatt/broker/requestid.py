"""A request id on every request and log line: ``X-Request-ID`` taken or made, and echoed.

:class:`RequestId` is the outermost ASGI layer of the application: it takes the client's
``X-Request-ID`` (1-128 characters of ``A-Za-z0-9._:-``; anything else is replaced) or
makes one (32 hex digits), answers it in the same header, and holds it in
:data:`REQUEST_ID` while the request runs, so that a log line written for the request
names it. ``gigawatt serve`` writes the broker's log as one JSON object per line
(:class:`JsonLogFormatter`: time, level, logger, message, request id and the record's
structured fields such as ``event`` and ``cause``); the library configures no logging.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REQUEST_ID", "JsonLogFormatter", "RequestId"]

REQUEST_ID: ContextVar[str | None] = ContextVar("gigawatt_request_id", default=None)
_HEADER = b"x-request-id"
_VALID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
# Fields a log record may carry (``extra=``) that the JSON line keeps.
_FIELDS = ("event", "cause", "operations")


class RequestId:
    """ASGI middleware giving every HTTP request an id (see the module).

    Args:
        app: The application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its id set, and answer the id."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = b""
        for name, value in scope["headers"]:
            if name == _HEADER:
                rid = value if _VALID.fullmatch(value) else b""
                break
        if not rid:
            rid = uuid.uuid4().hex.encode()
        token = REQUEST_ID.set(rid.decode())

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (_HEADER, rid)]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            REQUEST_ID.reset(token)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log record, with the request id of the request it was written in."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        out: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        for field in _FIELDS:
            if hasattr(record, field):
                out[field] = getattr(record, field)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)
