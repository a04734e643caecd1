"""Placements after they are made: the API form, who may see them, reading and releasing."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, Row, select, update

from gigawatt.broker.audit import act_once
from gigawatt.broker.catalog import Catalog
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.errors import ConflictError, NotFoundError
from gigawatt.broker.hours import iso_hour, iso_seconds
from gigawatt.broker.ledger import SlotsFull, release
from gigawatt.broker.tables import offers, placements

__all__ = ["HOLDING", "get_placement", "list_placements", "release_placement", "render", "visible"]

HOLDING = ("placed", "offered")
MAX_RACES = 16


def render(row: Row[Any], catalog: Catalog, deadline: float | None = None) -> dict[str, Any]:
    """The API form of a placement row."""
    offer_key = None
    if row.status == "placed" and row.offer_resource is not None:
        offer_key = catalog.offers[row.offer_resource].ref.key
    out: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "team": row.team,
        "tags": json.loads(row.tags),
        "accelerator": row.accelerator,
        "count": row.count,
        "start": iso_hour(row.start_hour),
        "end": iso_hour(row.end_hour),
        "single_site": bool(row.single_site),
        "site": row.site,
        "provider": row.provider,
        "offer": offer_key,
        "offer_id": row.offer_id,
        "clause": row.clause,
        "reason": row.reason,
        "created_at": iso_seconds(row.created_at),
    }
    if deadline is not None:
        out["offer_deadline"] = iso_seconds(deadline)
    return out


def visible(principal: Principal, row: Row[Any]) -> bool:
    """Whether a principal may see a placement."""
    if principal.role == "admin":
        return True
    if principal.role == "team":
        return bool(row.owner_id == principal.id)
    return row.provider is not None and row.provider == principal.provider


def get_placement(ctx: BrokerContext, principal: Principal, pid: int) -> dict[str, Any]:
    """One placement the principal may see.

    Raises:
        NotFoundError: no such placement, or not the principal's to see.
    """

    def read(conn: Connection) -> dict[str, Any]:
        row = conn.execute(select(placements).where(placements.c.id == pid)).first()
        if row is None or not visible(principal, row):
            raise NotFoundError("no_placement", f"no placement {pid}", "id")
        deadline = None
        if row.status == "offered" and row.offer_id is not None:
            deadline = conn.execute(
                select(offers.c.deadline).where(offers.c.id == row.offer_id)
            ).scalar()
        return render(row, ctx.catalog, deadline)

    return ctx.db.transact(read, write=False)


def list_placements(
    ctx: BrokerContext,
    principal: Principal,
    *,
    status: str | None,
    site: str | None,
    after: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Placements the principal may see, by id, filtered by status and site."""
    q = select(placements).order_by(placements.c.id).limit(limit)
    if principal.role == "team":
        q = q.where(placements.c.owner_id == principal.id)
    elif principal.role == "provider":
        q = q.where(placements.c.provider == principal.provider)
    if status is not None:
        q = q.where(placements.c.status == status)
    if site is not None:
        q = q.where(placements.c.site == site)
    if after is not None:
        q = q.where(placements.c.id > after)

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [render(r, ctx.catalog) for r in conn.execute(q)]

    return ctx.db.transact(read, write=False)


def _released(row: Row[Any]) -> bool:
    """Whether a placement was released (a repeated release answers it again)."""
    return bool(row.status == "released")


def release_placement(
    ctx: BrokerContext, principal: Principal, pid: int, *, tx: Connection | None = None
) -> dict[str, Any]:
    """Release a placement's capacity (and withdraw its pending offer).

    ``tx``: the batch's connection (the committer passes it), else a transaction of its own.

    Idempotent: releasing a released placement answers it as it is (a retried release
    whose first answer was lost, e.g. to a crash, is not an error).

    Raises:
        NotFoundError: no such placement the principal may see.
        ConflictError: it holds nothing and was never released (rejected or displaced).
    """

    def attempt(conn: Connection) -> dict[str, Any]:
        query = select(placements).where(placements.c.id == pid)
        row = conn.execute(query).first()
        if row is None or not visible(principal, row) or principal.role == "provider":
            raise NotFoundError("no_placement", f"no placement {pid} of yours", "id")
        now = time.time()

        def change(row: Row[Any]) -> dict[str, Any]:
            if row.status not in HOLDING:
                raise ConflictError(
                    "not_holding", f"placement {pid} is {row.status}: it holds no capacity", "id"
                )
            changed = conn.execute(
                update(placements)
                .where(placements.c.id == pid, placements.c.status == row.status)
                .values(status="released", updated_at=now, reason=f"released by {principal.name}")
            ).rowcount
            if changed != 1:
                raise SlotsFull(-1)  # changed under us: retry with a fresh read
            cat = ctx.catalog
            held = [(cat.offers[row.offer_resource], int(row._mapping["count"]))]
            if row.status == "offered" and row.offer_id is not None:
                off = conn.execute(select(offers).where(offers.c.id == row.offer_id)).one()
                conn.execute(
                    update(offers)
                    .where(offers.c.id == off.id, offers.c.status == "pending")
                    .values(status="withdrawn", answered_at=now, answered_by=principal.name)
                )
                held.append((cat.offers[off.resource], int(off._mapping["count"])))
            release(conn, cat, held, row.start_hour, row.end_hour)
            return {
                "placement_id": pid,
                "offer_id": row.offer_id,
                "site": row.site,
                "previous": row.status,
            }

        changes = (now, principal, "release")
        released = act_once(conn, row, query, _released, change, changes)
        return render(released, ctx.catalog)

    for _ in range(MAX_RACES):
        try:
            return ctx.db.transact(attempt, tx=tx)
        except SlotsFull:
            continue
    raise ConflictError("busy", f"placement {pid} kept changing; retry", "id")
