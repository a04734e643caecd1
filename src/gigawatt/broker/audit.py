"""The audit log: every decision, who made it, and the clause that drove it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from gigawatt.broker.hours import iso_seconds
from gigawatt.broker.tables import audit

__all__ = ["list_audit", "record"]


def record(
    conn: Connection,
    *,
    at: float,
    actor: str,
    action: str,
    placement_id: int | None = None,
    offer_id: int | None = None,
    site: str | None = None,
    clause: str | None = None,
    **detail: Any,
) -> None:
    """Append one decision to the log."""
    conn.execute(
        audit.insert(),
        {
            "at": at,
            "actor": actor,
            "action": action,
            "placement_id": placement_id,
            "offer_id": offer_id,
            "site": site,
            "clause": clause,
            "detail": json.dumps(detail, separators=(",", ":")),
        },
    )


def list_audit(
    conn: Connection, *, since: float | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Entries at or after ``since`` (epoch seconds) with id above ``after``, oldest first."""
    q = select(audit).order_by(audit.c.id).limit(limit)
    if since is not None:
        q = q.where(audit.c.at >= since)
    if after is not None:
        q = q.where(audit.c.id > after)
    return [
        {
            "id": r.id,
            "at": iso_seconds(r.at),
            "actor": r.actor,
            "action": r.action,
            "placement_id": r.placement_id,
            "offer_id": r.offer_id,
            "site": r.site,
            "clause": r.clause,
            "detail": json.loads(r.detail),
        }
        for r in conn.execute(q)
    ]
