"""Right-of-first-refusal offers: listing, accepting, declining and expiring.

An offer is pending until its counterparty answers or its deadline passes. While it is
pending, its placement is ``offered`` and holds capacity twice: at the counterparty's
site (the offer) and at the best other site (the fallback). Accepting moves the
placement to the counterparty and releases the fallback; declining or expiry keeps it
on the fallback and releases the counterparty's hold. Every transition is a
compare-and-set on the placement's status, then on the offer's, so that one answer wins.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Row, select, update

from gigawatt.broker.audit import record
from gigawatt.broker.auth import require
from gigawatt.broker.context import SYSTEM, BrokerContext, Principal
from gigawatt.broker.errors import ConflictError, ForbiddenError, NotFoundError
from gigawatt.broker.hours import iso_hour, iso_seconds
from gigawatt.broker.ledger import release
from gigawatt.broker.tables import offers, placements

__all__ = ["answer_offer", "any_due", "expire_due", "finalize", "list_offers", "render_offer"]


def render_offer(row: Row[Any]) -> dict[str, Any]:
    """The API form of an offer row."""
    return {
        "id": row.id,
        "placement_id": row.placement_id,
        "provider": row.provider,
        "site": row.site,
        "count": row.count,
        "start": iso_hour(row.start_hour),
        "end": iso_hour(row.end_hour),
        "status": row.status,
        "clause": row.clause,
        "deadline": iso_seconds(row.deadline),
        "answered_at": iso_seconds(row.answered_at) if row.answered_at is not None else None,
        "answered_by": row.answered_by,
    }


def list_offers(
    ctx: BrokerContext, principal: Principal, *, status: str | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Offers the principal may see: a provider its own, a team those of its placements.

    A read: offers past their deadline are expired first by the caller
    (:func:`any_due`, then :func:`expire_due` with the writes).
    """
    q = select(offers).order_by(offers.c.id).limit(limit)
    if principal.role == "provider":
        q = q.where(offers.c.provider == principal.provider)
    elif principal.role == "team":
        mine = select(placements.c.id).where(placements.c.owner_id == principal.id)
        q = q.where(offers.c.placement_id.in_(mine))
    if status is not None:
        q = q.where(offers.c.status == status)
    if after is not None:
        q = q.where(offers.c.id > after)

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [render_offer(r) for r in conn.execute(q)]

    return ctx.db.transact(read, write=False)


def finalize(
    ctx: BrokerContext,
    conn: Connection,
    off: Row[Any],
    outcome: str,
    actor: Principal,
    now: float,
) -> bool:
    """Close a pending offer as ``accepted``, ``declined`` or ``expired`` (or ``cancelled``).

    Returns:
        False when someone else closed it first (nothing changed).
    """
    p = conn.execute(select(placements).where(placements.c.id == off.placement_id)).one()
    if p.status != "offered" or p.offer_id != off.id:
        return False
    cat = ctx.catalog
    fallback = cat.offers[p.offer_resource]
    if outcome == "accepted":
        values = {
            "status": "placed",
            "site": off.site,
            "provider": off.provider,
            "offer_resource": off.resource,
            "count": off.count,
            "accelerator": cat.offers[off.resource].ref.accelerator,
            "reason": f"{off.clause}: accepted by {off.provider}",
        }
        give_back = (fallback, int(p._mapping["count"]))
    else:
        values = {
            "status": "placed",
            "site": fallback.site,
            "provider": fallback.provider,
            "reason": f"{off.clause}: {off.provider} {outcome}, placed at {fallback.site}",
        }
        give_back = (cat.offers[off.resource], int(off._mapping["count"]))
    won = conn.execute(
        update(placements)
        .where(placements.c.id == p.id, placements.c.status == "offered")
        .values(updated_at=now, **values)
    ).rowcount
    if won != 1:
        return False
    conn.execute(
        update(offers)
        .where(offers.c.id == off.id, offers.c.status == "pending")
        .values(status=outcome, answered_at=now, answered_by=actor.name)
    )
    release(conn, cat, [give_back], p.start_hour, p.end_hour)
    record(
        conn,
        at=now,
        actor=actor,
        action=f"offer_{outcome}",
        placement_id=p.id,
        offer_id=off.id,
        site=values["site"],
        clause=off.clause,
        reason=values["reason"],
    )
    return True


def answer_offer(
    ctx: BrokerContext,
    principal: Principal,
    oid: int,
    accept: bool,
    *,
    tx: Connection | None = None,
) -> dict[str, Any]:
    """Accept or decline an offer as its provider (or an admin).

    ``tx``: the batch's connection (the committer passes it), else a transaction of its own.

    Raises:
        NotFoundError: no such offer.
        ForbiddenError: a team, or another provider's token.
        ConflictError: the offer is no longer pending (answered, expired or withdrawn).
    """
    require(principal, "provider", "admin")
    outcome = "accepted" if accept else "declined"

    def attempt(conn: Connection) -> tuple[dict[str, Any], str | None]:
        off = conn.execute(select(offers).where(offers.c.id == oid)).first()
        if off is None:
            raise NotFoundError("no_offer", f"no offer {oid}", "id")
        if principal.role == "provider" and off.provider != principal.provider:
            raise ForbiddenError(
                "not_your_offer",
                f"offer {oid} is made to {off.provider}; a {principal.provider} token may "
                "answer only its own offers",
            )
        now = time.time()
        if off.status == "pending" and now >= off.deadline:
            finalize(ctx, conn, off, "expired", SYSTEM, now)
            off = conn.execute(select(offers).where(offers.c.id == oid)).one()
        if off.status != "pending":
            return render_offer(off), off.status
        if not finalize(ctx, conn, off, outcome, principal, now):
            off = conn.execute(select(offers).where(offers.c.id == oid)).one()
            return render_offer(off), off.status
        off = conn.execute(select(offers).where(offers.c.id == oid)).one()
        return render_offer(off), None

    result, closed = ctx.db.transact(attempt, tx=tx)
    if closed is not None:
        raise ConflictError(
            "offer_not_pending", f"offer {oid} is {closed}; it can no longer be answered", "id"
        )
    return result


def any_due(conn: Connection, now: float) -> bool:
    """Whether some pending offer is past its deadline (a read; see :func:`expire_due`)."""
    due = select(offers.c.id).where(offers.c.status == "pending", offers.c.deadline <= now)
    return conn.execute(due.limit(1)).first() is not None


def expire_due(
    ctx: BrokerContext, now: float, batch: int = 200, *, tx: Connection | None = None
) -> int:
    """Expire pending offers whose deadline has passed; their placements go to the fallback.

    ``tx``: the batch's connection (the committer passes it), else transactions of its own.
    """
    due = ctx.db.transact(
        lambda conn: list(
            conn.execute(
                select(offers.c.id)
                .where(offers.c.status == "pending", offers.c.deadline <= now)
                .order_by(offers.c.deadline)
                .limit(batch)
            ).scalars()
        ),
        write=False,
        tx=tx,
    )
    done = 0
    for oid in due:

        def one(conn: Connection, oid: int = oid) -> bool:
            off = conn.execute(select(offers).where(offers.c.id == oid)).one()
            if off.status != "pending":
                return False
            return finalize(ctx, conn, off, "expired", SYSTEM, now)

        done += bool(ctx.db.transact(one, tx=tx))
    return done
