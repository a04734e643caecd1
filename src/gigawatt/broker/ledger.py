r"""The capacity ledger: booked amounts per (resource, hour slot), never above capacity.

A booking of ``n`` on resource :math:`r` over ``[s, e)`` is, for each month segment of
the range, one statement of the database's store (:attr:`PgStore.book_range
<gigawatt.broker.stores.postgresql.PgStore.book_range>`, the same on SQLite)::

    INSERT INTO slots (resource, hour, booked) SELECT r, h, n FROM <hours s..e-1>
    WHERE <the site is not drained>
    ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + n
    WHERE slots.booked + n <= capacity(r, month)

It touches every hour of the segment exactly when every hour has room; otherwise fewer
rows change, :class:`SlotsFull` is raised and the caller rolls the transaction back. A
release adds ``-n`` the same way, without the condition. Rows are created on first use,
so the ledger holds only hours that were ever booked. This module decides what to book
and checks the counts; the SQL is the stores' (:mod:`gigawatt.broker.stores`), which
hold every statement the ledger sends.

Invariant (:func:`check_ledger`): for every (resource, hour),
:math:`0 \le \text{booked} \le \text{capacity}` and booked equals the sum of what the
holders of that hour hold: placed placements on their offer, offered placements on their
fallback offer, pending offers on the counterparty's offer (plus, for a site's power,
``count x watts_each`` of each of those at the site).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from gigawatt.broker.catalog import Catalog, OfferResource
from gigawatt.broker.decide import with_room
from gigawatt.broker.stores.postgresql import PgStore
from gigawatt.broker.stores.sqlite import SqliteStore
from gigawatt.broker.tables import drained_sites, offers, placements, slots

__all__ = [
    "Hold",
    "SlotsFull",
    "book",
    "check_ledger",
    "feasible",
    "holds",
    "lock_slots",
    "release",
]


class SlotsFull(Exception):  # noqa: N818 - a signal to retry, not an error for users
    """A booking found an hour without room (a concurrent booking took it first).

    Attributes:
        resource: The offer whose booking failed.
    """

    def __init__(self, resource: int) -> None:
        super().__init__(f"offer resource {resource} is full")
        self.resource = resource


def _store(conn: Connection) -> tuple[PgStore | SqliteStore, Any]:
    """The store of the connection's database, and a DB-API cursor of its transaction."""
    store = PgStore() if conn.dialect.name == "postgresql" else SqliteStore()
    return store, conn.connection.cursor()


def _ops(
    catalog: Catalog, offer: OfferResource, count: int, start_hour: int, end_hour: int
) -> list[tuple[int, int, int, int, int]]:
    """(resource, start, end, amount, capacity) for each resource and month segment."""
    out = []
    for seg in catalog.segments(start_hour, end_hour):
        out.append(
            (offer.resource, seg.start_hour, seg.end_hour, count, offer.capacity[seg.month_index])
        )
        if offer.power_resource is not None:
            cap = catalog.power_capacity[offer.power_resource][seg.month_index]
            out.append(
                (offer.power_resource, seg.start_hour, seg.end_hour, count * offer.watts_each, cap)
            )
    return out


def book(
    conn: Connection,
    catalog: Catalog,
    bookings: Iterable[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> None:
    """Book ``count`` of each offer over ``[start_hour, end_hour)``.

    In (resource, hour) order, so that concurrent bookings lock rows in one order.

    Raises:
        SlotsFull: some hour had no room (or the site was drained); roll back.
    """
    ops = []
    for offer, count in bookings:
        ops += [(op, offer) for op in _ops(catalog, offer, count, start_hour, end_hour)]
    ops.sort(key=lambda item: (item[0][0], item[0][1]))
    store, cur = _store(conn)
    for (resource, s, e, n, cap), offer in ops:
        params = {"r": resource, "s": s, "e": e, "n": n, "cap": cap, "site": offer.site}
        if n > cap or cur.execute(store.book_range, params).rowcount != e - s:
            raise SlotsFull(offer.resource)


def release(
    conn: Connection,
    catalog: Catalog,
    bookings: Iterable[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> None:
    """Give back what :func:`book` took (same resources, in the same order)."""
    ops = []
    for offer, count in bookings:
        ops += _ops(catalog, offer, count, start_hour, end_hour)
    ops.sort(key=lambda item: (item[0], item[1]))
    store, cur = _store(conn)
    for resource, s, e, n, _cap in ops:
        cur.execute(store.release_range, {"r": resource, "s": s, "e": e, "n": -n})


def lock_slots(conn: Connection) -> None:
    """Hold the ledger against bookings until the transaction ends (a drain's re-placement)."""
    store, cur = _store(conn)
    store.lock_slots(cur)


def feasible(
    conn: Connection,
    catalog: Catalog,
    candidates: list[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> set[int]:
    """Offer resources among the candidates with room for their count in every hour.

    A read without locks (the peak booked per resource in each month segment): :func:`book`
    has the last word.
    """
    if not candidates:
        return set()
    resources = sorted(
        {o.resource for o, _ in candidates}
        | {o.power_resource for o, _ in candidates if o.power_resource is not None}
    )
    store, cur = _store(conn)
    peaks = [
        (seg.month_index, store.peaks(cur, resources, seg.start_hour, seg.end_hour))
        for seg in catalog.segments(start_hour, end_hour)
    ]
    return with_room(catalog, candidates, peaks)


Hold = tuple[int, int, int, int]  # offer resource, count, start hour, end hour


def holds(conn: Connection) -> list[Hold]:
    """Everything that holds capacity now: placed and offered placements, pending offers."""
    out: list[Hold] = []
    rows = conn.execute(
        select(
            placements.c.offer_resource,
            placements.c.count,
            placements.c.start_hour,
            placements.c.end_hour,
        ).where(placements.c.status.in_(["placed", "offered"]))
    )
    out += [(int(r), int(n), int(s), int(e)) for r, n, s, e in rows]
    rows = conn.execute(
        select(offers.c.resource, offers.c.count, offers.c.start_hour, offers.c.end_hour).where(
            offers.c.status == "pending"
        )
    )
    out += [(int(r), int(n), int(s), int(e)) for r, n, s, e in rows]
    return out


def check_ledger(conn: Connection, catalog: Catalog) -> list[str]:
    """Every violation of the ledger invariant (empty when the ledger is sound).

    Checks, for every (resource, hour): ``0 <= booked <= capacity``; booked equals the
    sum of the holds covering it; no placement or offer holds capacity at a drained site.
    """
    problems: list[str] = []
    expected: dict[tuple[int, int], int] = defaultdict(int)
    drained = set(conn.execute(select(drained_sites.c.site)).scalars())
    for resource, count, s, e in holds(conn):
        offer = catalog.offers[resource]
        if offer.site in drained:
            problems.append(f"a hold on {offer.ref.key} at drained site {offer.site}")
        for h in range(s, e):
            expected[(resource, h)] += count
            if offer.power_resource is not None:
                expected[(offer.power_resource, h)] += count * offer.watts_each
    seen: set[tuple[int, int]] = set()
    for resource, hour, booked in conn.execute(
        select(slots.c.resource, slots.c.hour, slots.c.booked)
    ):
        key = (int(resource), int(hour))
        seen.add(key)
        if not catalog.first_hour <= hour < catalog.end_hour:
            problems.append(f"slot {key} lies outside the horizon")
            continue
        cap = catalog.capacity_of(key[0], catalog.segments(hour, hour + 1)[0].month_index)
        if booked < 0 or booked > cap:
            problems.append(f"slot {key}: booked {booked} outside [0, {cap}]")
        if booked != expected.get(key, 0):
            problems.append(f"slot {key}: booked {booked}, holds add up to {expected.get(key, 0)}")
    for key, amount in expected.items():
        if key not in seen and amount != 0:
            problems.append(f"slot {key}: no ledger row, holds add up to {amount}")
    return problems
