r"""Revenue, revenue share, spend and cash per sample and month.

For inference workload :math:`w` in class :math:`c(w)` with unmet share :math:`q`
(:mod:`gigawatt.forecast.merit`) and revenue :math:`R_{w,t}` when fully served:

* revenue earned :math:`E_t = \sum_c (1 - q_{c,t}) \sum_{w \in c} R_{w,t}` (unserved
  demand loses revenue pro rata);
* revenue share :math:`S_t = \sum_c (1 - q_{c,t}) \sum_{w \in c} s_{w,t} R_{w,t}` with
  :math:`s_{w,t} = \min(1, \sum p_t)` over the revenue-share clauses covering :math:`w`,
  each clause's fraction :math:`p_t` (its percent, declining, capped on the scenario's
  full revenue; percent and cap may be sampled) from
  :func:`gigawatt.scenario.rules.clause_share_fraction`;
* take-or-pay: a ``min_spend`` clause with counterparty :math:`p`, window :math:`M`
  and amount :math:`U` (prorated by the share of its months inside the horizon, as the
  planner does) pays :math:`\max(0, U - \sum_{t \in M} \text{spend}_{p,t})` in the last
  month of :math:`M` inside the horizon;
* spend :math:`X_t` = compute spend as charged (merit order) + take-or-pay shortfalls;
* compute as paid (the cash basis, :mod:`gigawatt.scenario.payments`): the merit order
  charges a build's capex straight-line and a prepaid reservation by the hour on the
  accelerators it uses; cash pays them when delivered instead. The accelerators
  delivered are inferred from use (:func:`~gigawatt.scenario.payments.deliveries`: a unit
  serves its lifetime or term, those alive are used first), a build's capex paid on
  delivery (its ``deposit_share`` ``lead_months`` before), a prepaid term's hours when
  it starts: :math:`P_t = X_t - \text{charged}_t + \text{paid}_t`;
* cash :math:`C_t = C_0 + \sum_{\tau \le t} (E_\tau - S_\tau - P_\tau - O_\tau +
  F_\tau)` with other opex :math:`O` and funding :math:`F` (events inside the horizon).

Per sample, the funding needed to keep cash at or above zero is
:math:`\max(0, -\min_t C_t)`. Without a ``finance`` section there is no cash: revenue,
share and spend are still computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gigawatt.forecast.merit import MeritResult
from gigawatt.forecast.recurrences import add_served, cash_balance
from gigawatt.forecast.supply import OfferSupply
from gigawatt.forecast.values import ChunkValues
from gigawatt.scenario.payments import deliveries, paid_on_delivery, term_hours
from gigawatt.scenario.rules import clause_share_fraction, covers, full_revenue, revenue_share
from gigawatt.scenario.schema import (
    BuildOffer,
    InferenceWorkload,
    MinSpendClause,
    ReservedOffer,
    RevenueShareClause,
    Scenario,
)

__all__ = ["Cash", "FinanceModel", "MinSpendTerm"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class MinSpendTerm:
    """A min-spend clause reduced to numbers.

    Attributes:
        path: Key path of the clause (its ``usd`` may be sampled).
        provider: The counterparty.
        months: Months of the window inside the horizon.
        share: Fraction of the window's months inside the horizon.
        usd: The amount as written.
        pay_month: Month index where a shortfall is paid.
    """

    path: tuple[str | int, ...]
    provider: str
    months: B
    share: float
    usd: float
    pay_month: int


@dataclass
class Cash:
    """Money of one chunk; arrays ``[T, n]`` (or ``[T, 1]``); ``cash_usd`` None without finance.

    Attributes:
        revenue_usd: Revenue earned.
        revenue_share_usd: Revenue share paid.
        spend_usd: Compute spend plus take-or-pay shortfalls.
        cash_usd: Cash at the end of each month.
    """

    revenue_usd: F64
    revenue_share_usd: F64
    spend_usd: F64
    cash_usd: F64 | None


class FinanceModel:
    """Money flows of a scenario, vectorised over samples."""

    def __init__(self, scenario: Scenario, offers: Sequence[OfferSupply] = ()) -> None:
        self.scenario = scenario
        tl = scenario.timeline
        # offers paid ahead of use on the cash basis: builds and prepaid reservations
        self.paid_ahead: list[tuple[int, OfferSupply, BuildOffer | ReservedOffer]] = []
        for k, o in enumerate(offers):
            offer = scenario.sites[o.ref.site].offers[o.ref.index]
            if isinstance(offer, BuildOffer) or (
                isinstance(offer, ReservedOffer) and offer.payment == "prepaid"
            ):
                self.paid_ahead.append((k, o, offer))
        self.share = revenue_share(scenario)
        self.share_clauses: list[list[tuple[tuple[str | int, ...], RevenueShareClause, F64]]] = []
        for w in scenario.workloads:
            found: list[tuple[tuple[str | int, ...], RevenueShareClause, F64]] = []
            for ci, contract in enumerate(scenario.contracts):
                for k, clause in enumerate(contract.clauses):
                    if isinstance(clause, RevenueShareClause) and covers(clause.tags, w.tags):
                        covered = [covers(clause.tags, v.tags) for v in scenario.workloads]
                        revenue = full_revenue(scenario, covered)
                        found.append((("contracts", ci, "clauses", k), clause, revenue))
            self.share_clauses.append(found)
        self.min_spend: list[MinSpendTerm] = []
        for ci, contract in enumerate(scenario.contracts):
            for k, clause in enumerate(contract.clauses):
                if not isinstance(clause, MinSpendClause):
                    continue
                months = tl.mask(clause.from_, clause.until)
                first = clause.from_ or tl.start
                last = clause.until or tl.end
                total = last - first + 1
                inside = int(months.sum())
                self.min_spend.append(
                    MinSpendTerm(
                        path=("contracts", ci, "clauses", k),
                        provider=contract.counterparty,
                        months=months,
                        share=inside / total if total > 0 else 0.0,
                        usd=clause.usd,
                        pay_month=int(np.flatnonzero(months)[-1]) if inside else tl.n_months - 1,
                    )
                )

    @property
    def paid_ahead_offers(self) -> tuple[int, ...]:
        """Offers (supply order) whose use the merit order must report per sample."""
        return tuple(k for k, _, _ in self.paid_ahead)

    def paid_less_charged(self, values: ChunkValues, used_flops: F64) -> F64:
        """``[T, n]`` compute paid less compute charged, USD (see the module docstring).

        Args:
            values: The chunk's numbers.
            used_flops: ``[K, T, n]`` peak FLOP/s used of :attr:`paid_ahead_offers`.
        """
        tl = self.scenario.timeline
        out: F64 = np.zeros(used_flops.shape[1:])
        for row, (_, o, offer) in enumerate(self.paid_ahead):
            used = used_flops[row] / o.peak_flops
            if isinstance(offer, BuildOffer):
                capex = values.scalar_row((*o.path, "capex_usd"), offer.capex_usd)
                new = deliveries(used, offer.lifetime_months)
                paid = paid_on_delivery(
                    new,
                    capex * (1.0 - offer.deposit_share),
                    capex * offer.deposit_share,
                    offer.lead_months,
                )
                charged = used * capex / offer.lifetime_months
            else:
                price = values.scalar_row((*o.path, "usd_per_hour"), offer.usd_per_hour)
                new = deliveries(used, offer.term_months)
                paid = new * price * term_hours(tl.labels, offer.term_months)[:, None]
                charged = used * price * tl.hours[:, None]
            out = out + paid - charged
        return out

    @property
    def tracked_providers(self) -> list[str]:
        """Providers whose spend a min-spend clause needs."""
        return sorted({m.provider for m in self.min_spend})

    def _share(self, values: ChunkValues, wi: int) -> F64:
        clauses = self.share_clauses[wi]
        sampled = any(
            values.scalar_sampled((*path, key))
            for path, _, _ in clauses
            for key in ("percent", "cap_usd")
        )
        if not sampled:
            return np.asarray(self.share[wi][:, None], dtype=np.float64)
        tl = self.scenario.timeline
        total: F64 = np.zeros((tl.n_months, 1))
        for path, clause, revenue in clauses:
            p = np.ravel(values.scalar_row((*path, "percent"), clause.percent))
            cap = (
                None
                if clause.cap_usd is None
                else np.ravel(values.scalar_row((*path, "cap_usd"), clause.cap_usd))
            )
            total = total + clause_share_fraction(clause, p, tl, revenue, cap)
        return np.minimum(total, 1.0)

    def evaluate(
        self, values: ChunkValues, merit: MeritResult, classes: list[tuple[int, ...]]
    ) -> Cash:
        """Money of the chunk given its sampled numbers and merit-order outcome.

        Args:
            values: The chunk's numbers.
            merit: The merit-order outcome (unmet share per class, spend).
            classes: Workload indices of each class, in the order of ``merit.unmet``.
        """
        s = self.scenario
        tl = s.timeline
        t = tl.n_months
        n = values.n
        revenue: F64 = np.zeros((t, n))
        shared: F64 = np.zeros((t, n))
        for members, q in zip(classes, merit.unmet, strict=True):
            full: F64 | None = None
            paid: F64 | None = None
            for wi in members:
                w = s.workloads[wi]
                if not isinstance(w, InferenceWorkload) or w.revenue_usd_per_month is None:
                    continue
                path = ("workloads", wi, "revenue_usd_per_month")
                r = values.schedule(path, w.revenue_usd_per_month)
                sr = self._share(values, wi) * r
                full = r if full is None else full + r
                paid = sr if paid is None else paid + sr
            if full is None or paid is None:
                continue
            wide = (t, n)
            add_served(
                revenue,
                shared,
                np.broadcast_to(q, wide),
                np.broadcast_to(full, wide),
                np.broadcast_to(paid, wide),
            )
        spend = merit.spend_usd
        owned = False  # copied once (merit.spend_usd is not changed), then updated in place
        for term in self.min_spend:
            amount = values.scalar_row((*term.path, "usd"), term.usd)[0] * term.share
            used = merit.spend_by_provider_usd[term.provider][term.months].sum(axis=0)
            shortfall = np.maximum(amount - used, 0.0)
            width = max(spend.shape[1], shortfall.shape[0])
            if not owned or spend.shape[1] != width:
                spend = np.broadcast_to(spend, (t, width)).copy()
                owned = True
            spend[term.pay_month] += shortfall
        if s.finance is None:
            return Cash(revenue, shared, spend, None)
        fin = s.finance
        other = values.schedule(
            ("finance", "other_opex_usd_per_month"), fin.other_opex_usd_per_month
        )
        funding: F64 = np.zeros((t, 1))
        for j, event in enumerate(fin.funding):
            if tl.contains(event.month):
                usd = values.scalar_row(("finance", "funding", j, "usd"), event.usd)[0]
                funding = np.broadcast_to(funding, (t, max(funding.shape[1], usd.shape[0]))).copy()
                funding[tl.index(event.month)] += usd
        cash0 = values.scalar_row(("finance", "cash_usd"), fin.cash_usd)
        wide = (t, n)
        paid = spend
        if self.paid_ahead:
            paid = spend + self.paid_less_charged(values, merit.used_flops)
        cash = cash_balance(
            revenue,
            shared,
            np.broadcast_to(paid, wide),
            np.broadcast_to(other, wide),
            np.broadcast_to(funding, wide),
            np.broadcast_to(cash0[0], (n,)),
        )
        return Cash(revenue, shared, spend, cash)
