"""Read-only views: capacity by site and slot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from gigawatt.broker.context import BrokerContext
from gigawatt.broker.errors import BadRequestError, NotFoundError
from gigawatt.broker.hours import iso_hour
from gigawatt.broker.tables import slots

__all__ = ["capacity_rows"]


def capacity_rows(
    ctx: BrokerContext, site: str | None, start_hour: int, end_hour: int
) -> list[dict[str, Any]]:
    """Rows ``{site, provider, accelerator, offer, slot, capacity, booked}`` per offer and hour.

    A drained site shows capacity 0.

    Raises:
        NotFoundError: unknown site.
        BadRequestError: the range is empty, outside the horizon or too large.
    """
    cat = ctx.catalog
    if site is not None and site not in cat.scenario.sites:
        raise NotFoundError("no_site", f"no site {site!r}", "site")
    if end_hour <= start_hour:
        raise BadRequestError("empty_range", "end must be after start", "end")
    if start_hour < cat.first_hour or end_hour > cat.end_hour:
        raise BadRequestError(
            "outside_horizon",
            f"the scenario's horizon is [{iso_hour(cat.first_hour)}, {iso_hour(cat.end_hour)})",
            "start" if start_hour < cat.first_hour else "end",
        )
    chosen = [o for o in cat.offers if site is None or o.site == site]
    n = len(chosen) * (end_hour - start_hour)
    if n > ctx.settings.max_capacity_rows:
        raise BadRequestError(
            "range_too_large",
            f"{n} rows asked, at most {ctx.settings.max_capacity_rows}: narrow the range or "
            "name a site",
            "end",
        )
    if not chosen:
        return []

    def read(conn: Connection) -> dict[tuple[int, int], int]:
        q = select(slots.c.resource, slots.c.hour, slots.c.booked).where(
            slots.c.resource.in_([o.resource for o in chosen]),
            slots.c.hour >= start_hour,
            slots.c.hour < end_hour,
        )
        return {(int(r), int(h)): int(b) for r, h, b in conn.execute(q)}

    booked = ctx.db.transact(read, write=False)
    drained = ctx.drained
    out = []
    for seg in cat.segments(start_hour, end_hour):
        for o in chosen:
            cap = 0 if o.site in drained else o.capacity[seg.month_index]
            for h in range(seg.start_hour, seg.end_hour):
                out.append(
                    {
                        "site": o.site,
                        "provider": o.provider,
                        "accelerator": o.ref.accelerator,
                        "offer": o.ref.key,
                        "slot": iso_hour(h),
                        "capacity": cap,
                        "booked": booked.get((o.resource, h), 0),
                    }
                )
    return out
