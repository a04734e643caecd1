"""How the API runs broker operations, and who is calling.

SQLite writes are serialised anyway, so on SQLite operations run on the event loop (no
thread hand-offs, no lock convoys), and those that arrive together run as one batch: one
transaction, a savepoint each, one commit, then every answer (group commit; see
:meth:`gigawatt.broker.db.Database.batch`). On PostgreSQL they run in a thread pool, so
that many transactions wait on the network and on commits at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gigawatt.broker.auth import authenticate, digest
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import Database

__all__ = [
    "Caller",
    "Ctx",
    "Runner",
    "bearer",
    "caller",
    "context",
    "context_of",
    "principal_of",
    "run",
]

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")


class Runner:
    """Runs blocking broker operations: batched on the loop (SQLite) or in threads (PostgreSQL).

    Args:
        db: The database.
        threads: Worker threads (PostgreSQL).
        max_batch: Most operations in one SQLite transaction.
    """

    def __init__(self, db: Database, threads: int = 40, max_batch: int = 64) -> None:
        self.db = db
        self.batched = db.dialect == "sqlite"
        self.limiter = None if self.batched else anyio.CapacityLimiter(threads)
        self.max_batch = max_batch
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._scheduled = False

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` and return its result (or raise its exception)."""
        call = functools.partial(fn, *args)
        if self.limiter is not None:
            return await anyio.to_thread.run_sync(call, limiter=self.limiter)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((call, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush, loop)
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._queue[: self.max_batch]
        del self._queue[: self.max_batch]
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            with self.db.batch():
                for call, future in batch:
                    try:
                        outcomes.append((future, True, call()))
                    except Exception as exc:  # the operation's own failure, rolled back
                        outcomes.append((future, False, exc))
        except Exception as exc:  # the commit failed: nothing of the batch happened
            outcomes = [(future, False, exc) for _, future in batch]
        for future, ok, value in outcomes:
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        if self._queue:
            loop.call_soon(self._flush, loop)
        else:
            self._scheduled = False


def context_of(request: Request) -> BrokerContext:
    """The broker state of this server."""
    ctx: BrokerContext = request.app.state.broker
    return ctx


async def context(request: Request) -> BrokerContext:
    """The broker state, as a dependency (async: FastAPI runs sync ones in threads)."""
    return context_of(request)


async def run(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run a broker operation with this server's runner."""
    runner: Runner = request.app.state.runner
    return await runner(fn, *args)


async def caller(
    request: Request,
    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal of the request's bearer token (401 without a known one)."""
    return await principal_of(request)


async def principal_of(request: Request) -> Principal:
    """The principal of the request's bearer token (401 without a known one)."""
    ctx = context_of(request)
    header = request.headers.get("authorization")
    if header is not None and header[:7].lower() == "bearer ":
        found = ctx.tokens.get(digest(header[7:].strip()))
        if found is not None:
            return found
    return await run(request, authenticate, ctx, header)


Ctx = Annotated[BrokerContext, Depends(context)]
Caller = Annotated[Principal, Depends(caller)]
