"""Placements decided one at a time, for drains and offer answers, and a key's first answer.

New placement requests are placed in batches (:mod:`gigawatt.broker.committer`,
:mod:`gigawatt.broker.placing`). A drain re-places the placements of a drained site one
at a time with :func:`apply_decision` (the same candidates and
:func:`~gigawatt.broker.decide.decide`, read from and booked in the ledger directly), and
an offered re-placement records its offer with :func:`open_offer`.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Connection, insert, select

from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Request, decide, options
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.ledger import book, feasible
from gigawatt.broker.placing import Prior, replay_json, request_json
from gigawatt.broker.tables import offers, placements

__all__ = ["apply_decision", "first_answer", "open_offer", "request_from_json"]


def request_from_json(text: str) -> Request:
    """Rebuild a stored request."""
    d = json.loads(text)
    return Request(
        tuple(d["tags"]),
        d["accelerator"],
        d["count"],
        d["flops"],
        d["utilization"],
        d["start_hour"],
        d["end_hour"],
        d["single_site"],
    )


def apply_decision(
    ctx: BrokerContext,
    conn: Connection,
    req: Request,
    excluded: set[int],
    now: float,
    drained: frozenset[str] | None = None,
) -> Decision:
    """Decide a request against the ledger as it is and book the outcome.

    ``drained`` are the sites to leave out (default: those this process knows drained).

    Raises:
        SlotsFull: a concurrent booking took the room first; retry.
    """
    opts = options(ctx.catalog, req, ctx.drained if drained is None else drained)
    cands = [(c.offer, c.count) for c in opts.allowed if c.offer.resource not in excluded]
    room = feasible(conn, ctx.catalog, cands, req.start_hour, req.end_hour)
    d = decide(ctx.catalog, req, opts, room)
    held = [(c.offer, c.count) for c in (d.main, d.offer_to) if c is not None]
    if held:
        book(conn, ctx.catalog, held, req.start_hour, req.end_hour)
    return d


def open_offer(
    ctx: BrokerContext, conn: Connection, d: Decision, req: Request, pid: int, now: float
) -> tuple[int, float]:
    """Record a pending offer to the counterparty for an offered decision.

    Returns:
        ``(offer id, deadline in epoch seconds)``.
    """
    assert d.offer_to is not None and d.clause is not None
    deadline = now + ctx.settings.offer_deadline_seconds
    to = d.offer_to
    row = {
        "placement_id": pid,
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
    oid = conn.execute(insert(offers).returning(offers.c.id), row).scalar_one()
    return int(oid), deadline


def first_answer(
    ctx: BrokerContext, principal: Principal, req: Request, idem_key: str
) -> str | None:
    """The first answer under this key, if one was given (None: the key is unused).

    Raises:
        ConflictError: the key was used for a different request.
    """
    digest = hashlib.sha256(request_json(req).encode()).hexdigest()
    q = select(
        placements.c.id, placements.c.offer_id, placements.c.response, placements.c.request_digest
    ).where(placements.c.owner_id == principal.id, placements.c.idem_key == idem_key)

    def read(conn: Connection) -> str | None:
        row = conn.execute(q).first()
        if row is None:
            return None
        if row.request_digest != digest:
            raise ConflictError(
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
                "Idempotency-Key",
            )
        return replay_json(Prior(int(row.id), row.offer_id, row.response, row.request_digest))

    return ctx.db.transact(read, write=False)
