"""Two batches in flight on PostgreSQL: the next one decides while the one before commits.

The batch before is a real one (``HeldBatch``): it places a request in its own
transaction, holding the batch lock, and commits or rolls back when told. The batch after
it runs with :func:`gigawatt.broker.runtime.run_batch` given what the one before
published. The oracle is the answer of running the two one at a time.

In the test scenario abilene (H100, $1/h, 100 accelerators) is cheaper than oci-phoenix
($2/h, 100): a request goes to abilene while it has room.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from broker_support import SCENARIO, _new_pg_database

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.committer import BATCH_LOCK, InFlight, Runner, place, run_batch
from gigawatt.broker.context import BrokerContext, Principal
from gigawatt.broker.db import Database
from gigawatt.broker.decide import Request
from gigawatt.broker.ledger import check_ledger
from gigawatt.broker.migrate import migrate
from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.broker.placing import Placement
from gigawatt.broker.settings import BrokerSettings
from gigawatt.scenario import load_scenario

pytestmark = [pytest.mark.service]

START = 490_896  # 2026-01-01T00


def _context(url: str) -> BrokerContext:
    cat = Catalog.from_scenario(load_scenario(SCENARIO))
    db = Database(url, pool_size=4)
    migrate(db, cat)
    return BrokerContext(db=db, catalog=cat, settings=BrokerSettings(scenario=SCENARIO, db_url=url))


@pytest.fixture
def ctx(pg: TempPostgres) -> Any:
    context = _context(_new_pg_database(pg))
    yield context
    context.db.dispose()


class _RollBackError(Exception):
    pass


class HeldBatch(threading.Thread):
    """A batch that places one request, then holds the batch lock until released."""

    def __init__(self, ctx: BrokerContext, req: Request, key: str) -> None:
        super().__init__(daemon=True)
        self.ctx, self.req, self.key = ctx, req, key
        self.ready = threading.Event()
        self.release = threading.Event()
        self.commit = True
        self.inflight = InFlight()
        self.answer: dict[str, Any] = {}

    def run(self) -> None:
        try:
            with self.ctx.db.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({BATCH_LOCK})")
                who = Principal(11, "team", "a")
                text, _ = place(self.ctx, who, self.req, self.key, tx=conn)
                self.answer = json.loads(text)
                xid = conn.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar()
                rows = conn.exec_driver_sql("SELECT resource, hour, booked FROM slots").all()
                self.inflight.xid = int(str(xid))
                self.inflight.booked = {(int(r), int(h)): int(b) for r, h, b in rows}
                self.ready.set()
                assert self.release.wait(30)
                if not self.commit:
                    raise _RollBackError
        except _RollBackError:
            pass
        finally:
            self.inflight.end()
            self.ready.set()


def _after(
    ctx: BrokerContext, before: InFlight, req: Request, key: str
) -> tuple[threading.Thread, threading.Event, list[Any]]:
    """Start a batch placing ``req`` after ``before``; returns it, its published event, outcomes."""
    published = threading.Event()
    outcomes: list[Any] = []
    loop = asyncio.new_event_loop()
    call = Placement(ctx, Principal(12, "team", "b"), req, key)
    me = InFlight(lambda _ok: published.set())

    def go() -> None:
        outcomes.extend(run_batch(ctx.db, [(call, loop.create_future())], before, me))

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    return thread, published, outcomes


def _answer(outcomes: list[Any]) -> tuple[str, str]:
    (_future, ok, value) = outcomes[0]
    assert ok, value
    a = json.loads(value[0])
    return a["status"], a["site"]


def _ledger_ok(ctx: BrokerContext) -> bool:
    return ctx.db.transact(lambda c: check_ledger(c, ctx.catalog), write=False) == []


def test_the_batch_after_counts_the_bookings_of_the_one_still_committing(
    ctx: BrokerContext,
) -> None:
    """It decides before the one before commits, as if it had: no second look needed."""
    held = HeldBatch(ctx, Request((), "H100", 100, None, 1.0, START, START + 3, False), "fill")
    held.start()
    assert held.ready.wait(30)
    assert held.answer["site"] == "abilene"
    late = Request((), "H100", 50, None, 1.0, START + 1, START + 2, False)
    thread, published, outcomes = _after(ctx, held.inflight, late, "late")
    assert published.wait(30)  # decided and queued its writes ...
    thread.join(0.5)
    assert thread.is_alive()  # ... and waits for the batch lock, still held
    held.release.set()
    held.join(30)
    thread.join(30)
    assert _answer(outcomes) == ("placed", "oci-phoenix")  # abilene is full
    assert ctx.db.reruns == 0  # decided right the first time: the bookings were counted
    assert _ledger_ok(ctx)


def test_the_batch_after_runs_again_when_the_one_before_rolls_back(ctx: BrokerContext) -> None:
    """It counted bookings that never happened: it must not commit what it decided."""
    held = HeldBatch(ctx, Request((), "H100", 100, None, 1.0, START, START + 3, False), "fill")
    held.commit = False
    held.start()
    assert held.ready.wait(30)
    late = Request((), "H100", 50, None, 1.0, START + 1, START + 2, False)
    thread, published, outcomes = _after(ctx, held.inflight, late, "late")
    assert published.wait(30)
    held.release.set()
    held.join(30)
    thread.join(30)
    assert _answer(outcomes) == ("placed", "abilene")  # what running it alone answers
    assert ctx.db.reruns == 1
    assert _ledger_ok(ctx)


def test_a_commit_the_read_already_saw_is_not_counted_twice(ctx: BrokerContext) -> None:
    """The batch before committed before the read: its bookings are in what was read."""
    held = HeldBatch(ctx, Request((), "H100", 50, None, 1.0, START, START + 3, False), "half")
    held.start()
    assert held.ready.wait(30)
    held.release.set()
    held.join(30)
    late = Request((), "H100", 50, None, 1.0, START + 1, START + 2, False)
    thread, _published, outcomes = _after(ctx, held.inflight, late, "late")
    thread.join(30)
    assert _answer(outcomes) == ("placed", "abilene")  # 50 + 50 fit in 100, counted once
    assert ctx.db.reruns == 0
    assert _ledger_ok(ctx)


def test_the_batch_after_waits_for_the_end_of_the_one_before_by_its_ticket(
    ctx: BrokerContext,
) -> None:
    """The batch before holds its ticket but has not asked for the batch lock yet.

    Under load the batch after may ask for the batch lock first; it must still check the
    batch before's outcome only once that batch has ended (else it sees it in progress
    and runs again for nothing).
    """
    ticket = (424242, 1)
    held = threading.Event()
    release = threading.Event()
    before = InFlight(ticket=ticket)

    def hold() -> None:
        with ctx.db.connect() as conn:  # a transaction holding the ticket, not the batch lock
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ticket[0]}, {ticket[1]})")
            before.xid = int(
                str(conn.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar())
            )
            held.set()
            assert release.wait(30)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert held.wait(30)
    late = Request((), "H100", 50, None, 1.0, START, START + 1, False)
    thread, published, outcomes = _after(ctx, before, late, "late")
    assert published.wait(30)
    thread.join(0.5)
    assert thread.is_alive()  # waits for the ticket, though the batch lock is free
    release.set()
    holder.join(30)
    thread.join(30)
    assert _answer(outcomes) == ("placed", "abilene")
    assert ctx.db.reruns == 0


def test_a_key_of_the_batch_before_waits_for_its_answer(ctx: BrokerContext) -> None:
    """The same key again while its first placement commits: answered as a replay."""
    req = Request((), "H100", 10, None, 1.0, START, START + 1, False)
    held = HeldBatch(ctx, req, "k")
    held.start()
    assert held.ready.wait(30)
    held.inflight.keys = frozenset({(11, "k")})
    published = threading.Event()
    outcomes: list[Any] = []
    loop = asyncio.new_event_loop()
    call = Placement(ctx, Principal(11, "team", "a"), req, "k")
    me = InFlight(lambda _ok: published.set())
    thread = threading.Thread(
        target=lambda: outcomes.extend(
            run_batch(ctx.db, [(call, loop.create_future())], held.inflight, me)
        ),
        daemon=True,
    )
    thread.start()
    assert not published.wait(0.5)  # it waits for the batch before to end first
    held.release.set()
    held.join(30)
    thread.join(30)
    (_future, ok, (text, replayed)) = outcomes[0]
    assert ok and replayed and json.loads(text)["id"] == held.answer["id"]
    assert ctx.db.reruns == 0


def test_the_runner_overlaps_batches_and_answers_as_one_at_a_time(
    ctx: BrokerContext, pg: TempPostgres
) -> None:
    """400 contended placements sent at once through the runner (two batches in flight).

    The oracle: the same requests placed one at a time, each in its own transaction, on
    a fresh database: the same answers, in order; and the ledger invariant.
    """
    reqs = [
        Request((), "H100", 7 + i % 13, None, 1.0, START + i % 5, START + i % 5 + 2, False)
        for i in range(400)
    ]
    who = Principal(10, "team", "t")
    serial_ctx = _context(_new_pg_database(pg))
    serial = [json.loads(place(serial_ctx, who, r, f"k{i}")[0]) for i, r in enumerate(reqs)]
    serial_ctx.db.dispose()
    runner = Runner(ctx.db, max_batch=16)

    async def send() -> list[Any]:
        return await asyncio.gather(
            *[runner(Placement(ctx, who, r, f"k{i}")) for i, r in enumerate(reqs)]
        )

    answers = [json.loads(text) for text, _ in asyncio.run(send())]
    runner.close()
    assert runner.overlapped > 0
    shown = [(a["status"], a["site"], a["count"]) for a in answers]
    assert shown == [(a["status"], a["site"], a["count"]) for a in serial]
    assert {a["status"] for a in answers} >= {"placed", "rejected"}
    assert _ledger_ok(ctx)
    assert ctx.db.reruns == 0


def test_one_batch_in_flight_never_overlaps(ctx: BrokerContext) -> None:
    """What several server processes use (``--workers N``): batches run one at a time."""
    runner = Runner(ctx.db, max_batch=8, in_flight=1)
    reqs = [Request((), "H100", 30, None, 1.0, START, START + 2, False) for _ in range(40)]

    async def send() -> list[Any]:
        who = Principal(10, "team", "t")
        return await asyncio.gather(
            *[runner(Placement(ctx, who, r, f"k{i}")) for i, r in enumerate(reqs)]
        )

    answers = [json.loads(text) for text, _ in asyncio.run(send())]
    runner.close()
    assert runner.overlapped == 0
    placed = [a for a in answers if a["status"] != "rejected"]
    assert sum(a["count"] for a in placed if a["site"] == "abilene") == 90  # 3 x 30 of 100
    assert _ledger_ok(ctx)
