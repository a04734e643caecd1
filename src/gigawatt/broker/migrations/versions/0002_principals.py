"""Principals (owners unique per role), token expiry and revocation, owners by id.

* ``principals`` (role, name unique together) with the bootstrap admin ``admin`` and the
  service's own actor ``system``; one principal per (role, name) of the old tokens (a
  provider principal takes the provider of its oldest token).
* ``tokens`` point at their principal and gain ``expires_at`` and ``revoked_at``; their
  role, name and provider move to the principal. Old tokens under a reserved name
  (``admin``, ``system``, any case) or whose provider differs from their principal's are
  revoked: before this revision any token could take those names.
* ``placements.owner_id``: the principal whose placement it is. Old rows name their team
  only, so a reserved name goes to the bootstrap admin, then a team principal of that
  name, then an admin principal of that name, else a new team principal is made.
  Idempotency keys are unique per owner instead of per team name.
* ``audit.actor_id`` and ``audit.token_id`` (empty for entries made before).
* ``auth_version``: one row counting revocations (server processes poll it).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RESERVED = "('admin', 'system')"


def upgrade() -> None:
    """Add principals, expiry, revocation and owners by id (data carried over)."""
    now = time.time()
    conn = op.get_bind()
    op.create_table(
        "principals",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("role", "name", name="uq_principals_role_name"),
    )
    op.create_table(
        "auth_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    conn.execute(sa.text("INSERT INTO auth_version (id, version) VALUES (1, 0)"))
    for role in ("admin", "system"):  # ids 1 and 2 (the broker's ADMIN and SYSTEM)
        conn.execute(
            sa.text(
                "INSERT INTO principals (role, name, provider, created_at) "
                "VALUES (:role, :role, NULL, :now)"
            ),
            {"role": role, "now": now},
        )
    fixed = list(conn.execute(sa.text("SELECT id, role FROM principals ORDER BY id")))
    if [tuple(r) for r in fixed] != [(1, "admin"), (2, "system")]:  # pragma: no cover
        raise RuntimeError(f"principals admin and system must be ids 1 and 2, got {fixed}")
    conn.execute(
        sa.text(
            "INSERT INTO principals (role, name, provider, created_at) "
            "SELECT t.role, t.name, (SELECT o.provider FROM tokens o WHERE o.role = t.role "
            "AND o.name = t.name ORDER BY o.id LIMIT 1), min(t.created_at) FROM tokens t "
            "WHERE NOT EXISTS (SELECT 1 FROM principals p WHERE p.role = t.role "
            "AND p.name = t.name) GROUP BY t.role, t.name"
        )
    )
    op.add_column("tokens", sa.Column("principal_id", Id))
    op.add_column("tokens", sa.Column("expires_at", sa.Float))
    op.add_column("tokens", sa.Column("revoked_at", sa.Float))
    conn.execute(
        sa.text(
            "UPDATE tokens SET principal_id = (SELECT p.id FROM principals p "
            "WHERE p.role = tokens.role AND p.name = tokens.name)"
        )
    )
    conn.execute(
        sa.text(
            f"UPDATE tokens SET revoked_at = :now WHERE lower(name) IN {RESERVED} "
            "OR coalesce(provider, '') <> coalesce((SELECT p.provider FROM principals p "
            "WHERE p.id = tokens.principal_id), '')"
        ),
        {"now": now},
    )
    with op.batch_alter_table("tokens") as batch:
        batch.alter_column("principal_id", existing_type=Id, nullable=False)
        batch.drop_column("role")
        batch.drop_column("name")
        batch.drop_column("provider")
        batch.create_index("ix_tokens_principal", ["principal_id"])

    op.add_column("placements", sa.Column("owner_id", Id))
    conn.execute(
        sa.text(
            "INSERT INTO principals (role, name, provider, created_at) "
            "SELECT DISTINCT 'team', pl.team, NULL, :now FROM placements pl "
            f"WHERE lower(pl.team) NOT IN {RESERVED} AND NOT EXISTS (SELECT 1 FROM "
            "principals p WHERE p.name = pl.team AND p.role IN ('team', 'admin'))"
        ),
        {"now": now},
    )
    for rule in (
        f"lower(placements.team) IN {RESERVED} AND p.role = 'admin' AND p.name = 'admin'",
        f"lower(placements.team) NOT IN {RESERVED} AND p.role = 'team' "
        "AND p.name = placements.team",
        "p.role = 'admin' AND p.name = placements.team",
    ):
        conn.execute(
            sa.text(
                f"UPDATE placements SET owner_id = (SELECT p.id FROM principals p WHERE {rule}) "
                "WHERE owner_id IS NULL"
            )
        )
    with op.batch_alter_table("placements") as batch:
        batch.alter_column("owner_id", existing_type=Id, nullable=False)
        batch.drop_constraint("uq_placements_team_key", type_="unique")
        batch.create_unique_constraint("uq_placements_owner_key", ["owner_id", "idem_key"])

    op.add_column("audit", sa.Column("actor_id", Id))
    op.add_column("audit", sa.Column("token_id", Id))


def downgrade() -> None:
    """Back to names only (tokens that are revoked or expire are deleted)."""
    conn = op.get_bind()
    op.drop_column("audit", "token_id")
    op.drop_column("audit", "actor_id")
    with op.batch_alter_table("placements") as batch:
        batch.drop_constraint("uq_placements_owner_key", type_="unique")
        batch.create_unique_constraint("uq_placements_team_key", ["team", "idem_key"])
        batch.drop_column("owner_id")
    op.add_column("tokens", sa.Column("role", sa.String(16)))
    op.add_column("tokens", sa.Column("name", sa.String(64)))
    op.add_column("tokens", sa.Column("provider", sa.String(64)))
    for column in ("role", "name", "provider"):
        conn.execute(
            sa.text(
                f"UPDATE tokens SET {column} = (SELECT p.{column} FROM principals p "
                "WHERE p.id = tokens.principal_id)"
            )
        )
    # The old schema cannot refuse them: revoked or expiring tokens are deleted.
    conn.execute(
        sa.text("DELETE FROM tokens WHERE revoked_at IS NOT NULL OR expires_at IS NOT NULL")
    )
    with op.batch_alter_table("tokens") as batch:
        batch.drop_index("ix_tokens_principal")
        batch.alter_column("role", existing_type=sa.String(16), nullable=False)
        batch.alter_column("name", existing_type=sa.String(64), nullable=False)
        batch.drop_column("principal_id")
        batch.drop_column("expires_at")
        batch.drop_column("revoked_at")
    op.drop_table("auth_version")
    op.drop_table("principals")
