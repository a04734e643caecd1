"""A placement inside a PostgreSQL batch, in pipeline mode.

Inside a batch, which holds the advisory lock (no other writer changes the ledger while
it runs), the placements:

1. read ahead, in two statements for the whole batch, the first answers under their
   idempotency keys and the booked amounts of every candidate resource in their hours
   (one round trip, :func:`prefetch_places`);
2. each decide as :func:`gigawatt.broker.placements.place` does (same candidates, same
   :func:`~gigawatt.broker.decide.decide`) on what was read plus what the batch has
   booked so far;
3. record their writes, which the batch queues as one statement before it reads the
   answers (:mod:`gigawatt.broker.placement_writes`): the bookings summed per hour with
   their capacity guards, the placement rows, the pending offers, the audit entries.

Whether the writes did what the reads promised (every summed booking applied, every row
inserted) is checked before the batch commits
(:meth:`gigawatt.broker.pipeline.Pipeline.finish`); if not, the batch is rolled back and
run again operation by operation, with savepoints, as on SQLite.

A batch started while the one before it commits (:mod:`gigawatt.broker.inflight`) adds
that batch's bookings to its first read unless the read saw its commit, and takes the
batch lock just before its writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from gigawatt.broker.catalog import OfferResource
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Options, Request, decide, options
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.ledger import SlotsFull, booking_statements, peak_queries, with_room
from gigawatt.broker.pipeline import Later, Pipeline
from gigawatt.broker.placement_sql import PRIOR, answer, audit_params, placement_row
from gigawatt.broker.placement_writes import BatchWrites
from gigawatt.broker.rawsql import pg_array, pyformat

__all__ = ["place_pipelined", "prefetch_places"]

_PRIOR = pyformat(PRIOR)
_NO_OFFER_ID = '"offer_id":null'


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
    "SELECT k.owner, k.key, p.id, p.response, p.request_digest "
    "FROM unnest(%(owners)s::bigint[], %(keys)s::text[]) AS k(owner, key) "
    "CROSS JOIN LATERAL (SELECT id, response, request_digest FROM placements "
    "WHERE owner_id = k.owner AND idem_key = k.key OFFSET 0) AS p"
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
        wanted: Options and resources to read, per (owner id, key) not placed yet.
        found: First answers per (owner id, key), once read.
        base: Booked per (resource, hour) at the batch's start, once read.
    """

    priors: Any
    slots: Any
    wanted: dict[tuple[int, str], tuple[Options, list[int]]]
    found: dict[tuple[int, str], tuple[Any, ...]] | None = None
    base: dict[tuple[int, int], int] | None = None

    def load(self, pipe: Pipeline) -> None:
        r"""Wait for the reads (the first placement of the batch does).

        While the batch before commits (``pipe.after``), its bookings count too unless
        the read saw its commit: :math:`base_{r,h} = booked_{r,h} + [\neg visible]
        \cdot booked^{before}_{r,h}`.
        """
        if self.found is None:
            self.found = {(int(r[0]), r[1]): tuple(r[2:]) for r in self.priors.fetchall()}
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
    wanted: dict[tuple[int, str], tuple[Options, list[int]]] = {}
    rs: list[int] = []
    ss: list[int] = []
    es: list[int] = []
    for ctx, principal, req, idem_key in calls:
        key = (principal.id, idem_key)
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
    owners, keys = [k[0] for k in wanted], [k[1] for k in wanted]
    priors.execute(_PRIORS, {"owners": pg_array(owners), "keys": pg_array(keys)})
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
    key = (principal.id, idem_key)
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
        pipe.flush()  # the batch's writes so far, which these reads must see
        prior = pipe.cursor()
        prior.execute(_PRIOR, {"owner": principal.id, "key": idem_key})
        opts = options(cat, req, ctx.drained)
        peaks = _peaks_now(ctx, pipe, opts, req)
        found = prior.fetchone()
    if found is not None:
        return _replayed(found, req_digest)
    cands = [(c.offer, c.count) for c in opts.allowed]
    d = decide(cat, req, opts, with_room(cat, cands, peaks))
    now = time.time()
    row = placement_row(principal, idem_key, req, req_text, req_digest, d, now)
    try:
        bookings = _bookings(ctx, d, req)
    except SlotsFull:  # pragma: no cover - the read excluded it: rerun the batch safely
        pipe.expect(lambda: False)
        raise
    audit = audit_params(d, None, principal, now, "place")
    record = {**row, **{k: audit[k] for k in _AUDIT_KEYS}, "offered": False}
    if d.status != "offered":
        record["response"] = body = answer(row, req, d)
    else:
        assert d.offer_to is not None
        to = d.offer_to
        deadline = now + ctx.settings.offer_deadline_seconds
        record["response"] = body = answer(row, req, d, None, deadline)
        record |= {
            "offered": True,
            "o_provider": to.offer.provider,
            "o_site": to.offer.site,
            "o_resource": to.offer.resource,
            "o_count": to.count,
            "o_deadline": deadline,
        }
    writes: BatchWrites | None = pipe.prefetched.get("place_writes")
    if writes is None:
        writes = pipe.prefetched["place_writes"] = BatchWrites(pipe)
    ids = writes.add(record, bookings)
    result = Later(lambda: _written(ids.get(), body))
    pipe.done[key] = (req_digest, result)
    return Later(lambda: _answered(*result.get()))


_AUDIT_KEYS = ("at", "actor", "actor_id", "token_id", "action", "audit_site", "detail")


def _written(ids: tuple[int, int | None], body: str) -> tuple[int, str]:
    """``(placement id, stored answer)``: an offered answer names its offer's id."""
    pid, oid = ids
    if oid is not None:
        body = body.replace(_NO_OFFER_ID, f'"offer_id":{oid}', 1)
    return pid, body


def _answered(pid: int, body: str) -> tuple[str, bool]:
    return f'{{"id":{pid},{body[1:]}', False


def _bookings(
    ctx: BrokerContext, d: Decision, req: Request
) -> list[tuple[int, int, int, int, int, str]]:
    """Bookings of a decision: ``(resource, start, end, count, capacity, site)`` each."""
    held = [(c.offer, c.count) for c in (d.main, d.offer_to) if c is not None]
    if not held:
        return []
    return [
        (p["r"], p["s"], p["e"], p["n"], p["cap"], p["site"])
        for _sql, p, _touched, _resource in booking_statements(
            "postgresql", ctx.catalog, held, req.start_hour, req.end_hour
        )
    ]
