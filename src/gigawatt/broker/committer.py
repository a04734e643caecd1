r"""The group committer: operations queued per team, run in batches, answered after the commit.

One placement request, end to end (PostgreSQL; SQLite differs where noted)::

    client --POST /v1/placements--> http.placement.PlacementFastPath (plain ASGI; the
        |                           FastAPI route create_placement reads the same way)
        |  http.placement.parse_placement: headers, body, scenario, clock -> Request
        |  auth.cached_principal: token -> Principal
        v
    http.placement.submit_placement: admission (team limits), then
    Runner.__call__(Placement(ctx, principal, req, key), lane=team)     [this module]
        |  queued in the team's lane; Runner._take fills a batch, one op per lane in turn
        v
    Runner._start: a writer thread runs run_batch(...)       (SQLite: on the event loop)
        |  Tx.begin: batch lock (or, after a batch still committing, its ticket later),
        |            own ticket, transaction id                -- queued, no round trip
        |  store.read(tx, wanted(ops))  -> Snapshot          stores/postgresql.py
        |            first answers, booked hours, drained sites   -- round trip 1
        |  place_batch(snapshot, ops, now) -> Writes          placing.py (pure)
        |  store.write(tx, writes): one statement, checked by gigawatt_check
        |            (SQLite, stores/sqlite.py: read, place_batch and write per
        |            placement, counts checked in Python; no round trips to save)
        |  InFlight.publish(xid, booked, keys): the next batch may start deciding
        |  Tx.finish: COMMIT queued behind the write            -- round trip 2
        v
    answers built once, after the commit: placing.answer_json(pid, oid, fields)
    _settle: each future set on its own event loop -> 201 with the JSON

At most two batches are in flight on PostgreSQL (a *window* of two): the next batch of
placements alone starts once the one before has queued its writes (:class:`InFlight`),
reads before that one commits, counts its bookings unless its read saw the commit,
waits for its *ticket* (an advisory lock held to its end) and takes the batch lock
before writing, and checks it committed (``gigawatt_check``); if it did not, the batch is
run again from a fresh read. A batch holding another kind of operation (a release, a
drain, an offer answer, a token change) publishes nothing, so the batch after it waits
for its end. A batch whose write check fails (a writer that skipped the lock, a site
drained by another process) is rolled back and run again one placement at a time, each
in a savepoint, logged and counted. Transactions are passed explicitly: an operation
other than a placement is called with the batch's connection (``op(tx=conn)``).

Fair sharing: operations wait in one queue per lane (a team), and a batch takes one
operation of each lane in turn, up to 64 operations and ``max_batch_hours`` hour slots
(:meth:`Runner._take`). A placement therefore waits for at most the batches already
running (one on SQLite, two in flight on PostgreSQL), whatever another team has queued.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import MAX_ATTEMPTS, Database, is_retryable
from gigawatt.broker.decide import Request
from gigawatt.broker.errors import ConflictError, UnavailableError
from gigawatt.broker.metrics import BrokerMetrics
from gigawatt.broker.placing import (
    Answer,
    Placement,
    Writes,
    answer_json,
    place_batch,
    replay_json,
    wanted,
)
from gigawatt.broker.stores.postgresql import PgStore
from gigawatt.broker.stores.sqlite import SqliteStore, WriteCheckFailed

__all__ = [
    "BATCH_LOCK",
    "MAX_BATCH_HOURS",
    "InFlight",
    "Runner",
    "Tx",
    "batch_keys",
    "place",
    "run_batch",
]

T = TypeVar("T")
log = logging.getLogger("gigawatt.broker")

BATCH_LOCK = 0x67696761  # the PostgreSQL advisory lock held by a batch ("giga")
_LOCK = f"SELECT pg_advisory_xact_lock({BATCH_LOCK})"
# A batch's ticket: a lock of its own, held to its end, that the batch after it waits for.
_TICKET = "SELECT pg_advisory_xact_lock(%s, %s)"
_XID = "SELECT pg_current_xact_id()::text"
# After the lock (a statement of its own: the lock must be held before the status is read).
_BEFORE_COMMITTED = (
    "SELECT gigawatt_check(s.status = 'committed', "
    "'the batch before did not commit: ' || coalesce(s.status, '?')) "
    "FROM (SELECT pg_xact_status(%s::xid8) AS status) AS s"
)
# Hour slots in one batch: two of the longest placements (8,784 hours each).
MAX_BATCH_HOURS = 2 * 8784
MAX_RACES = 16  # a placement run alone whose write check keeps failing: busy

Store = PgStore | SqliteStore
Op = Placement | Callable[..., Any]
Call = tuple[Op, "asyncio.Future[Any]"]
_Queued = tuple[Op, "asyncio.Future[Any]", int, float]
Outcome = tuple["asyncio.Future[Any]", bool, Any]


def store_for(db: Database) -> Store:
    """The store of the database's dialect."""
    return PgStore() if db.dialect == "postgresql" else SqliteStore()


class InFlight:
    """What a batch on its way to commit has booked, for the batch after it.

    Args:
        on_publish: Called once from the writer thread with whether the next batch may
            start now (True: bookings final, transaction id known) or must wait for
            this batch's end (False).
        ticket: An advisory lock the batch takes when it begins and holds to its end.
    """

    __slots__ = (
        "_on_publish",
        "booked",
        "ended",
        "ended_at",
        "keys",
        "ticket",
        "xid",
    )

    def __init__(
        self,
        on_publish: Callable[[bool], None] | None = None,
        ticket: tuple[int, int] | None = None,
    ) -> None:
        self._on_publish = on_publish
        self.ticket = ticket
        self.xid: int | None = None
        self.booked: dict[tuple[int, int], int] = {}
        self.keys: frozenset[tuple[int, str]] = frozenset()
        self.ended = threading.Event()
        self.ended_at = 0.0  # time.perf_counter() when it ended

    def publish(
        self,
        xid: int | None,
        booked: dict[tuple[int, int], int],
        keys: frozenset[tuple[int, str]],
    ) -> None:
        """Declare the batch's bookings final (``xid`` None: do not overlap this batch)."""
        if self._on_publish is None:
            return
        self.xid, self.booked, self.keys = xid, booked, keys
        callback, self._on_publish = self._on_publish, None
        callback(xid is not None)

    def end(self) -> None:
        """The batch has committed or given up (called once, last)."""
        self.publish(None, {}, frozenset())
        self.ended_at = time.perf_counter()
        self.ended.set()


class Tx:
    """A batch's transaction: its connection, and on PostgreSQL its locks and pipeline.

    Args:
        conn: The connection, inside the batch's transaction.
        pipelined: PostgreSQL: queue statements in pipeline mode (False: one at a time).
        after: The batch still committing that this one runs after (None: none).
        locked: Whether the caller holds the locks it wants (the batch lock is not taken).
    """

    __slots__ = (
        "_driver",
        "_locked",
        "_mode",
        "_xid_cursor",
        "after",
        "conn",
        "overlaid",
        "pg",
        "pipelined",
        "xid",
    )

    def __init__(
        self, conn: Connection, *, pipelined: bool, after: InFlight | None, locked: bool = False
    ) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.pipelined = pipelined and self.pg
        self._driver: Any = conn.connection.driver_connection if self.pg else conn.connection
        self._mode: Any = None
        self.after = after if after is not None and after.xid is not None else None
        self._locked = locked
        self._xid_cursor: Any = None
        self.xid: int | None = None
        self.overlaid = False  # whether the reads counted the bookings of ``after``

    def cursor(self) -> Any:
        """A cursor of the batch's connection (entering pipeline mode if the batch uses it)."""
        if self.pipelined and self._mode is None:
            self._mode = self._driver.pipeline()
            self._mode.__enter__()
        return self._driver.cursor()

    def begin(self, ticket: tuple[int, int] | None) -> None:
        """PostgreSQL: the batch lock (unless it runs after another), its ticket, its xid."""
        if not self.pg:
            return
        if self.after is None:
            self.cursor().execute(_LOCK)
            self._locked = True
        if ticket is not None:
            self.cursor().execute(_TICKET, ticket)
        if self.pipelined:
            cur = self.cursor()
            cur.execute(_XID)
            self._xid_cursor = cur

    def after_xid(self) -> int | None:
        """Transaction id of the batch still committing before this one (None: none)."""
        return self.after.xid if self.after is not None else None

    def after_booked(self) -> dict[tuple[int, int], int]:
        """What the batch still committing before this one booked."""
        return self.after.booked if self.after is not None else {}

    def read_xid(self) -> None:
        """Read this transaction's id (once the batch's first reads have come back)."""
        if self.xid is None and self._xid_cursor is not None:
            self.xid = int(self._xid_cursor.fetchone()[0])

    def writing(self) -> None:
        """Before the first write: wait for the batch before to end, take the batch lock.

        If the reads counted the bookings of the batch before, that batch must have
        committed: checked by the next statement, whose error rolls this batch back.
        """
        if self._locked or not self.pg:
            return
        self._locked = True
        assert self.after is not None and self.after.xid is not None
        if self.after.ticket is not None:  # wait for the batch before to end ...
            self.cursor().execute(_TICKET, self.after.ticket)
        self.cursor().execute(_LOCK)  # ... then take the batch lock (other processes)
        if self.overlaid:
            self.cursor().execute(_BEFORE_COMMITTED, (str(self.after.xid),))

    def plain(self) -> None:
        """Before an operation of another kind: locked, every queued statement run."""
        self.writing()
        self.sync()

    def sync(self) -> None:
        """Leave pipeline mode, waiting for every queued result (raises a failed one's error)."""
        mode, self._mode = self._mode, None
        if mode is not None:
            mode.__exit__(None, None, None)

    def finish(self) -> None:
        """Queue the ``COMMIT`` behind the writes: one round trip runs them and commits."""
        if self._mode is not None:
            self._driver.cursor().execute("COMMIT")
        self.sync()

    def close(self) -> None:
        """Leave pipeline mode after a failure; drop what the batch kept."""
        with contextlib.suppress(Exception):
            self.sync()
        self.after = None
        self._xid_cursor = None


class _Clock:
    """Where a batch's time goes: seconds per stage (``BrokerMetrics.stage``'s names)."""

    __slots__ = ("at", "spent")

    def __init__(self) -> None:
        self.at = time.perf_counter()
        self.spent: dict[str, float] = {}

    def lap(self, stage: str, until: float | None = None) -> None:
        """Count the time since the last lap (to now, or to ``until``) to ``stage``."""
        now = time.perf_counter() if until is None else until
        self.spent[stage] = self.spent.get(stage, 0.0) + now - self.at
        self.at = now


@dataclass(slots=True)
class _Placed:
    """The placements of one run of a batch: their answers, and their ids once committed."""

    writes: Writes
    ids: Callable[[], list[tuple[int, int | None]]]
    got: list[tuple[int, int | None]] | None = None

    def answer(self, index: int) -> tuple[str, bool]:
        a: Answer = self.writes.answers[index]
        if a.error is not None:
            raise a.error
        if a.prior is not None:
            return replay_json(a.prior), True
        if self.got is None:
            self.got = self.ids()
        assert a.row is not None and a.fields is not None
        pid, oid = self.got[a.row]
        return answer_json(pid, oid, a.fields), a.replayed


@dataclass(slots=True)
class _Step:
    """What a batch answers one operation: its placements' run and index, or its result."""

    placed: _Placed | None
    index: int = 0
    ok: bool = True
    value: Any = None

    def resolved(self) -> tuple[bool, Any]:
        """The answer, built after the commit (a failure fails this operation alone)."""
        if self.placed is None:
            return self.ok, self.value
        try:
            return True, self.placed.answer(self.index)
        except Exception as exc:
            return False, exc


def _placements(tx: Tx, store: Store, ops: list[Placement], clock: _Clock | None = None) -> _Placed:
    """Read, decide and queue the writes of a run of placements (one transaction)."""
    load = store.read(tx, wanted(ops))
    snapshot = load()
    if clock is not None:
        clock.lap("read")
    writes = place_batch(snapshot, ops, time.time())
    if clock is not None:
        clock.lap("decide")
    placed = _Placed(writes, store.write(tx, writes))
    if clock is not None:
        clock.lap("commit")
    return placed


def _is_check(exc: BaseException) -> bool:
    """Whether a failure is a write check's (the ledger changed under the snapshot)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(exc, WriteCheckFailed) or getattr(orig, "sqlstate", None) == "GW001"


def _alone(tx: Tx, store: Store, op: Placement) -> _Step:
    """One placement in a savepoint of its own, read afresh until its write check holds."""
    cur = tx.cursor()
    for _ in range(MAX_RACES):
        cur.execute("SAVEPOINT gw_op")
        try:
            placed = _placements(tx, store, [op])
            placed.got = placed.ids()
        except Exception as exc:
            cur.execute("ROLLBACK TO gw_op")
            cur.execute("RELEASE gw_op")
            if _is_check(exc) or is_retryable(exc):
                continue
            return _Step(None, ok=False, value=exc)
        cur.execute("RELEASE gw_op")
        return _Step(placed)
    busy = ConflictError("busy", "capacity kept changing under this request; retry it", None)
    return _Step(None, ok=False, value=busy)


def _steps(
    tx: Tx,
    store: Store,
    ops: list[Op],
    grouped: bool,
    inflight: InFlight | None,
    keys: frozenset[tuple[int, str]] | None,
    clock: _Clock,
) -> list[_Step]:
    """Run a batch's operations in its transaction: runs of placements together."""
    steps: list[_Step] = []
    i = 0
    while i < len(ops):
        j = i
        while j < len(ops) and isinstance(ops[j], Placement):
            j += 1
        run = [op for op in ops[i:j] if isinstance(op, Placement)]
        if run and grouped and not tx.pg:  # SQLite: each decides after the last has written
            steps += [_Step(_placements(tx, store, [op], clock)) for op in run]
        elif run and grouped:
            placed = _placements(tx, store, run, clock)
            steps += [_Step(placed, k) for k in range(len(run))]
            if inflight is not None and keys is not None:  # placements alone: publish
                inflight.publish(tx.xid, placed.writes.booked, keys)
        elif run:
            tx.plain()
            steps += [_alone(tx, store, op) for op in run]
            clock.lap("read")
        if j < len(ops):
            tx.plain()
            call = ops[j]
            assert not isinstance(call, Placement)
            try:
                steps.append(_Step(None, value=call(tx=tx.conn)))
            except Exception as exc:  # the operation's own failure (its savepoint rolled back)
                steps.append(_Step(None, ok=False, value=exc))
            clock.lap("other")
            j += 1
        i = j
    return steps


def run_ops(
    db: Database,
    ops: list[Op],
    after: InFlight | None = None,
    inflight: InFlight | None = None,
    *,
    metrics: BrokerMetrics | None = None,
    grouped: bool = True,
) -> list[tuple[bool, Any]]:
    """Run operations in one transaction and commit them together: ``(ok, answer)`` each.

    See the module for the sequence; ``grouped=False`` runs each placement alone in a
    savepoint from the start.
    """
    try:
        return _run(db, store_for(db), ops, after, inflight, metrics, grouped)
    finally:
        if inflight is not None:
            inflight.end()


def _run(
    db: Database,
    store: Store,
    ops: list[Op],
    after: InFlight | None,
    inflight: InFlight | None,
    metrics: BrokerMetrics | None,
    grouped: bool,
) -> list[tuple[bool, Any]]:
    keys = batch_keys(ops)
    if inflight is not None and keys is None:
        inflight.publish(None, {}, frozenset())  # the batch after waits for this one's end
    if after is not None and after.keys & (keys or frozenset()):
        after.ended.wait()  # a key of the batch before: its answer comes with its commit
        after = None
    clock = _Clock()
    for attempt in range(MAX_ATTEMPTS):
        began = time.perf_counter()
        first = attempt == 0
        try:
            with db.connect(write=True) as conn:
                clock.lap("connect")
                tx = Tx(conn, pipelined=grouped, after=after if first else None)
                try:
                    tx.begin(inflight.ticket if inflight is not None and first else None)
                    steps = _steps(
                        tx, store, ops, grouped, inflight if first else None, keys, clock
                    )
                    tx.finish()
                    if tx.after is not None and tx.after.ended_at > clock.at:
                        clock.lap("wait", tx.after.ended_at)  # for the batch before
                finally:
                    tx.close()
        except Exception as exc:  # the commit failed: nothing of the batch happened
            if isinstance(exc, UnavailableError):  # an outage: logged once, answered 503
                return [(False, exc)] * len(ops)
            if grouped and attempt < MAX_ATTEMPTS - 1:
                grouped = False  # whatever failed, isolate each operation
                db.reruns += 1
                if metrics is not None:
                    metrics.reruns.inc()
                cause = _cause(exc)
                log.warning(
                    "a pipelined batch of %d operations is run again, one savepoint each: %s",
                    len(ops),
                    cause,
                    extra={"event": "batch_rerun", "cause": cause, "operations": len(ops)},
                )
                continue
            if is_retryable(exc) and attempt < MAX_ATTEMPTS - 1:
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
                continue
            return [(False, exc)] * len(ops)
        clock.lap("commit")
        answers = [step.resolved() for step in steps]  # committed: build the answers
        clock.lap("answer")
        if metrics is not None:
            metrics.committed(len(ops), clock.at - began)
            for stage, seconds in clock.spent.items():
                metrics.stage(stage, seconds)
        return answers
    # the last attempt returns or raises inside the loop; mypy needs an end
    raise AssertionError("unreachable")  # pragma: no cover


def run_batch(
    db: Database,
    batch: list[Call],
    after: InFlight | None = None,
    inflight: InFlight | None = None,
    *,
    metrics: BrokerMetrics | None = None,
) -> list[Outcome]:
    """:func:`run_ops` on queued operations: ``(future, ok, answer)`` each."""
    got = run_ops(db, [op for op, _ in batch], after, inflight, metrics=metrics)
    return [(future, ok, value) for (_, future), (ok, value) in zip(batch, got, strict=True)]


def place(
    ctx: BrokerContext,
    principal: Principal,
    req: Request,
    idem_key: str,
    *,
    tx: Connection | None = None,
) -> tuple[str, bool]:
    """Place one request on its own: ``(answer JSON, replayed)``.

    In a transaction of its own (holding the batch lock), or in a savepoint of ``tx``'s,
    whose locks are the caller's.

    Raises:
        ConflictError: the key was used for a different request.
    """
    op = Placement(ctx, principal, req, idem_key)
    if tx is None:
        ((ok, value),) = run_ops(ctx.db, [op], grouped=False)
    else:
        own = Tx(tx, pipelined=False, after=None, locked=True)
        ok, value = _alone(own, store_for(ctx.db), op).resolved()
    if not ok:
        raise value
    answer: tuple[str, bool] = value
    return answer


def batch_keys(ops: list[Op]) -> frozenset[tuple[int, str]] | None:
    """Idempotency keys of a batch of placements alone; None if it holds another kind."""
    keys = set()
    for op in ops:
        if not isinstance(op, Placement):
            return None
        keys.add(op.key)
    return frozenset(keys)


def _cause(exc: BaseException) -> str:
    """The first line of what made a batch fail (the database's message, if it has one)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else ''}"[:300]


@dataclass
class _Started:
    """A batch handed to a writer thread: what it publishes, and when it is done."""

    inflight: InFlight
    published: concurrent.futures.Future[bool]
    done: concurrent.futures.Future[list[Outcome]]


async def _all(futures: list[concurrent.futures.Future[Any]]) -> None:
    """Wait until every one of ``futures`` is done (from any event loop)."""
    await asyncio.wait([asyncio.wrap_future(f) for f in futures])


class Runner:
    """Queues operations per lane and runs them in batches (see the module).

    On SQLite a batch runs on the event loop; on PostgreSQL on a writer thread, with
    ``in_flight=2`` the next batch of placements deciding while the one before commits.

    Args:
        db: The database.
        threads: Unused (kept for callers of the thread-pool runner).
        max_batch: Most operations in one transaction.
        in_flight: Batches running at once on PostgreSQL (1 or 2; 1 when several server
            processes share the database).
        max_batch_hours: Most hour slots one batch touches (see :meth:`_take`).
        metrics: Where batches are counted (None: nowhere).
    """

    def __init__(
        self,
        db: Database,
        threads: int = 40,
        max_batch: int = 64,
        in_flight: int = 2,
        max_batch_hours: int = MAX_BATCH_HOURS,
        metrics: BrokerMetrics | None = None,
    ) -> None:
        self.db = db
        self.metrics = metrics
        self.threaded = db.dialect == "postgresql"
        self.max_batch = max_batch
        self.max_batch_hours = max_batch_hours
        self.in_flight = max(1, min(2, in_flight)) if self.threaded else 1
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

    async def __call__(self, op: Op, *args: Any, lane: str = "", hours: int = 1) -> Any:
        """Run an operation and return its answer (or raise its exception).

        Args:
            op: A :class:`~gigawatt.broker.placing.Placement`, or a function called as
                ``op(*args, tx=connection)`` in the batch's transaction.
            *args: Its arguments.
            lane: Whose queue it waits in (a team's); lanes are served in turn.
            hours: Its weight against ``max_batch_hours`` (a placement's hour slots).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        queue = self._lanes.get(lane)
        if queue is None:
            queue = self._lanes[lane] = deque()
        if args:
            assert not isinstance(op, Placement), "a placement takes no arguments"
            op = functools.partial(op, *args)
        queue.append((op, future, hours, time.perf_counter()))
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
        does not fit waits for the next batch at the head of the turn; a lane served
        moves to the back of the turn.
        """
        batch: list[Call] = []
        hours = 0
        oldest = time.perf_counter()
        taken = True
        while taken and len(batch) < self.max_batch:
            taken = False
            for lane in list(self._lanes):
                queue = self._lanes[lane]
                op, future, cost, queued = queue[0]
                if batch and hours + cost > self.max_batch_hours:
                    continue
                queue.popleft()
                oldest = min(oldest, queued)
                batch.append((op, future))
                hours += cost
                taken = True
                del self._lanes[lane]
                if queue:
                    self._lanes[lane] = queue
                if len(batch) == self.max_batch:
                    break
        self._pending -= len(batch)
        if self.metrics is not None:
            self.metrics.stage("queued", time.perf_counter() - oldest)
        return batch

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        _settle(run_batch(self.db, self._take(), metrics=self.metrics))
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
                if after is not None and batch_keys([op for op, _ in batch]) is None:
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
        done = self._writer.submit(
            run_batch, self.db, batch, before, inflight, metrics=self.metrics
        )
        self._running.append(done)
        done.add_done_callback(functools.partial(_finished, batch, self.metrics))
        self._last = _Started(inflight, published, done)

    def close(self) -> None:
        """Stop the writer threads (after the batches they are running, if any)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)


def _finished(
    batch: list[Call],
    metrics: BrokerMetrics | None,
    done: concurrent.futures.Future[list[Outcome]],
) -> None:
    """Answer a batch's operations (called on its writer thread, or at once if done)."""
    exc = done.exception()
    _settle([(f, False, exc) for _, f in batch] if exc is not None else done.result(), metrics)


def _settle(outcomes: list[Outcome], metrics: BrokerMetrics | None = None) -> None:
    """Answer each operation on its own event loop.

    A batch is answered from its writer thread (PostgreSQL), and may hold operations of
    another loop than the one that started it (an app driven by two clients has two).
    The answers of each other loop go to it in one ``call_soon_threadsafe`` (one wake-up
    per batch, not per answer), since setting a future from a foreign thread would not
    wake its loop; the time until that loop runs them is the ``deliver`` stage.
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
            loop.call_soon_threadsafe(_deliver_all, answers, metrics, time.perf_counter())


def _deliver_all(
    outcomes: list[Outcome], metrics: BrokerMetrics | None = None, sent: float = 0.0
) -> None:
    if metrics is not None:
        metrics.stage("deliver", time.perf_counter() - sent)
    for outcome in outcomes:
        _deliver(*outcome)


def _deliver(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
