"""PostgreSQL pipeline mode inside a batch: statements sent without waiting for answers.

Inside a batch (:meth:`gigawatt.broker.db.Database.batch`) on PostgreSQL, the placement
path reads what it needs in one round trip (which also carries the previous placement's
writes to the server) and queues its own writes without waiting. What those writes must
have done (every hour of a booking updated, the placement row inserted) is checked once,
after the batch's last statement has run and before its commit (:meth:`Pipeline.finish`).

Batches hold an advisory lock, so no other writer changes the ledger between a
placement's read and its writes, and the checks hold. A batch started while the one
before it commits (:mod:`gigawatt.broker.inflight`) reads first and takes the lock before
its first write (:meth:`Pipeline.writing`). Should a check fail anyway (a site
drained by another server process an instant ago, a bug) or any statement fail, the
batch is rolled back as a whole and run again with a savepoint per operation and no
pipeline (:class:`PipelineCheckFailed`); nothing of it was committed or acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from gigawatt.broker.inflight import InFlight

__all__ = [
    "BATCH_LOCK",
    "Later",
    "Pipeline",
    "PipelineCheckFailed",
]

BATCH_LOCK = 0x67696761  # the PostgreSQL advisory lock held by a batch ("giga")
_LOCK_FIRST = f"SELECT pg_advisory_xact_lock({BATCH_LOCK})"
# A batch's ticket: a lock of its own, held to its end, that the batch after it waits for.
_TICKET = "SELECT pg_advisory_xact_lock(%s, %s)"
_XID = "SELECT pg_current_xact_id()::text"
_LOCK_AFTER = _LOCK_FIRST
# Run after the lock (a statement of its own: the lock must be held before the status is
# read). A failing check raises an error (``gigawatt_check``, migration 0003), which
# aborts the transaction before its commit.
_BEFORE_COMMITTED = (
    "SELECT gigawatt_check(s.status = 'committed', "
    "'the batch before did not commit: ' || coalesce(s.status, '?')) "
    "FROM (SELECT pg_xact_status(%s::xid8) AS status) AS s"
)

T = TypeVar("T")


class PipelineCheckFailed(Exception):  # noqa: N818 - a signal to rerun the batch safely
    """A queued write did not do what its read promised: rerun the batch with savepoints."""


class Later(Generic[T]):
    """A result that can be read once the batch's statements have run.

    Args:
        read: Called once, after :meth:`Pipeline.finish`, to produce the result (kept).
    """

    __slots__ = ("_read", "_value")

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._value: list[T] = []

    def get(self) -> T:
        """The result."""
        if not self._value:
            self._value.append(self._read())
        return self._value[0]


class Pipeline:
    """Pipeline mode on a batch's psycopg connection, entered on first use.

    Args:
        driver: The psycopg connection of the batch (inside its transaction).
        after: The batch still committing that this one runs after (None: none).
    """

    __slots__ = (
        "_driver",
        "_flushes",
        "_locked",
        "_mode",
        "_xid_cursor",
        "after",
        "booked",
        "checks",
        "done",
        "overlaid",
        "prefetched",
        "recorded",
        "stale",
        "xid",
    )

    def __init__(self, driver: Any, after: InFlight | None = None) -> None:
        self._driver = driver
        self._mode: Any = None
        self.after = after if after is not None and after.xid is not None else None
        self._locked = False
        self._xid_cursor: Any = None
        self.xid: int | None = None  # this transaction's id, once read
        self.overlaid = False  # whether reads counted the bookings of ``after``
        self._flushes: list[Callable[[], None]] = []
        self.recorded = 0  # writes recorded to be queued at the next flush, in all
        self.checks: list[Callable[[], bool]] = []
        # Reads queued ahead, by operation key, and what the batch has queued since:
        # amounts booked per (resource, hour) and answers per idempotency key.
        self.prefetched: dict[Any, Any] = {}
        self.booked: dict[tuple[int, int], int] = {}
        self.done: dict[Any, Any] = {}
        # Set once another kind of operation has written in the batch: reads queued
        # ahead may be out of date, so operations read afresh.
        self.stale = False

    def cursor(self) -> Any:
        """A new cursor in pipeline mode (one per statement whose result is read later)."""
        if self._mode is None:
            self._mode = self._driver.pipeline()
            self._mode.__enter__()
        return self._driver.cursor()

    def begin(self, ticket: tuple[int, int] | None = None) -> None:
        """Take the batch lock first if nothing is in flight; take ``ticket``; read the xid.

        The ticket (an advisory lock of this batch's own, free when taken) is held to the
        batch's end: the batch after it waits for it before its writes (:meth:`writing`).
        """
        if self.after is None:
            self.cursor().execute(_LOCK_FIRST)
            self._locked = True
        if ticket is not None:
            self.cursor().execute(_TICKET, ticket)
        cur = self.cursor()
        cur.execute(_XID)
        self._xid_cursor = cur

    def read_xid(self) -> None:
        """Read this transaction's id (once the batch's first reads have come back)."""
        if self.xid is None and self._xid_cursor is not None:
            self.xid = int(self._xid_cursor.fetchone()[0])

    def writing(self) -> None:
        """Before the first write: wait for the batch before to end, take the batch lock.

        The wait is on the ticket of the batch before, which it took when it began, so it
        is for that batch's end whatever the order in which the two ask for the batch lock.

        If the reads counted the bookings of the batch before, that batch must have
        committed: checked by the next statement, whose error rolls this batch back (it
        is then run again).
        """
        if self._locked:
            return
        self._locked = True
        assert self.after is not None and self.after.xid is not None
        if self.after.ticket is not None:  # wait for the batch before to end ...
            self.cursor().execute(_TICKET, self.after.ticket)
        self.cursor().execute(_LOCK_AFTER)  # ... then take the batch lock (other processes)
        if self.overlaid:
            self.cursor().execute(_BEFORE_COMMITTED, (str(self.after.xid),))

    def on_flush(self, flush: Callable[[], None]) -> None:
        """Have :meth:`flush` call ``flush`` (writes recorded, to be queued together)."""
        self._flushes.append(flush)

    def flush(self) -> None:
        """Queue the writes recorded so far (before reads that must see them, and at the end)."""
        flushes, self._flushes = self._flushes, []
        for flush in flushes:
            flush()

    def writes(self) -> int:
        """Writes queued or recorded so far in the batch.

        An operation that raised after adding some cannot be rolled back alone: the batch
        runs again instead.
        """
        return self.recorded + len(self.checks)

    def expect(self, check: Callable[[], bool]) -> None:
        """Register a condition on queued results, checked by :meth:`finish`."""
        self.checks.append(check)

    def close(self) -> None:
        """Drop what the batch kept (its reads, writes, answers).

        The batch's objects refer to each other; without this they would wait for the
        cyclic garbage collector (about 40 objects per placement), whose pauses then hit
        the slowest requests.
        """
        self.prefetched = {}
        self.done = {}
        self.booked = {}  # the dict itself lives on in what the batch published
        self.checks = []
        self._flushes = []
        self.after = None

    def sync(self) -> None:
        """Leave pipeline mode, waiting for every queued result (raises a failed one's error)."""
        mode, self._mode = self._mode, None
        if mode is not None:
            mode.__exit__(None, None, None)

    def finish(self) -> None:
        """Queue the remaining writes and commit, or wait and check registered conditions.

        Without conditions to check in Python (the common case: the statements check
        their own results and fail), the ``COMMIT`` goes into the pipeline behind the
        writes, and one round trip runs them and commits. A failed statement aborts the
        transaction, the queued ``COMMIT`` is skipped and the error raised here. With
        conditions, it waits for every result and checks them before the commit.

        Raises:
            PipelineCheckFailed: a condition does not hold; roll the batch back.
        """
        self.flush()
        checks, self.checks = self.checks, []
        if not checks and self._mode is not None:
            self._driver.cursor().execute("COMMIT")
        self.sync()
        if not all(check() for check in checks):
            raise PipelineCheckFailed("a queued write did not apply; rerun the batch")
