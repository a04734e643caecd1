"""Draining a failed site: its placements are re-placed under the same rules or displaced.

Two transactions. The first marks the site drained: from its commit on, no booking can
land there (every booking statement checks ``drained_sites``). The second (on
PostgreSQL under ``LOCK TABLE slots IN SHARE ROW EXCLUSIVE MODE``, so it waits for
bookings that started before the mark) takes every placement holding capacity at the
site (placed there, its fallback there, or its pending offer there), releases all of
its holds, withdraws its pending offer, and decides its request again as if it were new
(same clauses, drained sites excluded, whole original interval): it is ``replaced``
(placed, or offered again under a right of first refusal) or ``displaced`` (nothing has
room). Draining a drained site again re-runs the second step, so a crash in between is
repaired by repeating the call.

The process learns of the drain only once it has committed: :func:`drain_site` decides
with the drained sites its own transaction sees, and its caller adds the site to what the
process knows after the commit (:meth:`BrokerContext.note_drained`), so a drain whose
batch fails to commit leaves no trace.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, or_, select, update

from gigawatt.broker.audit import record
from gigawatt.broker.auth import require
from gigawatt.broker.context import SYSTEM, BrokerContext, Principal, read_drained
from gigawatt.broker.errors import NotFoundError
from gigawatt.broker.ledger import SlotsFull, lock_slots, release
from gigawatt.broker.placement_views import render
from gigawatt.broker.placements import apply_decision, open_offer, request_from_json
from gigawatt.broker.tables import drained_sites, offers, placements

__all__ = ["drain_site"]


def _mark(ctx: BrokerContext, site: str, actor: Principal, tx: Connection | None) -> bool:
    def mark(conn: Connection) -> bool:
        exists = conn.execute(
            select(drained_sites.c.site).where(drained_sites.c.site == site)
        ).first()
        now = time.time()
        if exists is None:
            conn.execute(drained_sites.insert(), {"site": site, "drained_at": now})
            record(conn, at=now, actor=actor, action="drain", site=site)
        return exists is None

    return ctx.db.transact(mark, tx=tx)


def _affected(conn: Connection, ctx: BrokerContext, site: str) -> list[int]:
    at_site = [o.resource for o in ctx.catalog.offers if o.site == site]
    pending_there = select(offers.c.placement_id).where(
        offers.c.status == "pending", offers.c.site == site
    )
    q = (
        select(placements.c.id)
        .where(
            or_(
                (placements.c.status == "placed") & (placements.c.site == site),
                (placements.c.status == "offered")
                & (placements.c.offer_resource.in_(at_site) | placements.c.id.in_(pending_there)),
            )
        )
        .order_by(placements.c.id)
    )
    return list(conn.execute(q).scalars())


def _replace_one(
    ctx: BrokerContext,
    conn: Connection,
    site: str,
    pid: int,
    now: float,
    drained: frozenset[str],
) -> dict[str, Any]:
    cat = ctx.catalog
    p = conn.execute(select(placements).where(placements.c.id == pid)).one()
    held = [(cat.offers[p.offer_resource], int(p._mapping["count"]))]
    if p.status == "offered" and p.offer_id is not None:
        off = conn.execute(select(offers).where(offers.c.id == p.offer_id)).one()
        if off.status == "pending":
            held.append((cat.offers[off.resource], int(off._mapping["count"])))
            conn.execute(
                update(offers)
                .where(offers.c.id == off.id)
                .values(status="cancelled", answered_at=now, answered_by=SYSTEM.name)
            )
    release(conn, cat, held, p.start_hour, p.end_hour)
    req = request_from_json(p.request)
    d = apply_decision(ctx, conn, req, set(), now, drained)
    main = d.main
    values: dict[str, Any] = {
        "status": d.status if d.status != "rejected" else "displaced",
        "count": main.count if main else p.count,
        "accelerator": main.offer.ref.accelerator if main else p.accelerator,
        "offer_resource": main.offer.resource if main else p.offer_resource,
        "site": main.offer.site if main and d.status == "placed" else None,
        "provider": main.offer.provider if main and d.status == "placed" else None,
        "clause": d.clause.label if d.clause else None,
        "reason": f"site {site} drained; {d.reason}",
        "offer_id": None,
        "updated_at": now,
    }
    if d.status == "offered":
        values["offer_id"] = open_offer(ctx, conn, d, req, pid, now)[0]
    conn.execute(update(placements).where(placements.c.id == pid).values(**values))
    record(
        conn,
        at=now,
        actor=SYSTEM,
        action="replace" if main else "displace",
        placement_id=pid,
        offer_id=values["offer_id"],
        site=values["site"],
        clause=values["clause"],
        reason=values["reason"],
    )
    return render(conn.execute(select(placements).where(placements.c.id == pid)).one(), cat)


def drain_site(
    ctx: BrokerContext, principal: Principal, site: str, *, tx: Connection | None = None
) -> dict[str, Any]:
    """Drain a site (admin): re-place its placements or report them displaced.

    ``tx``: the batch's connection (the committer passes it), else transactions of its own.

    Raises:
        ForbiddenError: not an admin.
        NotFoundError: no such site in the scenario.
    """
    require(principal, "admin")
    if site not in ctx.catalog.scenario.sites:
        raise NotFoundError(
            "no_site", f"no site {site!r} in scenario {ctx.catalog.scenario.name}", "name"
        )
    newly = _mark(ctx, site, principal, tx)

    def move(conn: Connection) -> dict[str, Any]:
        lock_slots(conn)
        drained = ctx.drained | read_drained(conn)  # this drain, not committed yet
        now = time.time()
        replaced: list[dict[str, Any]] = []
        displaced: list[dict[str, Any]] = []
        for pid in _affected(conn, ctx, site):
            out = _replace_one(ctx, conn, site, pid, now, drained)
            (displaced if out["status"] == "displaced" else replaced).append(out)
        return {"site": site, "newly_drained": newly, "replaced": replaced, "displaced": displaced}

    for _ in range(8):
        try:
            return ctx.db.transact(move, tx=tx)
        except SlotsFull:  # pragma: no cover - impossible under the table lock
            continue
    raise AssertionError("drain could not settle")  # pragma: no cover
