"""Database access: engines, transactions with the right locking, and retries.

* **SQLite** (a file; the default): WAL journal, ``synchronous=NORMAL`` by default (a
  committed transaction survives the broker being killed; ``FULL`` also survives power
  loss), writes in ``BEGIN IMMEDIATE`` transactions so that two writers never interleave,
  and an in-process lock in front of them so that writers of one process queue without
  sleeping in SQLite's busy handler. The server groups the operations that arrive
  together into one transaction (:mod:`gigawatt.broker.committer`): one commit for many
  placements, each acknowledged only after that commit.
* **PostgreSQL** (psycopg 3): ``READ COMMITTED`` transactions. The server batches
  operations the same way (group commit, one writer thread per process), and a batch
  holds a transaction-level advisory lock (``committer.BATCH_LOCK``) so that the batches of several
  server processes take turns instead of deadlocking on each other's slot rows (a batch
  locks rows for many placements, in no global order). Capacity is never
  over-booked because every booking is one conditional ``INSERT ... ON CONFLICT DO UPDATE
  ... WHERE booked + n <= capacity`` per resource and month, which PostgreSQL re-checks
  on the newest row version after waiting for a row lock; rows are locked in (resource,
  hour) order so bookings do not deadlock. Deadlocks and serialisation failures that
  happen anyway are retried (:meth:`Database.transact`).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from gigawatt.broker.health import DatabaseHealth

__all__ = ["MAX_ATTEMPTS", "Database", "is_retryable", "normalize_url"]

T = TypeVar("T")

RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
MAX_ATTEMPTS = 8


def normalize_url(url: str) -> str:
    """Database URL with an explicit driver (``postgresql`` -> ``postgresql+psycopg``).

    A bare path (no ``://``) is read as a SQLite file.
    """
    if "://" not in url:
        return f"sqlite:///{url}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    return url


def is_retryable(exc: BaseException) -> bool:
    """Whether a database error is a transient conflict worth retrying."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(orig)


class Database:
    """One database: engine, transactions and the dialect's name.

    Args:
        url: SQLAlchemy URL, or a path to a SQLite file.
        pool_size: Connections kept open (PostgreSQL).
        sqlite_synchronous: ``NORMAL`` (default) or ``FULL``.
    """

    def __init__(
        self, url: str, *, pool_size: int = 32, sqlite_synchronous: str = "NORMAL"
    ) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")
        self._lock = threading.Lock() if self.dialect == "sqlite" else None
        self.reruns = 0  # batches run again without the pipeline (see committer.run_ops)
        self.health = DatabaseHealth()
        self.engine = self._make_engine(pool_size, sqlite_synchronous.upper())

    def _make_engine(self, pool_size: int, synchronous: str) -> Engine:
        if self.dialect == "postgresql":
            return create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=False,
                connect_args={"application_name": "gigawatt-broker"},
            )
        memory = make_url(self.url).database in (None, "", ":memory:")
        engine = create_engine(
            self.url,
            poolclass=NullPool if memory else None,
            connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("gw_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def connect(self, *, write: bool = True) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success, rolled back on error.

        Raises:
            UnavailableError: the database does not answer (:mod:`gigawatt.broker.health`).
        """
        lock = self._lock if write else None
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn = conn.execution_options(gw_write=write)
                trans = conn.begin()
                try:
                    yield conn
                    trans.commit()
                except BaseException:
                    trans.rollback()
                    raise
        except Exception as exc:  # a database that does not answer is a 503, logged once
            failed = self.health.failed(exc)
            if failed is not None:
                raise failed from None
            raise
        finally:
            if lock is not None:
                lock.release()
        self.health.up()

    def transact(
        self, fn: Callable[[Connection], T], *, write: bool = True, tx: Connection | None = None
    ) -> T:
        """Run ``fn`` in a transaction, retrying transient conflicts with jittered backoff.

        With ``tx`` (a batch's connection, passed by the committer), ``fn`` runs in a
        savepoint of that transaction instead: a failure rolls back ``fn`` alone.
        """
        if tx is not None:
            return self._in_savepoint(tx, fn)
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.connect(write=write) as conn:
                    return fn(conn)
            except DBAPIError as exc:
                if not is_retryable(exc) or attempt == MAX_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
        # the last attempt returns or raises inside the loop; mypy needs an end
        raise AssertionError("unreachable")  # pragma: no cover

    def _in_savepoint(self, shared: Connection, fn: Callable[[Connection], T]) -> T:
        cursor = shared.connection.cursor()
        for attempt in range(MAX_ATTEMPTS):
            cursor.execute("SAVEPOINT gw_op")
            try:
                result = fn(shared)
            except BaseException as exc:
                cursor.execute("ROLLBACK TO gw_op")
                cursor.execute("RELEASE gw_op")
                if is_retryable(exc) and attempt < MAX_ATTEMPTS - 1:
                    continue
                raise
            cursor.execute("RELEASE gw_op")
            return result
        # the last attempt returns or raises inside the loop; mypy needs an end
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
