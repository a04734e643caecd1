r"""Two batches in flight on PostgreSQL: the next one decides while the one before commits.

A batch's time splits into the writer's Python work (deciding each placement, building
its statements) and PostgreSQL's (running the statements, then the commit and its
fsync). Run one after the other, each side idles while the other works. So the runner
starts batch N+1 as soon as batch N has queued all its writes (:meth:`InFlight.publish`),
and N+1 runs as if N had committed:

* N+1 reads the ledger before N commits, so it adds N's bookings to what it read:
  :math:`booked'_{r,h} = booked_{r,h} + [\neg visible_N] \cdot booked^N_{r,h}`,
  where :math:`visible_N` says whether N+1's read already saw N's commit
  (``pg_visible_in_snapshot(xid_N, pg_current_snapshot())`` in the same statement, so the
  two can never disagree).
* N+1 waits for N's ticket (an advisory lock N took when it began and holds to its end)
  and takes the batch lock before its first write, so its writes run after N has ended,
  and it checks that N committed (``pg_xact_status(xid_N)``) before committing itself.
  If N rolled back, N+1 counted bookings that never happened: it is rolled back and run
  again from a fresh read (nothing of it was committed or answered).
* A batch holding an idempotency key that N holds waits for N's end instead (its first
  answer is not readable before).

The result is the one of running N, then N+1, one at a time; the conditional bookings
still guard every hour. Several server processes keep one batch in flight each (their
batches take turns on the lock and read after taking it): a batch reading ahead could
otherwise miss a release made by another process just before its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["InFlight"]


class InFlight:
    """What a batch on its way to commit has booked, for the batch after it.

    Args:
        on_publish: Called once from the writer thread with whether the next batch may
            start now (True: bookings final, transaction id known) or must wait for
            this batch's end (False).
        ticket: An advisory lock the batch takes when it begins and holds to its end;
            the batch after it waits for that lock before its writes, so that it checks
            the batch's outcome only once the batch has ended.
    """

    __slots__ = ("_on_publish", "booked", "ended", "keys", "ticket", "xid")

    def __init__(
        self,
        on_publish: Callable[[bool], None] | None = None,
        ticket: tuple[int, int] | None = None,
    ) -> None:
        self._on_publish = on_publish
        self.ticket = ticket  # the batch's own advisory lock (two int4 keys), held to its end
        self.xid: int | None = None
        self.booked: dict[tuple[int, int], int] = {}
        self.keys: frozenset[tuple[int, str]] = frozenset()
        self.ended = threading.Event()

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
        self.ended.set()
