"""A placement inside a PostgreSQL batch, in pipeline mode: one round trip (two if offered).

Inside a batch, which holds the advisory lock (no other writer changes the ledger while
it runs), a placement:

1. queues its reads, the first answer under its idempotency key and the peak booked
   amount of each candidate resource per month segment, and waits for them: this one
   round trip also carries the previous placements' queued writes, which the reads see;
2. decides as :func:`gigawatt.broker.placements.place` does (same candidates, same
   :func:`~gigawatt.broker.decide.decide`);
3. queues its writes without waiting: the conditional bookings (the statements of
   :func:`gigawatt.broker.ledger.book`), the placement row and its audit entry. An
   offered decision first takes the placement's and the offer's ids from their sequences
   (a second round trip), so that its stored answer can name the offer.

Whether the writes did what the read promised (each booking touched every hour of its
segment, each row was inserted) is checked before the batch commits
(:meth:`gigawatt.broker.pipeline.Pipeline.finish`); if not, the batch is rolled back and
run again operation by operation, with savepoints, as on SQLite.

A batch started while the one before it commits (:mod:`gigawatt.broker.inflight`) adds
that batch's bookings to its first read unless the read saw its commit, and takes the
batch lock just before its first write.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

from gigawatt.broker.catalog import OfferResource
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Options, Request, decide, options
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.ledger import SlotsFull, booking_statements, peak_queries, with_room
from gigawatt.broker.pipeline import Later, Pipeline
from gigawatt.broker.placement_sql import (
    COLUMNS,
    OFFER_COLUMNS,
    PRIOR,
    answer,
    audit_params,
    placement_row,
)
from gigawatt.broker.rawsql import pg_array, pyformat

__all__ = ["place_pipelined", "prefetch_places"]

_BOOKINGS = (  # every booking of a placement: ledger.book's statements as one
    "b AS (INSERT INTO slots (resource, hour, booked) "
    "SELECT t.r, h, t.n FROM unnest(%(b_r)s::int[], %(b_s)s::int[], %(b_e)s::int[], "
    "%(b_n)s::bigint[]) AS t(r, s, e, n), generate_series(t.s, t.e - 1) AS h "
    "WHERE NOT EXISTS (SELECT 1 FROM drained_sites WHERE site = ANY(%(b_sites)s::text[])) "
    "ORDER BY t.r, h "
    "ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked "
    "WHERE slots.booked + excluded.booked <= (SELECT c.cap FROM unnest(%(b_r)s::int[], "
    "%(b_s)s::int[], %(b_e)s::int[], %(b_cap)s::bigint[]) AS c(r, s, e, cap) "
    "WHERE c.r = excluded.resource AND excluded.hour >= c.s AND excluded.hour < c.e) "
    "RETURNING 1)"
)
_AUDIT_COLUMNS = "at, actor, action, placement_id, offer_id, site, clause, detail"
_PLACE = pyformat(  # bookings, placement row and audit entry: one statement
    f"WITH {_BOOKINGS}, "
    f"p AS (INSERT INTO placements ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}) "
    "ON CONFLICT (team, idem_key) DO NOTHING RETURNING id), "
    f"a AS (INSERT INTO audit ({_AUDIT_COLUMNS}) "
    "SELECT :at, :actor, :action, p.id, NULL, :audit_site, :clause, :detail FROM p "
    "RETURNING 1) "
    "SELECT (SELECT count(*) FROM b), (SELECT id FROM p), (SELECT count(*) FROM a)"
)
_NO_OFFER_ID = '"offer_id":null'
_OFFER_VALUES = {  # the offer id goes into the stored answer too
    "offer_id": "i.oid",
    "response": "replace(:response, :no_offer_id, :offer_id_is || i.oid)",
}
_PLACE_OFFERED = pyformat(  # the same, plus the pending offer, with ids from the sequences
    "WITH i AS (SELECT nextval(pg_get_serial_sequence('placements', 'id')) AS pid, "
    "nextval(pg_get_serial_sequence('offers', 'id')) AS oid), "
    f"{_BOOKINGS}, "
    f"p AS (INSERT INTO placements (id, {', '.join(COLUMNS)}) "
    f"SELECT i.pid, {', '.join(_OFFER_VALUES.get(c, ':' + c) for c in COLUMNS)} FROM i "
    "ON CONFLICT (team, idem_key) DO NOTHING RETURNING id, offer_id), "
    f"o AS (INSERT INTO offers (id, {', '.join(OFFER_COLUMNS)}) "
    f"SELECT p.offer_id, p.id, {', '.join(':o_' + c for c in OFFER_COLUMNS[1:])} FROM p "
    "RETURNING 1), "
    f"a AS (INSERT INTO audit ({_AUDIT_COLUMNS}) "
    "SELECT :at, :actor, :action, p.id, p.offer_id, :audit_site, :clause, :detail FROM p "
    "RETURNING 1) "
    "SELECT (SELECT count(*) FROM b), (SELECT id FROM p), (SELECT count(*) FROM a), "
    "(SELECT offer_id FROM p), (SELECT count(*) FROM o)"
)
_PRIOR = pyformat(PRIOR)


def _touched(cur: Any, rows: int) -> bool:
    """Whether a queued statement changed exactly ``rows`` rows."""
    return bool(cur.rowcount == rows)


def _replayed(prior: tuple[Any, ...], req_digest: str) -> tuple[str, bool]:
    """The first answer for ``(id, response, request digest)``, if the request is the same."""
    if prior[2] != req_digest:
        raise ConflictError(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request; use a new key",
            "Idempotency-Key",
        )
    return f'{{"id":{prior[0]},{prior[1][1:]}', True


# Both reads are an index lookup per key or range: OFFSET 0 keeps the planner from
# flattening the LATERAL subquery into a join that scans the whole (growing) table.
_PRIORS = (
    "SELECT k.team, k.key, p.id, p.response, p.request_digest "
    "FROM unnest(%(teams)s::text[], %(keys)s::text[]) AS k(team, key) "
    "CROSS JOIN LATERAL (SELECT id, response, request_digest FROM placements "
    "WHERE team = k.team AND idem_key = k.key OFFSET 0) AS p"
)
_SLOTS = (
    "SELECT t.r, b.hour, b.booked "
    "FROM unnest(%(rs)s::int[], %(ss)s::int[], %(es)s::int[]) AS t(r, s, e) "
    "CROSS JOIN LATERAL (SELECT hour, booked FROM slots "
    "WHERE resource = t.r AND hour >= t.s AND hour < t.e OFFSET 0) AS b"
)
# Read while the batch before commits: one more row says whether this read (one
# statement, one snapshot) saw that batch's commit.
_SLOTS_AFTER = (
    f"{_SLOTS} UNION ALL SELECT NULL, NULL, "
    "pg_visible_in_snapshot(%(xid)s::xid8, pg_current_snapshot())::int"
)


@dataclass
class _Ahead:
    """The reads of a batch's placements, queued ahead in two statements.

    Attributes:
        priors: Cursor of the first answers stored under the batch's keys.
        slots: Cursor of the booked amounts of the candidates' hours (None: no candidate).
        wanted: Options and resources to read, per (team, key) not placed yet.
        found: First answers per (team, key), once read.
        base: Booked per (resource, hour) at the batch's start, once read.
    """

    priors: Any
    slots: Any
    wanted: dict[tuple[str, str], tuple[Options, list[int]]]
    found: dict[tuple[str, str], tuple[Any, ...]] | None = None
    base: dict[tuple[int, int], int] | None = None

    def load(self, pipe: Pipeline) -> None:
        r"""Wait for the reads (the first placement of the batch does).

        While the batch before commits (``pipe.after``), its bookings count too unless
        the read saw its commit: :math:`base_{r,h} = booked_{r,h} + [\neg visible]
        \cdot booked^{before}_{r,h}`.
        """
        if self.found is None:
            self.found = {(r[0], r[1]): tuple(r[2:]) for r in self.priors.fetchall()}
            rows = self.slots.fetchall() if self.slots is not None else []
            pipe.read_xid()
            visible = True
            base: dict[tuple[int, int], int] = {}
            for r, h, b in rows:
                if r is None:
                    visible = bool(b)
                else:
                    base[(int(r), int(h))] = int(b)
            if pipe.after is not None and not visible:
                for hour, n in pipe.after.booked.items():
                    base[hour] = base.get(hour, 0) + n
                pipe.overlaid = True
            self.base = base


def prefetch_places(pipe: Pipeline, calls: list[tuple[Any, ...]]) -> None:
    """Queue the reads of a batch's placements (``place``'s arguments): two statements."""
    wanted: dict[tuple[str, str], tuple[Options, list[int]]] = {}
    rs: list[int] = []
    ss: list[int] = []
    es: list[int] = []
    for ctx, principal, req, idem_key in calls:
        key = (principal.name, idem_key)
        if key in wanted:
            continue
        opts = options(ctx.catalog, req, ctx.drained)
        resources = _resources([(c.offer, c.count) for c in opts.allowed])
        wanted[key] = (opts, resources)
        rs += resources
        ss += [req.start_hour] * len(resources)
        es += [req.end_hour] * len(resources)
    if not wanted:
        return
    priors = pipe.cursor()
    teams, keys = [k[0] for k in wanted], [k[1] for k in wanted]
    priors.execute(_PRIORS, {"teams": pg_array(teams), "keys": pg_array(keys)})
    slots = None
    if rs:
        slots = pipe.cursor()
        ranges = {"rs": pg_array(rs), "ss": pg_array(ss), "es": pg_array(es)}
        if pipe.after is None:
            slots.execute(_SLOTS, ranges)
        else:
            slots.execute(_SLOTS_AFTER, {**ranges, "xid": str(pipe.after.xid)})
    pipe.prefetched["place"] = _Ahead(priors, slots, wanted)


def _resources(cands: list[tuple[OfferResource, int]]) -> list[int]:
    return sorted(
        {o.resource for o, _ in cands}
        | {o.power_resource for o, _ in cands if o.power_resource is not None}
    )


def _peaks_ahead(
    ctx: BrokerContext,
    pipe: Pipeline,
    base: dict[tuple[int, int], int],
    resources: list[int],
    req: Request,
) -> list[tuple[int, dict[int, int]]]:
    r"""Peak per resource and month segment: booked at the batch's start plus its bookings.

    :math:`peak_{r,seg} = \max_{h \in seg} (booked_{r,h} + queued_{r,h})`.
    """
    queued = pipe.booked
    out = []
    for seg in ctx.catalog.segments(req.start_hour, req.end_hour):
        peak: dict[int, int] = {}
        for r in resources:
            peak[r] = max(
                base.get((r, h), 0) + queued.get((r, h), 0)
                for h in range(seg.start_hour, seg.end_hour)
            )
        out.append((seg.month_index, peak))
    return out


def _peaks_now(
    ctx: BrokerContext, pipe: Pipeline, opts: Options, req: Request
) -> list[tuple[int, dict[int, int]]]:
    """Peak per resource and month segment read now (one round trip).

    Not while the batch before commits: the read would miss its bookings, so the batch
    is run again (one at a time) instead.
    """
    if pipe.after is not None:  # pragma: no cover - every placement of such a batch is prefetched
        pipe.expect(lambda: False)
    cands = [(c.offer, c.count) for c in opts.allowed]
    if not cands:
        return []
    reads = []
    for sql, params, month in peak_queries(ctx.catalog, cands, req.start_hour, req.end_hour):
        cur = pipe.cursor()
        cur.execute(pyformat(sql), params)
        reads.append((cur, month))
    return [(month, {int(r): int(b) for r, b in cur.fetchall()}) for cur, month in reads]


def place_pipelined(
    ctx: BrokerContext,
    pipe: Pipeline,
    principal: Principal,
    idem_key: str,
    req: Request,
    req_text: str,
    req_digest: str,
) -> tuple[str, bool] | Later[tuple[str, bool]]:
    """Decide, book and record a placement with queued statements (see the module).

    Returns:
        ``(response JSON, replayed)``, or that :class:`Later` (read before the commit).

    Raises:
        ConflictError: the key was used for a different request.
    """
    cat = ctx.catalog
    team = principal.name
    key = (team, idem_key)
    if key in pipe.done:  # placed earlier in this batch
        digest, first = pipe.done[key]
        _replayed((0, "{}", digest), req_digest)  # raises for a different request
        return Later(lambda: (_answered(*first.get())[0], True))
    ahead: _Ahead | None = pipe.prefetched.get("place")
    if ahead is not None and key in ahead.wanted and not pipe.stale:
        ahead.load(pipe)  # waits for every queued statement up to here
        assert ahead.found is not None and ahead.base is not None
        opts, resources = ahead.wanted.pop(key)
        found = ahead.found.get(key)
        peaks = _peaks_ahead(ctx, pipe, ahead.base, resources, req) if resources else []
    else:
        prior = pipe.cursor()
        prior.execute(_PRIOR, {"team": team, "key": idem_key})
        opts = options(cat, req, ctx.drained)
        peaks = _peaks_now(ctx, pipe, opts, req)
        found = prior.fetchone()
    if found is not None:
        return _replayed(found, req_digest)
    cands = [(c.offer, c.count) for c in opts.allowed]
    d = decide(cat, req, opts, with_room(cat, cands, peaks))
    now = time.time()
    row = placement_row(team, idem_key, req, req_text, req_digest, d, now)
    try:
        bookings = _bookings(ctx, pipe, d, req)
    except SlotsFull:  # pragma: no cover - the read excluded it: rerun the batch safely
        pipe.expect(lambda: False)
        raise
    params = {**row, **audit_params(d, None, team, now, "place"), **bookings}
    pipe.writing()
    cur = pipe.cursor()
    if d.status != "offered":
        body = answer(row, req, d)
        cur.execute(_PLACE, {**params, "response": body})
    else:
        body = _queue_offered(ctx, cur, d, req, row, params, now)
    got: Later[Any] = Later(cur.fetchone)
    pipe.expect(functools.partial(_wrote, got, params["b_hours"], d.status == "offered"))
    result = Later(lambda: _written(got.get(), body))
    pipe.done[key] = (req_digest, result)
    return Later(lambda: _answered(*result.get()))


def _wrote(written: Later[Any], hours: int, offered: bool) -> bool:
    """Whether the placement's statement booked every hour and inserted every row."""
    got = written.get()
    booked, pid, audited = got[:3]
    ok = booked == hours and pid is not None and audited == 1
    return bool(ok and (not offered or got[4] == 1))


def _written(got: tuple[Any, ...], body: str) -> tuple[int, str]:
    """``(placement id, stored answer)`` from the row of the placement's statement."""
    if len(got) > 3:  # offered: the offer id came from its sequence
        body = body.replace(_NO_OFFER_ID, f'"offer_id":{got[3]}', 1)
    return int(got[1]), body


def _answered(pid: int, body: str) -> tuple[str, bool]:
    return f'{{"id":{pid},{body[1:]}', False


def _bookings(ctx: BrokerContext, pipe: Pipeline, d: Decision, req: Request) -> dict[str, Any]:
    """Parameters of the bookings of a decision (``b_hours``: hours they must touch)."""
    held = [(c.offer, c.count) for c in (d.main, d.offer_to) if c is not None]
    cols: dict[str, Any] = {"b_r": [], "b_s": [], "b_e": [], "b_n": [], "b_cap": [], "b_sites": []}
    hours = 0
    if held:
        for _sql, p, touched, _resource in booking_statements(
            "postgresql", ctx.catalog, held, req.start_hour, req.end_hour
        ):
            for name in ("r", "s", "e", "n", "cap"):
                cols["b_" + name].append(p[name])
            cols["b_sites"].append(p["site"])
            hours += touched
    for r, start, end, n in zip(cols["b_r"], cols["b_s"], cols["b_e"], cols["b_n"], strict=True):
        for h in range(start, end):
            pipe.booked[(r, h)] = pipe.booked.get((r, h), 0) + n
    cols["b_sites"] = sorted(set(cols["b_sites"]))
    params: dict[str, Any] = {name: pg_array(values) for name, values in cols.items()}
    params["b_hours"] = hours
    return params


def _queue_offered(
    ctx: BrokerContext,
    cur: Any,
    d: Decision,
    req: Request,
    row: dict[str, Any],
    params: dict[str, Any],
    now: float,
) -> str:
    """Queue an offered placement with its pending offer; its answer (offer id to fill in)."""
    assert d.offer_to is not None and d.clause is not None
    deadline = now + ctx.settings.offer_deadline_seconds
    body = answer(row, req, d, None, deadline)
    to = d.offer_to
    offer = {
        "provider": to.offer.provider,
        "site": to.offer.site,
        "resource": to.offer.resource,
        "count": to.count,
        "start_hour": req.start_hour,
        "end_hour": req.end_hour,
        "status": "pending",
        "clause": d.clause.label,
        "deadline": deadline,
        "created_at": now,
    }
    named = {"o_" + k: v for k, v in offer.items()}
    named |= {"no_offer_id": _NO_OFFER_ID, "offer_id_is": '"offer_id":'}
    cur.execute(_PLACE_OFFERED, {**params, "response": body, **named})
    return body
