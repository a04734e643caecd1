"""Every reported figure recomputed from a plan folder's Parquet tables, independently.

This is the cross-check suite's oracle: plain pandas over the saved tables, written
apart from ``gigawatt.plan.figures`` (no import of it, and another route: month by
month dictionaries rather than grouped aggregations), following docs/glossary.md:

* stocks (accelerators, MW, FLOP/s) are summed over offers within a month; a year's GW
  and FLOP/s are its largest month, accelerators in use its monthly mean;
* flows (USD, MWh, tCO2, FLOP) are summed over the months of a year;
* cash at year end is December's (the year's last month); the lowest cash is the
  year's lowest month end; the funding gap is minus the lowest cash up to the year's
  end, when negative.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

H100 = 9.89e14  # dense BF16 FLOP/s of one H100 (glossary: H100-equivalent)


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet table of a plan folder, by name."""
    return {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet")}


def seconds_of(month: str) -> float:
    year, m = (int(x) for x in month.split("-"))
    return calendar.monthrange(year, m)[1] * 86400.0


@dataclass
class Oracle:
    """Figures of one plan folder: per year, per (year, provider), per site, totals."""

    years: list[str]
    providers: list[str]
    year: dict[str, dict[str, float]] = field(default_factory=dict)
    provider: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    site: dict[str, dict[str, float]] = field(default_factory=dict)
    monthly_used: dict[tuple[str, str], float] = field(default_factory=dict)
    monthly_mw: dict[tuple[str, str], float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def compute(folder: Path, *, cash: bool) -> Oracle:
    """The oracle of a plan folder (``cash``: the scenario tracks cash)."""
    t = read(folder)
    cap, spend, power = t["capacity"], t["spend"], t["power"]
    short, fin = t.get("shortfall", pd.DataFrame()), t["finance"]
    months = sorted(set(fin["month"]))
    years = sorted({m[:4] for m in months})
    providers = sorted(set(cap["provider"]))
    o = Oracle(years, providers)

    used: dict[tuple[str, str], float] = defaultdict(float)  # (month, provider)
    mw: dict[tuple[str, str], float] = defaultdict(float)
    flops: dict[tuple[str, str], float] = defaultdict(float)
    for r in cap.itertuples():
        used[(r.month, r.provider)] += r.used
        mw[(r.month, r.provider)] += r.installed_mw
        flops[(r.month, r.provider)] += r.installed * r.peak_flops
    o.monthly_used, o.monthly_mw = dict(used), dict(mw)
    usd: dict[tuple[str, str], float] = defaultdict(float)  # (year, provider)
    for r in spend.itertuples():
        usd[(r.month[:4], r.provider)] += r.usd
    mwh: dict[tuple[str, str], float] = defaultdict(float)
    co2: dict[tuple[str, str], float] = defaultdict(float)
    for r in power.itertuples():
        mwh[(r.month[:4], r.provider)] += r.energy_mwh
        co2[(r.month[:4], r.provider)] += r.emissions_tco2

    for y in years:
        ms = [m for m in months if m[:4] == y]
        year_mw = sum(mw[(m, p)] for m in ms for p in providers)
        for p in providers:
            o.provider[(y, p)] = {
                "accelerators": sum(used[(m, p)] for m in ms) / len(ms),
                "gw": max(mw[(m, p)] for m in ms) / 1e3,
                "flops": max(flops[(m, p)] for m in ms),
                "h100_equivalents": max(flops[(m, p)] for m in ms) / H100,
                "spend_usd": usd[(y, p)],
                "energy_twh": mwh[(y, p)] / 1e6,
                "emissions_mtco2": co2[(y, p)] / 1e6,
                "supply_share": sum(mw[(m, p)] for m in ms) / year_mw if year_mw else 0.0,
            }
        total_flops = max(sum(flops[(m, p)] for p in providers) for m in ms)
        o.year[y] = {
            "accelerators": sum(used[(m, p)] for m in ms for p in providers) / len(ms),
            "gw": max(sum(mw[(m, p)] for p in providers) for m in ms) / 1e3,
            "flops": total_flops,
            "h100_equivalents": total_flops / H100,
            "energy_twh": sum(mwh[(y, p)] for p in providers) / 1e6,
            "emissions_mtco2": sum(co2[(y, p)] for p in providers) / 1e6,
            "spend_usd": float(spend.loc[spend["month"].str[:4] == y, "usd"].sum()),
        }
        fy = fin[fin["month"].str[:4] == y].sort_values("month")
        for col in ("revenue_usd", "revenue_share_usd", "min_spend_shortfall_usd"):
            o.year[y][col] = float(fy[col].sum())
        demand = lost = short_flop = inference = training = 0.0
        for r in short.itertuples() if len(short) else ():
            if r.month[:4] != y:
                continue
            lost += r.lost_revenue_usd
            short_flop += r.unserved_flop
            if r.kind == "inference":
                demand += r.demand * seconds_of(r.month)
                inference += r.unserved_flop
            else:
                demand += r.demand
                training += r.unserved_flop
        o.year[y] |= {
            "lost_revenue_usd": lost,
            "demand_flop": demand,
            "shortfall_flop": short_flop,
            "inference_shortfall_flop": inference,
            "training_shortfall_flop": training,
            "served_share": 1.0 - short_flop / demand if demand > 0 else 1.0,
        }
        if cash:
            upto = fin[fin["month"] <= ms[-1]]
            low = float(upto["cash_usd"].min())
            o.year[y] |= {
                "cash_usd": float(fy["cash_usd"].iloc[-1]),
                "min_cash_usd": float(fy["cash_usd"].min()),
                "funding_gap_usd": max(0.0, -low),
                # cash out less cash in before funding, from the flows themselves
                "cash_burn_usd": float(
                    (
                        fy["compute_paid_usd"]
                        + fy["min_spend_shortfall_usd"]
                        + fy["revenue_share_usd"]
                        + fy["other_opex_usd"]
                        - fy["revenue_usd"]
                    ).sum()
                ),
            }
    for s in sorted(set(power["site"])):
        rows = power[power["site"] == s]
        o.site[s] = {
            "cap_mw": float(rows["cap_mw"].max()),
            "installed_mw": float(rows["installed_mw"].max()),
            "energy_twh": float(rows["energy_mwh"].sum()) / 1e6,
            "emissions_mtco2": float(rows["emissions_tco2"].sum()) / 1e6,
        }
    o.summary = {
        "cost_usd": float(spend["usd_discounted"].sum()),
        "spend_usd_nominal": float(spend["usd"].sum()),
        "lost_revenue_usd": float(short["lost_revenue_usd"].sum()) if len(short) else 0.0,
        "penalty_usd": float(short["penalty_usd"].sum()) if len(short) else 0.0,
        "shortfall_flop": (
            {w: float(g["unserved_flop"].sum()) for w, g in short.groupby("workload")}
            if len(short)
            else {}
        ),
    }
    if cash:
        o.summary["min_cash_usd"] = float(fin["cash_usd"].min())
        negative = fin[fin["cash_usd"] < 0].sort_values("month")
        o.summary["first_month_cash_negative"] = (
            str(negative["month"].iloc[0]) if len(negative) else None
        )
        lowest = fin.sort_values(["cash_usd", "month"]).iloc[0]
        o.summary["min_cash_month"] = str(lowest["month"])
    return o


def outside(folder: Path, counterparty: str) -> dict[str, dict[str, float]]:
    """Per year: spend, peak GW and mean accelerators in use outside one provider."""
    o = compute(folder, cash=False)
    t = read(folder)
    months = sorted(set(t["finance"]["month"]))
    out = {}
    for y in o.years:
        ms = [m for m in months if m[:4] == y]
        others = [p for p in o.providers if p != counterparty]
        total = sum(o.provider[(y, p)]["spend_usd"] for p in o.providers)
        spend_out = sum(o.provider[(y, p)]["spend_usd"] for p in others)
        mw_all = [sum(o.monthly_mw[(m, p)] for p in o.providers) for m in ms]
        mw_out = [sum(o.monthly_mw[(m, p)] for p in others) for m in ms]
        out[y] = {
            "spend_usd": total,
            "spend_outside_usd": spend_out,
            "spend_outside_share": spend_out / total if total > 0 else float("nan"),
            "gw": max(mw_all) / 1e3,
            "gw_outside": max(mw_out) / 1e3,
            "gw_outside_share": sum(mw_out) / sum(mw_all) if sum(mw_all) > 0 else float("nan"),
            "accelerators": sum(o.monthly_used[(m, p)] for m in ms for p in o.providers) / len(ms),
            "accelerators_outside": sum(o.monthly_used[(m, p)] for m in ms for p in others)
            / len(ms),
        }
    return out
