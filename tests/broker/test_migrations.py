"""The Alembic chain: the newest schema is the tables' schema, and old rows carry over."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, UniqueConstraint, inspect, text
from sqlalchemy.dialects import postgresql, sqlite

from gigawatt.broker.db import Database
from gigawatt.broker.migrate import MIGRATIONS, upgrade_schema
from gigawatt.broker.tables import metadata

pytestmark = pytest.mark.service


def _to(conn: Connection, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(cfg, revision)


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(text(sql))]


def test_the_newest_schema_is_the_tables(db_url: str) -> None:
    db = Database(db_url)
    with db.engine.begin() as conn:
        _to(conn, "0001")
    with db.engine.connect() as conn:  # the comparison sees what 0002 adds
        before = compare_metadata(MigrationContext.configure(conn), metadata)
    assert {d[1].name for d in before if d[0] == "add_table"} == {"principals", "auth_version"}
    with db.engine.begin() as conn:
        upgrade_schema(conn)
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "compare_server_default": True}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
        made = _schema(inspect(conn))
    db.dispose()
    assert diff == []
    assert made == _declared(db.dialect)


def _schema(found: Any) -> dict[str, Any]:
    """Every table's columns (name, type, nullable, key), indexes and unique constraints."""
    out: dict[str, Any] = {}
    for table in sorted(set(found.get_table_names()) - {"alembic_version"}):
        key = set(found.get_pk_constraint(table)["constrained_columns"])
        unique = sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table))
        out[table] = {
            "columns": sorted(  # by name: a later migration appends its columns
                (
                    c["name"],
                    _type_name(c["type"], found.dialect.name),
                    bool(c["nullable"]) and c["name"] not in key,
                )
                for c in found.get_columns(table)
            ),
            "key": sorted(key),
            "indexes": sorted(
                (tuple(i["column_names"]), bool(i["unique"]))
                for i in found.get_indexes(table)
                if not i.get("duplicates_constraint")
            ),
            "unique": unique,
        }
    return out


def _declared(dialect: str) -> dict[str, Any]:
    """The same, from the tables the code declares (tables.py)."""
    out: dict[str, Any] = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        key = [c.name for c in table.primary_key.columns]
        unique = [
            tuple(c.name for c in u.columns)
            for u in table.constraints
            if isinstance(u, UniqueConstraint)
        ]
        unique += [(c.name,) for c in table.columns if c.unique]
        indexes = [(tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes]
        out[table.name] = {
            "columns": sorted(
                (
                    c.name,
                    _type_name(c.type, dialect),
                    bool(c.nullable) and not c.primary_key,
                )
                for c in table.columns
            ),
            "key": sorted(key),
            "indexes": sorted(indexes),
            "unique": sorted(set(unique)),
        }
    return out


_DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def _type_name(kind: Any, dialect: str) -> str:
    """A type as the database's DDL names it (PostgreSQL's FLOAT is DOUBLE PRECISION)."""
    name = str(kind.compile(dialect=_DIALECTS[dialect]))
    return {"DOUBLE PRECISION": "FLOAT", "REAL": "FLOAT"}.get(name, name)


OLD_TOKENS = [  # digest, role, name, provider
    ("d-lab", "team", "lab", None),
    ("d-fake-admin", "team", "admin", None),  # the attack of issue 15
    ("d-ops-azure", "provider", "ops", "azure"),
    ("d-ops-oci", "provider", "ops", "oci"),  # same name, another provider
    ("d-ops-admin", "admin", "ops", None),
]
OLD_PLACEMENTS = ["lab", "admin", "ops", "ghost"]  # team names as 0001 stored them


def test_old_rows_get_principals_and_owners(db_url: str) -> None:
    db = Database(db_url)
    with db.engine.begin() as conn:
        _to(conn, "0001")
        for i, (d, role, name, provider) in enumerate(OLD_TOKENS):
            conn.execute(
                text(
                    "INSERT INTO tokens (digest, role, name, provider, created_at) "
                    "VALUES (:d, :role, :name, :provider, :at)"
                ),
                {"d": d, "role": role, "name": name, "provider": provider, "at": float(i)},
            )
        for team in OLD_PLACEMENTS:
            conn.execute(
                text(
                    "INSERT INTO placements (team, idem_key, request_digest, status, tags, "
                    "start_hour, end_hour, single_site, request, response, created_at, "
                    "updated_at) VALUES (:team, 'k', 'x', 'rejected', '[]', 0, 1, true, '{}', "
                    "'{}', 0, 0)"
                ),
                {"team": team},
            )
    with db.engine.begin() as conn:
        upgrade_schema(conn)
    with db.engine.begin() as conn:
        principals = {
            (role, name): (pid, provider)
            for pid, role, name, provider in _rows(
                conn, "SELECT id, role, name, provider FROM principals"
            )
        }
        assert principals[("admin", "admin")][0] == 1 and principals[("system", "system")][0] == 2
        assert principals[("provider", "ops")] == (principals[("provider", "ops")][0], "azure")
        assert set(principals) == {
            ("admin", "admin"),
            ("system", "system"),
            ("team", "lab"),
            ("team", "admin"),
            ("provider", "ops"),
            ("admin", "ops"),
            ("team", "ghost"),
        }
        tokens = {
            d: (pid, revoked is not None)
            for d, pid, revoked in _rows(
                conn, "SELECT digest, principal_id, revoked_at FROM tokens"
            )
        }
        assert tokens == {
            "d-lab": (principals[("team", "lab")][0], False),
            "d-fake-admin": (principals[("team", "admin")][0], True),
            "d-ops-azure": (principals[("provider", "ops")][0], False),
            "d-ops-oci": (principals[("provider", "ops")][0], True),
            "d-ops-admin": (principals[("admin", "ops")][0], False),
        }
        owners = dict(_rows(conn, "SELECT team, owner_id FROM placements"))
        assert owners == {
            "lab": principals[("team", "lab")][0],
            "admin": 1,  # old rows cannot tell the admin from a team named so: the admin's
            "ops": principals[("admin", "ops")][0],
            "ghost": principals[("team", "ghost")][0],
        }
        assert _rows(conn, "SELECT version FROM auth_version") == [(0,)]
        # Keys are unique per owner now: another owner may reuse 'k'.
        conn.execute(
            text(
                "INSERT INTO placements (team, owner_id, idem_key, request_digest, status, "
                "tags, start_hour, end_hour, single_site, request, response, created_at, "
                "updated_at) VALUES ('lab', 2, 'k', 'x', 'rejected', '[]', 0, 1, true, '{}', "
                "'{}', 0, 0)"
            )
        )
        conn.execute(text("DELETE FROM placements WHERE owner_id = 2"))  # 0001 allows one
    with db.engine.begin() as conn:  # and back: revoked tokens go, names stay
        _to(conn, "0001", down=True)
        assert sorted(_rows(conn, "SELECT digest, role, name FROM tokens")) == [
            ("d-lab", "team", "lab"),
            ("d-ops-admin", "admin", "ops"),
            ("d-ops-azure", "provider", "ops"),
        ]
    with db.engine.begin() as conn:
        upgrade_schema(conn)
    db.dispose()
