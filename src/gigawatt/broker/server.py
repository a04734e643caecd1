"""Running the broker: ``gigawatt serve`` starts uvicorn on the application.

What belongs to the serving process and to nothing else lives here:

* **One database, one owner of two batches in flight** (:func:`server_lock`). On
  PostgreSQL a process with two batches in flight reads the ledger ahead of the batch
  lock, which is safe only while no other process writes. The server holds a session
  advisory lock for as long as it runs: exclusive with two batches in flight, shared with
  one. A second server that cannot take it is refused at start with
  :class:`~gigawatt.errors.DatabaseInUseError`.
* **Process tuning, opt-in** (``--tune``, :func:`tuned`): a shorter thread switch
  interval (a writer thread whose answer has come back waits less for the event loop to
  yield the GIL), the start-up objects frozen out of the cyclic collector's view, and a
  young-generation threshold of :data:`YOUNG_GC_THRESHOLD` (the objects of the requests
  in flight come and go without ever triggering a collection; only a heap that really
  grows does). All are undone when the server stops; the application itself never
  touches them.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.migrate import migrate
from gigawatt.broker.requestid import JsonLogFormatter
from gigawatt.broker.settings import SETTINGS_ENV, BrokerSettings
from gigawatt.errors import DatabaseInUseError
from gigawatt.scenario import load_scenario

__all__ = [
    "SERVER_LOCK",
    "WRITER_SWITCH_S",
    "YOUNG_GC_THRESHOLD",
    "json_logs",
    "prepare",
    "serve",
    "server_lock",
    "tuned",
]

# The thread switch interval while serving with --tune (Python's default is 5 ms).
WRITER_SWITCH_S = 0.0002
# The collector's young-generation threshold while serving with --tune (Python's is 700):
# net new container objects before a collection. A batch leaves no cyclic garbage
# (tests/broker/test_garbage.py), so at 700 the requests in flight alone triggered about
# 20 collections a second, each finding nothing, and a full one every few seconds
# (measured: 171 young, 16 middle, 1 full of 7.2 ms CPU in 8 s at ~950/s).
YOUNG_GC_THRESHOLD = 10_000
# The session advisory lock of the servers of one PostgreSQL database ("gwsv").
SERVER_LOCK = 0x67777376


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


@contextlib.contextmanager
def server_lock(settings: BrokerSettings) -> Iterator[None]:
    """Hold the database's server lock while serving (PostgreSQL; nothing on SQLite).

    Exclusive with two batches in flight, shared with one: any number of one-batch
    servers share a database, a two-batch server has it alone.

    Raises:
        DatabaseInUseError: another server holds the lock in a way this one cannot share.
    """
    db = Database(settings.db_url, pool_size=1)
    if db.dialect != "postgresql":
        db.dispose()
        yield
        return
    alone = settings.batches_in_flight > 1
    try:
        with db.engine.connect() as conn:
            kind = "" if alone else "_shared"
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock{kind}({SERVER_LOCK})")
            if not got.scalar():
                where = db.engine.url.render_as_string(hide_password=True)
                raise DatabaseInUseError(
                    f"another gigawatt serve uses the PostgreSQL database {where}; two "
                    "batches in flight (the default) need the database alone: stop the "
                    "other server, or start every server on it with --batches-in-flight 1"
                )
            conn.commit()  # the session lock outlives the transaction
            yield
    finally:
        db.dispose()  # closing the session releases the lock


@contextlib.contextmanager
def json_logs(level: str) -> Iterator[None]:
    """Write the broker's log as JSON lines on stderr while serving (then as before)."""
    logger = logging.getLogger("gigawatt.broker")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


@contextlib.contextmanager
def tuned(enabled: bool) -> Iterator[None]:
    """Tune the process for serving while inside (when ``enabled``), then undo it."""
    if not enabled:
        yield
        return
    switch_s = sys.getswitchinterval()
    frozen = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(WRITER_SWITCH_S)
    gc.set_threshold(YOUNG_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(switch_s)
        if frozen == 0:
            gc.unfreeze()


def serve(
    settings: BrokerSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "warning",
    access_log: bool = False,
    tune: bool = False,
) -> None:
    """Serve the broker with uvicorn until interrupted (``workers`` processes).

    With several processes each runs one batch at a time (``batches_in_flight=1``):
    their batches take turns on the batch lock and read after taking it. With ``tune``
    the process is tuned while it serves (:func:`tuned`; one process only).

    Raises:
        DatabaseInUseError: another server uses the database (see :func:`server_lock`).
    """
    import uvicorn

    from gigawatt.broker.app import server_app

    if workers > 1:
        settings = replace(settings, batches_in_flight=1)
    prepare(settings)
    os.environ[SETTINGS_ENV] = settings.to_json()
    if settings.admin_token:
        os.environ.setdefault("GIGAWATT_ADMIN_TOKEN", settings.admin_token)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "loop": "auto",
        "http": "auto",
        "limit_concurrency": None,
        "backlog": 2048,
        "timeout_keep_alive": 30,
        # Per-request costs the broker does not need: it serves 127.0.0.1 or sits behind
        # a proxy that sets its own headers (X-Forwarded-* parsing, Date, Server).
        "proxy_headers": False,
        "date_header": False,
        "server_header": False,
    }
    with server_lock(settings), json_logs(log_level):
        if workers > 1:
            uvicorn.run("gigawatt.broker.app:app_factory", factory=True, workers=workers, **options)
            return
        app = server_app(settings.resolved())
        with tuned(tune):
            uvicorn.run(app, **options)
