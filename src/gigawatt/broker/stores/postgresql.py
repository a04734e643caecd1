r"""The PostgreSQL store: every statement a placement sends, in pipeline mode.

A batch of placements costs PostgreSQL two round trips, whatever its size
(:mod:`gigawatt.broker.committer`):

1. **Read** (:meth:`PgStore.read`), queued behind the batch's locks: the first answers
   under the batch's keys, the booked amounts of every candidate resource in its hours
   and the drained sites, three statements. Both lookups go through the indexes
   (``LATERAL ... OFFSET 0`` keeps the planner from flattening them into joins that scan
   the growing tables). While the batch before commits, one more row says whether this
   read (one statement, one snapshot) already saw its commit, and if not its bookings
   are added: :math:`booked'_{r,h} = booked_{r,h} + [\neg visible] \cdot
   booked^{before}_{r,h}`.
2. **Write** (:meth:`PgStore.write`), queued with the ``COMMIT`` behind it: one statement
   applies the batch's bookings summed per (resource, hour), each only where
   :math:`booked_{r,h} + n_{r,h} \le cap_{r,h}` (re-checked by PostgreSQL on the newest
   row version), inserts the rows a slot did not have yet, the placement rows (ids from
   the sequence in the batch's order; an offered one's stored answer names its offer id,
   set as JSON by ``jsonb_set``), the pending offers and the audit entries from one JSON
   array, then counts what it touched and raises (``gigawatt_check``, migration
   0003) unless every count is the expected one, so that the queued ``COMMIT`` never
   applies a short batch.

The ledger's statements outside the placement path (:mod:`gigawatt.broker.ledger`:
drains, offer answers and expiry, releases) are here too: one booking of ``n`` over
``[s, e)`` on one resource, applied to every hour only where it fits and the site is not
drained (:attr:`PgStore.book_range`, its count of rows checked by the ledger), its
release (:attr:`PgStore.release_range`), the peak booked per resource over a range
(:meth:`PgStore.peaks`), and the table lock a drain's re-placement holds
(:meth:`PgStore.lock_slots`).

Column lists and the types of the JSON rows come from the tables
(:mod:`gigawatt.broker.tables`). Array parameters go as literals (:func:`pg_array`):
psycopg's adaptation of a Python list costs more than the statements.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql.base import PGDialect

from gigawatt.broker.placing import Prior, Snapshot, Wanted, Writes
from gigawatt.broker.tables import (
    NEW_OFFER_COLUMNS,
    NEW_PLACEMENT_COLUMNS,
    audit,
    offers,
    placements,
)

__all__ = ["COLUMNS", "OFFER_COLUMNS", "WRITE_ALL", "PgStore", "PgTx", "pg_array"]


class PgTx(Protocol):
    """What the store needs of the batch's transaction (:class:`~gigawatt.broker.committer.Tx`)."""

    overlaid: bool

    def cursor(self) -> Any:
        """A cursor of the batch's connection (in pipeline mode when the batch is)."""

    def after_xid(self) -> int | None:
        """Transaction id of the batch still committing before this one (None: none)."""

    def after_booked(self) -> dict[tuple[int, int], int]:
        """What the batch still committing before this one booked."""

    def read_xid(self) -> None:
        """Read this transaction's id (queued when the batch began)."""

    def writing(self) -> None:
        """Wait for the batch before, then take the batch lock (before the first write)."""


def pg_array(values: list[int] | list[str]) -> str:
    """A PostgreSQL array literal (``{1,2}``, ``{"a","b"}``) for a ``%s::type[]`` parameter.

    The list holds one kind (its type says so): integers are written by ``map(str)`` in
    one pass, the batch's longest arrays (its hours) being integers.
    """
    if not values or isinstance(values[0], int):
        return "{" + ",".join(map(str, values)) + "}"
    return "{" + ",".join(_text(str(v)) for v in values) + "}"


def _text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PRIORS = (
    "SELECT k.owner, k.key, p.id, p.offer_id, p.response, p.request_digest "
    "FROM unnest(%(owners)s::bigint[], %(keys)s::text[]) AS k(owner, key) "
    "CROSS JOIN LATERAL (SELECT id, offer_id, response, request_digest FROM placements "
    "WHERE owner_id = k.owner AND idem_key = k.key OFFSET 0) AS p"
)
_SLOTS = (
    "SELECT t.r, b.hour, b.booked "
    "FROM unnest(%(rs)s::int[], %(ss)s::int[], %(es)s::int[]) AS t(r, s, e) "
    "CROSS JOIN LATERAL (SELECT hour, booked FROM slots "
    "WHERE resource = t.r AND hour >= t.s AND hour < t.e OFFSET 0) AS b"
)
_SLOTS_AFTER = (
    f"{_SLOTS} UNION ALL SELECT NULL, NULL, "
    "pg_visible_in_snapshot(%(xid)s::xid8, pg_current_snapshot())::int"
)
_DRAINED = "SELECT site FROM drained_sites"

_PG = PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped


def _pg(column: Column[Any]) -> str:
    """The PostgreSQL type of a table column, as the tables declare it."""
    return str(column.type.compile(dialect=_PG))


COLUMNS = NEW_PLACEMENT_COLUMNS
OFFER_COLUMNS = NEW_OFFER_COLUMNS
# The fields of one row of the batch's JSON array, typed as the columns they fill.
_AUDIT_FIELDS = {"at": "at", "actor": "actor", "actor_id": "actor_id", "token_id": "token_id"}
_AUDIT_FIELDS |= {"action": "action", "audit_site": "site", "detail": "detail"}
_OFFER_FIELDS = ("provider", "site", "resource", "count", "deadline")
_ROW_TYPES = {
    "i": "int",
    **{c: _pg(placements.c[c]) for c in COLUMNS if c != "offer_id"},
    **{name: _pg(audit.c[column]) for name, column in _AUDIT_FIELDS.items()},
    "offered": "boolean",
    **{f"o_{column}": _pg(offers.c[column]) for column in _OFFER_FIELDS},
}
_PLACEMENT_VALUES = {  # the stored answer names its offer (placing.answer_json)
    "offer_id": "oid",
    "response": "CASE WHEN offered THEN "
    "jsonb_set(response::jsonb, '{offer_id}', to_jsonb(oid))::text ELSE response END",
}
_OFFER_VALUES = {
    "placement_id": "pid",
    "provider": "o_provider",
    "site": "o_site",
    "resource": "o_resource",
    "count": "o_count",
    "status": "'pending'",
    "deadline": "o_deadline",
}
_HOURS = (
    "unnest(%(b_r)s::int[], %(b_h)s::int[], %(b_n)s::bigint[], %(b_cap)s::bigint[]) "
    "AS t(r, h, n, cap)"
)
_OPEN = "NOT EXISTS (SELECT 1 FROM drained_sites WHERE site = ANY(%(b_sites)s::text[]))"
WRITE_ALL = (
    "WITH r AS MATERIALIZED (SELECT * FROM json_to_recordset(%(rows)s::json) AS r("
    + ", ".join(f"{name} {kind}" for name, kind in _ROW_TYPES.items())
    + ")), "
    "ids AS MATERIALIZED (SELECT r.*, nextval(pg_get_serial_sequence('placements', 'id')) "
    "AS pid, CASE WHEN r.offered THEN nextval(pg_get_serial_sequence('offers', 'id')) END "
    "AS oid FROM r ORDER BY r.i), "
    f"u AS (UPDATE slots s SET booked = s.booked + t.n FROM {_HOURS} "
    f"WHERE s.resource = t.r AND s.hour = t.h AND s.booked + t.n <= t.cap AND {_OPEN} "
    "RETURNING 1), "
    f"n AS (INSERT INTO slots (resource, hour, booked) SELECT t.r, t.h, t.n FROM {_HOURS} "
    "WHERE t.n <= t.cap AND NOT EXISTS (SELECT 1 FROM slots s WHERE s.resource = t.r "
    f"AND s.hour = t.h) AND {_OPEN} ON CONFLICT (resource, hour) DO NOTHING RETURNING 1), "
    f"p AS (INSERT INTO placements (id, {', '.join(COLUMNS)}) "
    f"SELECT pid, {', '.join(_PLACEMENT_VALUES.get(c, c) for c in COLUMNS)} FROM ids "
    "ON CONFLICT (owner_id, idem_key) DO NOTHING RETURNING id), "
    f"o AS (INSERT INTO offers (id, {', '.join(OFFER_COLUMNS)}) "
    f"SELECT oid, {', '.join(_OFFER_VALUES.get(c, c) for c in OFFER_COLUMNS)} FROM ids "
    "WHERE offered AND pid IN (SELECT id FROM p) RETURNING 1), "
    "a AS (INSERT INTO audit (at, actor, actor_id, token_id, action, placement_id, offer_id, "
    "site, clause, detail) SELECT at, actor, actor_id, token_id, action, pid, oid, audit_site, "
    "clause, detail FROM ids "
    "WHERE pid IN (SELECT id FROM p) RETURNING 1) "
    "SELECT (SELECT json_agg(json_build_array(pid, oid) ORDER BY i) FROM ids), "
    "(SELECT gigawatt_check(c.got = %(want)s, 'a queued write did not apply: ' || c.got) "
    "FROM (SELECT "
    "concat_ws(',', (SELECT count(*) FROM u) + (SELECT count(*) FROM n), "
    "(SELECT count(*) FROM p), (SELECT count(*) FROM o), (SELECT count(*) FROM a)) AS got) c)"
)


# The ledger's statements (see the module): n on every hour of [s, e) of one resource.
_RANGE = (
    "INSERT INTO slots (resource, hour, booked) SELECT %(r)s::int, h, %(n)s::bigint "
    "FROM generate_series(%(s)s::int, %(e)s::int - 1) AS h"
)
_ADD = " ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked"
_BOOK_RANGE = (
    f"{_RANGE} WHERE NOT EXISTS (SELECT 1 FROM drained_sites WHERE site = %(site)s) "
    f"ORDER BY h{_ADD} WHERE slots.booked + excluded.booked <= %(cap)s"
)
_RELEASE_RANGE = f"{_RANGE} ORDER BY h{_ADD}"
_PEAKS = (
    "SELECT resource, MAX(booked) FROM slots WHERE resource = ANY(%(rs)s::int[]) "
    "AND hour >= %(s)s AND hour < %(e)s GROUP BY resource"
)


class PgStore:
    """The statements of the placement path and of the ledger on PostgreSQL (see the module).

    The ledger's methods take a DB-API cursor of the caller's transaction.

    Attributes:
        book_range: Book ``n`` of resource ``r`` on every hour of ``[s, e)`` where it fits
            (``cap``) and site ``site`` is not drained (those six parameters, by name);
            its count of rows is the hours booked.
        release_range: Add ``n`` (negative) to resource ``r`` on every hour of ``[s, e)``.
    """

    dialect = "postgresql"
    book_range = _BOOK_RANGE
    release_range = _RELEASE_RANGE

    def peaks(self, cur: Any, resources: list[int], s: int, e: int) -> dict[int, int]:
        """The most booked of each resource in one hour of ``[s, e)`` (absent: none)."""
        rows = cur.execute(_PEAKS, {"rs": pg_array(resources), "s": s, "e": e}).fetchall()
        return {int(r): int(b) for r, b in rows}

    def lock_slots(self, cur: Any) -> None:
        """Hold the ledger against bookings to its transaction's end (ones started wait)."""
        cur.execute("LOCK TABLE slots IN SHARE ROW EXCLUSIVE MODE")

    def read(self, tx: PgTx, wanted: Wanted) -> Callable[[], Snapshot]:
        """Queue the batch's reads; returns what waits for them and builds the snapshot."""
        rs: list[int] = []
        ss: list[int] = []
        es: list[int] = []
        for key, resources in wanted.resources.items():
            req = wanted.options[key][1]
            rs += resources
            ss += [req.start_hour] * len(resources)
            es += [req.end_hour] * len(resources)
        priors = tx.cursor()
        owners, keys = [k[0] for k in wanted.options], [k[1] for k in wanted.options]
        priors.execute(_PRIORS, {"owners": pg_array(owners), "keys": pg_array(keys)})
        drained = tx.cursor()
        drained.execute(_DRAINED)
        slots = None
        xid = tx.after_xid()
        if rs:
            slots = tx.cursor()
            ranges = {"rs": pg_array(rs), "ss": pg_array(ss), "es": pg_array(es)}
            if xid is None:
                slots.execute(_SLOTS, ranges)
            else:
                slots.execute(_SLOTS_AFTER, {**ranges, "xid": str(xid)})

        def load() -> Snapshot:
            found = {
                (int(r[0]), str(r[1])): Prior(
                    int(r[2]), None if r[3] is None else int(r[3]), r[4], r[5]
                )
                for r in priors.fetchall()
            }
            sites = frozenset(str(s) for (s,) in drained.fetchall())
            rows = slots.fetchall() if slots is not None else []
            tx.read_xid()
            visible = True
            base: dict[tuple[int, int], int] = {}
            for r, h, b in rows:
                if r is None:
                    visible = bool(b)
                else:
                    base[(int(r), int(h))] = int(b)
            if xid is not None and not visible:
                for hour, n in tx.after_booked().items():
                    base[hour] = base.get(hour, 0) + n
                tx.overlaid = True
            return Snapshot(wanted, found, base, sites)

        return load

    def write(self, tx: PgTx, writes: Writes) -> Callable[[], list[tuple[int, int | None]]]:
        """Queue the batch's writes as one statement; returns what reads their ids."""
        rows, hours = writes.rows, writes.hours
        if not rows:
            return list
        keys = sorted(hours)
        offered = sum(bool(r["offered"]) for r in rows)
        params = {
            "rows": json.dumps(rows, separators=(",", ":")),
            "b_r": pg_array([r for r, _ in keys]),
            "b_h": pg_array([h for _, h in keys]),
            "b_n": pg_array([hours[k][0] for k in keys]),
            "b_cap": pg_array([hours[k][1] for k in keys]),
            "b_sites": pg_array(sorted(writes.sites)),
            "want": f"{len(keys)},{len(rows)},{offered},{len(rows)}",
        }
        tx.writing()
        cur = tx.cursor()
        cur.execute(WRITE_ALL, params)

        def ids() -> list[tuple[int, int | None]]:
            got = cur.fetchone()[0]
            return [(int(p), None if o is None else int(o)) for p, o in got]

        return ids
