"""The :class:`Plan`: long tables of a solved plan in the scenario's units, and a summary.

Tables (pandas DataFrames, one row per key):

* ``allocation``: workload, site, provider, accelerator, offer, pricing, month,
  accelerators, power_mw (facility: IT watts x PUE), flop (delivered in the month:
  accelerators x peak x mfu, or utilization, x seconds; :mod:`gigawatt.scenario.power`);
* ``capacity``: offer, site, provider, accelerator, pricing, month, available,
  installed, new, used (accelerators), installed_mw, peak_flops (FLOP/s of one
  accelerator of the offer);
* ``spend``: provider, site, offer, pricing, kind (rent, capex, opex, electricity,
  min_spend_shortfall), month, usd, usd_discounted;
* ``power``: site, provider, month, cap_mw, installed_mw, used_mw, energy_mwh,
  emissions_tco2;
* ``shortfall``: workload, kind, month, demand, unserved (FLOP/s for inference,
  FLOP for training), unserved_flop, served_fraction, lost_revenue_usd, penalty_usd
  (both discounted);
* ``finance`` (nominal USD): month, revenue_usd, revenue_share_usd,
  compute_spend_usd (compute as charged), min_spend_shortfall_usd, other_opex_usd,
  profit_usd (the accrual profit and loss view: revenue less revenue share, compute as
  charged, take-or-pay and other opex; before funding), funding_usd (funding events),
  compute_paid_usd (compute as paid, :mod:`gigawatt.plan.cashbasis`),
  timing_difference_usd (paid minus charged), financing_usd (draws, less repayments,
  interest and fees of the financing the plan chose; 0 unless funded), net_cash_usd and
  cash_usd: the cash (money in the bank) at month end. Cash has one definition, the cash
  basis: ``net_cash_usd = profit_usd - timing_difference_usd + funding_usd +
  financing_usd``; every figure that reports cash reads ``cash_usd``;
* ``duals``: kind (accelerator or power), site, offer, month, value_usd — the present
  value of one more accelerator of an offer for a month (USD per accelerator-month) or
  one more MW at a site for a month (USD per MW-month);
* ``compute_value``: kind (inference, training, power), name, month, unit (H100e or MW),
  usd_per_unit_month — the shadow prices of compute and power: what one more H100e-month
  for a workload, or MW-month at a site, is worth, in USD of that month
  (:mod:`gigawatt.plan.computevalue`);
* ``beyond_horizon``: reservations and builds started inside the horizon whose term or
  lifetime runs past its end (see :mod:`gigawatt.plan.commitments`);
* in a funded plan only, ``financing`` and ``financing_limits``
  (:mod:`gigawatt.plan.fundingresults`).

With ``horizon.tail_months`` the model also solved months after the horizon; every
table and figure covers the horizon alone (``model_objective_usd`` is the solver's
objective, tail included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.plan.cashbasis import cash_terms, compute_paid_musd
from gigawatt.plan.commitments import beyond_horizon_summary, commitments_beyond_horizon
from gigawatt.plan.computevalue import COMPUTE_VALUE_COLUMNS, compute_value
from gigawatt.plan.figures import PlanFigures, by_provider, by_year, plan_figures
from gigawatt.plan.fundingresults import financing_results
from gigawatt.plan.inputs import EFLOPS, KACC, MUSD, YFLOP, PlanInputs
from gigawatt.plan.model import PlanModel
from gigawatt.plan.solve import SolveOutcome
from gigawatt.resultio import read_summary, read_tables, save_result

__all__ = ["TABLES", "Plan", "extract_plan", "revenue_share_potential_usd"]

TABLES = (
    "allocation",
    "capacity",
    "spend",
    "power",
    "shortfall",
    "finance",
    "duals",
    "compute_value",
    "beyond_horizon",
    "financing",
    "financing_limits",
)


@dataclass
class Plan:
    """A solved plan: summary figures plus long tables."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """Optimal or time_limit."""
        return str(self.summary["status"])

    @property
    def objective_usd(self) -> float:
        """Discounted spend + lost net revenue + shortfall penalties, USD."""
        return float(self.summary["objective_usd"])

    @property
    def cost_usd(self) -> float:
        """Discounted spend alone, USD."""
        return float(self.summary["cost_usd"])

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables: dict[str, pd.DataFrame] = self.__dict__.get("tables", {})
        if name in tables:
            table: pd.DataFrame = tables[name]
            return table
        raise AttributeError(name)

    def figures(self) -> PlanFigures:
        """Every reported figure of the plan (:mod:`gigawatt.plan.figures`)."""
        return plan_figures(self.tables, self.summary)

    def yearly(self) -> pd.DataFrame:
        """Per year and provider: the columns of :func:`gigawatt.plan.figures.by_provider`."""
        return by_provider(self.tables)

    def yearly_totals(self) -> pd.DataFrame:
        """Per year, all providers: the columns of :func:`gigawatt.plan.figures.by_year`."""
        return by_year(self.tables, cash="min_cash_usd" in self.summary)

    def to_json(self, *, allocation: bool = True) -> dict[str, Any]:
        """The summary, the figures and the allocation rows as JSON-ready data."""
        data = dict(self.summary)
        data["figures"] = self.figures().to_dict()
        if allocation:
            alloc = self.tables["allocation"][
                ["workload", "site", "provider", "accelerator", "month", "accelerators"]
            ]
            data["allocation"] = alloc.to_dict(orient="records")
        return data

    def save(self, directory: str | Path, *, csv: bool = False) -> Path:
        """Write every table as Parquet (and CSV when asked) plus ``summary.json``."""
        return save_result(directory, self.tables, self.summary, csv=csv)

    @classmethod
    def load(cls, directory: str | Path) -> Plan:
        """Read a plan written by :meth:`save`.

        Raises:
            GigawattError: the folder holds no plan.
        """
        summary = read_summary(directory, "plan", "gigawatt plan FILE --out DIR")
        return cls(summary, read_tables(directory, TABLES, what="plan"))


def _offer_frame(inp: PlanInputs) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "offer": [r.key for r in inp.refs],
            "site": [r.site for r in inp.refs],
            "provider": [r.provider for r in inp.refs],
            "accelerator": [r.accelerator for r in inp.refs],
            "pricing": [r.pricing for r in inp.refs],
        }
    )


def _long(values: np.ndarray, index: pd.MultiIndex, name: str) -> pd.Series:
    return pd.Series(values.reshape(-1), index=index, name=name)


def _chosen_site_only(inp: PlanInputs, sol: dict[str, np.ndarray], use: np.ndarray) -> np.ndarray:
    """``use`` [W, O, T] with a single-site run's use outside its chosen site set to zero.

    The run's site is its binary ``site_choice`` (rounded); HiGHS accepts a binary within
    its integrality tolerance (1e-6), so the big-M row ``use <= A y`` lets up to
    ``1e-6 A`` of the run leak to a site it did not choose. That is solver noise, not a
    plan: reported as it is, a single-site run would show a second site.
    """
    if "site_choice" not in sol:
        return use
    chosen = sol["site_choice"].reshape(len(inp.workloads), len(inp.sites)) > 0.5
    elsewhere = inp.single_site[:, None] & ~chosen[:, inp.site_of]  # [W, O]
    return np.where(elsewhere[:, :, None], 0.0, use)


def extract_plan(pm: PlanModel, outcome: SolveOutcome, *, build_seconds: float = 0.0) -> Plan:
    """Turn a solved model into a :class:`Plan` in the scenario's units."""
    full = pm.inputs
    inp = full.reported()  # the horizon: a tail the model solved beyond it is not reported
    s = inp.scenario
    n_w, n_o, n_t = len(inp.workloads), len(inp.refs), len(inp.months)
    n_model = len(full.months)
    sol = outcome.primal
    use = _chosen_site_only(inp, sol, sol["use"].reshape(n_w, n_o, n_model)[:, :, :n_t])
    installed = sol["installed"].reshape(n_o, n_model)[:, :n_t]
    new = sol["new"].reshape(n_o, n_model)[:, :n_t]
    unserved = sol["unserved"].reshape(n_w, n_model)[:, :n_t]
    train_short = sol["train_short"].reshape(n_w)
    used = use.sum(axis=0)
    offers = _offer_frame(inp)
    months = np.array(inp.months)
    d = inp.discount

    # allocation
    wi, oi, ti = np.nonzero(use > 1e-9)
    allocation = pd.DataFrame(
        {
            "workload": np.array(inp.workloads)[wi],
            "site": offers["site"].to_numpy()[oi],
            "provider": offers["provider"].to_numpy()[oi],
            "accelerator": offers["accelerator"].to_numpy()[oi],
            "offer": offers["offer"].to_numpy()[oi],
            "pricing": offers["pricing"].to_numpy()[oi],
            "month": months[ti],
            "accelerators": use[wi, oi, ti] * KACC,
            "power_mw": use[wi, oi, ti] * inp.mw_per_kacc[oi],
            "flop": _delivered_flop(inp, use, wi, oi, ti),
        }
    )

    # capacity
    rep = np.repeat(np.arange(n_o), n_t)
    capacity = offers.iloc[rep].reset_index(drop=True)
    capacity["month"] = np.tile(months, n_o)
    capacity["available"] = (inp.avail_kacc * KACC).reshape(-1)
    capacity["installed"] = (installed * KACC).reshape(-1)
    capacity["new"] = (new * KACC).reshape(-1)
    capacity["used"] = (used * KACC).reshape(-1)
    capacity["installed_mw"] = (installed * inp.mw_per_kacc[:, None]).reshape(-1)
    capacity["peak_flops"] = [
        s.accelerators[r.accelerator].peak_flops for r in inp.refs for _ in months
    ]

    # spend by kind
    spend_rows = []
    for k, r in enumerate(inp.refs):
        offer = s.sites[r.site].offers[k - _first_of_site(inp, r.site)]
        inst = installed[k] * KACC
        parts: dict[str, np.ndarray] = {}
        if r.pricing == "build":
            capex = offer.capex_usd / offer.lifetime_months  # type: ignore[union-attr]
            parts["capex"] = inst * capex
            parts["opex"] = inst * offer.opex_usd_per_hour * inp.hours  # type: ignore[union-attr]
        else:
            parts["rent"] = inst * offer.usd_per_hour * inp.hours  # type: ignore[union-attr]
        parts["electricity"] = used[k] * inp.elec_musd_per_kacc[k] * MUSD
        for kind, usd in parts.items():
            if not np.any(usd > 1e-6):
                continue
            spend_rows.append(
                pd.DataFrame(
                    {
                        "provider": r.provider,
                        "site": r.site,
                        "offer": r.key,
                        "pricing": r.pricing,
                        "kind": kind,
                        "month": months,
                        "usd": usd,
                        "usd_discounted": usd * d,
                    }
                )
            )
    if full.min_spend:
        short = sol["min_spend_short"]
        for k, term in enumerate(full.min_spend):
            short_usd = float(short[k]) * MUSD
            if short_usd <= 1e-6 or term.in_tail:
                continue
            spend_rows.append(
                pd.DataFrame(
                    {
                        "provider": [term.ref.counterparty],
                        "site": [""],
                        "offer": [f"{term.ref.contract}[{term.ref.index}]"],
                        "pricing": ["min_spend"],
                        "kind": ["min_spend_shortfall"],
                        "month": [inp.months[term.pay_month]],
                        "usd": [short_usd],
                        "usd_discounted": [short_usd * d[term.pay_month]],
                    }
                )
            )
    spend_cols = ["provider", "site", "offer", "pricing", "kind", "month", "usd", "usd_discounted"]
    spend = (
        pd.concat(spend_rows, ignore_index=True) if spend_rows else pd.DataFrame(columns=spend_cols)
    )
    spend = spend[spend["usd"] > 1e-6].reset_index(drop=True)

    # power, energy, emissions per site-month
    power_rows = []
    for si, site_name in enumerate(inp.sites):
        ks = np.flatnonzero(inp.site_of == si)
        site = s.sites[site_name]
        inst_mw = (installed[ks] * inp.mw_per_kacc[ks, None]).sum(axis=0)
        used_mw = (used[ks] * inp.mw_per_kacc[ks, None]).sum(axis=0)
        energy = used_mw * inp.hours
        cap = inp.power_cap_mw[si]
        power_rows.append(
            pd.DataFrame(
                {
                    "site": site_name,
                    "provider": site.provider,
                    "month": months,
                    "cap_mw": np.where(np.isfinite(cap), cap, np.nan),
                    "installed_mw": inst_mw,
                    "used_mw": used_mw,
                    "energy_mwh": energy,
                    "emissions_tco2": energy * site.grid_gco2_per_kwh / 1e3,
                }
            )
        )
    power = pd.concat(power_rows, ignore_index=True)

    # shortfall and lost revenue
    short_rows = []
    seconds = inp.hours * 3600.0
    for w in range(n_w):
        name = inp.workloads[w]
        if inp.inference[w]:
            dem = inp.demand_eflops[w]
            un = unserved[w]
            frac = np.where(dem > 0, 1.0 - un / np.where(dem > 0, dem, 1.0), 1.0)
            has_revenue = bool(np.any(inp.revenue_musd[w] > 0))
            value = un * inp.unserved_musd_per_eflops[w] * d * MUSD
            lost = value if has_revenue else np.zeros_like(un)
            pen = np.zeros_like(un) if has_revenue else value
            short_rows.append(
                pd.DataFrame(
                    {
                        "workload": name,
                        "kind": "inference",
                        "month": months,
                        "demand": dem * EFLOPS,
                        "unserved": un * EFLOPS,
                        "unserved_flop": un * EFLOPS * seconds,
                        "served_fraction": np.clip(frac, 0.0, 1.0),
                        "lost_revenue_usd": lost,
                        "penalty_usd": pen,
                    }
                )
            )
        elif inp.train_yflop[w] > 0:
            end = int(inp.train_end[w])
            short_flop = train_short[w] * YFLOP
            short_rows.append(
                pd.DataFrame(
                    {
                        "workload": [name],
                        "kind": ["training"],
                        "month": [months[end]],
                        "demand": [inp.train_yflop[w] * YFLOP],
                        "unserved": [short_flop],
                        "unserved_flop": [short_flop],
                        "served_fraction": [1.0 - train_short[w] / inp.train_yflop[w]],
                        "lost_revenue_usd": [0.0],
                        "penalty_usd": [
                            train_short[w] * inp.penalty_musd_per_yflop[w] * d[end] * MUSD
                        ],
                    }
                )
            )
    shortfall = pd.concat(short_rows, ignore_index=True) if short_rows else pd.DataFrame()

    full_installed = sol["installed"].reshape(n_o, n_model)
    paid_musd = compute_paid_musd(
        cash_terms(full),
        full_installed,
        sol["new"].reshape(n_o, n_model),
        sol["use"].reshape(n_w, n_o, n_model).sum(axis=0),
        full.elec_musd_per_kacc,
    )
    financing = financing_results(pm, sol, outcome.duals_available) if pm.funded else None
    finance = _finance(
        inp,
        unserved,
        spend,
        paid_musd[:, :n_t].sum(axis=0) * MUSD,
        financing.cash_flow_usd if financing is not None else np.zeros(n_t),
    )
    duals = (
        _duals(pm)
        if outcome.duals_available
        else pd.DataFrame(columns=["kind", "site", "offer", "month", "value_usd"])
    )
    duals = duals[duals["month"].isin(inp.months)].reset_index(drop=True)
    value = (
        compute_value(pm)
        if outcome.duals_available
        else pd.DataFrame(columns=COMPUTE_VALUE_COLUMNS)
    )
    value = value[value["month"].isin(inp.months)].reset_index(drop=True)
    beyond = commitments_beyond_horizon(inp, new)

    cost_usd = float(spend["usd_discounted"].sum()) if len(spend) else 0.0
    lost_usd = float(shortfall["lost_revenue_usd"].sum()) if len(shortfall) else 0.0
    penalty_usd = float(shortfall["penalty_usd"].sum()) if len(shortfall) else 0.0
    shortfall_flop = (
        shortfall.groupby("workload")["unserved_flop"].sum().to_dict() if len(shortfall) else {}
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        served = np.where(
            inp.demand_eflops > 0,
            1.0 - unserved / np.where(inp.demand_eflops > 0, inp.demand_eflops, 1.0),
            1.0,
        )
    share_paid_usd = float((inp.revenue_musd * inp.share * served * d).sum() * MUSD)
    financing_cost_usd = financing.summary()["financing_cost_usd"] if financing else 0.0
    if full.tail_months:
        # the model's objective also counts the tail; the reported one is the horizon's
        objective_usd = cost_usd + lost_usd + penalty_usd + financing_cost_usd
    else:
        objective_usd = outcome.objective_musd * MUSD
    summary: dict[str, Any] = {
        "scenario": s.name,
        "source": s.source,
        "status": outcome.status,
        "objective_usd": objective_usd,
        "cost_usd": cost_usd,
        "lost_revenue_usd": lost_usd,
        "penalty_usd": penalty_usd,
        "shortfall_flop": {k: float(v) for k, v in shortfall_flop.items()},
        "revenue_share_usd": share_paid_usd,
        "revenue_share_potential_usd": revenue_share_potential_usd(inp),
        "spend_usd_nominal": float(spend["usd"].sum()) if len(spend) else 0.0,
        "mip_gap": outcome.mip_gap,
        "build_seconds": build_seconds,
        "solve_seconds": outcome.solve_seconds,
        "variables": int(pm.model.nvars),
        "constraints": int(pm.model.ncons),
        "binaries": int(pm.model.binaries.nvars),
        "duals": outcome.duals_available,
        "horizon": {
            "start": inp.months[0],
            "end": inp.months[-1],
            "tail_months": full.tail_months,
        },
        "model_objective_usd": outcome.objective_musd * MUSD,
        **beyond_horizon_summary(beyond),
        "warnings": [str(p) for p in s.warnings],
    }
    if len(finance) and s.finance is not None:
        negative = finance[finance["cash_usd"] < 0]
        low = int(np.argmin(finance["cash_usd"].to_numpy()))
        summary["min_cash_usd"] = float(finance["cash_usd"].iloc[low])
        summary["min_cash_month"] = str(finance["month"].iloc[low])
        summary["first_month_cash_negative"] = (
            str(negative["month"].iloc[0]) if len(negative) else None
        )
    if financing is not None:
        summary.update(financing.summary())
    tables = {
        "allocation": allocation,
        "capacity": capacity,
        "spend": spend,
        "power": power,
        "shortfall": shortfall,
        "finance": finance,
        "duals": duals,
        "compute_value": value,
        "beyond_horizon": beyond,
    }
    if financing is not None:
        tables["financing"] = financing.table
        tables["financing_limits"] = financing.limits
    return Plan(summary, tables)


def _delivered_flop(
    inp: PlanInputs, use: np.ndarray, wi: np.ndarray, oi: np.ndarray, ti: np.ndarray
) -> np.ndarray:
    """FLOP each allocation row delivers in its month (gigawatt.scenario.power).

    A training run: the k-acc-months used x the FLOP one k-acc-month delivers (peak x
    mfu x the month's seconds); inference: x peak x utilization x the month's seconds.
    """
    seconds = inp.hours * 3600.0
    training = use[wi, oi, ti] * inp.yflop_per_kacc_month[wi, oi, ti] * YFLOP
    inference = use[wi, oi, ti] * inp.eflops_per_kacc[wi, oi] * EFLOPS * seconds[ti]
    return np.asarray(np.where(inp.inference[wi], inference, training), dtype=float)


def revenue_share_potential_usd(inp: PlanInputs) -> float:
    """Revenue share due on the full revenue, discounted (USD): a constant of a scenario."""
    return float((inp.revenue_musd * inp.share * inp.discount).sum() * MUSD)


def _first_of_site(inp: PlanInputs, site: str) -> int:
    for k, r in enumerate(inp.refs):
        if r.site == site:
            return k
    raise KeyError(site)  # pragma: no cover - every ref has a site


def _finance(
    inp: PlanInputs,
    unserved: np.ndarray,
    spend: pd.DataFrame,
    compute_paid: np.ndarray,
    financing: np.ndarray,
) -> pd.DataFrame:
    """The finance table: accrual profit, then cash as paid (see the module docstring)."""
    s = inp.scenario
    tl = s.timeline
    with np.errstate(divide="ignore", invalid="ignore"):
        served = np.where(
            inp.demand_eflops > 0,
            1.0 - unserved / np.where(inp.demand_eflops > 0, inp.demand_eflops, 1.0),
            1.0,
        )
    earned = (inp.revenue_musd * served).sum(axis=0) * MUSD
    share = (inp.revenue_musd * served * inp.share).sum(axis=0) * MUSD
    by_month = spend.groupby("month")["usd"].sum() if len(spend) else pd.Series(dtype=float)
    ms = (
        spend[spend["kind"] == "min_spend_shortfall"].groupby("month")["usd"].sum()
        if len(spend)
        else pd.Series(dtype=float)
    )
    compute = (
        by_month.reindex(inp.months, fill_value=0.0).to_numpy()
        - ms.reindex(inp.months, fill_value=0.0).to_numpy()
    )
    ms_arr = ms.reindex(inp.months, fill_value=0.0).to_numpy()
    if s.finance is not None:
        other = s.finance.other_opex_usd_per_month.values(tl)
        funding = np.zeros(tl.n_months)
        for f in s.finance.funding:
            if tl.contains(f.month):
                funding[tl.index(f.month)] += f.usd
        cash0 = s.finance.cash_usd
    else:
        other = np.zeros(tl.n_months)
        funding = np.zeros(tl.n_months)
        cash0 = 0.0
    profit = earned - share - compute - ms_arr - other
    timing = compute_paid - compute
    net_cash = profit - timing + funding + financing
    return pd.DataFrame(
        {
            "month": inp.months,
            "revenue_usd": earned,
            "revenue_share_usd": share,
            "compute_spend_usd": compute,
            "min_spend_shortfall_usd": ms_arr,
            "other_opex_usd": other,
            "profit_usd": profit,
            "funding_usd": funding,
            "compute_paid_usd": compute_paid,
            "timing_difference_usd": timing,
            "financing_usd": financing,
            "net_cash_usd": net_cash,
            "cash_usd": cash0 + np.cumsum(net_cash),
        }
    )


def _duals(pm: PlanModel) -> pd.DataFrame:
    """Marginal values from the LP duals, converted to USD per accelerator or per MW."""
    m = pm.model
    inp = pm.inputs
    rows = []
    if "availability" in m.constraints:
        dual = m.constraints["availability"].dual.to_series().dropna()
        # $M per k-acc-month -> USD per accelerator-month; minimisation: dual <= 0
        value = -dual * MUSD / KACC
        df = value.rename("value_usd").reset_index()
        df["site"] = df["offer"].str.split("/").str[0]
        df["kind"] = "accelerator"
        rows.append(df[["kind", "site", "offer", "month", "value_usd"]])
    if "power" in m.constraints:
        dual = m.constraints["power"].dual.to_series().dropna()
        df = (-dual * MUSD).rename("value_usd").reset_index()
        df["offer"] = ""
        df["kind"] = "power"
        rows.append(df[["kind", "site", "offer", "month", "value_usd"]])
    if not rows:
        return pd.DataFrame(columns=["kind", "site", "offer", "month", "value_usd"])
    out = pd.concat(rows, ignore_index=True)
    out["value_usd"] = out["value_usd"].clip(lower=0.0) + 0.0
    del inp
    result: pd.DataFrame = out
    return result
