r"""The scenario as the broker sees it: bookable resources, prices and rules.

Resources. Every offer of the scenario is a resource counted in accelerators. A site
whose power cap could be exceeded by its offers together is also a resource, counted in
watts. The ledger books both per hour slot.

* Capacity of offer :math:`o` at site :math:`s` in an hour of month :math:`m` (whole
  accelerators): :math:`\lfloor \min(A_{o,m}, P_{s,m} / w_o) \rfloor`, where
  :math:`A_{o,m}` is ``offer_availability`` (lead time and ``available_from`` applied),
  :math:`P_{s,m}` the site's ``power_mw`` in watts (no cap when absent) and
  :math:`w_o = \lceil \text{it\_watts} \cdot \text{PUE}_s \rceil` watts per
  accelerator.
* When :math:`\sum_o w_o \cdot \text{capacity}_{o,m} > P_{s,m}` in some month, the site's
  power is a resource of capacity :math:`\lfloor P_{s,m} \rfloor` watts and each
  placement at the site also books ``count x w_o`` watts of it.
* Price per accelerator-hour: ``usd_per_hour`` for on-demand and reserved offers; for
  build offers ``opex_usd_per_hour + capex_usd / (lifetime_months x 730.5)`` plus, on
  owned sites, electricity ``it_watts x PUE / 1e6 x electricity_usd_per_mwh``.

Rules. Pins and exclusivity come from :func:`gigawatt.scenario.rules.may_use` (checked in
every month a placement touches); coverage from :func:`gigawatt.scenario.rules.covers`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from gigawatt.broker.hours import month_start_hour
from gigawatt.scenario.rules import ClauseRef, covers, may_use
from gigawatt.scenario.schema import (
    BuildOffer,
    RightOfFirstRefusalClause,
    Scenario,
)
from gigawatt.scenario.supply import OfferRef, offer_availability, offers
from gigawatt.scenario.timeline import Month

__all__ = ["HOURS_PER_MONTH_MEAN", "Catalog", "OfferResource", "Segment"]

HOURS_PER_MONTH_MEAN = 730.5


@dataclass(frozen=True)
class OfferResource:
    """One offer as a bookable resource.

    Attributes:
        resource: Ledger id of the offer.
        ref: The scenario offer.
        price_usd_per_hour: Price of one accelerator-hour (see the module docstring).
        peak_flops: Peak FLOP/s of one accelerator.
        watts_each: Facility watts of one accelerator at the site (PUE applied, rounded up).
        power_resource: Ledger id of the site's power, when it can bind; else None.
        capacity: Whole accelerators bookable in each hour, per horizon month.
    """

    resource: int
    ref: OfferRef
    price_usd_per_hour: float
    peak_flops: float
    watts_each: int
    power_resource: int | None
    capacity: tuple[int, ...]

    @property
    def site(self) -> str:
        """Site name."""
        return self.ref.site

    @property
    def provider(self) -> str:
        """Provider name."""
        return self.ref.provider


@dataclass(frozen=True)
class Segment:
    """The part of an hour range that falls in one horizon month."""

    month_index: int
    start_hour: int
    end_hour: int


def _price_usd_per_hour(scenario: Scenario, ref: OfferRef) -> float:
    site = scenario.sites[ref.site]
    offer = site.offers[ref.index]
    if not isinstance(offer, BuildOffer):
        return float(offer.usd_per_hour)
    price = offer.opex_usd_per_hour + offer.capex_usd / (
        offer.lifetime_months * HOURS_PER_MONTH_MEAN
    )
    if scenario.providers[site.provider].kind == "owned":
        watts = scenario.facility_watts_at(offer.accelerator, ref.site)
        price += watts / 1e6 * site.electricity_usd_per_mwh
    return float(price)


@dataclass
class Catalog:
    """Resources, capacities, prices and clause lookups of one scenario."""

    scenario: Scenario
    offers: list[OfferResource] = field(default_factory=list)
    power_capacity: dict[int, tuple[int, ...]] = field(default_factory=dict)
    power_site: dict[int, str] = field(default_factory=dict)
    month_bounds: list[int] = field(default_factory=list)
    rofr: list[tuple[ClauseRef, RightOfFirstRefusalClause]] = field(default_factory=list)
    _forbid_cache: dict[tuple[tuple[str, ...], str, tuple[int, ...]], ClauseRef | None] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Catalog:
        """Build the catalog (capacities per month, prices, power resources)."""
        tl = scenario.timeline
        cat = cls(scenario=scenario)
        cat.month_bounds = [month_start_hour(tl.start + i) for i in range(tl.n_months + 1)]
        refs = offers(scenario)
        next_id = len(refs)
        by_site: dict[str, list[tuple[OfferRef, int, list[int]]]] = {}
        for ref in refs:
            site = scenario.sites[ref.site]
            watts = math.ceil(scenario.facility_watts_at(ref.accelerator, ref.site))
            avail = offer_availability(scenario, ref)
            cap_mw = site.power_mw.values(tl) if site.power_mw is not None else None
            caps = []
            for m in range(tl.n_months):
                alone = float(avail[m])
                if cap_mw is not None:
                    alone = min(alone, float(cap_mw[m]) * 1e6 / watts)
                caps.append(max(0, math.floor(alone + 1e-9)))
            by_site.setdefault(ref.site, []).append((ref, watts, caps))
        power_of_site: dict[str, int] = {}
        for site_name, items in by_site.items():
            site = cat.scenario.sites[site_name]
            if site.power_mw is None or len(items) < 2:
                continue
            cap_w = [math.floor(float(v) * 1e6) for v in site.power_mw.values(tl)]
            binding = any(
                sum(w * caps[m] for _, w, caps in items) > cap_w[m] for m in range(tl.n_months)
            )
            if binding:
                power_of_site[site_name] = next_id
                cat.power_capacity[next_id] = tuple(cap_w)
                cat.power_site[next_id] = site_name
                next_id += 1
        for i, ref in enumerate(refs):
            _, watts, caps = next(item for item in by_site[ref.site] if item[0] == ref)
            cat.offers.append(
                OfferResource(
                    resource=i,
                    ref=ref,
                    price_usd_per_hour=_price_usd_per_hour(scenario, ref),
                    peak_flops=scenario.accelerators[ref.accelerator].peak_flops,
                    watts_each=watts,
                    power_resource=power_of_site.get(ref.site),
                    capacity=tuple(caps),
                )
            )
        for contract in scenario.contracts:
            for i, clause in enumerate(contract.clauses):
                if isinstance(clause, RightOfFirstRefusalClause):
                    ref_ = ClauseRef(contract.name, i, clause.type, contract.counterparty)
                    cat.rofr.append((ref_, clause))
        return cat

    @property
    def first_hour(self) -> int:
        """First slot of the horizon."""
        return self.month_bounds[0]

    @property
    def end_hour(self) -> int:
        """Slot just after the horizon."""
        return self.month_bounds[-1]

    @property
    def sites(self) -> dict[str, str]:
        """Site name -> provider."""
        return {name: s.provider for name, s in self.scenario.sites.items()}

    def fingerprint(self) -> str:
        """A digest of everything that decides capacities and resource ids."""
        data = {
            "offers": [
                (o.ref.key, o.capacity, o.watts_each, o.power_resource) for o in self.offers
            ],
            "power": sorted(self.power_capacity.items()),
            "bounds": [self.month_bounds[0], self.month_bounds[-1]],
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def segments(self, start_hour: int, end_hour: int) -> list[Segment]:
        """Split ``[start_hour, end_hour)`` (inside the horizon) by month."""
        out = []
        m = self._month_index(start_hour)
        s = start_hour
        while s < end_hour:
            e = min(end_hour, self.month_bounds[m + 1])
            out.append(Segment(m, s, e))
            s, m = e, m + 1
        return out

    def _month_index(self, hour: int) -> int:
        lo, hi = 0, len(self.month_bounds) - 2
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.month_bounds[mid] <= hour:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def month(self, month_index: int) -> Month:
        """The calendar month of a horizon month index."""
        return self.scenario.timeline.start + month_index

    def capacity_of(self, resource: int, month_index: int) -> int:
        """Capacity of any resource (accelerators or watts) in an hour of a month."""
        if resource in self.power_capacity:
            return self.power_capacity[resource][month_index]
        return self.offers[resource].capacity[month_index]

    def forbidding(
        self, tags: tuple[str, ...], provider: str, months: tuple[int, ...]
    ) -> ClauseRef | None:
        """The pin or exclusivity that forbids ``provider`` in one of the months, if any."""
        key = (tags, provider, months)
        if key not in self._forbid_cache:
            if len(self._forbid_cache) > 65536:
                self._forbid_cache.clear()
            found = None
            for m in months:
                ok, clause = may_use(self.scenario, list(tags), provider, self.month(m))
                if not ok:
                    found = clause
                    break
            self._forbid_cache[key] = found
        return self._forbid_cache[key]

    def rofr_clause(self, tags: tuple[str, ...], months: tuple[int, ...]) -> ClauseRef | None:
        """The first right of first refusal covering these tags, active in one of the months."""
        for ref, clause in self.rofr:
            if not covers(clause.tags, list(tags)):
                continue
            for m in months:
                month = self.month(m)
                if clause.from_ is not None and month < clause.from_:
                    continue
                if clause.until is not None and month > clause.until:
                    continue
                return ref
        return None
