"""The ledger's statements outside the placement path, in each store, on both databases.

Drains, offer answers and expiry, and releases book and release capacity through
:mod:`gigawatt.broker.ledger`, whose SQL is the stores' (:mod:`gigawatt.broker.stores`).
The oracle is worked by hand from the test scenario: azure-east offers 40 GB200 in
January and 60 in February; abilene's H100 and GB200 share 0.21 MW of power; a range of
8 hours from ``START + 740`` has 4 hours in January and 4 in February.
"""

from __future__ import annotations

import psycopg
import pytest
from broker_support import SCENARIO
from sqlalchemy import Connection, select

from gigawatt.broker.catalog import Catalog, OfferResource
from gigawatt.broker.db import Database
from gigawatt.broker.ledger import SlotsFull, book, feasible, lock_slots, release
from gigawatt.broker.migrate import migrate
from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.broker.tables import drained_sites, slots
from gigawatt.scenario import load_scenario

START = 490_896  # 2026-01-01T00
S, E = START + 740, START + 748  # 4 hours of January, 4 of February
FEB = START + 744


def _offer(cat: Catalog, site: str, accelerator: str) -> OfferResource:
    (offer,) = [o for o in cat.offers if o.site == site and o.ref.accelerator == accelerator]
    return offer


def _booked(db: Database) -> dict[tuple[int, int], int]:
    def read(conn: Connection) -> dict[tuple[int, int], int]:
        rows = conn.execute(select(slots.c.resource, slots.c.hour, slots.c.booked))
        return {(int(r), int(h)): int(b) for r, h, b in rows if b != 0}

    return db.transact(read, write=False)


def _book(db: Database, cat: Catalog, offer: OfferResource, n: int, s: int, e: int) -> None:
    db.transact(lambda conn: book(conn, cat, [(offer, n)], s, e))


def _room(db: Database, cat: Catalog, offer: OfferResource, n: int, s: int, e: int) -> bool:
    got = db.transact(lambda conn: feasible(conn, cat, [(offer, n)], s, e), write=False)
    assert got <= {offer.resource}
    return offer.resource in got


@pytest.fixture
def world(db_url: str) -> tuple[Database, Catalog]:
    cat = Catalog.from_scenario(load_scenario(SCENARIO))
    db = Database(db_url, pool_size=2)
    migrate(db, cat)
    yield db, cat
    db.dispose()


def test_a_booking_takes_every_hour_of_its_range_or_none(world: tuple[Database, Catalog]) -> None:
    db, cat = world
    gb = _offer(cat, "azure-east", "GB200")
    assert gb.power_resource is None
    _book(db, cat, gb, 35, S, E)
    assert _booked(db) == {(gb.resource, h): 35 for h in range(S, E)}
    with pytest.raises(SlotsFull):  # 35 + 10 > 40 in January: nothing of it stays
        _book(db, cat, gb, 10, S, E)
    assert _booked(db) == {(gb.resource, h): 35 for h in range(S, E)}
    _book(db, cat, gb, 10, FEB, E)  # 45 <= 60 in February
    want = {(gb.resource, h): 35 for h in range(S, FEB)}
    want |= {(gb.resource, h): 45 for h in range(FEB, E)}
    assert _booked(db) == want
    # Room: the peak of each month segment plus the count, against that month's capacity.
    assert _room(db, cat, gb, 5, S, E) and not _room(db, cat, gb, 6, S, E)
    assert _room(db, cat, gb, 15, FEB, E) and not _room(db, cat, gb, 16, FEB, E)
    assert _room(db, cat, gb, 40, START, S) and not _room(db, cat, gb, 41, START, S)
    assert _room(db, cat, gb, 60, E, E + 1) and not _room(db, cat, gb, 61, E, E + 1)
    db.transact(lambda conn: release(conn, cat, [(gb, 35)], S, E))
    db.transact(lambda conn: release(conn, cat, [(gb, 10)], FEB, E))
    assert _booked(db) == {}


def test_a_shared_power_cap_binds_the_second_offer(world: tuple[Database, Catalog]) -> None:
    db, cat = world
    h100, gb = _offer(cat, "abilene", "H100"), _offer(cat, "abilene", "GB200")
    power = h100.power_resource
    assert power is not None and gb.power_resource == power
    cap = cat.power_capacity[power][0]
    assert 100 * h100.watts_each <= cap < 100 * h100.watts_each + 50 * gb.watts_each
    db.transact(lambda conn: book(conn, cat, [(h100, 100)], S, S + 2))
    want = {(h100.resource, h): 100 for h in (S, S + 1)}
    want |= {(power, h): 100 * h100.watts_each for h in (S, S + 1)}
    assert _booked(db) == want
    left = (cap - 100 * h100.watts_each) // gb.watts_each  # GB200s the power still allows
    assert 0 < left < gb.capacity[0]  # the power binds before the offer's own capacity
    assert _room(db, cat, gb, left, S, S + 2) and not _room(db, cat, gb, left + 1, S, S + 2)
    with pytest.raises(SlotsFull):
        _book(db, cat, gb, left + 1, S + 1, S + 3)  # S + 2 has power, S + 1 has not
    assert _booked(db) == want
    _book(db, cat, gb, left, S + 1, S + 3)
    assert _booked(db)[(power, S + 1)] == 100 * h100.watts_each + left * gb.watts_each
    assert _booked(db)[(power, S + 2)] == left * gb.watts_each


def test_no_booking_lands_at_a_drained_site(world: tuple[Database, Catalog]) -> None:
    db, cat = world
    oci = _offer(cat, "oci-phoenix", "H100")
    db.transact(
        lambda conn: conn.execute(drained_sites.insert(), {"site": oci.site, "drained_at": 0})
    )
    with pytest.raises(SlotsFull):
        _book(db, cat, oci, 1, S, E)
    assert _booked(db) == {}
    _book(db, cat, _offer(cat, "azure-east", "H100"), 1, S, S + 1)  # another site: booked
    assert len(_booked(db)) == 1


@pytest.mark.service
def test_a_drain_holds_bookings_back_until_it_ends(pg: TempPostgres) -> None:
    """PostgreSQL: ``lock_slots`` (a drain's re-placement) makes a booking wait for its end."""
    from broker_support import _new_pg_database

    cat = Catalog.from_scenario(load_scenario(SCENARIO))
    db = Database(_new_pg_database(pg), pool_size=2)
    migrate(db, cat)
    gb = _offer(cat, "azure-east", "GB200")
    try:
        with db.engine.connect() as drain, db.engine.connect() as other:
            other.exec_driver_sql("SET lock_timeout = '200ms'")
            other.commit()
            with drain.begin():
                lock_slots(drain)
                with pytest.raises(psycopg.errors.LockNotAvailable), other.begin():
                    book(other, cat, [(gb, 1)], S, E)
            with other.begin():  # the drain has ended: the booking goes through
                book(other, cat, [(gb, 1)], S, E)
        assert _booked(db) == {(gb.resource, h): 1 for h in range(S, E)}
    finally:
        db.dispose()
