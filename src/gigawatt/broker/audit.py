"""The audit log: every decision, who made it, and the clause that drove it.

Each entry names its actor three ways: ``actor`` (the display name), ``actor_id`` (the
principal, by which ownership is decided) and ``token_id`` (the token used; empty for
the bootstrap admin token and for the service itself, ``system``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from gigawatt.broker.context import Principal
from gigawatt.broker.hours import iso_seconds
from gigawatt.broker.tables import audit

__all__ = ["act_once", "list_audit", "record", "render_audit"]


def record(
    conn: Connection,
    *,
    at: float,
    actor: Principal,
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
            "actor": actor.name,
            "actor_id": actor.id,
            "token_id": actor.token_id,
            "action": action,
            "placement_id": placement_id,
            "offer_id": offer_id,
            "site": site,
            "clause": clause,
            "detail": json.dumps(detail, separators=(",", ":")),
        },
    )


def act_once(
    conn: Connection,
    row: Row[Any],
    query: Select[Any],
    done: Callable[[Row[Any]], bool],
    change: Callable[[Row[Any]], dict[str, Any]],
    action: tuple[float, Principal, str],
) -> Row[Any]:
    """An idempotent action on one row: the first one changes it, a repeat answers it.

    A row already ``done`` (released, revoked) is answered as it is, so a retry whose
    first answer was lost gets the first outcome again. Otherwise ``change(row)`` makes
    the change (or raises) and returns the audit entry's fields, the entry is recorded
    and the row is answered as it now stands (``query`` reads it again). ``action`` is
    the entry's ``(at, actor, action)``.
    """
    if done(row):
        return row
    fields = change(row)
    at, actor, name = action
    record(conn, at=at, actor=actor, action=name, **fields)
    return conn.execute(query).one()


def list_audit(
    conn: Connection, *, since: float | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Entries at or after ``since`` (epoch seconds) with id above ``after``, oldest first."""
    q = select(audit).order_by(audit.c.id).limit(limit)
    if since is not None:
        q = q.where(audit.c.at >= since)
    if after is not None:
        q = q.where(audit.c.id > after)
    return [render_audit(r) for r in conn.execute(q)]


def render_audit(row: Row[Any]) -> dict[str, Any]:
    """The API form of an audit entry."""
    return {
        "id": row.id,
        "at": iso_seconds(row.at),
        "actor": row.actor,
        "actor_id": row.actor_id,
        "token_id": row.token_id,
        "action": row.action,
        "placement_id": row.placement_id,
        "offer_id": row.offer_id,
        "site": row.site,
        "clause": row.clause,
        "detail": json.loads(row.detail),
    }
