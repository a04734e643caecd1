"""How the API runs broker operations, and who is calling.

Operations that arrive together run as one batch: one transaction, a savepoint each, one
commit, then every answer (group commit; see :meth:`gigawatt.broker.db.Database.batch`).
On SQLite batches run on the event loop (no thread hand-offs, no lock convoys); on
PostgreSQL on one writer thread per process, which waits on the network and the commit
while the event loop reads the next requests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import random
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gigawatt.broker.auth import authenticate, digest
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import MAX_ATTEMPTS, Database, is_retryable
from gigawatt.broker.pipeline import Later, prefetch_all

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
    "run_batch",
]

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")


class Runner:
    """Runs blocking broker operations in batches: one transaction, a savepoint each.

    On SQLite a batch runs on the event loop (SQLite's work is CPU, no waiting). On
    PostgreSQL it runs on one writer thread per process, so that the event loop keeps
    reading requests (they make the next batch) while the batch waits on the network
    and on its commit. Either way each operation is answered only after the commit of
    its batch (group commit), and a batch whose transaction fails as a whole with a
    transient conflict (deadlock, serialisation failure) is run again from the start.

    Args:
        db: The database.
        threads: Unused (kept for callers of the thread-pool runner).
        max_batch: Most operations in one transaction.
    """

    def __init__(self, db: Database, threads: int = 40, max_batch: int = 64) -> None:
        self.db = db
        self.threaded = db.dialect == "postgresql"
        self.max_batch = max_batch
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        self._scheduled = False
        self._writer = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gigawatt-writer")
            if self.threaded
            else None
        )

    async def __call__(self, fn: Callable[..., T | Later[T]], *args: Any) -> T:
        """Run ``fn(*args)`` and return its result (or raise its exception)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((functools.partial(fn, *args), future))
        if not self._scheduled:
            self._scheduled = True
            if self._writer is None:
                loop.call_soon(self._flush, loop)
            else:
                self._drainer = loop.create_task(self._drain(loop))
        return await future

    def _take(self) -> list[tuple[Callable[[], Any], asyncio.Future[Any]]]:
        batch = self._queue[: self.max_batch]
        del self._queue[: self.max_batch]
        return batch

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        _settle(run_batch(self.db, self._take()))
        if self._queue:
            loop.call_soon(self._flush, loop)
        else:
            self._scheduled = False

    async def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while self._queue:
                batch = self._take()
                _settle(await loop.run_in_executor(self._writer, run_batch, self.db, batch))
        finally:
            self._scheduled = False

    def close(self) -> None:
        """Stop the writer thread (after the batch it is running, if any)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)


Outcome = tuple["asyncio.Future[Any]", bool, Any]


def run_batch(
    db: Database, batch: list[tuple[Callable[[], Any], asyncio.Future[Any]]]
) -> list[Outcome]:
    """Run operations in one transaction (a savepoint each) and commit them together.

    An operation that raises is rolled back alone and answered with its exception; a
    transient conflict of the whole transaction runs the batch again (at most
    ``MAX_ATTEMPTS`` times); a failed pipeline check (PostgreSQL) runs it again without
    the pipeline; any other failure of the transaction fails every operation. Results
    that are :class:`~gigawatt.broker.pipeline.Later` are read before the commit.
    """
    pipelined = True
    for attempt in range(MAX_ATTEMPTS):
        outcomes: list[Outcome] = []
        try:
            with db.batch(pipelined=pipelined):
                pipe = db.pipeline()
                if pipe is not None:
                    prefetch_all(pipe, [call for call, _ in batch])
                for call, future in batch:
                    queued = len(pipe.checks) if pipe is not None else 0
                    try:
                        outcomes.append((future, True, call()))
                    except Exception as exc:  # the operation's own failure, rolled back
                        if pipe is not None and len(pipe.checks) != queued:
                            raise  # it had queued writes: run the batch again safely
                        outcomes.append((future, False, exc))
                outcomes = [_resolved(o) for o in outcomes]
            return outcomes
        except Exception as exc:  # the commit failed: nothing of the batch happened
            if pipelined and db.dialect == "postgresql" and attempt < MAX_ATTEMPTS - 1:
                pipelined = False  # whatever failed, isolate each operation
                db.reruns += 1
                continue
            if is_retryable(exc) and attempt < MAX_ATTEMPTS - 1:
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
                continue
            return [(future, False, exc) for _, future in batch]
    # the last attempt returns or raises inside the loop; mypy needs an end
    raise AssertionError("unreachable")  # pragma: no cover


def _resolved(outcome: Outcome) -> Outcome:
    future, ok, value = outcome
    if ok and isinstance(value, Later):
        return future, True, value.get()
    return outcome


def _settle(outcomes: list[Outcome]) -> None:
    """Answer each operation on its own event loop.

    A batch may hold operations of another loop than the one running it (one server has
    one loop, but an app driven by two clients, such as a test client and a lifespan
    task, has two): those are answered with ``call_soon_threadsafe``, since setting a
    future from a foreign thread would not wake its loop.
    """
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    for future, ok, value in outcomes:
        loop = future.get_loop()
        if loop is current:
            _deliver(future, ok, value)
            continue
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(_deliver, future, ok, value)


def _deliver(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def context_of(request: Request) -> BrokerContext:
    """The broker state of this server."""
    ctx: BrokerContext = request.app.state.broker
    return ctx


async def context(request: Request) -> BrokerContext:
    """The broker state, as a dependency (async: FastAPI runs sync ones in threads)."""
    return context_of(request)


async def run(request: Request, fn: Callable[..., T | Later[T]], *args: Any) -> T:
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
