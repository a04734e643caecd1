"""Degraded, not broken: PostgreSQL stopped under a running broker, then started again."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from broker_support import START, Api, make_app
from fastapi.testclient import TestClient

from gigawatt.broker.pgtemp import TempPostgres, find_pg_bin

pytestmark = pytest.mark.service


@pytest.fixture
def own_pg() -> Iterator[TempPostgres]:
    """A PostgreSQL of this test's own, to stop and start."""
    if find_pg_bin() is None:  # never a skip: the PostgreSQL tests are part of the suite
        pytest.fail("PostgreSQL binaries not found: install them (.ci/setup-postgres.sh)")
    server = TempPostgres().start()  # durable: it is stopped as a crash would
    yield server
    server.stop()


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "gigawatt.broker"]


def test_database_down_is_a_503_with_the_cause_logged_once(
    own_pg: TempPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gigawatt.broker")
    with TestClient(make_app(own_pg.url)) as client:
        api = Api(client)
        team = api.token("team", "research")
        assert client.get("/healthz").json()["status"] == "ok"
        placed = api.place(team, accelerator="H100", count=1)
        assert placed.status_code == 201
        pid = placed.json()["id"]

        own_pg.pause()
        for _ in range(5):
            r = client.get("/healthz")
            assert r.status_code == 503, r.text
            assert r.json()["status"] == "unavailable" and r.json()["cause"]
            assert r.headers["Retry-After"] == "1"
        # every route that needs the database answers 503 with its cause, on both paths
        for r in (
            api.place(team, accelerator="H100", count=1),
            client.get("/v1/placements", headers=team),
            client.delete(f"/v1/placements/{pid}", headers=team),
            client.get("/v1/audit", headers=api.admin),
        ):
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "database_unavailable"
            assert r.headers["Retry-After"] == "1"
        time.sleep(1.5)  # the once-a-second offer sweep meets the outage too
        records = _records(caplog)
        assert [r.getMessage().split(":")[0] for r in records] == ["database unavailable"]
        assert all(r.exc_info is None for r in records)  # no traceback

        own_pg.resume()
        deadline = time.monotonic() + 30
        while client.get("/healthz").status_code != 200:  # stale pooled connections go first
            assert time.monotonic() < deadline
        records = _records(caplog)
        assert len(records) == 2 and records[1].getMessage().startswith("database answers again")
        # the release whose answer was lost is retried: it happened once, answered twice
        first = client.delete(f"/v1/placements/{pid}", headers=team)
        again = client.delete(f"/v1/placements/{pid}", headers=team)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json() and first.json()["status"] == "released"
        assert api.place(team, accelerator="H100", count=1, start=START).status_code == 201
        assert api.ledger_problems() == []
