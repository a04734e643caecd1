"""The rows, statements and answers of a placement, shared by both ways of placing one.

:mod:`gigawatt.broker.placements` places one request at a time (a transaction or a
savepoint each); :mod:`gigawatt.broker.placement_pipeline` queues the same statements in
PostgreSQL's pipeline mode inside a batch. Both store the same rows and answer the same
JSON, built here. Column lists come from the tables (:mod:`gigawatt.broker.tables`).
"""

from __future__ import annotations

import json
from typing import Any

from gigawatt.broker.context import Principal
from gigawatt.broker.decide import Decision, Request
from gigawatt.broker.hours import iso_hour, iso_seconds
from gigawatt.broker.tables import offers, placements

__all__ = [
    "AUDIT",
    "COLUMNS",
    "INSERT",
    "INSERT_AUDITED",
    "INSERT_OFFER",
    "OFFER_COLUMNS",
    "PRIOR",
    "SET_OFFER",
    "answer",
    "audit_params",
    "fields",
    "offer_key",
    "placement_row",
    "request_json",
]

# The columns a new placement row sets: every column of the table but its id.
COLUMNS = [c.name for c in placements.columns if c.name != "id"]
INSERT = (
    f"INSERT INTO placements ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}) "
    "ON CONFLICT (owner_id, idem_key) DO NOTHING RETURNING id"
)
PRIOR = (
    "SELECT id, response, request_digest FROM placements "
    "WHERE owner_id = :owner AND idem_key = :key"
)
AUDIT = (
    "INSERT INTO audit (at, actor, actor_id, token_id, action, placement_id, offer_id, site, "
    "clause, detail) VALUES (:at, :actor, :actor_id, :token_id, :action, :placement_id, "
    ":offer_id, :audit_site, :clause, :detail)"
)
INSERT_AUDITED = (  # PostgreSQL: the placement and its audit entry in one statement
    f"WITH p AS ({INSERT}) "
    "INSERT INTO audit (at, actor, actor_id, token_id, action, placement_id, offer_id, site, "
    "clause, detail) SELECT :at, :actor, :actor_id, :token_id, :action, p.id, NULL, "
    ":audit_site, :clause, :detail FROM p "
    "RETURNING placement_id"
)


# The columns a new offer sets: all but its id and its answer (set when it is answered).
OFFER_COLUMNS = [
    c.name for c in offers.columns if c.name not in ("id", "answered_at", "answered_by")
]
INSERT_OFFER = (
    f"INSERT INTO offers ({', '.join(OFFER_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in OFFER_COLUMNS)}) RETURNING id"
)
SET_OFFER = "UPDATE placements SET offer_id = :oid, response = :response WHERE id = :pid"


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
    """Columns of a new placement (its ``response`` still empty) for ``INSERT``."""
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


def answer(
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
        "offer": offer_key(d) if row["status"] == "placed" else None,
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


def offer_key(d: Decision) -> str | None:
    """Key of the offer a placement holds, if any."""
    return d.main.offer.ref.key if d.main is not None else None
