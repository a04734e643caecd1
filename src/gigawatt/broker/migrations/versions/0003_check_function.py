"""``gigawatt_check(ok, message)``: a statement's own check, raised as an error (PostgreSQL).

The batch's one write statement and the check that the batch before committed must
abort the transaction when a count or a status is not the expected one, so that the
``COMMIT`` queued behind them in the same round trip never applies. They call this
function, which raises ``message`` (SQLSTATE ``GW001``) unless ``ok``. SQLite has no
such statement: its writes check the counts they return in Python.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHECK = """
CREATE OR REPLACE FUNCTION gigawatt_check(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'GW001', MESSAGE = 'gigawatt check: ' || message;
    END IF;
    RETURN true;
END
$$
"""


def upgrade() -> None:
    """Create the check function (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHECK)


def downgrade() -> None:
    """Drop the check function (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS gigawatt_check(boolean, text)")
