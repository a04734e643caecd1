"""The broker's FastAPI application: wiring, limits, errors, background expiry.

Every error answers ``{"error": {"code", "message", "field"}}``: 400 for a malformed
request (a repeated singleton header), 401 without a known token, 403 for a role that may
not, 404, 409 for state conflicts, 413 for a body over ``max_body_bytes``, 422 for
invalid input (a body that is not JSON included), 429 for a team over its limits and 503
while the database does not answer (both with ``Retry-After``). An unexpected failure is
logged and answers a JSON 500 (the tests assert it never happens).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gigawatt.broker.auth import watch_revocations
from gigawatt.broker.catalog import Catalog
from gigawatt.broker.context import BrokerContext
from gigawatt.broker.db import Database
from gigawatt.broker.errors import BadRequestError, BrokerError, UnavailableError
from gigawatt.broker.fastpath import PlacementFastPath
from gigawatt.broker.http.body import invalid
from gigawatt.broker.http.headers import singleton_headers
from gigawatt.broker.http.query import refuse_repeated_parameters
from gigawatt.broker.migrate import migrate
from gigawatt.broker.models import PlacementIn
from gigawatt.broker.offers import any_due, expire_due
from gigawatt.broker.routes_admin import router as admin_router
from gigawatt.broker.routes_placements import router as placements_router
from gigawatt.broker.runtime import Runner
from gigawatt.broker.settings import SETTINGS_ENV, BrokerSettings
from gigawatt.broker.web import install_web
from gigawatt.scenario import load_scenario

__all__ = ["app_factory", "create_app"]

log = logging.getLogger("gigawatt.broker")

# On PostgreSQL the writer threads mostly wait on the database; when an answer comes
# back, a writer needs the GIL, which the event loop (parsing requests) holds for up to
# Python's switch interval (5 ms by default). Batch after batch, those waits were most of
# a batch's time. The server sets a shorter interval while it runs.
WRITER_SWITCH_S = 0.0002
_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


class BodyTooLarge(HTTPException):
    """A request body over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class BodyLimit:
    """ASGI middleware refusing oversized bodies and repeated singleton headers.

    A body over ``max_bytes``, declared or streamed, is a 413; a repeated singleton
    header (:mod:`gigawatt.broker.http.headers`) or query parameter
    (:mod:`gigawatt.broker.http.query`) a 400.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            value = singleton_headers(scope["headers"]).content_length
            refuse_repeated_parameters(scope.get("query_string", b""))
        except BrokerError as exc:  # a repeated singleton header or query parameter
            await _send_error(send, exc.status, exc.code, exc.message, exc.field)
            return
        if value is not None and (not value.isdigit() or int(value) > self.max_bytes):
            if value.isdigit():
                msg = f"request body over {self.max_bytes} bytes"
                await _send_error(send, 413, "too_large", msg)
            else:
                await _send_error(send, 400, "bad_request", "bad Content-Length")
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


async def _send_error(
    send: Send, status: int, code: str, message: str, field: str | None = None
) -> None:
    body = JSONResponse(_error(code, message, field), status_code=status).body
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _error(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(BrokerError)
    async def broker_error(_request: Request, exc: BrokerError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        err = invalid(exc.errors())
        return JSONResponse(err.to_dict(), status_code=err.status)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        return JSONResponse(
            _error(code, str(exc.detail), None), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        ctx: BrokerContext = request.app.state.broker
        down = ctx.db.health.failed(exc)  # the connection broke mid-transaction
        if down is not None:
            return JSONResponse(down.to_dict(), status_code=down.status, headers=down.headers())
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(_error("internal", "internal error; see the server log", None), 500)


def create_app(settings: BrokerSettings, *, fast_path: bool = True) -> FastAPI:
    """Build the broker application: load the scenario, migrate the database, wire routes.

    With ``fast_path`` the placement route's fast path (:mod:`gigawatt.broker.fastpath`)
    is the outermost middleware; :func:`app_factory` wraps the whole application in it
    instead, ahead of the framework's own outermost layers.

    Raises:
        ScenarioError: the scenario is invalid.
        ConflictError: the database belongs to another scenario.
    """
    settings = settings.resolved()
    catalog = Catalog.from_scenario(load_scenario(settings.scenario))
    db = Database(
        settings.db_url,
        pool_size=settings.pool_size,
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    migrate(db, catalog)
    ctx = BrokerContext(db=db, catalog=catalog, settings=settings)
    db.transact(ctx.refresh_drained, write=False)
    runner = Runner(
        db,
        threads=settings.pool_size,
        in_flight=settings.batches_in_flight,
        max_batch_hours=settings.max_batch_hours,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Long-lived start-up objects (scenario, schema, routes) leave the collector's
        # view, so that full collections stay short and do not stall requests.
        gc.collect()
        gc.freeze()
        switch_s = sys.getswitchinterval()
        if runner.threaded:
            sys.setswitchinterval(WRITER_SWITCH_S)
        tasks = [
            asyncio.create_task(_sweep(ctx, runner)),
            asyncio.create_task(watch_revocations(ctx)),
        ]
        try:
            yield
        finally:
            sys.setswitchinterval(switch_s)
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            runner.close()
            db.dispose()

    app = FastAPI(
        dependencies=[Depends(_known_query)],
        title="gigawatt broker",
        version="1",
        description="Enforces a scenario's contracts on live placement requests.",
        lifespan=lifespan,
        **_no_telemetry(),
    )
    # FastAPI documents replacing app.openapi to customise the schema; mypy sees a method.
    app.openapi = functools.partial(_openapi, app)  # type: ignore[method-assign]
    app.state.broker = ctx
    app.state.runner = runner
    _install_errors(app)
    app.include_router(placements_router)
    app.include_router(admin_router)
    install_web(app, settings.plan_dir)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if fast_path:  # outermost: answers the common POST /v1/placements itself
        app.add_middleware(
            PlacementFastPath, ctx=ctx, runner=runner, max_body_bytes=settings.max_body_bytes
        )
    return app


async def _known_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (422), as the schema says."""
    if not request.scope.get("query_string"):
        return
    known: set[str] = set()
    todo = [getattr(request.scope.get("route"), "dependant", None)]
    while todo:
        dependant = todo.pop()
        if dependant is not None:
            known.update(p.alias for p in dependant.query_params)
            todo.extend(dependant.dependencies)
    for name in request.query_params:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise BadRequestError(
                "unknown_parameter", f"no query parameter {name!r} here (known: {listed})", name
            )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, with the placement body the hot route reads by hand."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["PlacementIn"] = PlacementIn.model_json_schema()
        app.openapi_schema = schema
    return app.openapi_schema


def _no_telemetry() -> dict[str, Any]:
    """Turn off FastAPI's OpenTelemetry hooks where it has them (a cost on every request)."""
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    return {}


async def _sweep(ctx: BrokerContext, runner: Runner) -> None:
    """Expire offers past their deadline and pick up sites drained by other processes.

    Both start with a read on a thread of their own, outside the runner: a batch of
    another kind than placements runs alone (the batches in flight finish first), and
    once a second that pause showed in the slowest placements. Only when an offer is due
    does its expiry run as a batch.
    """
    while True:
        await asyncio.sleep(ctx.settings.expiry_poll_seconds)
        try:
            now = time.time()
            due = functools.partial(any_due, now=now)
            if await asyncio.to_thread(ctx.db.transact, due, write=False):
                await runner(expire_due, ctx, now)
            await asyncio.to_thread(ctx.db.transact, ctx.refresh_drained, write=False)
        except UnavailableError:  # keep sweeping; the outage is logged once
            pass
        except Exception:  # keep sweeping; the error is logged
            log.exception("offer expiry failed")


def app_factory() -> ASGIApp:
    """The application for ``uvicorn --factory``, configured by ``GIGAWATT_BROKER_SETTINGS``.

    The placement fast path wraps the whole application, so that the common placement
    request skips FastAPI's own outermost layers (error and telemetry middleware) too.
    """
    app = create_app(BrokerSettings.from_json(os.environ[SETTINGS_ENV]), fast_path=False)
    ctx: BrokerContext = app.state.broker
    return PlacementFastPath(
        app, ctx=ctx, runner=app.state.runner, max_body_bytes=ctx.settings.max_body_bytes
    )
