"""The logic holes of issue 17, each closed by a test that failed before its fix.

* a batch holding a placement and another kind of operation never overlaps the next one;
* a second ``gigawatt serve`` on the same PostgreSQL database is refused with a clear
  message while one with two batches in flight runs;
* a drain whose batch does not commit leaves no trace in the process;
* building and running the application leaves the process's switch interval and
  garbage collector as they were (tuning is ``gigawatt serve --tune``'s, and undone);
* reads (health, lists, tokens, audit, a token not yet cached) do not wait for writes;
* a pipelined batch run again is logged with its cause and counted.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from broker_support import (
    ADMIN,
    SCENARIO,
    _new_pg_database,
    batch_beside_an_intruder,
    make_app,
)

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.committer import BATCH_LOCK, InFlight, run_batch
from gigawatt.broker.context import ADMIN as ADMIN_PRINCIPAL
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import Database
from gigawatt.broker.decide import Request
from gigawatt.broker.drain import drain_site
from gigawatt.broker.migrate import migrate
from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.broker.placement_views import release_placement
from gigawatt.broker.placing import Placement
from gigawatt.broker.settings import BrokerSettings
from gigawatt.scenario import load_scenario

pytestmark = pytest.mark.service

START = 490_896  # 2026-01-01T00
TEAM = Principal(11, "team", "a")


def _context(url: str) -> BrokerContext:
    cat = Catalog.from_scenario(load_scenario(SCENARIO))
    db = Database(url, pool_size=4)
    migrate(db, cat)
    return BrokerContext(db=db, catalog=cat, settings=BrokerSettings(scenario=SCENARIO, db_url=url))


def _req(count: int = 10) -> Request:
    return Request((), "H100", count, None, 1.0, START, START + 2, False)


def _one(ctx: BrokerContext, call: Callable[[], Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        ((_f, ok, value),) = run_batch(ctx.db, [(call, loop.create_future())])
    finally:
        loop.close()
    assert ok, value
    return value


def test_a_mixed_batch_is_never_published_for_overlap(pg: TempPostgres) -> None:
    ctx = _context(_new_pg_database(pg))
    text, _ = _one(ctx, Placement(ctx, TEAM, _req(), "first"))
    pid = json.loads(text)["id"]
    published: list[bool] = []
    loop = asyncio.new_event_loop()
    calls = [
        Placement(ctx, TEAM, _req(), "second"),
        functools.partial(release_placement, ctx, TEAM, pid),
    ]
    outcomes = run_batch(
        ctx.db, [(c, loop.create_future()) for c in calls], None, InFlight(published.append)
    )
    loop.close()
    assert [ok for _f, ok, _v in outcomes] == [True, True]
    # The release is not among the bookings published: the batch after must wait for it.
    assert published == [False]
    ctx.db.dispose()


def test_a_placements_only_batch_is_published(pg: TempPostgres) -> None:
    ctx = _context(_new_pg_database(pg))
    published: list[bool] = []
    loop = asyncio.new_event_loop()
    call = Placement(ctx, TEAM, _req(), "only")
    run_batch(ctx.db, [(call, loop.create_future())], None, InFlight(published.append))
    loop.close()
    assert published == [True]
    ctx.db.dispose()


def test_a_second_server_on_the_same_postgresql_is_refused(
    pg: TempPostgres, server_factory: Callable[..., Any]
) -> None:
    url = _new_pg_database(pg)
    server_factory(url)
    with pytest.raises(RuntimeError) as refused:
        server_factory(url)
    message = str(refused.value)
    assert "another gigawatt serve" in message and "--batches-in-flight 1" in message
    assert "Traceback" not in message


def test_servers_with_one_batch_in_flight_share_a_database(
    pg: TempPostgres, server_factory: Callable[..., Any]
) -> None:
    url = _new_pg_database(pg)
    a = server_factory(url, "--batches-in-flight", "1")
    b = server_factory(url, "--batches-in-flight", "1")
    for s in (a, b):
        assert httpx.get(s.url + "/healthz", timeout=10).status_code == 200
    with pytest.raises(RuntimeError, match="another gigawatt serve"):
        server_factory(url)  # two in flight needs the database to itself


class _AbortError(Exception):
    pass


def test_a_drain_that_does_not_commit_leaves_no_trace(db_url: str) -> None:
    ctx = _context(db_url)
    with pytest.raises(_AbortError), ctx.db.connect() as conn:
        out = drain_site(ctx, ADMIN_PRINCIPAL, "abilene", tx=conn)
        assert out["newly_drained"] is True
        raise _AbortError  # the batch's commit fails
    assert "abilene" not in ctx.drained
    text, _ = _one(ctx, Placement(ctx, TEAM, _req(), "after"))
    assert json.loads(text)["site"] == "abilene"
    ctx.db.dispose()


def test_a_committed_drain_is_known_to_the_process(api: Any) -> None:
    r = api.c.post("/v1/sites/abilene/drain", headers=api.admin)
    assert r.status_code == 200, r.text
    assert "abilene" in api.c.app.state.broker.drained


def _process() -> tuple[float, int, tuple[int, int, int]]:
    return (sys.getswitchinterval(), gc.get_freeze_count(), gc.get_threshold())


def test_the_app_leaves_the_process_as_it_was(db_url: str) -> None:
    from fastapi.testclient import TestClient

    before = _process()
    with TestClient(make_app(db_url)) as client:
        assert client.get("/healthz").status_code == 200
        assert _process() == before
    assert _process() == before


def test_serve_tuning_is_opt_in_and_undone() -> None:
    from gigawatt.broker.server import WRITER_SWITCH_S, YOUNG_GC_THRESHOLD, tuned

    before = _process()
    with tuned(False):
        assert _process() == before
    with tuned(True):
        assert sys.getswitchinterval() == pytest.approx(WRITER_SWITCH_S)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *before[2][1:])
    assert _process() == before


def test_reads_do_not_wait_for_writes(pg: TempPostgres) -> None:
    """The batch lock is held outside; a placement waits; every read still answers."""
    from fastapi.testclient import TestClient

    url = _new_pg_database(pg)
    with TestClient(make_app(url)) as client:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        made = client.post("/v1/tokens", json={"role": "team", "name": "r"}, headers=admin)
        team = {"Authorization": f"Bearer {made.json()['token']}"}
        # The team's token was never used: not cached, so it is looked up in the database.
        dsn = url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (BATCH_LOCK,))
            body = {
                "accelerator": "H100",
                "count": 1,
                "start": "2026-01-01T00:00:00Z",
                "end": "2026-01-01T01:00:00Z",
            }
            placing = threading.Thread(
                target=client.post,
                args=("/v1/placements",),
                kwargs={"json": body, "headers": {**team, "Idempotency-Key": "w"}},
                daemon=True,
            )
            placing.start()
            answers: dict[str, int] = {}

            def reads() -> None:
                for path, who in (
                    ("/healthz", {}),
                    ("/v1/placements", team),
                    ("/v1/offers", team),
                    ("/v1/tokens", admin),
                    ("/v1/audit", admin),
                ):
                    answers[path] = client.get(path, headers=who).status_code

            reader = threading.Thread(target=reads, daemon=True)
            reader.start()
            reader.join(60)  # a hang detector, not a timing: the lock is still held
            assert answers == dict.fromkeys(
                ["/healthz", "/v1/placements", "/v1/offers", "/v1/tokens", "/v1/audit"], 200
            )
            assert placing.is_alive()  # the write was still waiting all along
            holder.execute("SELECT pg_advisory_unlock(%s)", (BATCH_LOCK,))
        placing.join(60)
        assert not placing.is_alive()


def test_a_rerun_is_logged_with_its_cause_and_counted(
    pg: TempPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    url = _new_pg_database(pg)
    ctx, intruder = _context(url), _context(url)
    fill = Request((), "H100", 100, None, 1.0, START, START + 3, False)
    late = Request((), "H100", 50, None, 1.0, START + 1, START + 2, False)
    with caplog.at_level(logging.WARNING, logger="gigawatt.broker"):
        outcomes = batch_beside_an_intruder(ctx, intruder, fill, late)
    assert [json.loads(v[0])["site"] for _f, ok, v in outcomes if ok] == ["abilene", "oci-phoenix"]
    assert ctx.db.reruns == 1
    (rec,) = [r for r in caplog.records if "run again" in r.getMessage()]
    assert "gigawatt check: a queued write did not apply" in rec.getMessage()
    assert "invalid input syntax" not in rec.getMessage()  # raised, not a failed cast
    ctx.db.dispose()
    intruder.db.dispose()


def test_a_statement_check_raises_its_own_error(pg: TempPostgres) -> None:
    """``gigawatt_check`` (migration 0003) raises its message with SQLSTATE GW001."""
    url = _new_pg_database(pg)
    ctx = _context(url)
    dsn = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("SELECT gigawatt_check(1 = 1, 'fine')").fetchone() == (True,)
        with pytest.raises(psycopg.Error) as failed:
            conn.execute("SELECT gigawatt_check(1 = 2, 'counts 3,2 expected 3,3')")
    assert failed.value.sqlstate == "GW001"
    assert str(failed.value).startswith("gigawatt check: counts 3,2 expected 3,3")
    ctx.db.dispose()
