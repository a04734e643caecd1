"""Fair sharing: one team's year-long placements do not hold back another team's.

The numbers of issue #15: team A sends 100 year-long placements (8,784 hour slots each)
at once, from 100 clients of its own; team B places one-hour placements and reads
``/healthz`` while they are queued (three rounds, after one to warm up). Before one
queue per team and a cap on a batch's hour slots, B's placements waited behind every A
placement already queued (a batch of 64 year-long placements is about a second of work
on SQLite); now behind at most the batch running and a share of the next
(:class:`gigawatt.broker.runtime.Runner`).

The bound asserted is counted, not timed: how many of A's placements the broker decided
between the moment a B placement was sent and the moment it decided that one (their
``created_at``, on the same clock as the client's). The latencies are printed
(``pytest -s``); ``docs/decisions.md`` quotes them.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from broker_support import ADMIN, admin_token

from gigawatt.broker.hours import hour_of, iso_hour

pytestmark = [pytest.mark.service, pytest.mark.slow]

NOW = "2027-01-01T00:00:00Z"
YEAR_HOURS = 8784
BIG = 100  # A's year-long placements sent at once, per round
A_HEAD_START_S = 1.0  # A sends its burst and the broker reads it
SMALL = 10  # B's placements (and /healthz reads) sent at once, per round
ROUNDS = 3
# A's placements decided while a B placement waited, the median over B's placements:
# the batch running when it arrives, the one queued before the server reads it, and one
# of its own batch, two year-long placements each by the default cap (6 at most); the
# median leaves out outliers (up to 76 in one SQLite run, not explained yet: the loaded
# client may send late). Measured before the fix: 78 on PostgreSQL; on SQLite 5.5 to 25,
# depending on how A's burst reached the server (see docs/decisions.md).
MOST_AHEAD_P50 = 8


def _body(start: int, hours: int) -> dict[str, Any]:
    end = start + hours
    return {"accelerator": "H100", "count": 1, "start": iso_hour(start), "end": iso_hour(end)}


async def _place(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    return await client.post("/v1/placements", json=body, headers=headers)


async def _decided_s(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[int, float]:
    """When the broker decided each placement (epoch seconds), by id."""
    out: dict[int, float] = {}
    while True:
        params = {"limit": 1000, "after": max(out, default=0)}
        rows = (await client.get("/v1/placements", params=params, headers=admin)).json()
        if not rows:
            return out
        out.update({p["id"]: datetime.fromisoformat(p["created_at"]).timestamp() for p in rows})


def _team_a(url: str, token: str, orders: Any, out: Any) -> None:
    """A's clients: on each order, 100 year-long placements at once; their ids to ``out``.

    Run in a process of its own, so that its 100 clients do not hold the test's GIL
    while team B's requests are sent. Connects first and says so (an empty list).
    """

    async def main() -> None:
        limits = httpx.Limits(max_connections=BIG, max_keepalive_connections=BIG)
        async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
            await asyncio.gather(*(client.get("/healthz") for _ in range(BIG)))  # connect
            out.put([])
            start = hour_of(NOW)
            while await asyncio.to_thread(orders.get):
                calls = [_place(client, token, _body(start, YEAR_HOURS)) for _ in range(BIG)]
                answers = await asyncio.gather(*calls)
                assert all(r.status_code == 201 for r in answers), answers[0].text
                out.put([r.json()["id"] for r in answers])

    asyncio.run(main())


async def _timed(call: Any) -> tuple[float, float, Any]:
    """When the call was sent, answered (epoch seconds), and its answer."""
    sent = time.time()
    response = await call
    return sent, time.time(), response


async def _team_b(url: str, a: str, b: str) -> dict[str, Any]:
    start = hour_of(NOW)
    limits = httpx.Limits(max_connections=2 * SMALL, max_keepalive_connections=2 * SMALL)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        await asyncio.gather(*(client.get("/healthz") for _ in range(2 * SMALL)))  # connect
        assert (await _place(client, b, _body(start, 1))).status_code == 201  # cache B's token
        spawn = multiprocessing.get_context("spawn")
        orders, out = spawn.Queue(), spawn.Queue()
        team_a = spawn.Process(target=_team_a, args=(url, a, orders, out))
        team_a.start()
        small: list[tuple[float, float, Any]] = []
        health: list[tuple[float, float, Any]] = []
        booked: list[int] = []
        try:
            assert await asyncio.to_thread(out.get, True, 120) == []  # A is connected
            for i in range(1 + ROUNDS):
                orders.put(True)  # A's burst ...
                await asyncio.sleep(A_HEAD_START_S)  # ... reaches the broker's queue
                first = 1 + i * SMALL
                calls = [
                    _place(client, b, _body(start + h, 1)) for h in range(first, first + SMALL)
                ]
                done = await asyncio.gather(
                    *(_timed(c) for c in calls), *(_timed(client.get("/healthz")) for _ in calls)
                )
                booked += await asyncio.to_thread(out.get, True, 300)
                if i > 0:  # the first round warms B's client up (its delays were its own)
                    small += done[:SMALL]
                    health += done[SMALL:]
        finally:
            orders.put(False)
            await asyncio.to_thread(team_a.join, 60)
        decided = await _decided_s(client, {"Authorization": f"Bearer {ADMIN}"})
    assert all(r.status_code == 201 for _, _, r in small), [r.text for _, _, r in small]
    assert all(r.status_code == 200 for _, _, r in health)
    ahead = [
        sum(sent < decided[pid] < decided[r.json()["id"]] for pid in booked) for sent, _, r in small
    ]
    return {
        "a_booked": len(booked),
        "b_p50_s": statistics.median(end - sent for sent, end, _ in small),
        "b_max_s": max(end - sent for sent, end, _ in small),
        "healthz_p50_s": statistics.median(end - sent for sent, end, _ in health),
        "a_ahead_of_b_max": max(ahead),
        "a_ahead_of_b_p50": statistics.median(ahead),
    }


def test_a_teams_year_long_placements_do_not_hold_back_another_teams(
    db_url: str, server_factory: Any
) -> None:
    """On SQLite (batches on the event loop) and PostgreSQL (two batches in flight)."""
    server = server_factory(db_url, "--now", NOW, scenario="frontier-lab-2025")
    a = admin_token(server.url, "team", "team-a")
    b = admin_token(server.url, "team", "team-b")
    got = asyncio.run(_team_b(server.url, a, b))
    print(got)
    assert got["a_ahead_of_b_p50"] <= MOST_AHEAD_P50, got
