"""The SQLite store: every statement a placement sends, with the counts checked in Python.

A batch runs in one ``BEGIN IMMEDIATE`` transaction (no other writer until it ends), on
the event loop: SQLite's work is CPU, with nothing to overlap.

* **Read** (:meth:`SqliteStore.read`), one placement at a time (each decides after the
  one before has written): the first answer under its key, the most booked of every
  candidate resource in each month of its hours (``MAX`` in SQLite, not hour by hour
  in Python: a year-long placement reads 12 numbers per resource), the drained sites.
* **Write** (:meth:`SqliteStore.write`): its bookings per resource and month segment,
  each an upsert over the segment's hours applied only where
  ``booked + n <= capacity``; the placement
  rows (``ON CONFLICT DO NOTHING``; an offered one's stored answer gets its offer id
  once the offer is inserted), the pending offers and the audit entries. Every
  statement's count of rows touched is checked (:class:`WriteCheckFailed` unless it is
  the expected one), so a short batch is rolled back before its commit and run again one
  placement at a time, as on PostgreSQL.

The ledger's statements outside the placement path (:mod:`gigawatt.broker.ledger`:
drains, offer answers and expiry, releases) are here too, as on PostgreSQL: one booking
over a range where it fits and the site is not drained (:attr:`SqliteStore.book_range`),
its release, the peaks (per resource, ``MAX`` over the range), and the slots lock (none:
the transaction began ``IMMEDIATE``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from gigawatt.broker.placing import Prior, Snapshot, Wanted, Writes
from gigawatt.broker.tables import NEW_OFFER_COLUMNS as OFFER_COLUMNS
from gigawatt.broker.tables import NEW_PLACEMENT_COLUMNS as COLUMNS

__all__ = ["SqliteStore", "SqliteTx", "WriteCheckFailed"]


class SqliteTx(Protocol):
    """What the store needs of the batch's transaction."""

    def cursor(self) -> Any:
        """A DB-API cursor of the batch's connection."""


class WriteCheckFailed(Exception):  # noqa: N818 - a signal to run the batch again safely
    """A write touched fewer rows than the snapshot promised: roll the batch back."""


_PRIOR = (
    "SELECT id, offer_id, response, request_digest FROM placements "
    "WHERE owner_id = :owner AND idem_key = :key"
)
_PEAK = "SELECT MAX(booked) FROM slots WHERE resource = :r AND hour >= :s AND hour < :e"
_DRAINED = "SELECT site FROM drained_sites"
_RANGE = (  # n on every hour of [s, e) of resource r
    "INSERT INTO slots (resource, hour, booked) WITH RECURSIVE hs(h) AS (SELECT :s "
    "UNION ALL SELECT h + 1 FROM hs WHERE h + 1 < :e) SELECT :r, h, :n FROM hs WHERE "
)
_ADD = " ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked"
_FITS = " WHERE slots.booked + excluded.booked <= :cap"
# Only on hours with room: a short count means one had none (or, _BOOK_OPEN, the site
# was drained).
_BOOK = f"{_RANGE}true{_ADD}{_FITS}"
_BOOK_OPEN = f"{_RANGE}NOT EXISTS (SELECT 1 FROM drained_sites WHERE site = :site){_ADD}{_FITS}"
_RELEASE = f"{_RANGE}true{_ADD}"
_INSERT = (
    f"INSERT INTO placements ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}) "
    "ON CONFLICT (owner_id, idem_key) DO NOTHING RETURNING id"
)
_INSERT_OFFER = (
    f"INSERT INTO offers ({', '.join(OFFER_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in OFFER_COLUMNS)}) RETURNING id"
)
_SET_OFFER = "UPDATE placements SET offer_id = :oid, response = :response WHERE id = :pid"
_AUDIT = (
    "INSERT INTO audit (at, actor, actor_id, token_id, action, placement_id, offer_id, site, "
    "clause, detail) VALUES (:at, :actor, :actor_id, :token_id, :action, :pid, :oid, "
    ":audit_site, :clause, :detail)"
)


class SqliteStore:
    """The statements of the placement path and of the ledger on SQLite (see the module).

    The ledger's methods take a DB-API cursor of the caller's transaction.

    Attributes:
        book_range: The ledger's booking of one range (``:name`` parameters), as
            ``PgStore.book_range``.
        release_range: Its release, as ``PgStore.release_range``.
    """

    dialect = "sqlite"
    book_range = _BOOK_OPEN
    release_range = _RELEASE

    def peaks(self, cur: Any, resources: list[int], s: int, e: int) -> dict[int, int]:
        """The most booked of each resource in one hour of ``[s, e)`` (absent: none)."""
        out = {}
        for r in resources:
            peak = cur.execute(_PEAK, {"r": r, "s": s, "e": e}).fetchone()[0]
            if peak is not None:
                out[r] = int(peak)
        return out

    def lock_slots(self, cur: Any) -> None:
        """Nothing to do: the transaction began ``IMMEDIATE`` (no other writer until it ends)."""

    def read(self, tx: SqliteTx, wanted: Wanted) -> Callable[[], Snapshot]:
        """Read what the batch's placements decide on (at once: nothing to queue)."""
        cur = tx.cursor()
        priors: dict[tuple[int, str], Prior] = {}
        peaks: dict[tuple[int, int], int] = {}
        assert len(wanted.options) == 1, "SQLite reads for one placement at a time"
        for key, resources in wanted.resources.items():
            found = cur.execute(_PRIOR, {"owner": key[0], "key": key[1]}).fetchone()
            if found is not None:
                priors[key] = Prior(int(found[0]), found[1], found[2], found[3])
            for month, start, end in wanted.segments[key]:
                for r in resources:
                    params = {"r": r, "s": start, "e": end}
                    peaks[(r, month)] = int(cur.execute(_PEAK, params).fetchone()[0] or 0)
        drained = frozenset(str(s) for (s,) in cur.execute(_DRAINED).fetchall())
        snapshot = Snapshot(wanted, priors, {}, drained, peaks)
        return lambda: snapshot

    def write(self, tx: SqliteTx, writes: Writes) -> Callable[[], list[tuple[int, int | None]]]:
        """Apply the batch's writes, checking every count.

        Raises:
            WriteCheckFailed: a booking found no room, or a key was taken.
        """
        cur = tx.cursor()
        for r, s, e, n, cap in sorted(writes.ranges):
            got = cur.execute(_BOOK, {"r": r, "s": s, "e": e, "n": n, "cap": cap}).rowcount
            if got != e - s:
                raise WriteCheckFailed(f"{got} of {e - s} hours of resource {r} booked")
        ids: list[tuple[int, int | None]] = []
        entries = []
        for row in writes.rows:
            got = cur.execute(_INSERT, {c: row[c] for c in COLUMNS}).fetchone()
            if got is None:
                raise WriteCheckFailed(f"the key {row['idem_key']!r} was taken meanwhile")
            pid, oid = int(got[0]), None
            if row["offered"]:
                offer = {c: row.get(f"o_{c}") for c in OFFER_COLUMNS}
                offer |= {"placement_id": pid, "status": "pending", "clause": row["clause"]}
                offer |= {"start_hour": row["start_hour"], "end_hour": row["end_hour"]}
                offer["created_at"] = row["created_at"]
                oid = int(cur.execute(_INSERT_OFFER, offer).fetchone()[0])
                answer = writes.answers[[a.row for a in writes.answers].index(row["i"])]
                assert answer.fields is not None
                response = json.dumps({**answer.fields, "offer_id": oid}, separators=(",", ":"))
                cur.execute(_SET_OFFER, {"oid": oid, "response": response, "pid": pid})
            ids.append((pid, oid))
            entries.append({**row, "pid": pid, "oid": oid})
        cur.executemany(_AUDIT, entries)
        return lambda: ids
