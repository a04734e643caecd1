"""Whether the database answers: 503 with the cause while it does not, logged once.

A database that is down (PostgreSQL stopped, a SQLite file that cannot be opened) is no
client's fault and no bug of the broker: every request that needs it is answered 503
``database_unavailable`` with ``Retry-After`` and the cause, and the log gets one line
when the database stops answering and one when it answers again, not a traceback per
request (:class:`DatabaseHealth`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from sqlalchemy.exc import DBAPIError

from gigawatt.broker.errors import UnavailableError

__all__ = ["DatabaseHealth", "unavailable_cause"]

log = logging.getLogger("gigawatt.broker")


# SQLSTATEs of a server that cannot be reached or is shutting down: class 08 (connection
# exception) and 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
_DOWN_STATES = ("08", "57P01", "57P02", "57P03")
_SQLITE_DOWN = ("unable to open database file", "disk i/o error")


def unavailable_cause(exc: BaseException) -> str | None:
    """Why the database did not answer, if that is what ``exc`` says (None: another error).

    A lost or refused connection: SQLAlchemy's invalidated connection, a psycopg
    connection error (no SQLSTATE, or class 08, or a server shutting down), or a SQLite
    file that cannot be opened or read. Transient conflicts (deadlocks, serialisation
    failures, SQLite's "database is locked") are not: they are retried.
    """
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    text = str(orig).strip()
    if not (invalidated or _connection_error(orig, text.lower())):
        return None
    return (text.splitlines()[0] if text else type(orig).__name__)[:300]


def _connection_error(orig: BaseException, text: str) -> bool:
    if isinstance(orig, sqlite3.OperationalError):
        return any(marker in text for marker in _SQLITE_DOWN)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if not isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    state = getattr(orig, "sqlstate", None)
    return state is None or state.startswith(_DOWN_STATES)


class DatabaseHealth:
    """The database's state as the requests of this process last saw it.

    Thread-safe; :meth:`up` costs one attribute read while nothing is wrong.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cause: str | None = None
        self._since = 0.0

    def up(self) -> None:
        """The database answered (logs once if it had not been answering)."""
        if self.cause is None:
            return
        with self._lock:
            if self.cause is not None:
                log.warning(
                    "database answers again after %.1f s (was: %s)",
                    time.monotonic() - self._since,
                    self.cause,
                )
                self.cause = None

    def down(self, cause: str) -> UnavailableError:
        """The database did not answer: the error to answer with (logs once per outage)."""
        with self._lock:
            if self.cause is None:
                log.error("database unavailable: %s", cause)
                self._since = time.monotonic()
            self.cause = cause
        return UnavailableError(
            "database_unavailable", f"the database does not answer ({cause}); retry later"
        )

    def failed(self, exc: BaseException) -> UnavailableError | None:
        """The 503 for ``exc`` if it says the database is down (None: another error)."""
        cause = unavailable_cause(exc)
        return None if cause is None else self.down(cause)
