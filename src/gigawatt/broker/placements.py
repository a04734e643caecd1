"""Placements: create (idempotently), read, list and release.

A placement request is decided by :mod:`gigawatt.broker.decide` and booked in the
ledger in one transaction with its row and its audit entry; the first answer is stored
with the row, so a repeat with the same ``Idempotency-Key`` (per team) returns it
unchanged, and a different request under a used key is refused (409).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from sqlalchemy import Connection

from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Request, decide, options
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.hours import iso_hour, iso_seconds
from gigawatt.broker.ledger import SlotsFull, book, feasible
from gigawatt.broker.rawsql import Raw

__all__ = [
    "MAX_RACES",
    "apply_decision",
    "open_offer",
    "place",
    "request_from_json",
]

MAX_RACES = 16
_COLUMNS = [
    "team",
    "idem_key",
    "request_digest",
    "status",
    "tags",
    "accelerator",
    "count",
    "start_hour",
    "end_hour",
    "single_site",
    "request",
    "offer_resource",
    "site",
    "provider",
    "offer_id",
    "clause",
    "reason",
    "response",
    "created_at",
    "updated_at",
]
_INSERT = (
    f"INSERT INTO placements ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
    "ON CONFLICT (team, idem_key) DO NOTHING RETURNING id"
)
_PRIOR = (
    "SELECT id, response, request_digest FROM placements WHERE team = :team AND idem_key = :key"
)
_AUDIT = (
    "INSERT INTO audit (at, actor, action, placement_id, offer_id, site, clause, detail) "
    "VALUES (:at, :actor, :action, :placement_id, :offer_id, :audit_site, :clause, :detail)"
)
_INSERT_AUDITED = (  # PostgreSQL: the placement and its audit entry in one statement
    f"WITH p AS ({_INSERT}) "
    "INSERT INTO audit (at, actor, action, placement_id, offer_id, site, clause, detail) "
    "SELECT :at, :actor, :action, p.id, NULL, :audit_site, :clause, :detail FROM p "
    "RETURNING placement_id"
)


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


def _request_json(req: Request) -> str:
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


def _fields(ctx: BrokerContext, d: Decision, now: float) -> dict[str, Any]:
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


def apply_decision(
    ctx: BrokerContext,
    conn: Connection,
    req: Request,
    excluded: set[int],
    now: float,
) -> Decision:
    """Decide a request against the ledger as it is and book the outcome.

    Raises:
        SlotsFull: a concurrent booking took the room first; retry.
    """
    opts = options(ctx.catalog, req, ctx.drained)
    cands = [(c.offer, c.count) for c in opts.allowed if c.offer.resource not in excluded]
    room = feasible(conn, ctx.catalog, cands, req.start_hour, req.end_hour)
    d = decide(ctx.catalog, req, opts, room)
    held = [(c.offer, c.count) for c in (d.main, d.offer_to) if c is not None]
    if held:
        book(conn, ctx.catalog, held, req.start_hour, req.end_hour)
    return d


_OFFER_COLUMNS = [
    "placement_id",
    "provider",
    "site",
    "resource",
    "count",
    "start_hour",
    "end_hour",
    "status",
    "clause",
    "deadline",
    "created_at",
]
_INSERT_OFFER = (
    f"INSERT INTO offers ({', '.join(_OFFER_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _OFFER_COLUMNS)}) RETURNING id"
)
_SET_OFFER = "UPDATE placements SET offer_id = :oid, response = :response WHERE id = :pid"


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
    oid = Raw(conn).execute(_INSERT_OFFER, row).fetchone()[0]
    return int(oid), deadline


def _audit_params(
    d: Decision, pid: int | None, actor: str, now: float, action: str
) -> dict[str, Any]:
    site = d.offer_to.offer.site if d.offer_to else (d.main.offer.site if d.main else None)
    detail = {
        "status": d.status,
        "count": d.main.count if d.main else None,
        "fallback": d.main.offer.site if d.main and d.offer_to else None,
        "reason": d.reason,
    }
    return {
        "at": now,
        "actor": actor,
        "action": action,
        "placement_id": pid,
        "offer_id": None,
        "audit_site": site,
        "clause": d.clause.label if d.clause else None,
        "detail": json.dumps(detail, separators=(",", ":")),
    }


def place(
    ctx: BrokerContext, principal: Principal, req: Request, idem_key: str
) -> tuple[str, bool]:
    """Decide, book and record a placement; or replay the first answer for this key.

    Returns:
        ``(response JSON, replayed)``.

    Raises:
        ConflictError: the key was used for a different request.
    """
    text = _request_json(req)
    req_digest = hashlib.sha256(text.encode()).hexdigest()
    excluded: set[int] = set()
    tags_json = json.dumps(list(req.tags))

    def attempt(conn: Connection) -> str:
        raw = Raw(conn)
        now = time.time()
        d = apply_decision(ctx, conn, req, excluded, now)
        row = {
            "team": principal.name,
            "idem_key": idem_key,
            "request_digest": req_digest,
            "tags": tags_json,
            "start_hour": req.start_hour,
            "end_hour": req.end_hour,
            "single_site": req.single_site,
            "request": text,
            "response": "",
            "created_at": now,
            "offer_id": None,
            **_fields(ctx, d, now),
        }
        if d.status == "rejected":
            row["accelerator"] = req.accelerator
            row["count"] = req.count
        body = _answer(row, req, d)
        row["response"] = body
        audit = _audit_params(d, None, principal.name, now, "place")
        if raw.pg and d.status != "offered":  # one round trip for the row and its audit
            got = raw.execute(_INSERT_AUDITED, {**row, **audit}).fetchone()
            if got is None:
                raise _Replay
            return f'{{"id":{got[0]},{body[1:]}'
        got = raw.execute(_INSERT, row).fetchone()
        if got is None:
            raise _Replay
        pid = int(got[0])
        if d.status == "offered":
            oid, deadline = open_offer(ctx, conn, d, req, pid, now)
            body = _answer(row, req, d, oid, deadline)
            raw.execute(_SET_OFFER, {"oid": oid, "response": body, "pid": pid})
            audit["offer_id"] = oid
        audit["placement_id"] = pid
        raw.execute(_AUDIT, audit)
        return f'{{"id":{pid},{body[1:]}'

    for _ in range(MAX_RACES):
        try:
            return ctx.db.transact(attempt), False
        except SlotsFull as exc:
            excluded.add(exc.resource)
        except _Replay:
            return _replay(ctx, principal, idem_key, req_digest), True
    raise ConflictError("busy", "capacity kept changing under this request; retry it", None)


class _Replay(Exception):  # noqa: N818 - control flow, never leaves this module
    """The idempotency key is taken: roll back and answer with the first response."""


def _replay(ctx: BrokerContext, principal: Principal, idem_key: str, req_digest: str) -> str:
    def read(conn: Connection) -> str:
        prior = Raw(conn).execute(_PRIOR, {"team": principal.name, "key": idem_key}).fetchone()
        if prior is None:  # pragma: no cover - the conflicting row was committed
            raise ConflictError("busy", "retry this request", "Idempotency-Key")
        if prior[2] != req_digest:
            raise ConflictError(
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
                "Idempotency-Key",
            )
        return f'{{"id":{prior[0]},{prior[1][1:]}'

    return ctx.db.transact(read, write=False)


def _answer(
    row: dict[str, Any],
    req: Request,
    d: Decision,
    oid: int | None = None,
    deadline: float | None = None,
) -> str:
    """The first answer, as JSON without its id (added when it is sent)."""
    body: dict[str, Any] = {
        "status": row["status"],
        "site": row["site"],
        "provider": row["provider"],
        "offer": _offer_key(d) if row["status"] == "placed" else None,
        "accelerator": row["accelerator"],
        "count": row["count"],
        "start": iso_hour(req.start_hour),
        "end": iso_hour(req.end_hour),
        "offer_id": oid,
        "clause": row["clause"],
        "reason": row["reason"],
    }
    if deadline is not None:
        body["offer_deadline"] = iso_seconds(deadline)
        body["offered_site"] = d.offer_to.offer.site if d.offer_to else None
    return json.dumps(body, separators=(",", ":"))


def _offer_key(d: Decision) -> str | None:
    return d.main.offer.ref.key if d.main is not None else None
