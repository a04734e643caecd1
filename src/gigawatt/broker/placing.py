r"""Placing a batch of requests: a pure function from what the ledger holds to the writes.

:func:`place_batch` takes a :class:`Snapshot` (the first answers stored under the
batch's idempotency keys, the booked amount of every candidate hour, the candidates
themselves) and the batch's :class:`Placement` operations, and returns the
:class:`Writes`: the placement rows, the bookings summed per (resource, hour) with the
capacity of that hour, and what to answer each operation once the writes have
committed. No I/O: the store of the database reads the snapshot and applies the writes
(:mod:`gigawatt.broker.stores`), the committer runs it all in one transaction
(:mod:`gigawatt.broker.committer`).

Each placement decides (:func:`gigawatt.broker.decide.decide`) on the snapshot plus what
the placements before it in the batch booked:
:math:`peak_{r,seg} = \max_{h \in seg} (booked_{r,h} + queued_{r,h})`. So every summed
booking fits exactly when the ledger still holds what the snapshot read; the store's
write checks that it does (counts of rows touched) and the batch is otherwise rolled
back and run again one placement at a time.

Answers are serialised once, after the commit (:func:`answer_json`), from the fields
decided here and the ids the write returned. The stored ``response`` (what a replay
answers) holds the same fields with ``offer_id`` set by the write itself, as JSON
(PostgreSQL's ``jsonb_set``, SQLite's store once it has the id); the placement's id is
its row's. The offer id is stored because a drain may later give the placement another
offer, and a replay answers the first answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from gigawatt.broker.catalog import Catalog, OfferResource
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Options, Request, decide, options, with_room
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.hours import iso_hour, iso_seconds

__all__ = [
    "Answer",
    "Placement",
    "Prior",
    "Snapshot",
    "Wanted",
    "Writes",
    "answer_json",
    "audit_params",
    "place_batch",
    "placement_row",
    "replay_json",
    "request_json",
    "wanted",
]

Key = tuple[int, str]  # (owner id, idempotency key)


@dataclass(frozen=True, slots=True)
class Placement:
    """The operation kind of a placement request, as the committer queues it.

    The committer tells batches apart by the kinds of their operations: only a batch of
    placements alone may overlap the batch before it.
    """

    ctx: BrokerContext
    principal: Principal
    req: Request
    idem_key: str

    @property
    def key(self) -> Key:
        """The idempotency key, scoped to its owner."""
        return (self.principal.id, self.idem_key)


@dataclass(frozen=True, slots=True)
class Prior:
    """A placement stored under an idempotency key: its ids, stored answer and digest."""

    id: int
    offer_id: int | None
    response: str
    digest: str


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the placements of a batch need read, per key: options and resources.

    Attributes:
        options: The allowed candidates of each key's request, and the request.
        resources: Per key, the resources whose booked hours the decision reads.
        segments: Per key, the request's month segments ``(month index, start, end)``.
    """

    options: dict[Key, tuple[Options, Request]]
    resources: dict[Key, list[int]]
    segments: dict[Key, list[tuple[int, int, int]]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the ledger holds for a batch (read by a store, in the batch's transaction).

    Attributes:
        wanted: The candidates read for.
        priors: The first answers under the batch's keys.
        booked: Booked amount per (resource, hour) of every candidate hour read.
        drained: The drained sites as the batch's transaction sees them (a drain earlier
            in the batch, or committed by another process, included).
        peaks: Instead of ``booked``, the most booked per (resource, month index) over
            the request's hours in that month (SQLite reads placements one at a time,
            so nothing of the batch is queued when it decides; None: use ``booked``).
    """

    wanted: Wanted
    priors: dict[Key, Prior]
    booked: dict[tuple[int, int], int]
    drained: frozenset[str]
    peaks: dict[tuple[int, int], int] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What to answer one operation once the batch has committed.

    Exactly one of: ``row`` (the index of its new placement row among the writes), a
    ``prior`` placement (a replay), or an ``error``. ``fields`` is the answer without
    its ids; ``replayed`` says whether it repeats a first answer.
    """

    row: int | None = None
    prior: Prior | None = None
    error: ConflictError | None = None
    fields: dict[str, Any] | None = None
    replayed: bool = False


@dataclass
class Writes:
    """The writes of a batch's placements, and the answers they lead to.

    Attributes:
        rows: One record per new placement: its row, its audit entry and its offer.
        hours: Per (resource, hour), ``[amount booked, capacity]`` (empty when the
            snapshot holds peaks: one placement alone, written as ``ranges``).
        sites: Sites of the bookings (none may be drained when they are written).
        answers: One per operation, in the batch's order.
        ranges: The same bookings as ``(resource, start, end, amount, capacity)`` ranges.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    hours: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    ranges: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    sites: set[str] = field(default_factory=set)
    answers: list[Answer] = field(default_factory=list)

    @property
    def booked(self) -> dict[tuple[int, int], int]:
        """Amount booked per (resource, hour) by these writes."""
        return {hour: entry[0] for hour, entry in self.hours.items()}


def wanted(ops: list[Placement]) -> Wanted:
    """The candidates of each key and the resources their decisions read."""
    opts: dict[Key, tuple[Options, Request]] = {}
    resources: dict[Key, list[int]] = {}
    segments: dict[Key, list[tuple[int, int, int]]] = {}
    for op in ops:
        key = op.key
        if key in opts:
            continue
        cat, req = op.ctx.catalog, op.req
        o = options(cat, req, op.ctx.drained)
        opts[key] = (o, req)
        resources[key] = _resources([(c.offer, c.count) for c in o.allowed])
        segments[key] = [
            (s.month_index, s.start_hour, s.end_hour)
            for s in cat.segments(req.start_hour, req.end_hour)
        ]
    return Wanted(opts, resources, segments)


def _resources(cands: list[tuple[OfferResource, int]]) -> list[int]:
    return sorted(
        {o.resource for o, _ in cands}
        | {o.power_resource for o, _ in cands if o.power_resource is not None}
    )


def place_batch(snapshot: Snapshot, ops: list[Placement], now: float) -> Writes:
    """Decide every placement of a batch on the snapshot; their writes and answers.

    A key stored before answers its first answer (a different request under it is a
    409); a key placed earlier in the batch answers that placement, replayed.
    """
    writes = Writes()
    first: dict[Key, tuple[str, Answer]] = {}
    for op in ops:
        text = request_json(op.req)
        digest = hashlib.sha256(text.encode()).hexdigest()
        key = op.key
        earlier = first.get(key)
        prior = snapshot.priors.get(key)
        if earlier is not None:
            got = earlier[1]
            answer = Answer(got.row, got.prior, got.error, got.fields, replayed=True)
            writes.answers.append(answer if earlier[0] == digest else Answer(error=_reused()))
            continue
        if prior is not None:
            answer = Answer(prior=prior, replayed=True)
            if prior.digest != digest:
                answer = Answer(error=_reused())
        else:
            answer = _place(snapshot, writes, op, text, digest, now)
        first[key] = (digest, answer)
        writes.answers.append(answer)
    return writes


def _reused() -> ConflictError:
    return ConflictError(
        "idempotency_key_reused",
        "this Idempotency-Key was used for a different request; use a new key",
        "Idempotency-Key",
    )


def _place(
    snapshot: Snapshot, writes: Writes, op: Placement, text: str, digest: str, now: float
) -> Answer:
    """Decide one new placement, record its writes; its answer."""
    ctx, req = op.ctx, op.req
    cat = ctx.catalog
    opts, _ = snapshot.wanted.options[op.key]
    resources = snapshot.wanted.resources[op.key]
    if snapshot.peaks is not None:
        assert not writes.hours, "a snapshot of peaks decides one placement alone"
        months = [m for m, _s, _e in snapshot.wanted.segments[op.key]]
        peaks = [(m, {r: snapshot.peaks.get((r, m), 0) for r in resources}) for m in months]
    else:
        peaks = _peaks(cat, snapshot.booked, writes.hours, resources, req) if resources else []
    cands = [(c.offer, c.count) for c in opts.allowed]
    room = with_room(cat, cands, peaks)
    if snapshot.drained:
        room -= {o.resource for o, _ in cands if o.site in snapshot.drained}
    d = decide(cat, req, opts, room)
    row = placement_row(op.principal, op.idem_key, req, text, digest, d, now)
    audit = audit_params(d, None, op.principal, now, "place")
    record = {**row, **{k: audit[k] for k in _AUDIT_KEYS}, "offered": False}
    deadline = None
    if d.status == "offered":
        assert d.offer_to is not None
        to = d.offer_to
        deadline = now + ctx.settings.offer_deadline_seconds
        record |= {
            "offered": True,
            "o_provider": to.offer.provider,
            "o_site": to.offer.site,
            "o_resource": to.offer.resource,
            "o_count": to.count,
            "o_deadline": deadline,
        }
    fields = answer_fields(row, req, d, deadline)
    record["response"] = json.dumps(fields, separators=(",", ":"))
    hourly = snapshot.peaks is None  # per hour: the next placement of the batch counts it
    for r, start, end, n, cap, site in _bookings(cat, d, req):
        writes.sites.add(site)
        writes.ranges.append((r, start, end, n, cap))
        for h in range(start, end) if hourly else ():
            entry = writes.hours.setdefault((r, h), [0, cap])
            entry[0] += n
    index = len(writes.rows)
    writes.rows.append({**record, "i": index})
    return Answer(row=index, fields=fields)


_AUDIT_KEYS = ("at", "actor", "actor_id", "token_id", "action", "audit_site", "detail")


def _peaks(
    cat: Catalog,
    base: dict[tuple[int, int], int],
    queued: dict[tuple[int, int], list[int]],
    resources: list[int],
    req: Request,
) -> list[tuple[int, dict[int, int]]]:
    r"""Peak per resource and month segment: the snapshot plus the batch's bookings so far."""
    out = []
    for seg in cat.segments(req.start_hour, req.end_hour):
        peak: dict[int, int] = {}
        for r in resources:
            most = 0
            for h in range(seg.start_hour, seg.end_hour):
                entry = queued.get((r, h))
                most = max(most, base.get((r, h), 0) + (entry[0] if entry is not None else 0))
            peak[r] = most
        out.append((seg.month_index, peak))
    return out


def _bookings(cat: Catalog, d: Decision, req: Request) -> list[tuple[int, int, int, int, int, str]]:
    """Bookings of a decision: ``(resource, start, end, count, capacity, site)`` each.

    Raises:
        ConflictError: an amount above the capacity itself (the snapshot excluded it).
    """
    out = []
    for c in (d.main, d.offer_to):
        if c is None:
            continue
        offer = c.offer
        for seg in cat.segments(req.start_hour, req.end_hour):
            bookings = [(offer.resource, c.count, offer.capacity[seg.month_index])]
            if offer.power_resource is not None:
                cap = cat.power_capacity[offer.power_resource][seg.month_index]
                bookings.append((offer.power_resource, c.count * offer.watts_each, cap))
            for r, n, cap in bookings:
                if n > cap:  # pragma: no cover - with_room excluded it
                    raise ConflictError("busy", "capacity changed under this request; retry", None)
                out.append((r, seg.start_hour, seg.end_hour, n, cap, offer.site))
    return out


def request_json(req: Request) -> str:
    """The request as canonical JSON (stored with the placement; its digest guards keys)."""
    return json.dumps(
        {
            "tags": list(req.tags),
            "accelerator": req.accelerator,
            "count": req.count,
            "flops": req.flops,
            "utilization": req.utilization,
            "start_hour": req.start_hour,
            "end_hour": req.end_hour,
            "single_site": req.single_site,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def fields(d: Decision, now: float) -> dict[str, Any]:
    """Placement columns for a decision (site and provider stay empty while offered)."""
    main = d.main
    placed = d.status == "placed" and main is not None
    return {
        "status": d.status,
        "accelerator": main.offer.ref.accelerator if main else None,
        "count": main.count if main else None,
        "offer_resource": main.offer.resource if main else None,
        "site": main.offer.site if placed and main else None,
        "provider": main.offer.provider if placed and main else None,
        "clause": d.clause.label if d.clause else None,
        "reason": d.reason,
        "updated_at": now,
    }


def audit_params(
    d: Decision, pid: int | None, actor: Principal, now: float, action: str
) -> dict[str, Any]:
    """Parameters of the audit entry of a decision (``audit_site`` is the site it names)."""
    site = d.offer_to.offer.site if d.offer_to else (d.main.offer.site if d.main else None)
    detail = {
        "status": d.status,
        "count": d.main.count if d.main else None,
        "fallback": d.main.offer.site if d.main and d.offer_to else None,
        "reason": d.reason,
    }
    return {
        "at": now,
        "actor": actor.name,
        "actor_id": actor.id,
        "token_id": actor.token_id,
        "action": action,
        "placement_id": pid,
        "offer_id": None,
        "audit_site": site,
        "clause": d.clause.label if d.clause else None,
        "detail": json.dumps(detail, separators=(",", ":")),
    }


def placement_row(
    owner: Principal,
    idem_key: str,
    req: Request,
    req_text: str,
    req_digest: str,
    d: Decision,
    now: float,
) -> dict[str, Any]:
    """Columns of a new placement (its ``response`` still empty)."""
    row = {
        "team": owner.name,
        "owner_id": owner.id,
        "idem_key": idem_key,
        "request_digest": req_digest,
        "tags": json.dumps(list(req.tags)),
        "start_hour": req.start_hour,
        "end_hour": req.end_hour,
        "single_site": req.single_site,
        "request": req_text,
        "response": "",
        "created_at": now,
        "offer_id": None,
        **fields(d, now),
    }
    if d.status == "rejected":
        row["accelerator"] = req.accelerator
        row["count"] = req.count
    return row


def answer_fields(
    row: dict[str, Any], req: Request, d: Decision, deadline: float | None = None
) -> dict[str, Any]:
    """The first answer without its ids (stored as the placement's ``response``)."""
    body: dict[str, Any] = {
        "status": row["status"],
        "site": row["site"],
        "provider": row["provider"],
        "offer": d.main.offer.ref.key if row["status"] == "placed" and d.main else None,
        "accelerator": row["accelerator"],
        "count": row["count"],
        "start": iso_hour(req.start_hour),
        "end": iso_hour(req.end_hour),
        "offer_id": None,  # set by the write (see the module)
        "clause": row["clause"],
        "reason": row["reason"],
    }
    if deadline is not None:
        body["offer_deadline"] = iso_seconds(deadline)
        body["offered_site"] = d.offer_to.offer.site if d.offer_to else None
    return body


def answer_json(pid: int, oid: int | None, fields: dict[str, Any]) -> str:
    """The answer to a placement request, serialised once: its ids and its fields."""
    return json.dumps({"id": pid, **fields, "offer_id": oid}, separators=(",", ":"))


_ORDER = [
    "status",
    "site",
    "provider",
    "offer",
    "accelerator",
    "count",
    "start",
    "end",
    "offer_id",
    "clause",
    "reason",
    "offer_deadline",
    "offered_site",
]


def replay_json(prior: Prior) -> str:
    """The first answer of a stored placement, as it was sent (its offer id as stored)."""
    loaded: dict[str, Any] = json.loads(prior.response)
    oid = loaded.get("offer_id", prior.offer_id)
    fields = {k: loaded[k] for k in _ORDER if k in loaded}  # jsonb does not keep the order
    return answer_json(prior.id, oid, fields)
