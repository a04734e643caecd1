"""Plain DB-API statements for the hot path (one placement = a handful of statements).

SQLAlchemy Core builds, compiles and wraps every statement; on the placement path that
costs more than the database does. These statements are written once with ``:name``
parameters and sent through the connection's DB-API cursor (``%(name)s`` for psycopg),
inside the same transaction as everything else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

__all__ = ["Raw", "pyformat"]

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """The statement with psycopg's ``%(name)s`` parameters instead of ``:name``."""
    return _PARAM.sub(r"%(\1)s", sql)


class Raw:
    """A DB-API cursor of an SQLAlchemy connection, taking ``:name`` parameters."""

    __slots__ = ("cur", "pg")

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.cur: Any = conn.connection.cursor()

    def execute(self, sql: str, params: dict[str, Any]) -> Any:
        """Execute one statement; returns the cursor (``rowcount``, ``fetchone``...)."""
        self.cur.execute(pyformat(sql) if self.pg else sql, params)
        return self.cur

    def close(self) -> None:
        """Close the cursor."""
        self.cur.close()
