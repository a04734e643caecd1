"""Many clients against a live server: no slot is ever booked beyond capacity.

32 client threads (31 teams and one provider answering offers), thousands of mixed
requests (placements with contention on 48 hours, idempotent replays, releases, reads),
an admin draining a site half way, then the invariant over the whole ledger.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import threading
import time

import httpx
import pytest
from broker_support import (
    ADMIN,
    SCENARIO,
    _new_pg_database,
    admin_token,
    batch_beside_an_intruder,
    ledger_problems,
)
from load import run_load

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.committer import place, run_batch
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import Database
from gigawatt.broker.decide import Request
from gigawatt.broker.errors import ConflictError
from gigawatt.broker.ledger import check_ledger
from gigawatt.broker.migrate import migrate
from gigawatt.broker.placing import Placement
from gigawatt.broker.settings import BrokerSettings
from gigawatt.scenario import load_scenario

pytestmark = [pytest.mark.service, pytest.mark.slow]

CLIENTS = 32
REQUESTS_PER_CLIENT = 100  # 31 teams x 100 = 3,100 requests, plus the provider's


def test_no_overbooking_under_concurrency(db_url: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(db_url, "--offer-deadline-seconds", "0.5")
    teams = [admin_token(server.url, "team", f"team-{i}") for i in range(CLIENTS - 1)]
    provider = admin_token(server.url, "provider", "azure-ops", "azure")
    drained: list[int] = []

    def drain_half_way() -> None:
        time.sleep(1.0)
        r = httpx.post(
            server.url + "/v1/sites/oci-phoenix/drain",
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=60,
        )
        drained.append(r.status_code)

    started = time.monotonic()
    out = run_load(
        server.url,
        teams,
        provider,
        requests_per_client=REQUESTS_PER_CLIENT,
        during=drain_half_way,
        time_limit_s=150,
    )
    elapsed = time.monotonic() - started
    assert out.server_errors == []
    assert out.transport_errors == 0
    assert out.replay_mismatches == []
    assert drained == [200]
    assert out.requests >= (CLIENTS - 1) * REQUESTS_PER_CLIENT
    assert set(out.statuses) <= {200, 201, 409}, out.statuses
    placed = sum(p["status"] == "placed" for p in out.acknowledged.values())
    rejected = sum(p["status"] == "rejected" for p in out.acknowledged.values())
    assert placed > 100 and rejected > 100  # the ledger was saturated
    server.stop()
    assert ledger_problems(db_url) == []
    print(f"{out.requests} requests in {elapsed:.1f}s, statuses {out.statuses}")


def test_same_key_at_once_places_once(db_url: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    """16 clients send the same request with the same key at the same moment."""
    server = server_factory(db_url)
    token = admin_token(server.url, "team", "racers")
    body = {
        "accelerator": "H100",
        "count": 7,
        "start": "2026-02-01T00:00:00Z",
        "end": "2026-02-01T03:00:00Z",
    }
    barrier = threading.Barrier(16)
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            barrier.wait()
            answers.append(
                c.post(
                    "/v1/placements",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "one-key"},
                )
            )

    threads = [threading.Thread(target=send) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in answers] == [201] * 16
    assert len({r.text for r in answers}) == 1
    assert sum(r.headers.get("Idempotency-Replayed") == "true" for r in answers) == 15
    listed = httpx.get(server.url + "/v1/placements", headers={"Authorization": f"Bearer {token}"})
    assert len(listed.json()) == 1
    server.stop()
    assert ledger_problems(db_url) == []


def test_one_batch_decides_as_one_at_a_time(db_url: str, request: pytest.FixtureRequest) -> None:
    """60 contended placements run as one batch answer exactly as when run one by one.

    The oracle is the same requests placed one at a time, each in its own transaction, on
    a fresh database. The batch (on PostgreSQL: pipelined, reads queued ahead) also holds
    a repeated key (a replay), a key reused for another request (409) and, half way, an
    operation of another kind (after which placements read afresh).
    """
    rng = random.Random(7)
    base = 490_896  # 2026-01-01T00
    reqs = []
    for i in range(60):
        start = base + rng.randrange(6)
        tags = rng.choice([(), ("api",), ("frontier",)])
        acc = rng.choice(["H100", "GB200"])
        reqs.append(
            (
                f"k{i}",
                Request(
                    tags,
                    acc,
                    rng.randint(10, 40),
                    None,
                    1.0,
                    start,
                    start + rng.randint(1, 4),
                    False,
                ),
            )
        )
    reqs.insert(30, reqs[5])  # the same key and request again: a replay
    reqs.insert(40, (reqs[6][0], reqs[7][1]))  # key of request 6 for another request: 409

    def fresh(url: str) -> BrokerContext:
        cat = Catalog.from_scenario(load_scenario(SCENARIO))
        db = Database(url, pool_size=2)
        migrate(db, cat)
        return BrokerContext(
            db=db, catalog=cat, settings=BrokerSettings(scenario=SCENARIO, db_url=url)
        )

    def shown(value: object) -> object:
        if isinstance(value, Exception):
            return type(value).__name__
        text, replayed = value  # type: ignore[misc]
        a = json.loads(text)
        return (
            a["status"],
            a["site"],
            a.get("offered_site"),
            a["count"],
            replayed,
        )

    who = Principal(10, "team", "t")
    serial_ctx = fresh(db_url)
    serial = []
    for key, req in reqs:
        try:
            serial.append(shown(place(serial_ctx, who, req, key)))
        except ConflictError as exc:
            serial.append(shown(exc))
    assert ledger_ok(serial_ctx)

    if db_url.startswith("sqlite"):
        other_url = db_url.replace("broker.db", "batch.db")
    else:
        other_url = _new_pg_database(request.getfixturevalue("pg"))
    ctx = fresh(other_url)
    loop = asyncio.new_event_loop()
    calls = [Placement(ctx, who, req, key) for key, req in reqs]
    calls.insert(20, functools.partial(ctx.db.transact, ctx.refresh_drained, write=False))
    outcomes = run_batch(ctx.db, [(call, loop.create_future()) for call in calls])
    loop.close()
    del outcomes[20]
    batched = [shown(value) for _future, _ok, value in outcomes]
    assert batched == serial
    assert {"placed", "offered", "rejected"} <= {s[0] for s in serial if isinstance(s, tuple)}
    assert (
        serial.count("ConflictError") == 1
        and sum(s[-1] is True for s in serial if isinstance(s, tuple)) == 1
    )
    assert ledger_ok(ctx)
    assert ctx.db.reruns == 0  # PostgreSQL: the pipelined batch's checks all held
    serial_ctx.db.dispose()
    ctx.db.dispose()


def ledger_ok(ctx: BrokerContext) -> bool:
    return ctx.db.transact(lambda conn: check_ledger(conn, ctx.catalog), write=False) == []


def test_batch_reruns_when_its_reads_went_stale(db_url: str) -> None:
    """A writer that skips the batch lock books a site between a batch's read and write.

    The batch read the ledger ahead (PostgreSQL: pipelined) while the site was empty; the
    conditional booking then refuses, the batch's check fails, and the batch runs again
    with savepoints: the request lands on the next site and the ledger stays sound.
    On SQLite the batch runs one operation at a time and sees the booking directly.
    """

    def fresh() -> BrokerContext:
        cat = Catalog.from_scenario(load_scenario(SCENARIO))
        db = Database(db_url, pool_size=2)
        migrate(db, cat)
        settings = BrokerSettings(scenario=SCENARIO, db_url=db_url)
        return BrokerContext(db=db, catalog=cat, settings=settings)

    ctx, intruder = fresh(), fresh()
    start = 490_896
    fill = Request((), "H100", 100, None, 1.0, start, start + 3, False)
    late = Request((), "H100", 50, None, 1.0, start + 1, start + 2, False)
    if db_url.startswith("sqlite"):  # one writer at a time: run the intruder first
        loop = asyncio.new_event_loop()
        alone = place(intruder, Principal(11, "team", "a"), fill, "fill")
        late_op = Placement(ctx, Principal(12, "team", "b"), late, "late")
        outcomes = [(None, True, alone), *run_batch(ctx.db, [(late_op, loop.create_future())])]
        loop.close()
    else:
        outcomes = batch_beside_an_intruder(ctx, intruder, fill, late)
        assert ctx.db.reruns == 1
    first, second = (json.loads(value[0]) for _f, _ok, value in outcomes)
    assert (first["status"], first["site"]) == ("placed", "abilene")
    assert (second["status"], second["site"]) == ("placed", "oci-phoenix")
    assert ledger_ok(ctx)
    ctx.db.dispose()
    intruder.db.dispose()
