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
from dataclasses import dataclass

from sqlalchemy import Connection

from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.decide import Decision, Request, decide, options
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.ledger import SlotsFull, book, feasible
from gigawatt.broker.pipeline import Later, Pipeline
from gigawatt.broker.placement_pipeline import place_pipelined, prefetch_places
from gigawatt.broker.placement_sql import (
    AUDIT,
    INSERT,
    INSERT_AUDITED,
    INSERT_OFFER,
    PRIOR,
    SET_OFFER,
    answer,
    audit_params,
    placement_row,
    request_json,
)
from gigawatt.broker.rawsql import Raw

__all__ = [
    "MAX_RACES",
    "Placement",
    "apply_decision",
    "first_answer",
    "open_offer",
    "place",
    "prefetch",
    "request_from_json",
]

MAX_RACES = 16


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
    oid = Raw(conn).execute(INSERT_OFFER, row).fetchone()[0]
    return int(oid), deadline


def place(
    ctx: BrokerContext, principal: Principal, req: Request, idem_key: str
) -> tuple[str, bool] | Later[tuple[str, bool]]:
    """Decide, book and record a placement; or replay the first answer for this key.

    Inside a PostgreSQL batch the statements are queued in pipeline mode
    (:func:`gigawatt.broker.placement_pipeline.place_pipelined`) and the answer is read
    before the batch commits.

    Returns:
        ``(response JSON, replayed)``, or that :class:`Later`.

    Raises:
        ConflictError: the key was used for a different request.
    """
    text = request_json(req)
    req_digest = hashlib.sha256(text.encode()).hexdigest()
    pipe = ctx.db.pipeline()
    if pipe is not None:  # inside a PostgreSQL batch: queue the statements
        return place_pipelined(ctx, pipe, principal, idem_key, req, text, req_digest)
    excluded: set[int] = set()

    def attempt(conn: Connection) -> str:
        raw = Raw(conn)
        now = time.time()
        d = apply_decision(ctx, conn, req, excluded, now)
        row = placement_row(principal, idem_key, req, text, req_digest, d, now)
        body = answer(row, req, d)
        row["response"] = body
        audit = audit_params(d, None, principal, now, "place")
        if raw.pg and d.status != "offered":  # one round trip for the row and its audit
            got = raw.execute(INSERT_AUDITED, {**row, **audit}).fetchone()
            if got is None:
                raise _Replay
            return f'{{"id":{got[0]},{body[1:]}'
        got = raw.execute(INSERT, row).fetchone()
        if got is None:
            raise _Replay
        pid = int(got[0])
        if d.status == "offered":
            oid, deadline = open_offer(ctx, conn, d, req, pid, now)
            body = answer(row, req, d, oid, deadline)
            raw.execute(SET_OFFER, {"oid": oid, "response": body, "pid": pid})
            audit["offer_id"] = oid
        audit["placement_id"] = pid
        raw.execute(AUDIT, audit)
        return f'{{"id":{pid},{body[1:]}'

    for _ in range(MAX_RACES):
        try:
            return ctx.db.transact(attempt), False
        except SlotsFull as exc:
            excluded.add(exc.resource)
        except _Replay:
            return _replay(ctx, principal, idem_key, req_digest), True
    raise ConflictError("busy", "capacity kept changing under this request; retry it", None)


@dataclass(frozen=True, slots=True)
class Placement:
    """The operation kind of a placement request, as the runner queues it.

    The runner's batches are told apart by the kinds of their operations, not by
    inspecting callables: only a batch of placements alone may overlap the batch before
    it, and its reads are queued ahead together (:func:`prefetch`).
    """

    ctx: BrokerContext
    principal: Principal
    req: Request
    idem_key: str

    def __call__(self) -> tuple[str, bool] | Later[tuple[str, bool]]:
        """Place the request (:func:`place`)."""
        return place(self.ctx, self.principal, self.req, self.idem_key)

    @property
    def key(self) -> tuple[int, str]:
        """The idempotency key, scoped to its owner."""
        return (self.principal.id, self.idem_key)


def prefetch(pipe: Pipeline, ops: list[Placement]) -> None:
    """Queue the reads of a batch's placements ahead of the first one (two statements)."""
    prefetch_places(pipe, [(op.ctx, op.principal, op.req, op.idem_key) for op in ops])


class _Replay(Exception):  # noqa: N818 - control flow, never leaves this module
    """The idempotency key is taken: roll back and answer with the first response."""


def first_answer(
    ctx: BrokerContext, principal: Principal, req: Request, idem_key: str
) -> str | None:
    """The first answer under this key, if one was given (None: the key is unused).

    Raises:
        ConflictError: the key was used for a different request.
    """
    text = request_json(req)
    return _prior(ctx, principal, idem_key, hashlib.sha256(text.encode()).hexdigest())


def _replay(ctx: BrokerContext, principal: Principal, idem_key: str, req_digest: str) -> str:
    found = _prior(ctx, principal, idem_key, req_digest)
    if found is None:  # pragma: no cover - the conflicting row was committed
        raise ConflictError("busy", "retry this request", "Idempotency-Key")
    return found


def _prior(ctx: BrokerContext, principal: Principal, idem_key: str, req_digest: str) -> str | None:
    def read(conn: Connection) -> str | None:
        prior = Raw(conn).execute(PRIOR, {"owner": principal.id, "key": idem_key}).fetchone()
        if prior is None:
            return None
        if prior[2] != req_digest:
            raise ConflictError(
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request; use a new key",
                "Idempotency-Key",
            )
        return f'{{"id":{prior[0]},{prior[1][1:]}'

    return ctx.db.transact(read, write=False)
