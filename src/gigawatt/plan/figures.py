"""Every reported figure of a plan, computed once from the plan's tables.

The CLI (``gigawatt plan``, ``gigawatt compare``), the HTML report and its PNGs, the
comparison, the sweep and the dashboard read their numbers from here; nothing else
aggregates a plan's tables. ``docs/glossary.md`` defines each figure: its unit and how it
aggregates over offers (always a sum within a month), months and years:

* a *stock* (accelerators, MW, FLOP/s) is summed over offers within a month; a year's
  value is the month of the year with the largest total (``gw``, ``flops``,
  ``h100_equivalents``) or the mean over the year's months (``accelerators``: in use);
* a *flow* (USD, MWh, tCO2, FLOP) is summed over the months of the year;
* cash is money in the bank, the finance table's ``cash_usd`` (the cash basis: compute
  as paid, :mod:`gigawatt.plan.cashbasis`), a balance at month end: the year's last
  month (``cash_usd``) or its lowest month (``min_cash_usd``); ``funding_gap_usd`` is
  the money that, raised at the start, would have kept cash at or above zero up to the
  year's end; ``cash_burn_usd`` (:func:`cash_burn_by_year`) is the year's cash out less
  cash in before funding and financing (compute as paid, take-or-pay shortfalls, revenue
  share and other opex, less revenue earned), negative when cash-flow positive;
* the accrual view is profit and loss, never cash: :func:`accrual_loss_by_year` is the
  year's loss before funding with compute as charged (build capex straight-line over
  its lifetime).

The functions take the plan's tables by name (``capacity``, ``spend``, ``power``,
``shortfall``, ``finance``), as :class:`~gigawatt.plan.results.Plan` holds them and as
a result folder stores them, so a plan read back from Parquet gives the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.scenario.power import H100_PEAK_FLOPS

__all__ = [
    "H100_PEAK_FLOPS",
    "HOURS_PER_YEAR",
    "PROVIDER_COLUMNS",
    "RUN_COLUMNS",
    "YEAR_COLUMNS",
    "PlanFigures",
    "accrual_loss_by_year",
    "by_provider",
    "by_site",
    "by_year",
    "cash_burn_by_year",
    "installed_in_month",
    "month_seconds",
    "monthly_by_provider",
    "outside",
    "plan_figures",
    "provider_totals",
    "spend_by_kind",
    "suppliers",
    "totals",
    "training_runs",
]

#: Hours of an average year (365.25 days), to annualise a month's power.
HOURS_PER_YEAR = 8766.0

Tables = Mapping[str, pd.DataFrame]

#: Columns of :func:`by_provider`, in order.
PROVIDER_COLUMNS = (
    "year",
    "provider",
    "accelerators",
    "gw",
    "flops",
    "h100_equivalents",
    "spend_usd",
    "energy_twh",
    "emissions_mtco2",
    "supply_share",
)
#: Columns of :func:`by_year`, in order.
YEAR_COLUMNS = (
    "year",
    "accelerators",
    "gw",
    "flops",
    "h100_equivalents",
    "energy_twh",
    "emissions_mtco2",
    "spend_usd",
    "revenue_usd",
    "revenue_share_usd",
    "min_spend_shortfall_usd",
    "lost_revenue_usd",
    "demand_flop",
    "shortfall_flop",
    "inference_shortfall_flop",
    "training_shortfall_flop",
    "served_share",
    "cash_usd",
    "min_cash_usd",
    "funding_gap_usd",
    "cash_burn_usd",
)
_CASH = ("cash_usd", "min_cash_usd", "funding_gap_usd", "cash_burn_usd")


def _table(tables: Tables, name: str) -> pd.DataFrame:
    table = tables.get(name)
    return pd.DataFrame() if table is None else table


def _with_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(year=frame["month"].astype(str).str[:4])


def cash_burn_by_year(finance: pd.DataFrame) -> pd.Series:
    """Cash out less cash in before funding and financing, USD per year (cash basis).

    Compute as paid, take-or-pay shortfalls, revenue share and other opex, less revenue
    earned, from the finance table (:mod:`gigawatt.plan.results`); indexed by year.
    """
    f = _with_year(finance)
    out = (
        f["compute_paid_usd"]
        + f["min_spend_shortfall_usd"]
        + f["revenue_share_usd"]
        + f["other_opex_usd"]
        - f["revenue_usd"]
    )
    return out.groupby(f["year"]).sum()


def accrual_loss_by_year(finance: pd.DataFrame) -> pd.Series:
    """The accrual view's loss before funding, USD per year: ``-profit_usd`` summed.

    Compute as charged (build capex straight-line over its lifetime, as a lease at 0%
    would charge it): the profit and loss view, not cash. Indexed by year.
    """
    f = _with_year(finance)
    return (-f["profit_usd"]).groupby(f["year"]).sum()


def month_seconds(months: pd.Series) -> pd.Series:
    """Calendar seconds of each ``YYYY-MM`` month (January 2,678,400)."""
    days = pd.PeriodIndex(months.astype(str), freq="M").days_in_month
    return pd.Series(np.asarray(days, dtype=float) * 86400.0, index=months.index)


def years(tables: Tables) -> list[str]:
    """The calendar years of the plan's horizon, as ``YYYY`` strings."""
    for name in ("finance", "capacity", "power"):
        table = _table(tables, name)
        if len(table):
            return sorted(set(table["month"].astype(str).str[:4]))
    return []


def _capacity(tables: Tables) -> pd.DataFrame:
    """The capacity table with year, installed FLOP/s (NaN without peak_flops)."""
    cap = _with_year(_table(tables, "capacity"))
    peak = cap.get("peak_flops", np.nan)
    return cap.assign(installed_flops=cap["installed"] * peak)


def monthly_by_provider(tables: Tables, column: str) -> pd.DataFrame:
    """A capacity column summed over offers, by month (rows) and provider (columns)."""
    cap = _table(tables, "capacity")
    if cap.empty:
        return pd.DataFrame()
    table = cap.pivot_table(
        index="month", columns="provider", values=column, aggfunc="sum", fill_value=0.0
    )
    return table.sort_index()


def by_provider(tables: Tables) -> pd.DataFrame:
    """Per year and provider (see :data:`PROVIDER_COLUMNS` and docs/glossary.md).

    * ``accelerators``: in use, summed over offers each month, mean over the year's months;
    * ``gw``: installed facility GW, summed over offers each month, the year's largest month;
    * ``flops``: peak FLOP/s installed, the same way; ``h100_equivalents`` = flops / H100 peak;
    * ``spend_usd``: nominal spend over the year (take-or-pay shortfalls included);
    * ``energy_twh``, ``emissions_mtco2``: over the year (accelerators in use);
    * ``supply_share``: the provider's share of the year's installed MW-months.
    """
    cap = _capacity(tables)
    if cap.empty:
        return pd.DataFrame(columns=list(PROVIDER_COLUMNS))
    monthly = cap.groupby(["year", "provider", "month"])[
        ["used", "installed_mw", "installed_flops"]
    ].sum(min_count=1)
    grouped = monthly.groupby(level=["year", "provider"])
    out = pd.DataFrame(
        {
            "accelerators": grouped["used"].mean(),
            "gw": grouped["installed_mw"].max() / 1e3,
            "flops": grouped["installed_flops"].max(),
            "mw_months": grouped["installed_mw"].sum(),
        }
    )
    spend = _table(tables, "spend")
    if len(spend):
        out["spend_usd"] = _with_year(spend).groupby(["year", "provider"])["usd"].sum()
    power = _table(tables, "power")
    if len(power):
        per = _with_year(power).groupby(["year", "provider"])
        out["energy_twh"] = per["energy_mwh"].sum() / 1e6
        out["emissions_mtco2"] = per["emissions_tco2"].sum() / 1e6
    for col in ("spend_usd", "energy_twh", "emissions_mtco2"):
        out[col] = out[col].fillna(0.0) if col in out else 0.0
    out["accelerators"] = out["accelerators"].fillna(0.0)
    out["gw"] = out["gw"].fillna(0.0)
    out["mw_months"] = out["mw_months"].fillna(0.0)
    year_mw = out.groupby(level="year")["mw_months"].transform("sum")
    out["supply_share"] = np.where(year_mw > 0, out["mw_months"] / year_mw.where(year_mw > 0), 0.0)
    out["h100_equivalents"] = out["flops"] / H100_PEAK_FLOPS
    out = out.reset_index().sort_values(["year", "provider"], ignore_index=True)
    return out[list(PROVIDER_COLUMNS)]


def _demand(tables: Tables) -> pd.DataFrame:
    """The shortfall table with year and demand in FLOP (inference: FLOP/s x seconds)."""
    short = _table(tables, "shortfall")
    if short.empty:
        return pd.DataFrame(
            columns=["year", "kind", "demand_flop", "unserved_flop", "lost_revenue_usd"]
        )
    short = _with_year(short)
    seconds = month_seconds(short["month"])
    inference = short["kind"] == "inference"
    demand_flop = np.where(inference, short["demand"] * seconds, short["demand"])
    return short.assign(demand_flop=demand_flop)


def by_year(tables: Tables, *, cash: bool = True) -> pd.DataFrame:
    """Per year, every provider together (see :data:`YEAR_COLUMNS` and docs/glossary.md).

    Capacity figures aggregate as in :func:`by_provider`, over all providers at once
    (the year's largest month of the total, not a sum of the providers' largest months).
    ``shortfall_flop`` is unserved inference FLOP in the year plus the training FLOP
    missing from runs whose window ends in it; ``served_share`` is 1 minus it over the
    demand counted the same way (``demand_flop``). Money is nominal except
    ``lost_revenue_usd`` (present value). Without cash tracking (``cash=False``) the
    cash columns are NaN.
    """
    names = years(tables)
    out = pd.DataFrame(index=pd.Index(names, name="year"))
    cap = _capacity(tables)
    if len(cap):
        monthly = cap.groupby(["year", "month"])[["used", "installed_mw", "installed_flops"]].sum(
            min_count=1
        )
        grouped = monthly.groupby(level="year")
        out["accelerators"] = grouped["used"].mean()
        out["gw"] = grouped["installed_mw"].max() / 1e3
        out["flops"] = grouped["installed_flops"].max()
    power = _table(tables, "power")
    if len(power):
        per = _with_year(power).groupby("year")
        out["energy_twh"] = per["energy_mwh"].sum() / 1e6
        out["emissions_mtco2"] = per["emissions_tco2"].sum() / 1e6
    spend = _table(tables, "spend")
    if len(spend):
        out["spend_usd"] = _with_year(spend).groupby("year")["usd"].sum()
    fin = _table(tables, "finance")
    if len(fin):
        per_fin = _with_year(fin).groupby("year")
        out["revenue_usd"] = per_fin["revenue_usd"].sum()
        out["revenue_share_usd"] = per_fin["revenue_share_usd"].sum()
        out["min_spend_shortfall_usd"] = per_fin["min_spend_shortfall_usd"].sum()
    short = _demand(tables)
    if len(short):
        per_short = short.groupby("year")
        out["lost_revenue_usd"] = per_short["lost_revenue_usd"].sum()
        out["demand_flop"] = per_short["demand_flop"].sum()
        out["shortfall_flop"] = per_short["unserved_flop"].sum()
        for kind in ("inference", "training"):
            mine = short[short["kind"] == kind]
            out[f"{kind}_shortfall_flop"] = mine.groupby("year")["unserved_flop"].sum()
    derived = ("flops", "h100_equivalents", "served_share", *_CASH)
    for col in (c for c in YEAR_COLUMNS[1:] if c not in derived):
        out[col] = out[col].fillna(0.0) if col in out else 0.0
    if "flops" not in out:
        out["flops"] = np.nan
    demand = out["demand_flop"]
    out["served_share"] = np.where(
        demand > 0, 1.0 - out["shortfall_flop"] / demand.where(demand > 0), 1.0
    )
    out["h100_equivalents"] = out["flops"] / H100_PEAK_FLOPS
    if cash and len(fin):
        f = _with_year(fin)
        per_cash = f.groupby("year")["cash_usd"]
        out["cash_usd"] = per_cash.last()
        out["min_cash_usd"] = per_cash.min()
        running_low = f["cash_usd"].cummin().groupby(f["year"]).last()
        out["funding_gap_usd"] = (-running_low).clip(lower=0.0)
        out["cash_burn_usd"] = cash_burn_by_year(fin)
    else:
        for col in _CASH:
            out[col] = np.nan
    return out.reset_index()[list(YEAR_COLUMNS)]


def installed_in_month(tables: Tables, month: str) -> dict[str, float]:
    """What is installed in one month, every offer together.

    Keys: ``gw`` (facility GW: IT watts x PUE), ``accelerators`` (installed, used or
    not), ``twh_per_year`` (that power running all year: gw x 8,766 h / 1,000).
    """
    cap = _table(tables, "capacity")
    rows = cap[cap["month"].astype(str) == month] if len(cap) else cap
    gw = float(rows["installed_mw"].sum()) / 1e3 if len(rows) else 0.0
    return {
        "gw": gw,
        "accelerators": float(rows["installed"].sum()) if len(rows) else 0.0,
        "twh_per_year": gw * HOURS_PER_YEAR / 1e3,
    }


def suppliers(tables: Tables, year: str) -> list[str]:
    """Providers with accelerators in use (more than half of one) in some month of a year."""
    cap = _table(tables, "capacity")
    if cap.empty:
        return []
    rows = cap[cap["month"].astype(str).str.startswith(year) & (cap["used"] > 0.5)]
    return sorted(set(rows["provider"]))


#: Columns of :func:`training_runs`, in order.
RUN_COLUMNS = (
    "workload",
    "end_month",
    "flop",
    "delivered_flop",
    "months_used",
    "peak_month",
    "peak_gw",
    "peak_accelerators",
    "peak_flops_per_watt",
    "accelerator",
    "mean_gw",
)


def training_runs(tables: Tables) -> pd.DataFrame:
    """Per training run: its FLOP and the facility power the plan gives it.

    The power of a run in a month is the facility power (IT watts x PUE) of the
    accelerators allocated to it that month (:mod:`gigawatt.scenario.power`, the same
    convention as ``gigawatt trends``). Columns (:data:`RUN_COLUMNS`): workload,
    end_month (last month of its window), flop (its demand), delivered_flop, months_used
    (months with any allocation), peak_month, peak_gw and peak_accelerators (the month
    with the most power), peak_flops_per_watt (FLOP/s delivered per facility watt in that
    month), accelerator (types at the peak, most power first), mean_gw (over the months
    used). Largest run (by FLOP) first; runs given nothing have zero power.
    """
    short = _table(tables, "shortfall")
    if short.empty:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    runs = short[short["kind"] == "training"]
    alloc = _table(tables, "allocation")
    rows = []
    for r in runs.to_dict(orient="records"):
        mine = alloc[alloc["workload"] == r["workload"]] if len(alloc) else alloc
        if "flop" not in mine:  # a plan saved before the allocation carried its FLOP
            mine = mine.assign(flop=np.nan)
        row: dict[str, Any] = {
            "workload": r["workload"],
            "end_month": str(r["month"]),
            "flop": float(r["demand"]),
            "delivered_flop": float(r["demand"]) - float(r["unserved_flop"]),
            "months_used": 0,
            "peak_month": "",
            "peak_gw": 0.0,
            "peak_accelerators": 0.0,
            "peak_flops_per_watt": np.nan,
            "accelerator": "",
            "mean_gw": 0.0,
        }
        if len(mine):
            mine = mine.assign(month=mine["month"].astype(str))
            monthly = mine.groupby("month")[["power_mw", "accelerators", "flop"]].sum()
            i = int(np.argmax(monthly["power_mw"].to_numpy()))
            peak = str(monthly.index[i])
            power_mw, accelerators, flop = (float(v) for v in monthly.to_numpy()[i])
            seconds = float(month_seconds(pd.Series([peak])).iloc[0])
            types = mine[mine["month"] == peak].groupby("accelerator")["power_mw"].sum()
            row.update(
                months_used=len(monthly),
                peak_month=peak,
                peak_gw=power_mw / 1e3,
                peak_accelerators=accelerators,
                peak_flops_per_watt=flop / seconds / (power_mw * 1e6),
                accelerator=", ".join(types.sort_values(ascending=False).index.astype(str)),
                mean_gw=float(monthly["power_mw"].mean()) / 1e3,
            )
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    return out.sort_values("flop", ascending=False, kind="stable", ignore_index=True)


def by_site(tables: Tables) -> pd.DataFrame:
    """Per site over the horizon: its largest cap and installed month, energy and CO2.

    Columns: site, provider, cap_mw (largest), installed_mw (largest month),
    energy_twh and emissions_mtco2 (sums over the horizon).
    """
    power = _table(tables, "power")
    columns = ["site", "provider", "cap_mw", "installed_mw", "energy_twh", "emissions_mtco2"]
    if power.empty:
        return pd.DataFrame(columns=columns)
    grouped = power.groupby(["site", "provider"], sort=True)
    out = pd.DataFrame(
        {
            "cap_mw": grouped["cap_mw"].max(),
            "installed_mw": grouped["installed_mw"].max(),
            "energy_twh": grouped["energy_mwh"].sum() / 1e6,
            "emissions_mtco2": grouped["emissions_tco2"].sum() / 1e6,
        }
    )
    return out.reset_index()[columns]


def provider_totals(tables: Tables) -> pd.DataFrame:
    """Per provider over the horizon: spend, its share, installed MW-months.

    Columns: provider, spend_usd (nominal), spend_share (of all spend), mw_months
    (installed MW summed over the months); largest spend first.
    """
    columns = ["provider", "spend_usd", "spend_share", "mw_months"]
    cap = _table(tables, "capacity")
    spend = _table(tables, "spend")
    out = pd.DataFrame(index=pd.Index([], name="provider"))
    if len(cap):
        out = (
            cap.groupby("provider")[["installed_mw"]]
            .sum()
            .rename(columns={"installed_mw": "mw_months"})
        )
    usd = spend.groupby("provider")["usd"].sum() if len(spend) else pd.Series(dtype=float)
    out = out.reindex(out.index.union(usd.index))
    out["spend_usd"] = usd.reindex(out.index).fillna(0.0)
    out["mw_months"] = out["mw_months"].fillna(0.0)
    total = float(out["spend_usd"].sum())
    out["spend_share"] = out["spend_usd"] / total if total > 0 else 0.0
    out = out.rename_axis("provider").reset_index()
    out = out.sort_values(["spend_usd", "mw_months"], ascending=False, kind="stable")
    return out[columns].reset_index(drop=True)


def spend_by_kind(tables: Tables) -> pd.DataFrame:
    """Nominal spend per year, pricing (on_demand, reserved, build, min_spend) and kind."""
    spend = _table(tables, "spend")
    columns = ["year", "pricing", "kind", "usd"]
    if spend.empty:
        return pd.DataFrame(columns=columns)
    out = _with_year(spend).groupby(["year", "pricing", "kind"])["usd"].sum().reset_index()
    return out[columns]


def outside(tables: Tables, counterparty: str) -> pd.DataFrame:
    """Per year: spend, GW and accelerators in use outside one provider, and their shares.

    One row per year with spend_usd, spend_outside_usd, spend_outside_share, gw,
    gw_outside (each the year's largest month), gw_outside_share (of the year's
    installed MW-months), accelerators and accelerators_outside (mean in use).
    """
    cap = _capacity(tables)
    names = years(tables)
    cap = cap.assign(outside=cap["provider"] != counterparty)
    monthly = cap.groupby(["year", "month"])[["installed_mw", "used"]].sum()
    monthly_out = (
        cap[cap["outside"]]
        .groupby(["year", "month"])[["installed_mw", "used"]]
        .sum()
        .reindex(monthly.index, fill_value=0.0)
    )
    spend = _table(tables, "spend")
    spend = _with_year(spend) if len(spend) else pd.DataFrame(columns=["year", "provider", "usd"])
    usd = spend.groupby("year")["usd"].sum().reindex(names, fill_value=0.0)
    usd_out = (
        spend[spend["provider"] != counterparty]
        .groupby("year")["usd"]
        .sum()
        .reindex(names, fill_value=0.0)
    )
    per, per_out = monthly.groupby(level="year"), monthly_out.groupby(level="year")
    mw_sum = per["installed_mw"].sum().reindex(names)
    mw_out_sum = per_out["installed_mw"].sum().reindex(names)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "year": names,
                "counterparty": counterparty,
                "spend_usd": usd.to_numpy(),
                "spend_outside_usd": usd_out.to_numpy(),
                "spend_outside_share": np.where(usd > 0, usd_out / usd, np.nan),
                "gw": (per["installed_mw"].max() / 1e3).reindex(names).to_numpy(),
                "gw_outside": (per_out["installed_mw"].max() / 1e3).reindex(names).to_numpy(),
                "gw_outside_share": np.where(mw_sum > 0, mw_out_sum / mw_sum, np.nan),
                "accelerators": per["used"].mean().reindex(names).to_numpy(),
                "accelerators_outside": per_out["used"].mean().reindex(names).to_numpy(),
            }
        )


def totals(tables: Tables, summary: Mapping[str, Any]) -> dict[str, float | str | None]:
    """Horizon totals: nominal spend, energy, emissions, served share, lowest cash, gap."""
    year = by_year(tables, cash="min_cash_usd" in summary)
    demand = float(year["demand_flop"].sum())
    short = float(year["shortfall_flop"].sum())
    fin = _table(tables, "finance")
    cash = "min_cash_usd" in summary and len(fin) > 0
    low = fin.iloc[int(np.argmin(fin["cash_usd"].to_numpy()))] if cash else None
    return {
        "spend_usd": float(year["spend_usd"].sum()),
        "energy_twh": float(year["energy_twh"].sum()),
        "emissions_mtco2": float(year["emissions_mtco2"].sum()),
        "served_share": 1.0 - short / demand if demand > 0 else 1.0,
        "min_cash_usd": float(low["cash_usd"]) if low is not None else None,
        "min_cash_month": str(low["month"]) if low is not None else None,
        "funding_gap_usd": max(0.0, -float(low["cash_usd"])) if low is not None else None,
    }


@dataclass(frozen=True)
class PlanFigures:
    """Every figure a plan reports: per year, per provider and year, per site, totals."""

    by_year: pd.DataFrame
    by_provider: pd.DataFrame
    by_site: pd.DataFrame
    totals: dict[str, float | str | None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (tables as lists of rows)."""
        return {
            "by_year": self.by_year.to_dict(orient="records"),
            "by_provider": self.by_provider.to_dict(orient="records"),
            "by_site": self.by_site.to_dict(orient="records"),
            "totals": dict(self.totals),
        }


def plan_figures(tables: Tables, summary: Mapping[str, Any]) -> PlanFigures:
    """All the figures of a plan from its tables and summary (cash only with finance)."""
    return PlanFigures(
        by_year=by_year(tables, cash="min_cash_usd" in summary),
        by_provider=by_provider(tables),
        by_site=by_site(tables),
        totals=totals(tables, summary),
    )
