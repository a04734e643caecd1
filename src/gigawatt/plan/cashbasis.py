r"""Compute paid when it is paid: the cash-basis view of a plan's compute spend.

The accrual view (:mod:`gigawatt.plan.inputs`, the objective, the ``spend`` table)
charges :math:`\kappa_{o,t} c_{o,t}` each month an accelerator is installed: rent,
opex, and build capex straight-line over the lifetime. The cash view pays:

* on-demand rent, reserved rent with ``payment: monthly``, build opex and electricity:
  each month, as accrued (:math:`\mu_{o,t} c_{o,t}` plus electricity on use);
* a reservation with ``payment: prepaid``: the whole term in the month it starts,
  :math:`\text{usd\_per\_hour} \sum_{\tau=t}^{t+L-1} h_\tau` per accelerator started
  (the term's calendar hours, months past the horizon included);
* build capex: ``deposit_share`` of it ``lead_months`` before delivery (the order),
  the rest in the month the build is delivered (:math:`n_{o,t}`, the month it starts).

Take-or-pay shortfalls are paid in the last month of their window and revenue share in
the month revenue is earned, in both views. Over a closed horizon (every term and
lifetime ends inside it) both views pay the same total; the difference month by month
is the *timing difference* (:math:`\text{paid} - \text{accrued}`).

One definition: the planner's cash constraints (:mod:`gigawatt.plan.funding`) and the
plan's finance table (:mod:`gigawatt.plan.results`) both use :func:`cash_terms`; the
forecast (:mod:`gigawatt.forecast.finance`), which has no installation decisions, infers
them from use and pays them by the same rules (:mod:`gigawatt.scenario.payments`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.plan.inputs import KACC, MUSD, PlanInputs
from gigawatt.scenario.payments import paid_on_delivery, term_hours
from gigawatt.scenario.schema import BuildOffer, ReservedOffer

__all__ = ["CashTerms", "cash_terms", "compute_paid_musd"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CashTerms:
    """Cash payments per offer in model units ($M per thousand accelerators).

    Attributes:
        per_installed_musd: [O, T] paid in month t per k-acc installed (monthly rent,
            opex; build capex is not in it).
        per_new_musd: [O, T] paid in month t per k-acc started in t (prepaid term,
            capex on delivery).
        deposit_musd: [O, T] paid ``deposit_months[o]`` months before t per k-acc
            started in t (build deposits).
        deposit_months: [O] months between a build's order and its delivery.
    """

    per_installed_musd: F64
    per_new_musd: F64
    deposit_musd: F64
    deposit_months: npt.NDArray[np.int64]


def cash_terms(inp: PlanInputs) -> CashTerms:
    """The cash-basis payment coefficients of every offer (over the model's months)."""
    s = inp.scenario
    n_o, n_t = len(inp.refs), len(inp.months)
    per_installed = np.array(inp.cost_musd_per_kacc, dtype=float, copy=True)
    per_new = np.zeros((n_o, n_t))
    deposit = np.zeros((n_o, n_t))
    ahead = np.zeros(n_o, dtype=np.int64)
    for k, ref in enumerate(inp.refs):
        offer = s.sites[ref.site].offers[ref.index]
        if isinstance(offer, BuildOffer):
            per_installed[k] -= offer.capex_usd / offer.lifetime_months * KACC / MUSD
            capex = offer.capex_usd * KACC / MUSD
            per_new[k] = capex * (1.0 - offer.deposit_share)
            deposit[k] = capex * offer.deposit_share
            ahead[k] = offer.lead_months
        elif isinstance(offer, ReservedOffer) and offer.payment == "prepaid":
            per_installed[k] = 0.0
            hours = term_hours(inp.months, offer.term_months)
            per_new[k] = offer.usd_per_hour * hours * KACC / MUSD
    return CashTerms(per_installed, per_new, deposit, ahead)


def compute_paid_musd(
    terms: CashTerms, installed: F64, new: F64, used: F64, elec_musd_per_kacc: F64
) -> F64:
    """[O, T] compute paid per offer and month ($M): rent, opex, capex, electricity.

    Args:
        terms: From :func:`cash_terms`.
        installed: [O, T] k-acc installed.
        new: [O, T] k-acc started (reserved or built) in each month.
        used: [O, T] k-acc in use (electricity).
        elec_musd_per_kacc: [O, T] electricity per k-acc in use.
    """
    paid = terms.per_installed_musd * installed + elec_musd_per_kacc * used
    for k, lag in enumerate(terms.deposit_months):
        paid[k] += paid_on_delivery(new[k], terms.per_new_musd[k], terms.deposit_musd[k], lag)
    return np.asarray(paid, dtype=float)
