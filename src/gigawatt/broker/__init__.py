"""The broker: a service that enforces a scenario's contracts on live placement requests.

Run it with ``gigawatt serve --scenario FILE --db URL`` (SQLite file by default,
PostgreSQL by URL); talk to it with :class:`gigawatt.broker.client.BrokerClient` or
``gigawatt broker place|list|offers``.

Semantics (the choices the design leaves open):

* **Slots** are whole UTC hours; a placement covers ``[start, end)`` inside the
  scenario's horizon, at most ``max_placement_hours`` long.
* **Capacity** of an offer in an hour of month *m* is ``floor(min(offer_availability,
  site power / watts per accelerator))`` whole accelerators; a site whose offers
  together could exceed its power cap also has a power resource in watts
  (:mod:`gigawatt.broker.catalog`).
* **A placement** is ``count`` accelerators of one type (or FLOP/s turned into a count
  with ``utilization``) at **one** offer of one site for its whole interval;
  ``single_site: false`` is accepted and treated alike (no splitting across sites).
* **Choice**: the cheapest allowed offer with room (count x price per accelerator-hour),
  pins and exclusivity from :func:`gigawatt.scenario.rules.may_use` in every month the
  placement touches (:mod:`gigawatt.broker.decide`).
* **Right of first refusal**: a request that would leave the counterparty while the
  counterparty has room becomes an offer to it with a deadline; the placement holds
  capacity at both the counterparty's site and the best other site until the answer
  (accept: counterparty; decline or expiry: the other site) (:mod:`gigawatt.broker.offers`).
  When the counterparty has no room, the request goes elsewhere at once, citing the clause.
* **Drain** re-decides every placement holding capacity at the site under the same rules
  over its whole interval, or reports it displaced (:mod:`gigawatt.broker.drain`).
* **Ledger** rows per (resource, hour) are booked by conditional upserts, never above
  capacity under any concurrency; :func:`gigawatt.broker.ledger.check_ledger` checks the
  invariant over the whole ledger (:mod:`gigawatt.broker.ledger`, :mod:`gigawatt.broker.db`).
* **Idempotency**: a key is scoped to the team; a repeat returns the first answer (201,
  header ``Idempotency-Replayed: true``); a different body under a used key is a 409.
* **Requests** are read once for every code path (:mod:`gigawatt.broker.http`): strict
  types, bounded numbers, RFC 3339 whole hours, a start at or after the current hour
  (admins may back-fill), a repeated singleton header refused (400).
* **Fair sharing**: one queue per team served in turn, batches capped in hour slots, and
  per-team limits answered 429 with ``Retry-After`` (:mod:`gigawatt.broker.admission`).
* **Degraded, not broken**: while the database does not answer, every request that needs
  it is a 503 with the cause, logged once (:mod:`gigawatt.broker.health`); a release is
  idempotent.

Importing :mod:`gigawatt` does not import this package; importing this package does not
import FastAPI or SQLAlchemy until one of the names below is used.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from gigawatt.broker.app import create_app
    from gigawatt.broker.catalog import Catalog
    from gigawatt.broker.client import BrokerClient
    from gigawatt.broker.db import Database
    from gigawatt.broker.ledger import check_ledger
    from gigawatt.broker.server import serve
    from gigawatt.broker.settings import BrokerSettings

__all__ = [
    "BrokerClient",
    "BrokerSettings",
    "Catalog",
    "Database",
    "check_ledger",
    "create_app",
    "serve",
]

_LAZY = {
    "BrokerClient": "gigawatt.broker.client",
    "BrokerSettings": "gigawatt.broker.settings",
    "Catalog": "gigawatt.broker.catalog",
    "Database": "gigawatt.broker.db",
    "check_ledger": "gigawatt.broker.ledger",
    "create_app": "gigawatt.broker.app",
    "serve": "gigawatt.broker.server",
}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gigawatt.broker' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
