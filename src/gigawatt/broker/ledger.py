r"""The capacity ledger: booked amounts per (resource, hour slot), never above capacity.

A booking of ``n`` on resource :math:`r` over ``[s, e)`` is, for each month segment of
the range, one statement::

    INSERT INTO slots (resource, hour, booked) SELECT r, h, n FROM <hours s..e-1>
    WHERE <the site is not drained>
    ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + n
    WHERE slots.booked + n <= capacity(r, month)

It touches every hour of the segment exactly when every hour has room; otherwise fewer
rows change, :class:`SlotsFull` is raised and the caller rolls the transaction back. A
release adds ``-n`` the same way, without the condition. Rows are created on first use,
so the ledger holds only hours that were ever booked.

Invariant (:func:`check_ledger`): for every (resource, hour),
:math:`0 \le \text{booked} \le \text{capacity}` and booked equals the sum of what the
holders of that hour hold: placed placements on their offer, offered placements on their
fallback offer, pending offers on the counterparty's offer (plus, for a site's power,
``count x watts_each`` of each of those at the site).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select, text

from gigawatt.broker.catalog import Catalog, OfferResource
from gigawatt.broker.decide import with_room
from gigawatt.broker.rawsql import Raw
from gigawatt.broker.tables import drained_sites, offers, placements, slots

__all__ = [
    "Hold",
    "SlotsFull",
    "book",
    "booking_statements",
    "check_ledger",
    "feasible",
    "holds",
    "peak_queries",
    "release",
]

_SERIES = {
    "postgresql": "SELECT CAST(:r AS integer), h, CAST(:n AS bigint) "
    "FROM generate_series(CAST(:s AS integer), CAST(:e AS integer) - 1) AS h",
    "sqlite": "WITH RECURSIVE hs(h) AS (SELECT :s UNION ALL SELECT h + 1 FROM hs WHERE h + 1 < :e) "
    "SELECT :r, h, :n FROM hs",
}

_BOOK = {
    name: "INSERT INTO slots (resource, hour, booked) "
    + series
    + " WHERE NOT EXISTS (SELECT 1 FROM drained_sites WHERE site = :site)"
    + (" ORDER BY h" if name == "postgresql" else "")
    + " ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked"
    " WHERE slots.booked + excluded.booked <= :cap"
    for name, series in _SERIES.items()
}

_RELEASE = {
    name: text(
        "INSERT INTO slots (resource, hour, booked) "
        + series
        + (" ORDER BY h" if name == "postgresql" else " WHERE true")
        + " ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked"
    )
    for name, series in _SERIES.items()
}


@lru_cache(maxsize=64)
def _max_booked(n: int) -> str:
    marks = ", ".join(f":r{i}" for i in range(n))
    return (
        f"SELECT resource, MAX(booked) FROM slots WHERE resource IN ({marks}) "
        "AND hour >= :s AND hour < :e GROUP BY resource"
    )


class SlotsFull(Exception):  # noqa: N818 - a signal to retry, not an error for users
    """A booking found an hour without room (a concurrent booking took it first).

    Attributes:
        resource: The offer whose booking failed.
    """

    def __init__(self, resource: int) -> None:
        super().__init__(f"offer resource {resource} is full")
        self.resource = resource


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


def booking_statements(
    dialect: str,
    catalog: Catalog,
    bookings: Iterable[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> list[tuple[str, dict[str, Any], int, int]]:
    """The statements of :func:`book`: ``(sql, parameters, hours to touch, offer resource)``.

    In (resource, hour) order, so that concurrent bookings lock rows in one order.

    Raises:
        SlotsFull: an amount above the capacity itself (no statement could book it).
    """
    ops = []
    for offer, count in bookings:
        ops += [(op, offer) for op in _ops(catalog, offer, count, start_hour, end_hour)]
    ops.sort(key=lambda item: (item[0][0], item[0][1]))
    stmt = _BOOK[dialect]
    out = []
    for (resource, s, e, n, cap), offer in ops:
        if n > cap:
            raise SlotsFull(offer.resource)
        params = {"r": resource, "s": s, "e": e, "n": n, "cap": cap, "site": offer.site}
        out.append((stmt, params, e - s, offer.resource))
    return out


def book(
    conn: Connection,
    catalog: Catalog,
    bookings: Iterable[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> None:
    """Book ``count`` of each offer over ``[start_hour, end_hour)``, in (resource, hour) order.

    Raises:
        SlotsFull: some hour had no room (or the site was drained); roll back.
    """
    raw = Raw(conn)
    for stmt, params, hours, offer_resource in booking_statements(
        conn.dialect.name, catalog, bookings, start_hour, end_hour
    ):
        if raw.execute(stmt, params).rowcount != hours:
            raise SlotsFull(offer_resource)


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
    stmt = _RELEASE[conn.dialect.name]
    for resource, s, e, n, _cap in ops:
        conn.execute(stmt, {"r": resource, "s": s, "e": e, "n": -n})


def peak_queries(
    catalog: Catalog,
    candidates: list[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> list[tuple[str, dict[str, int], int]]:
    """Statements reading the peak booked amount per resource: one per month segment.

    Each is ``(sql, parameters, month index)`` and answers ``(resource, max booked)``
    rows for the candidates' offers and their sites' power.
    """
    resources = sorted(
        {o.resource for o, _ in candidates}
        | {o.power_resource for o, _ in candidates if o.power_resource is not None}
    )
    sql = _max_booked(len(resources))
    out = []
    for seg in catalog.segments(start_hour, end_hour):
        params: dict[str, int] = {f"r{i}": r for i, r in enumerate(resources)}
        params["s"], params["e"] = seg.start_hour, seg.end_hour
        out.append((sql, params, seg.month_index))
    return out


def feasible(
    conn: Connection,
    catalog: Catalog,
    candidates: list[tuple[OfferResource, int]],
    start_hour: int,
    end_hour: int,
) -> set[int]:
    """Offer resources among the candidates with room for their count in every hour.

    A read without locks: :func:`book` has the last word.
    """
    if not candidates:
        return set()
    raw = Raw(conn)
    peaks = [
        (month, {int(r): int(b) for r, b in raw.execute(sql, params).fetchall()})
        for sql, params, month in peak_queries(catalog, candidates, start_hour, end_hour)
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
