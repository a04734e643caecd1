"""The runner answers an operation on the event loop that asked, whichever loop ran it.

One server has one loop, but an app driven by two clients (a test client beside the
lifespan's expiry task, as schemathesis does) has two; an answer set on a future from
the other loop's thread never woke its loop, and the request hung until its client gave
up (a flaky 10 s read timeout in the schemathesis test).
"""

from __future__ import annotations

import asyncio
import threading
import time

from gigawatt.broker.committer import Runner, run_batch
from gigawatt.broker.db import Database


def test_an_operation_queued_from_another_loop_is_answered_promptly(db_url: str) -> None:
    """On SQLite (batches on the loop) and PostgreSQL (writer threads, batches in flight)."""
    db = Database(db_url, pool_size=2)
    runner = Runner(db)
    started = threading.Event()
    outcome: dict[str, float | str] = {}

    def slow(*, tx: object) -> str:
        started.set()
        time.sleep(0.3)  # loop A's batch is running when loop B queues its operation
        return "a"

    async def on_a() -> str:
        return await runner(slow)

    async def on_b() -> None:
        t0 = time.perf_counter()
        outcome["b"] = await asyncio.wait_for(runner(lambda *, tx: "b"), timeout=10)
        outcome["seconds"] = time.perf_counter() - t0

    def thread_b() -> None:
        started.wait(5)
        asyncio.run(on_b())

    b = threading.Thread(target=thread_b)
    b.start()
    try:
        assert asyncio.run(on_a()) == "a"
        b.join(15)
    finally:
        db.dispose()
    assert outcome["b"] == "b"
    assert float(outcome["seconds"]) < 2.0  # answered with loop A's next batch, not at 10 s


def test_an_operation_that_fails_fails_alone(db_url: str) -> None:
    """An operation that raises is answered with its error; the others commit."""

    def boom(*, tx: object) -> str:
        raise ValueError("unreadable")

    db = Database(db_url, pool_size=2)
    loop = asyncio.new_event_loop()
    try:
        calls = [lambda *, tx: "fine", boom, lambda *, tx: "plain"]
        outcomes = run_batch(db, [(call, loop.create_future()) for call in calls])
    finally:
        loop.close()
        db.dispose()
    assert [(ok, str(value)) for _f, ok, value in outcomes] == [
        (True, "fine"),
        (False, "unreadable"),
        (True, "plain"),
    ]
    assert db.reruns == 0  # the batch committed once; nothing ran again
