"""How the API runs broker operations, and who is calling.

Operations that arrive together run as one batch: one transaction, a savepoint each, one
commit, then every answer (group commit; see :meth:`gigawatt.broker.db.Database.batch`).
On SQLite batches run on the event loop (no thread hand-offs, no lock convoys); on
PostgreSQL on writer threads, which wait on the network and the commit while the event
loop reads the next requests, with two batches in flight: the next one decides while the
one before commits (:mod:`gigawatt.broker.inflight`).

Fair sharing: operations wait in one queue per lane (a team), and a batch takes one
operation of each lane in turn, up to 64 operations and ``max_batch_hours`` hour slots
(:meth:`Runner._take`). A placement therefore waits for at most the batches already
running (one on SQLite, two in flight on PostgreSQL) and then runs in the next batch,
whatever another team has queued: with the default cap (17,568 hour slots, two
year-long placements) one batch is about 35 ms of work on SQLite on an idle machine.
Reads (lists, health) do not wait in these queues at all (:func:`read`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import random
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gigawatt.broker.auth import authenticate, cached_principal
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import MAX_ATTEMPTS, Database, is_retryable
from gigawatt.broker.inflight import InFlight
from gigawatt.broker.pipeline import Later, batch_keys, prefetch_all

__all__ = [
    "Caller",
    "Ctx",
    "Runner",
    "bearer",
    "caller",
    "context",
    "context_of",
    "principal_of",
    "read",
    "run",
    "run_batch",
]

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")


Call = tuple[Callable[[], Any], "asyncio.Future[Any]"]
_Queued = tuple[Callable[[], Any], "asyncio.Future[Any]", int]
# Hour slots in one batch: two of the longest placements (8,784 hours each).
MAX_BATCH_HOURS = 2 * 8784


@dataclass
class _Started:
    """A batch handed to a writer thread: what it publishes, and when it is done.

    Both are thread futures, so that a batch started from one event loop can be waited
    for from another (an app driven by two clients has two loops).
    """

    inflight: InFlight
    published: concurrent.futures.Future[bool]
    done: concurrent.futures.Future[list[Outcome]]


async def _all(futures: list[concurrent.futures.Future[Any]]) -> None:
    """Wait until every one of ``futures`` is done (from any event loop)."""
    await asyncio.wait([asyncio.wrap_future(f) for f in futures])


class Runner:
    """Runs blocking broker operations in batches: one transaction, a savepoint each.

    On SQLite a batch runs on the event loop (SQLite's work is CPU, no waiting). On
    PostgreSQL it runs on a writer thread, so that the event loop keeps reading requests
    (they make the next batch) while the batch waits on the network and on its commit;
    with ``in_flight=2`` the next batch of placements starts as soon as the one before
    has queued its writes, and decides while that one commits
    (:mod:`gigawatt.broker.inflight`). Either way each operation is answered only after
    the commit of its batch (group commit), and a batch whose transaction fails as a
    whole with a transient conflict (deadlock, serialisation failure) is run again from
    the start.

    Args:
        db: The database.
        threads: Unused (kept for callers of the thread-pool runner).
        max_batch: Most operations in one transaction.
        in_flight: Batches running at once on PostgreSQL (1 or 2; 1 when several server
            processes share the database).
        max_batch_hours: Most hour slots one batch touches (an operation larger than
            that makes a batch alone); see :meth:`_take`.
    """

    def __init__(
        self,
        db: Database,
        threads: int = 40,
        max_batch: int = 64,
        in_flight: int = 2,
        max_batch_hours: int = MAX_BATCH_HOURS,
    ) -> None:
        self.db = db
        self.threaded = db.dialect == "postgresql"
        self.max_batch = max_batch
        self.max_batch_hours = max_batch_hours
        self.in_flight = max(1, min(2, in_flight)) if self.threaded else 1
        # One queue per lane (a team), served in turn: see _take.
        self._lanes: OrderedDict[str, deque[_Queued]] = OrderedDict()
        self._pending = 0
        self._scheduled = False
        self._last: _Started | None = None
        self.overlapped = 0  # batches started while the one before was committing
        # Tickets: advisory locks (namespace, batch number mod 3); at most two batches run.
        self._namespace = random.getrandbits(31)
        self._tickets = 0
        self._running: list[concurrent.futures.Future[Any]] = []
        self._writer = (
            concurrent.futures.ThreadPoolExecutor(
                self.in_flight, thread_name_prefix="gigawatt-writer"
            )
            if self.threaded
            else None
        )

    async def __call__(
        self, fn: Callable[..., T | Later[T]], *args: Any, lane: str = "", hours: int = 1
    ) -> T:
        """Run ``fn(*args)`` and return its result (or raise its exception).

        Args:
            fn: The operation.
            *args: Its arguments.
            lane: Whose queue it waits in (a team's); lanes are served in turn.
            hours: Its weight against ``max_batch_hours`` (a placement's hour slots).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        queue = self._lanes.get(lane)
        if queue is None:
            queue = self._lanes[lane] = deque()
        queue.append((functools.partial(fn, *args), future, hours))
        self._pending += 1
        if not self._scheduled:
            self._scheduled = True
            if self._writer is None:
                loop.call_soon(self._flush, loop)
            else:
                self._drainer = loop.create_task(self._drain())
        return await future

    def _take(self) -> list[Call]:
        """The next batch: one operation of each lane in turn, within both limits.

        At most ``max_batch`` operations and ``max_batch_hours`` hour slots (an operation
        larger than that alone makes a batch of its own). A lane whose next operation
        does not fit what is left waits for the next batch, at the head of the turn, and
        the others go on; a lane served moves to the back of the turn. So a team's
        queue of large placements delays another team's placement by at most the batch
        running and one batch of at most ``max_batch_hours`` (module docstring).
        """
        batch: list[Call] = []
        hours = 0
        taken = True
        while taken and len(batch) < self.max_batch:
            taken = False
            for lane in list(self._lanes):
                queue = self._lanes[lane]
                call, future, cost = queue[0]
                if batch and hours + cost > self.max_batch_hours:
                    continue
                queue.popleft()
                batch.append((call, future))
                hours += cost
                taken = True
                del self._lanes[lane]
                if queue:
                    self._lanes[lane] = queue
                if len(batch) == self.max_batch:
                    break
        self._pending -= len(batch)
        return batch

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        _settle(run_batch(self.db, self._take()))
        if self._pending:
            loop.call_soon(self._flush, loop)
        else:
            self._scheduled = False

    async def _drain(self) -> None:
        try:
            while self._pending:
                after = await self._ready()
                if after is None and self._busy():
                    continue  # waited for a batch; look again
                batch = self._take()
                if after is not None and batch_keys([c for c, _ in batch]) is None:
                    await _all([after.done])  # not placements only: one at a time
                    after = None
                self._start(batch, after)
        finally:
            self._scheduled = False

    def _busy(self) -> list[concurrent.futures.Future[Any]]:
        self._running = [f for f in self._running if not f.done()]
        return self._running

    async def _ready(self) -> _Started | None:
        """Wait until a batch may start; the batch it may run after (None: none running)."""
        last = self._last
        running = self._busy()
        if last is None or last.done.done():
            if running:
                await _all(running)
            return None
        others = [f for f in running if f is not last.done]
        if others:  # only the newest batch may still be committing
            await _all(others)
            return None
        if self.in_flight == 1 or not await asyncio.wrap_future(last.published):
            await _all([last.done])
            return None
        return last

    def _start(self, batch: list[Call], after: _Started | None) -> None:
        assert self._writer is not None
        published: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._tickets += 1
        inflight = InFlight(published.set_result, (self._namespace, self._tickets % 3))
        before = after.inflight if after is not None else None
        self.overlapped += before is not None
        done = self._writer.submit(run_batch, self.db, batch, before, inflight)
        self._running.append(done)
        done.add_done_callback(functools.partial(_finished, batch))
        self._last = _Started(inflight, published, done)

    def close(self) -> None:
        """Stop the writer threads (after the batches they are running, if any)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)


Outcome = tuple["asyncio.Future[Any]", bool, Any]


def _finished(batch: list[Call], done: concurrent.futures.Future[list[Outcome]]) -> None:
    """Answer a batch's operations (called on its writer thread, or at once if done)."""
    exc = done.exception()
    _settle([(f, False, exc) for _, f in batch] if exc is not None else done.result())


def run_batch(
    db: Database,
    batch: list[Call],
    after: InFlight | None = None,
    inflight: InFlight | None = None,
) -> list[Outcome]:
    """Run operations in one transaction (a savepoint each) and commit them together.

    An operation that raises is rolled back alone and answered with its exception; a
    transient conflict of the whole transaction runs the batch again (at most
    ``MAX_ATTEMPTS`` times); a failed pipeline check (PostgreSQL) runs it again without
    the pipeline; any other failure of the transaction fails every operation. Results
    that are :class:`~gigawatt.broker.pipeline.Later` are read after the commit.

    On PostgreSQL the batch may run ``after`` one still committing, and publishes its
    own bookings to ``inflight`` once queued, for the batch after it
    (:mod:`gigawatt.broker.inflight`).
    """
    try:
        return _run_batch(db, batch, after, inflight)
    finally:
        if inflight is not None:
            inflight.end()


def _run_batch(
    db: Database, batch: list[Call], after: InFlight | None, inflight: InFlight | None
) -> list[Outcome]:
    if after is not None and after.keys & (batch_keys([c for c, _ in batch]) or frozenset()):
        after.ended.wait()  # a key of the batch before: its answer comes with its commit
        after = None
    pipelined = True
    for attempt in range(MAX_ATTEMPTS):
        outcomes: list[Outcome] = []
        try:
            first = attempt == 0
            ticket = inflight.ticket if inflight is not None and first else None
            with db.batch(pipelined=pipelined, after=after if first else None, ticket=ticket):
                pipe = db.pipeline()
                if pipe is not None:
                    prefetch_all(pipe, [call for call, _ in batch])
                for call, future in batch:
                    queued = pipe.writes() if pipe is not None else 0
                    try:
                        outcomes.append((future, True, call()))
                    except Exception as exc:  # the operation's own failure, rolled back
                        if pipe is not None and pipe.writes() != queued:
                            raise  # it had queued writes: run the batch again safely
                        outcomes.append((future, False, exc))
                if pipe is not None:
                    pipe.flush()  # the batch's writes, as one statement
                if pipe is not None and inflight is not None and first:
                    inflight.publish(pipe.xid, pipe.booked, frozenset(pipe.done))
        except Exception as exc:  # the commit failed: nothing of the batch happened
            if pipelined and db.dialect == "postgresql" and attempt < MAX_ATTEMPTS - 1:
                pipelined = False  # whatever failed, isolate each operation
                db.reruns += 1
                continue
            if is_retryable(exc) and attempt < MAX_ATTEMPTS - 1:
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
                continue
            return [(future, False, exc) for _, future in batch]
        return [_resolved(o) for o in outcomes]  # committed: read the answers
    # the last attempt returns or raises inside the loop; mypy needs an end
    raise AssertionError("unreachable")  # pragma: no cover


def _resolved(outcome: Outcome) -> Outcome:
    """An answer read after the commit (a failure to read it fails that operation alone)."""
    future, ok, value = outcome
    if ok and isinstance(value, Later):
        try:
            return future, True, value.get()
        except Exception as exc:
            return future, False, exc
    return outcome


def _settle(outcomes: list[Outcome]) -> None:
    """Answer each operation on its own event loop.

    A batch is answered from its writer thread (PostgreSQL), and may hold operations of
    another loop than the one that started it (one server has one loop, but an app
    driven by two clients, such as a test client and a lifespan task, has two). The
    answers of each other loop go to it in one ``call_soon_threadsafe`` (one wake-up per
    batch, not per answer), since setting a future from a foreign thread would not wake
    its loop.
    """
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    foreign: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        loop = outcome[0].get_loop()
        if loop is current:
            _deliver(*outcome)
        else:
            foreign.setdefault(loop, []).append(outcome)
    for loop, answers in foreign.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(_deliver_all, answers)


def _deliver_all(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        _deliver(*outcome)


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


async def read(fn: Callable[..., T], *args: Any) -> T:
    """Run a read-only broker operation on a thread of its own, not behind the writes.

    Reads see what is committed (their own transaction), so they need not wait for the
    batches queued before them; on SQLite (WAL) they run beside the writer.
    """
    return await asyncio.to_thread(fn, *args)


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
        found = cached_principal(ctx, header[7:].strip())
        if found is not None:
            return found
    return await run(request, authenticate, ctx, header)


Ctx = Annotated[BrokerContext, Depends(context)]
Caller = Annotated[Principal, Depends(caller)]
