"""The broker's tables (SQLAlchemy Core). Alembic migrations create them; see migrations/.

* ``slots``: the ledger, one row per (resource, hour) ever booked; ``booked`` is in the
  resource's unit (accelerators for an offer, watts for a site's power). Capacity is not
  stored: it comes from the scenario (:class:`gigawatt.broker.catalog.Catalog`).
* ``placements``: every request with its first answer (``response``, for idempotency)
  and its current state; ``offer_resource`` is the offer it is placed on (or, while an
  offer to a counterparty is pending, the fallback it holds).
* ``offers``: right-of-first-refusal offers; a pending offer holds ``resource``.
* ``audit``: every decision, with the clause that drove it.
* ``principals``: who acts: a team, a provider or an admin (and the service's own
  ``system``), unique per (role, name); ownership is checked by its id, never by name.
* ``tokens``: SHA-256 digests of tokens, each for one principal, with an optional expiry
  and its revocation time; ``auth_version`` counts revocations (server processes poll it
  to drop cached tokens).
* ``drained_sites`` and ``meta`` (scenario name and fingerprint).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "NEW_OFFER_COLUMNS",
    "NEW_PLACEMENT_COLUMNS",
    "audit",
    "auth_version",
    "drained_sites",
    "meta",
    "metadata",
    "offers",
    "placements",
    "principals",
    "slots",
    "tokens",
]

metadata = MetaData()

Id = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

slots = Table(
    "slots",
    metadata,
    Column("resource", Integer, primary_key=True, autoincrement=False),
    Column("hour", Integer, primary_key=True, autoincrement=False),
    Column("booked", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

principals = Table(
    "principals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("role", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("provider", String(64)),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("role", "name", name="uq_principals_role_name"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("principal_id", Id, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("revoked_at", Float),
    Index("ix_tokens_principal", "principal_id"),
)

auth_version = Table(
    "auth_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

placements = Table(
    "placements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("team", String(64), nullable=False),
    Column("owner_id", Id, nullable=False),
    Column("idem_key", String(200), nullable=False),
    Column("request_digest", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tags", Text, nullable=False),
    Column("accelerator", String(64)),
    Column("count", BigInteger),
    Column("start_hour", Integer, nullable=False),
    Column("end_hour", Integer, nullable=False),
    Column("single_site", Boolean, nullable=False),
    Column("request", Text, nullable=False),
    Column("offer_resource", Integer),
    Column("site", String(64)),
    Column("provider", String(64)),
    Column("offer_id", Id),
    Column("clause", String(200)),
    Column("reason", Text),
    Column("response", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("owner_id", "idem_key", name="uq_placements_owner_key"),
    Index("ix_placements_status_site", "status", "site"),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("placement_id", Id, nullable=False),
    Column("provider", String(64), nullable=False),
    Column("site", String(64), nullable=False),
    Column("resource", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("start_hour", Integer, nullable=False),
    Column("end_hour", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("clause", String(200), nullable=False),
    Column("deadline", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("answered_at", Float),
    Column("answered_by", String(64)),
    Index("ix_offers_status_deadline", "status", "deadline"),
    Index("ix_offers_provider_status", "provider", "status"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_id", Id),
    Column("token_id", Id),
    Column("action", String(32), nullable=False),
    Column("placement_id", Id),
    Column("offer_id", Id),
    Column("site", String(64)),
    Column("clause", String(200)),
    Column("detail", Text, nullable=False),
    Index("ix_audit_at", "at"),
)

drained_sites = Table(
    "drained_sites",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("drained_at", Float, nullable=False),
)

# The columns a new placement row sets: every column of the table but its id.
NEW_PLACEMENT_COLUMNS = [c.name for c in placements.columns if c.name != "id"]
# The columns a new offer sets: all but its id and its answer (set when it is answered).
NEW_OFFER_COLUMNS = [
    c.name for c in offers.columns if c.name not in ("id", "answered_at", "answered_by")
]
