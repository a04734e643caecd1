r"""A plan that must be funded: cash on the cash basis stays above a floor every month.

Built only when the scenario's ``finance.funded`` is set (or ``gigawatt plan --funded``);
without it the planning model is unchanged. Model units as in :mod:`gigawatt.plan.model`
($M, months :math:`t = 0..T-1` of the model, the tail included).

Notation (numbers from :func:`funding_inputs`):

* :math:`C_0` starting cash, :math:`\underline{C}` the floor (``cash_floor_usd``),
  :math:`O_t` other opex, :math:`F_t` funding events (cash that arrives for certain);
* net revenue when fully served :math:`\bar R_t = \sum_w R_{w,t}(1 - s_{w,t})`, less
  :math:`\rho_{w,t} = R_{w,t}(1 - s_{w,t}) / D_{w,t}` per EFLOP/s unserved
  (:math:`u_{w,t}`): revenue share is paid when revenue is earned;
* compute paid (:mod:`gigawatt.plan.cashbasis`)
  :math:`P_t = \sum_o \mu_{o,t} c_{o,t} + \nu_{o,t} n_{o,t} + \beta_{o,t+\ell_o}
  n_{o,t+\ell_o} + e_{o,t} \sum_w x_{w,o,t}`; take-or-pay shortfalls :math:`m_k` paid in
  month :math:`\tau_k`;
* equity round :math:`r` in month :math:`t_r`: raise :math:`q_r \in [0, U_r]`;
* debt facility :math:`f` (open from :math:`a_f` to maturity :math:`a_f + N_f`): draw
  :math:`d_{f,t} \ge 0` while open, repay :math:`p_{f,t} \ge 0`, balance
  :math:`b_{f,t} \ge 0`; monthly rate :math:`i_f` (``rate_per_year / 12``), fee
  :math:`\phi_f` on draws;
* vendor financing :math:`g`: take :math:`v_{g,t} \ge 0` in its window, at most
  :math:`\gamma_g` ($M per MW) times the facility MW newly started of its accelerators,
  :math:`\sum_t v_{g,t} \le V_g`;
* cash :math:`k_t` (free).

Constraints (one function each):

.. math::

    k_t - k_{t-1} &= \bar R_t - \textstyle\sum_w \rho_{w,t} u_{w,t} - P_t
        - \sum_{k: \tau_k = t} m_k - O_t + F_t + \sum_{r: t_r = t} q_r
        + \sum_f \big((1 - \phi_f) d_{f,t} - p_{f,t} - i_f b_{f,t-1}\big)
        + \sum_g v_{g,t}, \quad k_{-1} = C_0 && \text{(cash flow)} \\
    k_t &\ge \underline{C} && \text{(floor)} \\
    q_r &\le U_r && \text{(equity limit)} \\
    b_{f,t} &= b_{f,t-1} + d_{f,t} - p_{f,t}, \quad
        b_{f,t} \le L_f \ (a_f \le t < a_f + N_f), \quad b_{f,t} = 0 \text{ otherwise}
        && \text{(debt)} \\
    v_{g,t} &\le \gamma_g \textstyle\sum_{o \in g} \omega_o n_{o,t}, \quad
        \sum_t v_{g,t} \le V_g && \text{(vendor)}

Objective, added to the planner's (:math:`\delta_t` the discount, :math:`E` the
horizon's last month):

.. math::

    \sum_{f,t} \delta_t (i_f b_{f,t-1} + \phi_f d_{f,t})
    + \sum_r \delta_E \big((1 + \kappa_r)^{(E - t_r)/12} - 1\big) q_r
    + \sum_{g,t} \delta_E \big((1 + \kappa_g)^{(E - t)/12} - 1\big) v_{g,t}

Interest and fees are paid in cash and cost what they cost. An equity stake (a round, or
a supplier's investment) is bought at the round's price and expected to earn
:math:`\kappa` a year (``return_per_year``); what it is worth at the horizon's end above
the cash it brought is the owners' cost of the dilution. Principal is no cost (drawn and
repaid, or left outstanding at a maturity past the horizon). When money runs out the
cheapest way left is to serve less (lost revenue) or to start capacity later.
"""

from __future__ import annotations

from dataclasses import dataclass

import linopy
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from gigawatt.plan.cashbasis import CashTerms, cash_terms
from gigawatt.plan.inputs import MUSD, PlanInputs, with_tail

__all__ = [
    "FundingInputs",
    "add_funding",
    "funding_inputs",
    "is_funded",
]

F64 = npt.NDArray[np.float64]
W, O, T = "workload", "offer", "month"  # noqa: E741 - the model's index names


@dataclass(frozen=True)
class FundingInputs:
    """The numbers of the funding constraints, in model units ($M, model months).

    Attributes:
        cash0_musd: Starting cash.
        floor_musd: Least cash at a month's end.
        other_musd: [T] other opex.
        events_musd: [T] funding events.
        net_revenue_musd: [T] revenue net of share when fully served.
        lost_musd_per_eflops: [W, T] net revenue lost per EFLOP/s unserved.
        cash: Compute payment terms.
        equity: Names of the equity rounds.
        equity_month: [R] month index of each round.
        equity_cap_musd: [R] most each round raises.
        equity_cost: [R] objective cost per $M raised.
        debt: Names of the debt facilities.
        debt_open: [F, T] months a facility may hold a balance (draws allowed).
        debt_limit_musd: [F] most outstanding.
        debt_rate_per_month: [F] interest per month on last month's balance.
        debt_fee: [F] fee per $M drawn.
        vendor: Names of the vendor financings.
        vendor_months: [G, T] months each applies.
        vendor_musd_per_mw: [G] $M per facility MW started.
        vendor_offers: [G, O] offers whose starts count.
        vendor_cap_musd: [G] most invested in total.
        vendor_cost: [G, T] objective cost per $M taken in month t.
    """

    cash0_musd: float
    floor_musd: float
    other_musd: F64
    events_musd: F64
    net_revenue_musd: F64
    lost_musd_per_eflops: F64
    cash: CashTerms
    equity: list[str]
    equity_month: npt.NDArray[np.int64]
    equity_cap_musd: F64
    equity_cost: F64
    debt: list[str]
    debt_open: npt.NDArray[np.bool_]
    debt_limit_musd: F64
    debt_rate_per_month: F64
    debt_fee: F64
    vendor: list[str]
    vendor_months: npt.NDArray[np.bool_]
    vendor_musd_per_mw: F64
    vendor_offers: npt.NDArray[np.bool_]
    vendor_cap_musd: F64
    vendor_cost: F64


def is_funded(inp: PlanInputs) -> bool:
    """Whether the scenario asks for a funded plan (``finance.funded``)."""
    fin = inp.scenario.finance
    return fin is not None and fin.funded


def _stake_cost(discount_end: float, rate: float, months_to_end: F64) -> F64:
    """Objective cost per $M of a stake bought ``months_to_end`` before the horizon end."""
    years = np.maximum(months_to_end, 0) / 12.0
    return np.asarray(discount_end * ((1.0 + rate) ** years - 1.0), dtype=float)


def funding_inputs(inp: PlanInputs) -> FundingInputs:
    """The numbers of the funding constraints of a scenario with a ``finance`` section.

    Raises:
        ValueError: the scenario has no ``finance`` section.
    """
    fin = inp.scenario.finance
    if fin is None:
        raise ValueError("a funded plan needs a finance section")
    model_tl = with_tail(inp.scenario).timeline
    n_t = len(inp.months)
    end = inp.n_reported - 1
    delta_end = float(inp.discount[end])
    events = np.zeros(n_t)
    for f in fin.funding:
        if model_tl.contains(f.month):
            events[model_tl.index(f.month)] += f.usd / MUSD
    with np.errstate(divide="ignore", invalid="ignore"):
        net = inp.revenue_musd * (1.0 - inp.share)
        lost = np.where(inp.demand_eflops > 0, net / inp.demand_eflops, 0.0)
    equity_month = np.array([model_tl.index(r.month) for r in fin.equity], dtype=np.int64)
    equity_cost = np.array(
        [
            float(_stake_cost(delta_end, r.return_per_year, np.array(end - m, dtype=float)))
            for r, m in zip(fin.equity, equity_month, strict=True)
        ]
    )
    months = np.arange(n_t)
    debt_open = np.zeros((len(fin.debt), n_t), dtype=bool)
    for k, d in enumerate(fin.debt):
        first = model_tl.index(d.from_) if d.from_ is not None else 0
        debt_open[k] = (months >= first) & (months < first + d.tenor_months)
    vendor_months = np.zeros((len(fin.vendor), n_t), dtype=bool)
    vendor_offers = np.zeros((len(fin.vendor), len(inp.refs)), dtype=bool)
    vendor_cost = np.zeros((len(fin.vendor), n_t))
    for g, v in enumerate(fin.vendor):
        vendor_months[g] = model_tl.mask(
            v.from_ or model_tl.start, v.until or inp.scenario.timeline.end
        )
        vendor_offers[g] = [
            r.accelerator in v.accelerators and r.pricing != "on_demand" for r in inp.refs
        ]
        vendor_cost[g] = _stake_cost(delta_end, v.return_per_year, (end - months).astype(float))
    return FundingInputs(
        cash0_musd=fin.cash_usd / MUSD,
        floor_musd=fin.cash_floor_usd / MUSD,
        other_musd=fin.other_opex_usd_per_month.values(model_tl) / MUSD,
        events_musd=events,
        net_revenue_musd=net.sum(axis=0),
        lost_musd_per_eflops=lost,
        cash=cash_terms(inp),
        equity=[r.name for r in fin.equity],
        equity_month=equity_month,
        equity_cap_musd=np.array([r.usd / MUSD for r in fin.equity]),
        equity_cost=equity_cost,
        debt=[d.name for d in fin.debt],
        debt_open=debt_open,
        debt_limit_musd=np.array([d.limit_usd / MUSD for d in fin.debt]),
        debt_rate_per_month=np.array([d.rate_per_year / 12.0 for d in fin.debt]),
        debt_fee=np.array([d.fee_percent / 100.0 for d in fin.debt]),
        vendor=[v.name for v in fin.vendor],
        vendor_months=vendor_months,
        vendor_musd_per_mw=np.array([v.usd_per_gw / 1e3 / MUSD for v in fin.vendor]),
        vendor_offers=vendor_offers,
        vendor_cap_musd=np.array([v.max_usd / MUSD for v in fin.vendor]),
        vendor_cost=vendor_cost,
    )


def _month_da(values: F64, months: pd.Index) -> xr.DataArray:
    return xr.DataArray(values, coords=[months], dims=[T])


def add_equity(m: linopy.Model, fi: FundingInputs) -> linopy.LinearExpression | None:
    r"""Equity rounds: :math:`0 \le q_r \le U_r` (row ``equity_limit``); returns the cost."""
    if not fi.equity:
        return None
    idx = pd.Index(fi.equity, name="equity")
    q = m.add_variables(lower=0, coords=[idx], name="equity_raised")
    m.add_constraints(q <= xr.DataArray(fi.equity_cap_musd, coords=[idx]), name="equity_limit")
    cost: linopy.LinearExpression = (q * xr.DataArray(fi.equity_cost, coords=[idx])).sum()
    return cost


def add_debt(
    m: linopy.Model, fi: FundingInputs, months: pd.Index, discount: F64
) -> linopy.LinearExpression | None:
    r"""Debt facilities: balance flow, limit while open, closed outside; returns the cost.

    .. math:: b_{f,t} - b_{f,t-1} - d_{f,t} + p_{f,t} = 0, \quad b_{f,t} \le L_f
    """
    if not fi.debt:
        return None
    idx = pd.Index(fi.debt, name="debt")
    open_da = xr.DataArray(fi.debt_open, coords=[idx, months])
    closed_ub = xr.DataArray(np.where(fi.debt_open, np.inf, 0.0), coords=[idx, months])
    draw = m.add_variables(lower=0, upper=closed_ub, coords=[idx, months], name="debt_draw")
    repay = m.add_variables(lower=0, coords=[idx, months], name="debt_repay")
    balance = m.add_variables(lower=0, upper=closed_ub, coords=[idx, months], name="debt_balance")
    m.add_constraints(balance - balance.shift({T: 1}) - draw + repay == 0, name="debt_flow")
    limit = xr.DataArray(fi.debt_limit_musd, coords=[idx])
    m.add_constraints(balance <= limit, name="debt_limit", mask=open_da)
    rate = xr.DataArray(fi.debt_rate_per_month, coords=[idx])
    fee = xr.DataArray(fi.debt_fee, coords=[idx])
    delta = _month_da(discount, months)
    cost: linopy.LinearExpression = (balance.shift({T: 1}) * (rate * delta)).sum() + (
        draw * (fee * delta)
    ).sum()
    return cost


def add_vendor(
    m: linopy.Model, inp: PlanInputs, fi: FundingInputs, months: pd.Index
) -> linopy.LinearExpression | None:
    r"""Vendor financing, with the cost it adds to the objective.

    :math:`v_{g,t} \le \gamma_g \sum_{o \in g} \omega_o n_{o,t}` (row ``vendor_deployed``)
    and :math:`\sum_t v_{g,t} \le V_g` (row ``vendor_limit``).
    """
    if not fi.vendor:
        return None
    idx = pd.Index(fi.vendor, name="vendor")
    take = m.add_variables(
        lower=0,
        coords=[idx, months],
        name="vendor_taken",
        mask=xr.DataArray(fi.vendor_months, coords=[idx, months]),
    )
    offers = pd.Index([r.key for r in inp.refs], name=O)
    mw = fi.vendor_offers * inp.mw_per_kacc[None, :] * fi.vendor_musd_per_mw[:, None]
    earned = (m.variables["new"] * xr.DataArray(mw, coords=[idx, offers])).sum(O)
    m.add_constraints(take - earned <= 0, name="vendor_deployed")
    cap = xr.DataArray(fi.vendor_cap_musd, coords=[idx])
    m.add_constraints(take.sum(T) <= cap, name="vendor_limit")
    return (take * xr.DataArray(fi.vendor_cost, coords=[idx, months])).sum()


def _compute_paid(
    m: linopy.Model, inp: PlanInputs, cash: CashTerms, coords: dict[str, pd.Index]
) -> linopy.LinearExpression:
    """:math:`P_t` as a linear expression over months (see :mod:`gigawatt.plan.cashbasis`)."""
    o_idx, t_idx = coords[O], coords[T]

    def da(values: np.ndarray) -> xr.DataArray:
        return xr.DataArray(values, coords=[o_idx, t_idx], dims=[O, T])

    installed, new = m.variables["installed"], m.variables["new"]
    paid: linopy.LinearExpression = (installed * da(cash.per_installed_musd)).sum(O)
    paid = paid + (new * da(cash.per_new_musd)).sum(O)
    paid = paid + (m.variables["use"].sum(W) * da(inp.elec_musd_per_kacc)).sum(O)
    for lag in sorted({int(v) for v in cash.deposit_months}):
        weight = np.where((cash.deposit_months == lag)[:, None], cash.deposit_musd, 0.0)
        if not weight.any():
            continue
        paid = paid + (new * da(weight)).shift({T: -lag}).sum(O)
    return paid


def add_cash_flow(
    m: linopy.Model, inp: PlanInputs, fi: FundingInputs, coords: dict[str, pd.Index]
) -> None:
    r"""Cash flow and floor (rows ``cash_flow`` and ``cash_floor``).

    :math:`k_t - k_{t-1} = \text{flows}_t` from :math:`k_{-1} = C_0`, and
    :math:`k_t \ge \underline{C}`.
    """
    months = coords[T]
    cash = m.add_variables(coords=[months], name="cash")
    flows = -_compute_paid(m, inp, fi.cash, coords)
    if "unserved" in m.variables:
        lost = xr.DataArray(fi.lost_musd_per_eflops, coords=[coords[W], months])
        flows = flows - (m.variables["unserved"] * lost).sum(W)
    if "min_spend_short" in m.variables:
        short = m.variables["min_spend_short"]
        pay = np.zeros((len(inp.min_spend), len(months)))
        for k, term in enumerate(inp.min_spend):
            pay[k, term.pay_month] = 1.0
        flows = flows - (short * xr.DataArray(pay, coords=[short.coords["clause"], months])).sum(
            "clause"
        )
    if "equity_raised" in m.variables:
        q = m.variables["equity_raised"]
        arrive = np.zeros((len(fi.equity), len(months)))
        arrive[np.arange(len(fi.equity)), fi.equity_month] = 1.0
        flows = flows + (q * xr.DataArray(arrive, coords=[q.coords["equity"], months])).sum(
            "equity"
        )
    if "debt_draw" in m.variables:
        draw, repay = m.variables["debt_draw"], m.variables["debt_repay"]
        balance = m.variables["debt_balance"]
        idx = draw.coords["debt"]
        keep = xr.DataArray(1.0 - fi.debt_fee, coords=[idx])
        rate = xr.DataArray(fi.debt_rate_per_month, coords=[idx])
        flows = flows + (draw * keep - repay - balance.shift({T: 1}) * rate).sum("debt")
    if "vendor_taken" in m.variables:
        flows = flows + m.variables["vendor_taken"].sum("vendor")
    constant = fi.net_revenue_musd - fi.other_musd + fi.events_musd
    constant = constant.copy()
    constant[0] += fi.cash0_musd
    m.add_constraints(
        cash - cash.shift({T: 1}) - flows == _month_da(constant, months), name="cash_flow"
    )
    floor = _month_da(np.full(len(months), fi.floor_musd), months)
    m.add_constraints(cash >= floor, name="cash_floor")


def add_funding(
    m: linopy.Model, inp: PlanInputs, coords: dict[str, pd.Index]
) -> linopy.LinearExpression | None:
    """Every funding constraint family; returns the financing cost for the objective."""
    fi = funding_inputs(inp)
    months = coords[T]
    costs = [
        add_equity(m, fi),
        add_debt(m, fi, months, inp.discount),
        add_vendor(m, inp, fi, months),
    ]
    add_cash_flow(m, inp, fi, coords)
    total: linopy.LinearExpression | None = None
    for cost in costs:
        if cost is not None:
            total = cost if total is None else total + cost
    return total
