"""Initial broker schema: ledger, placements, offers, audit, tokens.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "slots",
        sa.Column("resource", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hour", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("booked", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "placements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("accelerator", sa.String(64)),
        sa.Column("count", sa.BigInteger),
        sa.Column("start_hour", sa.Integer, nullable=False),
        sa.Column("end_hour", sa.Integer, nullable=False),
        sa.Column("single_site", sa.Boolean, nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("offer_resource", sa.Integer),
        sa.Column("site", sa.String(64)),
        sa.Column("provider", sa.String(64)),
        sa.Column("offer_id", Id),
        sa.Column("clause", sa.String(200)),
        sa.Column("reason", sa.Text),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("team", "idem_key", name="uq_placements_team_key"),
    )
    op.create_index("ix_placements_status_site", "placements", ["status", "site"])
    op.create_table(
        "offers",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("placement_id", Id, nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("resource", sa.Integer, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("start_hour", sa.Integer, nullable=False),
        sa.Column("end_hour", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("clause", sa.String(200), nullable=False),
        sa.Column("deadline", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("answered_at", sa.Float),
        sa.Column("answered_by", sa.String(64)),
    )
    op.create_index("ix_offers_status_deadline", "offers", ["status", "deadline"])
    op.create_index("ix_offers_provider_status", "offers", ["provider", "status"])
    op.create_table(
        "audit",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("placement_id", Id),
        sa.Column("offer_id", Id),
        sa.Column("site", sa.String(64)),
        sa.Column("clause", sa.String(200)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_table(
        "drained_sites",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("drained_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Drop every table."""
    for name in ("drained_sites", "audit", "offers", "placements", "tokens", "slots", "meta"):
        op.drop_table(name)
