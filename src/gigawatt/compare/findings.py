"""The largest differences between the scenarios, in words."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gigawatt.compare.words import MONEY_METRICS, money
from gigawatt.plan.clauses import ClauseCost
from gigawatt.plan.results import Plan

__all__ = ["clause_words", "differences_frame", "objective_words"]


def objective_words(labels: list[str], plans: dict[str, Plan]) -> list[str]:
    """Per scenario: its objective against the baseline's, in words."""
    base = plans[labels[0]]
    out = []
    for label in labels[1:]:
        p = plans[label]
        d = p.objective_usd - base.objective_usd
        out.append(
            f"{label} against {labels[0]}: objective {money(p.objective_usd)} vs "
            f"{money(base.objective_usd)} ({'+' if d >= 0 else ''}{money(d)}, present value), "
            f"of which spend {money(p.cost_usd)} vs {money(base.cost_usd)} and lost revenue "
            f"{money(p.summary['lost_revenue_usd'])} vs {money(base.summary['lost_revenue_usd'])}."
        )
    return out


def _candidates(labels: list[str], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    base = labels[0]
    rows: list[dict[str, Any]] = []
    by_year = tables["by_year"].set_index(["scenario", "year"])
    by_provider = tables["by_provider"].set_index(["scenario", "year", "provider"])
    for label in labels[1:]:
        for year in sorted(set(tables["by_year"]["year"])):
            if (label, year) not in by_year.index or (base, year) not in by_year.index:
                continue
            for metric, unit in [*((m, "USD") for m in MONEY_METRICS), ("shortfall_flop", "FLOP")]:
                rows.append(
                    {
                        "scenario": label,
                        "baseline": base,
                        "metric": metric,
                        "unit": unit,
                        "year": year,
                        "provider": "",
                        "value": float(by_year.loc[(label, year), metric]),
                        "baseline_value": float(by_year.loc[(base, year), metric]),
                    }
                )
        providers = sorted(set(tables["by_provider"]["provider"]))
        for year in sorted(set(tables["by_provider"]["year"])):
            for provider in providers:
                for metric, unit in (("spend_usd", "USD"), ("gw", "GW")):
                    values = [
                        float(by_provider.loc[key, metric]) if key in by_provider.index else 0.0
                        for key in ((label, year, provider), (base, year, provider))
                    ]
                    rows.append(
                        {
                            "scenario": label,
                            "baseline": base,
                            "metric": f"provider_{metric}",
                            "unit": unit,
                            "year": year,
                            "provider": provider,
                            "value": values[0],
                            "baseline_value": values[1],
                        }
                    )
    df = pd.DataFrame(rows)
    if not len(df):
        return df
    return df.assign(delta=df["value"] - df["baseline_value"])


def _describe(r: pd.Series) -> str:
    where = f" at {r['provider']}" if r["provider"] else ""
    metric = str(r["metric"]).removeprefix("provider_")
    if r["unit"] == "USD":
        name = MONEY_METRICS.get(metric, metric)
        sign = "+" if r["delta"] >= 0 else ""
        return (
            f"{name.capitalize()}{where} in {r['year']}: {r['scenario']} {money(r['value'])} vs "
            f"{r['baseline']} {money(r['baseline_value'])} ({sign}{money(r['delta'])})."
        )
    if r["unit"] == "GW":
        return (
            f"Peak GW installed{where} in {r['year']}: {r['scenario']} {r['value']:.2f} GW vs "
            f"{r['baseline']} {r['baseline_value']:.2f} GW ({r['delta']:+.2f} GW)."
        )
    return (
        f"Shortfall in {r['year']}: {r['scenario']} {r['value']:.3g} FLOP vs "
        f"{r['baseline']} {r['baseline_value']:.3g} FLOP short."
    )


def differences_frame(
    labels: list[str], plans: dict[str, Plan], tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """The largest differences: 5 in money, 2 in GW, 1 in shortfall, per scenario."""
    columns = [
        "scenario",
        "baseline",
        "metric",
        "unit",
        "year",
        "provider",
        "value",
        "baseline_value",
        "delta",
        "text",
    ]
    df = _candidates(labels, tables)
    if not len(df):
        return pd.DataFrame(columns=columns)
    df = df[df["delta"].abs() > 0].assign(size=lambda d: d["delta"].abs())
    picked = []
    for _, grp in df.groupby("scenario", sort=False):
        # one year per (metric, provider): the year where the difference is largest
        top = grp.sort_values("size", ascending=False).drop_duplicates(["metric", "provider"])
        for unit, n in (("USD", 5), ("GW", 2), ("FLOP", 1)):
            picked.append(top[top["unit"] == unit].head(n))
    if not picked:
        return pd.DataFrame(columns=columns)
    out = pd.concat(picked, ignore_index=True)
    out["text"] = [_describe(r) for _, r in out.iterrows()]
    return out[columns].reset_index(drop=True)


def clause_words(costs: list[tuple[str, ClauseCost]]) -> list[str]:
    """Per scenario: its costliest clause, in words."""
    out = []
    for label in dict.fromkeys(label for label, _ in costs):
        mine = sorted((c for lb, c in costs if lb == label), key=lambda c: -c.cost_usd)
        if mine:
            c = mine[0]
            out.append(
                f"Costliest clause of {label}: {c.contract}[{c.clause_index}] {c.type} "
                f"({c.counterparty}), {money(c.cost_usd)} present value."
            )
    return out
