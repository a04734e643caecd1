"""Apply the broker's Alembic migrations and bind the database to a scenario."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, select

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.tables import meta, slots

__all__ = ["migrate", "upgrade_schema"]

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade_schema(conn: Connection) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def migrate(db: Database, catalog: Catalog) -> None:
    """Upgrade the schema and record which scenario the ledger belongs to.

    Raises:
        ConflictError: the database already holds bookings of a scenario with other
            resources or capacities (use another database).
    """
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        upgrade_schema(conn)
        rows = {str(k): str(v) for k, v in conn.execute(select(meta.c.key, meta.c.value))}
        fingerprint = catalog.fingerprint()
        if rows.get("fingerprint") not in (None, fingerprint):
            used = conn.execute(select(slots.c.resource).limit(1)).first()
            if used is not None:
                raise ConflictError(
                    "scenario_mismatch",
                    f"the database holds bookings of scenario {rows.get('scenario')!r} "
                    f"whose sites or capacities differ from {catalog.scenario.name!r}; "
                    "serve this scenario with another --db",
                    "scenario",
                )
        conn.execute(meta.delete())
        conn.execute(
            meta.insert(),
            [
                {"key": "scenario", "value": catalog.scenario.name},
                {"key": "fingerprint", "value": fingerprint},
            ],
        )
