r"""The writes of a batch's placements as one statement (PostgreSQL pipeline mode).

Each placement of a pipelined batch is decided in Python against what was read plus
what the batch has booked so far; its writes are then only recorded here. Before the
batch's answers are read, :meth:`BatchWrites.flush` queues them all as one statement:

* the batch's bookings summed per resource and hour,
  :math:`n_{r,h} = \sum_{p} n_{p,r,h}`, with the capacity :math:`cap_{r,h}` of that
  hour: a slot row that exists gains :math:`n_{r,h}` only where
  :math:`booked_{r,h} + n_{r,h} \le cap_{r,h}` (re-checked by PostgreSQL on the newest
  row version if another transaction changed it); a missing row is inserted, unless
  another transaction inserted it meanwhile. Each placement was decided assuming those
  before it in the batch booked, so all of them fit exactly when every summed booking
  applies; the statement counts the rows it touched and fails unless the counts are
  the expected ones (the failure rolls the batch back before its commit);
* the placement rows (ids from the sequence, in the batch's order), the pending offers
  of offered placements (the offer id also goes into the stored answer) and one audit
  entry per placement.

If a count falls short (a slot full, a key taken, a site drained meanwhile) the batch is
rolled back and run again one placement at a time (see :mod:`gigawatt.broker.pipeline`).
One statement instead of one per placement halves the writer's Python work per
placement and saves PostgreSQL a statement's overhead each.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql.base import PGDialect

from gigawatt.broker.pipeline import Later, Pipeline
from gigawatt.broker.placement_sql import COLUMNS, OFFER_COLUMNS
from gigawatt.broker.rawsql import pg_array
from gigawatt.broker.tables import audit, offers, placements

__all__ = ["BatchWrites"]

_NO_OFFER_ID = '"offer_id":null'


_PG = PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped


def _pg(column: Column[Any]) -> str:
    """The PostgreSQL type of a table column, as the tables declare it."""
    return str(column.type.compile(dialect=_PG))


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
_PLACEMENT_VALUES = {
    "offer_id": "oid",
    "response": (
        f"CASE WHEN offered THEN replace(response, '{_NO_OFFER_ID}', "
        "'\"offer_id\":' || oid) ELSE response END"
    ),
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


class _Flushed:
    """The result of one flush's statement, once it is queued."""

    __slots__ = ("got",)

    def __init__(self) -> None:
        self.got: Later[tuple[Any, ...]] | None = None

    def ids(self, index: int) -> tuple[int, int | None]:
        """``(placement id, offer id)`` of the ``index``-th row of the flush."""
        assert self.got is not None, "placement writes read before they were flushed"
        pid, oid = self.got.get()[0][index]
        return int(pid), (int(oid) if oid is not None else None)


class BatchWrites:
    """The placements of a batch decided since the last flush, and their bookings.

    Args:
        pipe: The batch's pipeline.
    """

    __slots__ = ("_flushed", "_hours", "_pipe", "_rows", "_sites")

    def __init__(self, pipe: Pipeline) -> None:
        self._pipe = pipe
        self._flushed = _Flushed()  # the result of the rows recorded since the last flush
        self._rows: list[dict[str, Any]] = []
        self._hours: dict[tuple[int, int], list[int]] = {}  # (r, h) -> [n, cap]
        self._sites: set[str] = set()

    def add(
        self,
        row: dict[str, Any],
        bookings: list[tuple[int, int, int, int, int, str]],
    ) -> Later[tuple[int, int | None]]:
        """Record a placement's row and its bookings ``(r, start, end, n, cap, site)``.

        Returns:
            ``(placement id, offer id)``, readable once the batch's statements have run.
        """
        if not self._rows:
            self._pipe.on_flush(self.flush)
            self._flushed = _Flushed()
        index = len(self._rows)
        self._rows.append({**row, "i": index})
        self._pipe.recorded += 1
        booked = self._pipe.booked
        for r, start, end, n, cap, site in bookings:
            self._sites.add(site)
            for h in range(start, end):
                entry = self._hours.setdefault((r, h), [0, cap])
                entry[0] += n
                booked[(r, h)] = booked.get((r, h), 0) + n
        flushed = self._flushed
        return Later(lambda: flushed.ids(index))

    def flush(self) -> None:
        """Queue the recorded writes as one statement (after the batch lock)."""
        if not self._rows:
            return
        rows, hours, sites = self._rows, self._hours, self._sites
        self._rows, self._hours, self._sites = [], {}, set()
        keys = sorted(hours)
        params = {
            "rows": json.dumps(rows, separators=(",", ":")),
            "b_r": pg_array([r for r, _ in keys]),
            "b_h": pg_array([h for _, h in keys]),
            "b_n": pg_array([hours[k][0] for k in keys]),
            "b_cap": pg_array([hours[k][1] for k in keys]),
            "b_sites": pg_array(sorted(sites)),
        }
        offered = sum(bool(r["offered"]) for r in rows)
        params["want"] = f"{len(keys)},{len(rows)},{offered},{len(rows)}"
        self._pipe.writing()
        cur = self._pipe.cursor()
        cur.execute(WRITE_ALL, params)
        self._flushed.got = Later(cur.fetchone)
