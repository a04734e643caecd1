r"""Read-only queries behind the dashboard: capacity summary, recent placements, audit search.

Capacity summary. For a group :math:`g` (one site and one accelerator type, so that
accelerators of different kinds are never added together) and an hour slot :math:`h`,

.. math::

    \text{capacity}_{g,h} = \sum_{o \in g} \text{capacity}_{o,h}, \qquad
    \text{booked}_{g,h} = \sum_{o \in g} \text{booked}_{o,h},

where :math:`o` runs over the scenario's offers at that site for that accelerator, and
per-offer values are those of ``GET /v1/capacity``
(:func:`gigawatt.broker.views.capacity_rows`). A pending offer holds capacity both at the
counterparty's site and at the fallback, so both count as booked.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, select

from gigawatt.broker.audit import render_audit
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.hours import iso_hour, iso_seconds
from gigawatt.broker.tables import audit, offers, placements
from gigawatt.broker.views import capacity_rows

__all__ = [
    "MAX_SUMMARY_HOURS",
    "capacity_summary",
    "default_start_hour",
    "recent_placements",
    "search_audit",
]

MAX_SUMMARY_HOURS = 168


def default_start_hour(ctx: BrokerContext, hours: int, now_hour: int | None = None) -> int:
    """The broker's present hour, moved into the scenario's horizon so that ``hours`` slots fit.

    The present is the server's ``--now`` when it was started with one (a replay of a
    past scenario, as the documented examples are), else the wall clock's hour: the
    view opens where placements are being made. Before the horizon this is its first
    hour; near or after its end, the last ``hours``.

    Args:
        ctx: The broker.
        hours: Slots the view shows.
        now_hour: The present as an hour slot; None for :meth:`BrokerContext.current_hour`.
    """
    cat = ctx.catalog
    present = ctx.current_hour() if now_hour is None else now_hour
    latest = max(cat.first_hour, cat.end_hour - hours)
    return min(max(present, cat.first_hour), latest)


def capacity_summary(ctx: BrokerContext, start_hour: int, hours: int) -> dict[str, Any]:
    """Capacity and bookings by site and accelerator over ``hours`` slots from ``start_hour``.

    The range is cut at the horizon's end. Rows are ordered by provider, site and
    accelerator; ``capacity`` and ``booked`` are lists aligned with ``slots``.

    Raises:
        BadRequestError: the start lies outside the horizon.
    """
    end_hour = min(start_hour + hours, ctx.catalog.end_hour)
    per_offer = capacity_rows(ctx, None, start_hour, max(end_hour, start_hour + 1))
    slots = [iso_hour(h) for h in range(start_hour, end_hour)]
    index = {s: i for i, s in enumerate(slots)}
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in per_offer:
        i = index.get(r["slot"])
        if i is None:
            continue
        key = (r["provider"], r["site"], r["accelerator"])
        g = groups.get(key)
        if g is None:
            g = groups[key] = {
                "provider": key[0],
                "site": key[1],
                "accelerator": key[2],
                "drained": key[1] in ctx.drained,
                "capacity": [0] * len(slots),
                "booked": [0] * len(slots),
            }
        g["capacity"][i] += r["capacity"]
        g["booked"][i] += r["booked"]
    return {
        "start": iso_hour(start_hour),
        "end": iso_hour(end_hour),
        "slots": slots,
        "rows": [groups[k] for k in sorted(groups)],
    }


def _placement(row: Row[Any], ctx: BrokerContext) -> dict[str, Any]:
    cat = ctx.catalog
    m = row._mapping
    held_at = None
    if m["offer_resource"] is not None and m["status"] in ("placed", "offered"):
        held_at = cat.offers[m["offer_resource"]].site
    pending = m["status"] == "offered" and m["offer_status"] == "pending"
    return {
        "id": m["id"],
        "status": m["status"],
        "team": m["team"],
        "tags": json.loads(m["tags"]),
        "accelerator": m["accelerator"],
        "count": m["count"],
        "start": iso_hour(m["start_hour"]),
        "end": iso_hour(m["end_hour"]),
        "site": m["site"],
        "provider": m["provider"],
        "fallback_site": held_at if pending else None,
        "offered_site": m["offer_site"] if pending else None,
        "offer_id": m["offer_id"],
        "offer_deadline": iso_seconds(m["offer_deadline"]) if pending else None,
        "clause": m["clause"],
        "reason": m["reason"],
        "created_at": iso_seconds(m["created_at"]),
        "updated_at": iso_seconds(m["updated_at"]),
    }


def recent_placements(ctx: BrokerContext, who: Principal, limit: int) -> list[dict[str, Any]]:
    """The principal's most recent placements, newest first, with the clause behind each.

    Visibility is that of ``GET /v1/placements``: a team sees its own, a provider those
    placed on its sites, an admin all. A placement waiting on an offer shows the site it
    is offered to and the fallback holding it meanwhile.
    """
    q = (
        select(
            placements,
            offers.c.site.label("offer_site"),
            offers.c.status.label("offer_status"),
            offers.c.deadline.label("offer_deadline"),
        )
        .select_from(placements.outerjoin(offers, offers.c.id == placements.c.offer_id))
        .order_by(placements.c.id.desc())
        .limit(limit)
    )
    if who.role == "team":
        q = q.where(placements.c.owner_id == who.id)
    elif who.role == "provider":
        q = q.where(placements.c.provider == who.provider)

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [_placement(r, ctx) for r in conn.execute(q)]

    return ctx.db.transact(read, write=False)


def search_audit(
    ctx: BrokerContext,
    *,
    action: str | None,
    actor: str | None,
    site: str | None,
    clause: str | None,
    placement_id: int | None,
    before: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Audit entries matching every filter given, newest first.

    ``clause`` matches any clause containing it (case-insensitive); the others match
    exactly. ``before`` pages backwards: only ids below it.
    """
    q = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if action is not None:
        q = q.where(audit.c.action == action)
    if actor is not None:
        q = q.where(audit.c.actor == actor)
    if site is not None:
        q = q.where(audit.c.site == site)
    if clause is not None:
        pattern = "%" + clause.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(audit.c.clause.ilike(pattern, escape="\\"))
    if placement_id is not None:
        q = q.where(audit.c.placement_id == placement_id)
    if before is not None:
        q = q.where(audit.c.id < before)

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [render_audit(r) for r in conn.execute(q)]

    return ctx.db.transact(read, write=False)
