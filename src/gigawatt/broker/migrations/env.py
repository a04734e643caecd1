"""Alembic environment: runs the broker's migrations on the connection it is given."""

from __future__ import annotations

from alembic import context

from gigawatt.broker.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the broker always passes a connection
    raise RuntimeError("gigawatt broker migrations run through gigawatt.broker.migrate")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
