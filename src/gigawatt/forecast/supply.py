r"""Contracted supply per sample and month, and what it costs per peak FLOP/s.

Capacity. For offer :math:`o` at site :math:`s` (accelerator :math:`a`), the
accelerators installable in month :math:`t` are
:math:`A_{o,t} = \text{available}_o(t)` once its lead time has passed and its
accelerator exists (:func:`gigawatt.scenario.supply.offer_availability`). Their
facility power is :math:`A_{o,t} W_a \text{PUE}_s / 10^6` MW; when a site's offers
together exceed its ``power_mw`` cap every offer is scaled down pro rata,
:math:`\sigma_{s,t} = \min(1, \text{cap}_{s,t} / \sum_{o \in s} \text{MW}_{o,t})` (as
:func:`gigawatt.scenario.supply.supply_table`). The contracted capacity of the offer
is :math:`K_{o,t} = \sigma_{s,t} A_{o,t} \text{peak}_a` peak FLOP/s; supply totals are
:math:`\sum_o K_{o,t}` FLOP/s and :math:`\sum_o \sigma_{s,t} \text{MW}_{o,t}` MW. A
scenario's ``supply_limits`` cap the totals: where the H100e (FLOP/s / 9.89e14) or the
MW are over their cap, every offer is scaled by one factor, the smaller of the two
``min(1, cap / total)`` (the forecast has no merit order for a total cap; the planner
chooses which offers to keep).

Cost. One accelerator of the offer costs per month
:math:`c_{o,t} = m_o + h_o \cdot \text{hours}_t` USD, with :math:`m_o` =
``capex_usd / lifetime_months`` for ``build`` (0 otherwise) and :math:`h_o` =
``usd_per_hour`` (rented) or ``opex_usd_per_hour`` (build), plus on owned sites the
electricity :math:`W_a \text{PUE}_s / 10^6 \cdot` ``electricity_usd_per_mwh`` per
hour. Per peak FLOP/s-month it is :math:`c_{o,t} / \text{peak}_a`. Offers are ranked
by their cost in an average month of 730.5 hours, :math:`(m_o + 730.5 h_o) /
\text{peak}_a` (ties: file order), so that the merit order does not change with the
length of a month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.sampling import Parameter
from gigawatt.forecast.values import ChunkValues, SplitSum, maybe_positive, sampled_keys
from gigawatt.scenario.power import H100_PEAK_FLOPS
from gigawatt.scenario.schema import BuildOffer, Scenario
from gigawatt.scenario.supply import OfferRef, offers

__all__ = ["AVERAGE_MONTH_HOURS", "Capacity", "Costs", "OfferSupply", "SupplyModel"]

F64 = NDArray[np.float64]
AVERAGE_MONTH_HOURS = 8766.0 / 12.0
"""Hours of an average month (365.25 days / 12), used to rank offers by cost."""


@dataclass(frozen=True)
class OfferSupply:
    """Static facts of one offer.

    Attributes:
        ref: The offer (site, index, provider, accelerator, pricing).
        path: Key path of the offer in the scenario data.
        peak_flops: Peak FLOP/s of one accelerator.
        mw_per_accelerator: Facility MW of one accelerator at the site (watts x PUE / 1e6).
        owned: Whether the site's provider is ``owned`` (electricity is paid).
        opened: Months after the lead time and the accelerator's release.
        active: Months where its capacity can be non-zero in some sample.
    """

    ref: OfferRef
    path: tuple[str | int, ...]
    peak_flops: float
    mw_per_accelerator: float
    owned: bool
    opened: NDArray[np.bool_]
    active: NDArray[np.bool_]


@dataclass
class Capacity:
    """Contracted capacity of one chunk; arrays ``[T, n]`` or ``[T, 1]``.

    Attributes:
        peak_flops: Per offer, its capacity after the site power cap, peak FLOP/s.
        flops: Total contracted peak FLOP/s.
        mw: Total contracted facility MW.
    """

    peak_flops: list[F64]
    flops: F64
    mw: F64


@dataclass
class Costs:
    """Cost parameters of one chunk.

    Attributes:
        hourly_usd: Per offer, ``[1, n]`` (sampled) or ``[1, 1]`` USD per
            accelerator-hour (rent or opex, plus electricity if owned).
        monthly_usd: Per offer, the same for USD per accelerator-month (straight-line
            capex of build offers).
        rank_key: ``[O, n]`` or ``[O, 1]`` cost per peak FLOP/s in an average month (the
            merit-order key).
    """

    hourly_usd: list[F64]
    monthly_usd: list[F64]
    rank_key: F64

    def per_peak_flops(self, offer: int, hours: F64, peak_flops: float) -> F64:
        """``[len(hours), n | 1]`` USD per peak FLOP/s-month of one offer."""
        per_accelerator = self.monthly_usd[offer] + self.hourly_usd[offer] * hours[:, None]
        return np.asarray(per_accelerator / peak_flops, dtype=np.float64)


class SupplyModel:
    """Capacity and costs of every offer, vectorised over samples."""

    def __init__(self, scenario: Scenario, parameters: tuple[Parameter, ...]) -> None:
        self.scenario = scenario
        tl = scenario.timeline
        self.hours = tl.hours
        self.offers: list[OfferSupply] = []
        idx = np.arange(tl.n_months)
        for ref in offers(scenario):
            site = scenario.sites[ref.site]
            offer = site.offers[ref.index]
            acc = scenario.accelerators[ref.accelerator]
            opened = idx >= offer.lead_months
            if acc.available_from is not None:
                opened &= idx >= tl.index(acc.available_from)
            path = ("sites", ref.site, "offers", ref.index)
            keys = sampled_keys(parameters, (*path, "available"))
            active = opened & maybe_positive(offer.available, tl, keys)
            if site.power_mw is not None:
                cap_keys = sampled_keys(parameters, ("sites", ref.site, "power_mw"))
                active &= maybe_positive(site.power_mw, tl, cap_keys)
            self.offers.append(
                OfferSupply(
                    ref=ref,
                    path=path,
                    peak_flops=acc.peak_flops,
                    mw_per_accelerator=scenario.facility_watts_at(ref.accelerator, ref.site) / 1e6,
                    owned=scenario.providers[site.provider].kind == "owned",
                    opened=opened,
                    active=active,
                )
            )
        self.peak = np.array([o.peak_flops for o in self.offers], dtype=float)
        self.providers = [o.ref.provider for o in self.offers]

    def capacity(self, values: ChunkValues) -> Capacity:
        """Contracted capacity of the chunk whose sampled numbers are ``values``."""
        t = self.scenario.timeline.n_months
        per_offer: list[F64] = [np.zeros((t, 1)) for _ in self.offers]
        flops, mw_total = SplitSum(t), SplitSum(t)
        for site_name, site in self.scenario.sites.items():
            members = [k for k, o in enumerate(self.offers) if o.ref.site == site_name]
            if not members:
                continue
            counts: list[F64] = []
            mws: list[F64] = []
            for k in members:
                o = self.offers[k]
                offer = site.offers[o.ref.index]
                a = values.schedule((*o.path, "available"), offer.available) * o.opened[:, None]
                counts.append(a)
                mws.append(a * o.mw_per_accelerator)
            total = mws[0]
            for extra in mws[1:]:
                total = total + extra
            scale: F64 | float = 1.0
            if site.power_mw is not None:
                cap = values.schedule(("sites", site_name, "power_mw"), site.power_mw)
                scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
            for k, a, mw in zip(members, counts, mws, strict=True):
                capped = a * scale * self.offers[k].peak_flops
                per_offer[k] = capped
                flops.add(capped)
                mw_total.add(mw * scale)
        return self._limited(values, per_offer, flops.total(), mw_total.total())

    def _limited(self, values: ChunkValues, per_offer: list[F64], flops: F64, mw: F64) -> Capacity:
        """Every offer scaled by one factor where the lab's total is over ``supply_limits``."""
        limits = self.scenario.supply_limits
        if limits is None:
            return Capacity(per_offer, flops, mw)
        scale: F64 = np.ones_like(flops)
        for total, key, schedule, unit in (
            (flops, "h100e", limits.h100e, H100_PEAK_FLOPS),
            (mw, "power_mw", limits.power_mw, 1.0),
        ):
            if schedule is not None:
                cap = values.schedule(("supply_limits", key), schedule) * unit
                over = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
                scale = np.minimum(scale, over)
        return Capacity([c * scale for c in per_offer], flops * scale, mw * scale)

    def costs(self, values: ChunkValues) -> Costs:
        """Per-accelerator costs of the chunk whose sampled numbers are ``values``."""
        if not self.offers:
            return Costs([], [], np.zeros((0, 1)))
        hourly: list[F64] = []
        monthly: list[F64] = []
        for o in self.offers:
            site = self.scenario.sites[o.ref.site]
            offer = site.offers[o.ref.index]
            if isinstance(offer, BuildOffer):
                capex = values.scalar_row((*o.path, "capex_usd"), offer.capex_usd)
                month = capex / offer.lifetime_months
                hour = values.scalar_row((*o.path, "opex_usd_per_hour"), offer.opex_usd_per_hour)
            else:
                month = np.zeros((1, 1))
                hour = values.scalar_row((*o.path, "usd_per_hour"), offer.usd_per_hour)
            if o.owned:
                price = values.scalar_row(
                    ("sites", o.ref.site, "electricity_usd_per_mwh"), site.electricity_usd_per_mwh
                )
                hour = hour + o.mw_per_accelerator * price
            hourly.append(hour)
            monthly.append(month)
        n = max(a.shape[1] for a in [*hourly, *monthly])
        h = np.concatenate([np.broadcast_to(a, (1, n)) for a in hourly], axis=0)
        m = np.concatenate([np.broadcast_to(a, (1, n)) for a in monthly], axis=0)
        key = (m + h * AVERAGE_MONTH_HOURS) / self.peak[:, None]
        return Costs(hourly, monthly, key)
