"""A readable summary of a scenario: providers, sites, capacity and MW per year, terms."""

from __future__ import annotations

from typing import Any

import numpy as np

from gigawatt.scenario.schema import (
    InferenceWorkload,
    MinSpendClause,
    RevenueShareClause,
    Scenario,
    TrainingWorkload,
)
from gigawatt.scenario.supply import supply_table

__all__ = ["summarize"]


def summarize(scenario: Scenario) -> dict[str, Any]:
    """Summary of a scenario as JSON-ready data.

    Capacity per year is taken at December (or the horizon's last month in a partial
    year): installable accelerators and facility MW (capped by site power) by provider.
    """
    tl = scenario.timeline
    supply = supply_table(scenario)
    supply["year"] = supply["month"].str[:4].astype(int)
    last_of_year = supply.groupby("year")["month"].transform("max")
    year_end = supply[supply["month"] == last_of_year]
    by_provider = (
        year_end.groupby(["year", "provider"])[["accelerators", "mw_capped"]].sum().reset_index()
    )
    capacity = [
        {
            "year": int(r["year"]),
            "provider": str(r["provider"]),
            "accelerators": float(r["accelerators"]),
            "mw": float(r["mw_capped"]),
        }
        for r in by_provider.to_dict("records")
    ]
    sites = []
    for name, site in scenario.sites.items():
        cap = site.power_mw.values(tl) if site.power_mw is not None else None
        sites.append(
            {
                "name": name,
                "provider": site.provider,
                "kind": scenario.providers[site.provider].kind,
                "max_power_mw": None if cap is None else float(np.max(cap)),
                "pue": site.pue,
                "offers": [
                    {"accelerator": o.accelerator, "pricing": o.pricing} for o in site.offers
                ],
            }
        )
    workloads: list[dict[str, Any]] = []
    for w in scenario.workloads:
        if isinstance(w, InferenceWorkload):
            demand = w.demand_flops.values(tl)
            revenue = (
                w.revenue_usd_per_month.values(tl)
                if w.revenue_usd_per_month is not None
                else np.zeros(tl.n_months)
            )
            workloads.append(
                {
                    "name": w.name,
                    "kind": w.kind,
                    "tags": w.tags,
                    "demand_flops_first": float(demand[0]),
                    "demand_flops_last": float(demand[-1]),
                    "revenue_usd_total": float(revenue.sum()),
                }
            )
        elif isinstance(w, TrainingWorkload):
            workloads.append(
                {
                    "name": w.name,
                    "kind": w.kind,
                    "tags": w.tags,
                    "flop": w.flop,
                    "window": [str(w.window[0]), str(w.window[1])],
                    "single_site": w.single_site,
                }
            )
    contracts = []
    for c in scenario.contracts:
        clauses = []
        for cl in c.clauses:
            item: dict[str, Any] = {"type": cl.type, "tags": cl.tags}
            if cl.from_ or cl.until:
                item["window"] = [str(cl.from_ or tl.start), str(cl.until or tl.end)]
            if isinstance(cl, RevenueShareClause):
                item["percent"] = cl.percent
            if isinstance(cl, MinSpendClause):
                item["usd"] = cl.usd
            clauses.append(item)
        contracts.append({"name": c.name, "counterparty": c.counterparty, "clauses": clauses})
    return {
        "name": scenario.name,
        "source": scenario.source,
        "horizon": {"start": str(tl.start), "end": str(tl.end), "months": tl.n_months},
        "discount_rate": scenario.discount_rate,
        "providers": {k: v.kind for k, v in scenario.providers.items()},
        "sites": sites,
        "capacity_by_year": capacity,
        "workloads": workloads,
        "contracts": contracts,
        "warnings": [str(p) for p in scenario.warnings],
    }
