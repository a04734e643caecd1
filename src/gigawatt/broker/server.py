"""Running the broker: ``gigawatt serve`` starts uvicorn on the application."""

from __future__ import annotations

import os
from dataclasses import replace

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.migrate import migrate
from gigawatt.broker.settings import SETTINGS_ENV, BrokerSettings
from gigawatt.scenario import load_scenario

__all__ = ["prepare", "serve"]


def prepare(settings: BrokerSettings) -> Catalog:
    """Load the scenario and migrate the database once, before any worker starts.

    Raises:
        ScenarioError: invalid scenario.
        ConflictError: the database belongs to another scenario.
    """
    catalog = Catalog.from_scenario(load_scenario(settings.scenario))
    db = Database(settings.db_url, pool_size=1, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        migrate(db, catalog)
    finally:
        db.dispose()
    return catalog


def serve(
    settings: BrokerSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "warning",
    access_log: bool = False,
) -> None:
    """Serve the broker with uvicorn until interrupted (``workers`` processes).

    With several processes each runs one batch at a time (``batches_in_flight=1``):
    their batches take turns on the batch lock and read after taking it.
    """
    import uvicorn

    if workers > 1:
        settings = replace(settings, batches_in_flight=1)
    prepare(settings)
    os.environ[SETTINGS_ENV] = settings.to_json()
    if settings.admin_token:
        os.environ.setdefault("GIGAWATT_ADMIN_TOKEN", settings.admin_token)
    uvicorn.run(
        "gigawatt.broker.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        loop="auto",
        http="auto",
        limit_concurrency=None,
        backlog=2048,
        timeout_keep_alive=30,
        # Per-request costs the broker does not need: it serves 127.0.0.1 or sits behind
        # a proxy that sets its own headers (X-Forwarded-* parsing, Date, Server).
        proxy_headers=False,
        date_header=False,
        server_header=False,
    )
