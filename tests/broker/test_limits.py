"""Per-team limits (429 with Retry-After) and the runner's queues served in turn."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from broker_support import SCENARIO, Api

from gigawatt.broker.admission import TeamLimits, accelerator_hours
from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.decide import Request
from gigawatt.broker.errors import TooManyRequestsError
from gigawatt.broker.runtime import Runner
from gigawatt.scenario import load_scenario


def test_rate_is_a_token_bucket_of_one_second() -> None:
    limits = TeamLimits(placements_per_second=4, accelerator_hours_in_flight=0)
    for _ in range(4):  # a burst of one second's worth
        limits.admit("a", 1, now=100.0)
        limits.done("a", 1)
    with pytest.raises(TooManyRequestsError) as caught:
        limits.admit("a", 1, now=100.0)
    assert caught.value.status == 429 and caught.value.code == "rate_limited"
    assert caught.value.headers() == {"Retry-After": "1"}  # a quarter second, rounded up
    limits.admit("b", 1, now=100.0)  # another team has its own bucket
    limits.admit("a", 1, now=100.25)  # refilled at 4 per second
    with pytest.raises(TooManyRequestsError):
        limits.admit("a", 1, now=100.25)


def test_slow_rates_ask_for_a_longer_wait() -> None:
    limits = TeamLimits(placements_per_second=0.1, accelerator_hours_in_flight=0)
    limits._buckets["a"] = (0.0, 0.0)  # an empty bucket at t=0
    with pytest.raises(TooManyRequestsError) as caught:
        limits.admit("a", 1, now=1.0)
    assert caught.value.retry_after_s == math.ceil((1 - 0.1) / 0.1)


def test_accelerator_hours_in_flight() -> None:
    limits = TeamLimits(placements_per_second=0, accelerator_hours_in_flight=1000)
    limits.admit("a", 5000)  # alone above the limit: admitted, or it never would be
    with pytest.raises(TooManyRequestsError) as caught:
        limits.admit("a", 1)
    assert caught.value.code == "too_much_in_flight" and "5,000" in caught.value.message
    limits.admit("b", 600)  # per team
    limits.admit("b", 400)
    with pytest.raises(TooManyRequestsError):
        limits.admit("b", 1)
    limits.done("a", 5000)
    assert limits.in_flight("a") == 0
    limits.admit("a", 1000)


def test_accelerator_hours_of_a_flops_request_use_the_fastest_type() -> None:
    cat = Catalog.from_scenario(load_scenario(SCENARIO))
    # GB200: 2.5e15 FLOP/s peak; 1e16 at 0.4 utilization is exactly 10 of them
    req = Request((), None, None, 1e16, 0.4, 0, 3, True)
    assert accelerator_hours(cat, req) == 10 * 3
    h100 = Request((), "H100", None, 1e16, 0.4, 0, 3, True)  # 1e15 peak: 25
    assert accelerator_hours(cat, h100) == 25 * 3
    assert accelerator_hours(cat, Request((), "H100", 7, None, 0.35, 0, 2, True)) == 14


def test_lanes_are_served_in_turn_within_the_hours_cap(tmp_path: Path) -> None:
    """A lane of large operations does not keep another lane's small one waiting."""
    runner = Runner(Database(f"sqlite:///{tmp_path / 'q.db'}"), max_batch_hours=100)
    order: list[str] = []  # never filled: the operations are only queued

    async def main() -> None:
        runner._scheduled = True  # queue only: the batches are taken by hand below
        calls = [runner(order.append, f"A{i}", lane="A", hours=60) for i in range(5)]
        calls += [runner(order.append, f"B{i}", lane="B", hours=1) for i in range(3)]
        calls += [runner(order.append, "C0", lane="C", hours=100)]
        tasks = [asyncio.create_task(c) for c in calls]
        await asyncio.sleep(0)
        batches: list[list[str]] = []
        while runner._pending:
            batches.append([str(c.args[0]) for c, _ in runner._take()])
        assert batches == [
            ["A0", "B0", "B1", "B2"],  # A1 would pass 100 hours: the next batch
            ["C0"],  # C first: A was served, so it went to the back of the turn
            ["A1"],
            ["A2"],
            ["A3"],
            ["A4"],
        ]
        for t in tasks:
            t.cancel()

    asyncio.run(main())


def test_max_batch_still_holds(tmp_path: Path) -> None:
    runner = Runner(Database(f"sqlite:///{tmp_path / 'q.db'}"), max_batch=3)

    async def main() -> None:
        runner._scheduled = True  # queue only: the batches are taken by hand below
        tasks = [asyncio.create_task(runner(print, i, lane=f"team-{i % 2}")) for i in range(7)]
        await asyncio.sleep(0)
        sizes = []
        while runner._pending:
            sizes.append(len(runner._take()))
        assert sizes == [3, 3, 1]
        for t in tasks:
            t.cancel()

    asyncio.run(main())


def test_a_team_over_its_rate_gets_429_on_both_paths(api_factory: Callable[..., Api]) -> None:
    for fast in (True, False):
        api = api_factory(team_placements_per_second=3, fast_path=fast)
        team = api.token("team", "research")
        other = api.token("team", "product")
        codes = [api.place(team, accelerator="H100", count=1).status_code for _ in range(6)]
        assert codes.count(201) == 3 and codes.count(429) == 3, codes
        r = api.place(team, accelerator="H100", count=1)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
        assert api.place(other, accelerator="H100", count=1).status_code == 201
        assert api.place(api.admin, accelerator="H100", count=1).status_code == 201
