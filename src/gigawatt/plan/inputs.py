r"""Numeric inputs of the planning model, gathered from a scenario as numpy arrays.

Index sets: workloads :math:`w \in W`, offers :math:`o \in O` (site :math:`s(o)`,
provider :math:`p(o)`, accelerator :math:`a(o)`), months :math:`t = 0..T-1`.

With ``horizon.tail_months`` > 0 the model's months run past the horizon by that many
(every schedule continued, contracts as written, min-spend commitments as in the
horizon); :meth:`PlanInputs.reported` is the horizon alone, which results report.

Model units (so that coefficients stay within about 1e-3..1e6): accelerators in
thousands (``KACC``), money in $M (``MUSD``), inference in EFLOP/s (``EFLOPS``),
training in 1e24 FLOP (``YFLOP``), power in MW. Conversion happens here and in the
results only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from gigawatt.scenario.power import delivered_flops
from gigawatt.scenario.rules import ClauseRef, allowed_mask, covers, revenue_share
from gigawatt.scenario.schema import (
    BuildOffer,
    InferenceWorkload,
    MinSpendClause,
    OnDemandOffer,
    ReservedOffer,
    RightOfFirstRefusalClause,
    Scenario,
    TrainingWorkload,
)
from gigawatt.scenario.supply import OfferRef, offer_availability, offers, site_power_cap_mw
from gigawatt.scenario.timeline import Timeline

__all__ = [
    "EFLOPS",
    "KACC",
    "MUSD",
    "YFLOP",
    "MinSpendTerm",
    "PlanInputs",
    "RofrTerm",
    "with_tail",
]

KACC = 1e3
MUSD = 1e6
EFLOPS = 1e18
YFLOP = 1e24

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MinSpendTerm:
    """A min-spend clause reduced to numbers: months mask, provider offers, amount ($M)."""

    ref: ClauseRef
    months: npt.NDArray[np.bool_]
    offers: npt.NDArray[np.bool_]
    amount_musd: float
    pay_month: int
    in_tail: bool = False  # the part of the window in the tail (never reported)

    @property
    def name(self) -> str:
        """The clause, as the model's index names it."""
        base = f"{self.ref.contract}[{self.ref.index}]"
        return f"{base} tail" if self.in_tail else base


@dataclass(frozen=True)
class RofrTerm:
    """A right-of-first-refusal clause for one group of covered workloads.

    ``workloads`` are covered workloads that may use the same accelerator types; the
    counterparty's capacity "fully taken" is judged on ``cp_offers`` usable by them.
    """

    ref: ClauseRef
    group: int
    months: npt.NDArray[np.bool_]
    workloads: npt.NDArray[np.bool_]
    cp_offers: npt.NDArray[np.bool_]
    other_offers: npt.NDArray[np.bool_]


@dataclass
class PlanInputs:
    """Everything the model needs, in model units."""

    scenario: Scenario
    workloads: list[str]
    refs: list[OfferRef]
    months: list[str]
    sites: list[str]
    hours: F64
    discount: F64
    allowed: npt.NDArray[np.bool_]  # [W, O, T]
    avail_kacc: F64  # [O, T]
    lead: npt.NDArray[np.int64]  # [O]
    pricing: list[str]  # [O]
    term: npt.NDArray[np.int64]  # [O] reserved term or build lifetime, 0 for on-demand
    cost_musd_per_kacc: F64  # [O, T] cost of one k-acc installed for a month
    elec_musd_per_kacc: F64  # [O, T] electricity of one k-acc in use for a month
    mw_per_kacc: F64  # [O] facility MW of one k-acc installed
    site_of: npt.NDArray[np.int64]  # [O]
    power_cap_mw: F64  # [S, T], inf when uncapped
    inference: npt.NDArray[np.bool_]  # [W]
    eflops_per_kacc: F64  # [W, O] inference EFLOP/s one k-acc delivers
    demand_eflops: F64  # [W, T]
    unserved_musd_per_eflops: F64  # [W, T] lost net revenue or penalty, per EFLOP/s short
    revenue_musd: F64  # [W, T] revenue when fully served
    share: F64  # [W, T] revenue share fraction
    yflop_per_kacc_month: F64  # [W, O, T] training 1e24 FLOP per k-acc-month
    train_yflop: F64  # [W]
    train_end: npt.NDArray[np.int64]  # [W] last month of window (0 for inference)
    single_site: npt.NDArray[np.bool_]  # [W]
    penalty_musd_per_yflop: F64  # [W] training: value of 1e24 FLOP short (0 for inference)
    n_reported: int  # months of the horizon; the model's months after them are its tail
    min_spend: list[MinSpendTerm] = field(default_factory=list)
    rofr: list[RofrTerm] = field(default_factory=list)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> PlanInputs:
        """Gather the inputs of a scenario (over its horizon plus ``tail_months``)."""
        return _gather(scenario)

    @property
    def tail_months(self) -> int:
        """Months the model solves after the horizon."""
        return len(self.months) - self.n_reported

    def reported(self) -> PlanInputs:
        """The same inputs over the horizon alone (the tail cut off)."""
        n = self.n_reported
        if n == len(self.months):
            return self
        return replace(
            self,
            months=self.months[:n],
            hours=self.hours[:n],
            discount=self.discount[:n],
            allowed=self.allowed[:, :, :n],
            avail_kacc=self.avail_kacc[:, :n],
            cost_musd_per_kacc=self.cost_musd_per_kacc[:, :n],
            elec_musd_per_kacc=self.elec_musd_per_kacc[:, :n],
            power_cap_mw=self.power_cap_mw[:, :n],
            demand_eflops=self.demand_eflops[:, :n],
            unserved_musd_per_eflops=self.unserved_musd_per_eflops[:, :n],
            revenue_musd=self.revenue_musd[:, :n],
            share=self.share[:, :n],
            yflop_per_kacc_month=self.yflop_per_kacc_month[:, :, :n],
            min_spend=[replace(t, months=t.months[:n]) for t in self.min_spend if not t.in_tail],
            rofr=[replace(t, months=t.months[:n]) for t in self.rofr],
        )


def with_tail(scenario: Scenario) -> Scenario:
    """The scenario over its horizon plus ``horizon.tail_months`` (itself when 0)."""
    tail = scenario.horizon.tail_months
    if tail == 0:
        return scenario
    horizon = scenario.horizon.model_copy(
        update={"months": scenario.horizon.months + tail, "tail_months": 0}
    )
    return scenario.model_copy(update={"horizon": horizon})


def _offer_cost(scenario: Scenario, ref: OfferRef, hours: F64) -> tuple[F64, F64, int, int]:
    """Per k-acc-month installed cost and in-use electricity ($M), lead and term."""
    site = scenario.sites[ref.site]
    offer = site.offers[ref.index]
    owned = scenario.providers[site.provider].kind == "owned"
    elec_usd_per_acc_hour = (
        scenario.facility_watts_at(offer.accelerator, ref.site) / 1e6 * site.electricity_usd_per_mwh
        if owned
        else 0.0
    )
    elec = elec_usd_per_acc_hour * hours * KACC / MUSD
    if isinstance(offer, OnDemandOffer):
        cost = offer.usd_per_hour * hours * KACC / MUSD
        term = 0
    elif isinstance(offer, ReservedOffer):
        cost = offer.usd_per_hour * hours * KACC / MUSD
        term = offer.term_months
    elif isinstance(offer, BuildOffer):
        per_month = offer.capex_usd / offer.lifetime_months
        cost = (per_month + offer.opex_usd_per_hour * hours) * KACC / MUSD
        term = offer.lifetime_months
    else:  # pragma: no cover - the schema admits only three pricings
        raise TypeError(type(offer))
    return np.asarray(cost, float), np.asarray(elec, float), offer.lead_months, term


def _gather(reported: Scenario) -> PlanInputs:
    scenario = with_tail(reported)
    tl = scenario.timeline
    n_t = tl.n_months
    refs = offers(scenario)
    sites = list(scenario.sites)
    hours = tl.hours
    seconds = hours * 3600.0
    discount = tl.discount(scenario.discount_rate)
    n_o = len(refs)
    avail = np.zeros((n_o, n_t))
    cost = np.zeros((n_o, n_t))
    elec = np.zeros((n_o, n_t))
    lead = np.zeros(n_o, dtype=np.int64)
    term = np.zeros(n_o, dtype=np.int64)
    mw = np.zeros(n_o)
    site_of = np.zeros(n_o, dtype=np.int64)
    peak = np.zeros(n_o)
    for k, r in enumerate(refs):
        avail[k] = offer_availability(scenario, r) / KACC
        cost[k], elec[k], lead[k], term[k] = _offer_cost(scenario, r, hours)
        acc = scenario.accelerators[r.accelerator]
        mw[k] = scenario.facility_watts_at(r.accelerator, r.site) / 1e6 * KACC
        site_of[k] = sites.index(r.site)
        peak[k] = acc.peak_flops
    cap = np.full((len(sites), n_t), np.inf)
    for si, s in enumerate(sites):
        values = site_power_cap_mw(scenario, s)
        if values is not None:
            cap[si] = values

    n_w = len(scenario.workloads)
    inference = np.zeros(n_w, dtype=bool)
    eflops = np.zeros((n_w, n_o))
    demand = np.zeros((n_w, n_t))
    unserved = np.zeros((n_w, n_t))
    revenue = np.zeros((n_w, n_t))
    yflop = np.zeros((n_w, n_o, n_t))
    train = np.zeros(n_w)
    train_end = np.zeros(n_w, dtype=np.int64)
    single = np.zeros(n_w, dtype=bool)
    share = revenue_share(scenario)
    penalty = scenario.penalties.shortfall_usd_per_flop
    penalty_yflop = np.zeros(n_w)
    for wi, w in enumerate(scenario.workloads):
        if isinstance(w, InferenceWorkload):
            inference[wi] = True
            eflops[wi] = [delivered_flops(p, w.utilization) * KACC / EFLOPS for p in peak]
            demand[wi] = w.demand_flops.values(tl) / EFLOPS
            if w.revenue_usd_per_month is not None:
                revenue[wi] = w.revenue_usd_per_month.values(tl) / MUSD
                with np.errstate(divide="ignore", invalid="ignore"):
                    unserved[wi] = np.where(
                        demand[wi] > 0, revenue[wi] * (1.0 - share[wi]) / demand[wi], 0.0
                    )
            else:
                own = w.shortfall_usd_per_flop
                usd_per_flop = own.values(tl) if own is not None else penalty
                unserved[wi] = usd_per_flop * EFLOPS * seconds / MUSD
        elif isinstance(w, TrainingWorkload):
            per_acc = np.array([delivered_flops(p, w.mfu) for p in peak])
            yflop[wi] = per_acc[:, None] * seconds[None, :] * KACC / YFLOP
            train[wi] = w.flop / YFLOP
            train_end[wi] = tl.index(w.window[1])
            single[wi] = w.single_site
            own_value = w.shortfall_usd_per_flop
            penalty_yflop[wi] = (penalty if own_value is None else own_value) * YFLOP / MUSD

    inputs = PlanInputs(
        scenario=reported,
        workloads=[w.name for w in scenario.workloads],
        refs=refs,
        months=tl.labels,
        sites=sites,
        hours=hours,
        discount=discount,
        allowed=allowed_mask(scenario, refs),
        avail_kacc=avail,
        lead=lead,
        pricing=[r.pricing for r in refs],
        term=term,
        cost_musd_per_kacc=cost,
        elec_musd_per_kacc=elec,
        mw_per_kacc=mw,
        site_of=site_of,
        power_cap_mw=cap,
        inference=inference,
        eflops_per_kacc=eflops,
        demand_eflops=demand,
        unserved_musd_per_eflops=unserved,
        revenue_musd=revenue,
        share=share,
        yflop_per_kacc_month=yflop,
        train_yflop=train,
        train_end=train_end,
        single_site=single,
        penalty_musd_per_yflop=penalty_yflop,
        n_reported=reported.timeline.n_months,
    )
    _gather_clauses(scenario, inputs, reported.timeline)
    return inputs


def _gather_clauses(scenario: Scenario, inputs: PlanInputs, horizon: Timeline) -> None:
    """Clause terms over the model's months; a min-spend commitment stays the horizon's."""
    tl = scenario.timeline
    providers = np.array([r.provider for r in inputs.refs])
    for contract in scenario.contracts:
        for i, clause in enumerate(contract.clauses):
            ref = ClauseRef(contract.name, i, clause.type, contract.counterparty)
            months = tl.mask(clause.from_, clause.until)
            if isinstance(clause, MinSpendClause):
                # Prorated on the horizon as without a tail. A window that runs past the
                # horizon has a second term for its months in the tail (prorated alike,
                # paid at the last of them), so that the contract binds there as written.
                first = clause.from_ or horizon.start
                last = clause.until or horizon.end
                total = last - first + 1
                window = tl.mask(first, last)
                parts = (window & (np.arange(tl.n_months) < horizon.n_months), window)
                for in_tail, part in enumerate(parts):
                    if in_tail:
                        part = part & ~parts[0]
                        if not part.any():
                            continue
                    inside = int(part.sum())
                    amount = clause.usd / MUSD * (inside / total if total > 0 else 0.0)
                    pay = int(np.flatnonzero(part)[-1]) if inside else horizon.n_months - 1
                    offers_mask = providers == contract.counterparty
                    inputs.min_spend.append(
                        MinSpendTerm(ref, part, offers_mask, amount, pay, bool(in_tail))
                    )
            elif isinstance(clause, RightOfFirstRefusalClause):
                covered = [covers(clause.tags, w.tags) for w in scenario.workloads]
                groups: dict[tuple[str, ...], list[int]] = {}
                for wi, w in enumerate(scenario.workloads):
                    if covered[wi]:
                        key = tuple(sorted(w.accelerators or scenario.accelerators))
                        groups.setdefault(key, []).append(wi)
                for g, (accs, members) in enumerate(sorted(groups.items())):
                    wmask = np.zeros(len(scenario.workloads), dtype=bool)
                    wmask[members] = True
                    usable = np.array([r.accelerator in accs for r in inputs.refs], dtype=bool)
                    cp = usable & (providers == contract.counterparty)
                    other = usable & (providers != contract.counterparty)
                    inputs.rofr.append(RofrTerm(ref, g, months, wmask, cp, other))
