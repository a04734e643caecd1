"""Compare plans of several scenarios side by side, year by year, and say what differs.

:func:`compare` plans every scenario (and, unless told not to, re-solves each without
each of its clauses, as :mod:`gigawatt.plan.clauses` does) in one pool of worker
processes, then gathers long tables keyed by ``scenario`` (the scenario's name, made
unique) and ``year``:

* ``by_provider``: scenario, year, provider, accelerators (mean in use), gw (peak
  installed), spend_usd (nominal, take-or-pay shortfalls included);
* ``by_year``: scenario, year, spend_usd, revenue_usd, revenue_share_usd,
  min_spend_shortfall_usd (nominal), lost_revenue_usd (present value), shortfall_flop,
  cash_usd (at year end, nominal; null for a scenario without a ``finance`` section);
* ``outside``: scenario, year, counterparty, spend_usd, spend_outside_usd,
  spend_outside_share, gw (peak installed), gw_outside (peak installed outside the
  counterparty), gw_outside_share (share of the year's installed MW-months outside),
  accelerators, accelerators_outside (mean in use);
* ``clauses``: scenario, contract, clause_index, type, counterparty, cost_usd,
  objective_with_usd, objective_without_usd, status (empty without clause costs);
* ``rofr``: comparison (``across`` two scenarios, or ``alone``: one scenario re-solved
  without its right of first refusal), with_scenario, without_scenario, counterparty,
  year, and for each side spend_outside_usd, spend_outside_share, gw_outside,
  gw_outside_share (suffixes ``_with`` and ``_without``);
* ``differences``: the largest differences against the first scenario: scenario,
  baseline, metric, unit, year, provider, value, baseline_value, delta, text.

The counterparty is the one of the first scenario's first contract (``azure`` in the
built-in scenarios). :meth:`Comparison.to_dict` is the JSON form (``--json``) and
:meth:`Comparison.save` writes the tables as Parquet plus ``comparison.json`` and each
scenario's plan under ``plans/<scenario>/``.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.errors import GigawattError
from gigawatt.plan.clauses import ClauseCost
from gigawatt.plan.planner import plan
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario

__all__ = [
    "COMPARISON_TABLES",
    "ROFR",
    "Comparison",
    "compare",
    "money",
    "outside_frame",
    "percent",
    "solve_variant",
]

COMPARISON_TABLES = ("by_provider", "by_year", "outside", "clauses", "rofr", "differences")
ROFR = "right_of_first_refusal"
_MONEY_METRICS = {
    "spend_usd": "spend",
    "cash_usd": "cash at year end",
    "lost_revenue_usd": "lost revenue (present value)",
    "revenue_share_usd": "revenue share paid",
    "min_spend_shortfall_usd": "minimum-spend shortfall paid",
}


def money(usd: float) -> str:
    """USD as billions with one decimal: ``$21.3B``, ``-$4.0B``."""
    sign = "-" if usd < -0.05e9 else ""
    return f"{sign}${abs(usd) / 1e9:,.1f}B"


def percent(share: float) -> str:
    """A share as a whole percentage (``27%``), ``n/a`` when undefined."""
    return f"{share:.0%}" if np.isfinite(share) else "n/a"


@dataclass
class Comparison:
    """Plans of several scenarios and the tables that put them side by side.

    Attributes:
        scenarios: The scenario labels, in the order given (the first is the baseline).
        plans: The plan of each scenario, by label.
        counterparty: The provider "outside" is measured against (None without contracts).
        tables: The long tables listed in the module docstring.
        summaries: Per scenario: objective, cost, lost revenue, status and solve figures.
        findings: The differences called out in words, most important first.
        options: How the comparison was computed (clause costs, MIP gap, processes).
        seconds: Wall-clock time of the whole comparison.
    """

    scenarios: list[str]
    plans: dict[str, Plan]
    counterparty: str | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def years(self) -> list[str]:
        """Every year any of the plans covers."""
        return sorted(set(self.tables["by_year"]["year"]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: summaries, findings and every table as a list of rows."""
        return {
            "scenarios": self.summaries,
            "baseline": self.scenarios[0],
            "counterparty": self.counterparty,
            "years": self.years,
            "findings": self.findings,
            "options": self.options,
            "seconds": self.seconds,
            **{name: _records(self.tables[name]) for name in COMPARISON_TABLES},
        }

    def save(self, directory: str | Path) -> Path:
        """Write each table as Parquet, ``comparison.json`` and ``plans/<scenario>/``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name in COMPARISON_TABLES:
            self.tables[name].to_parquet(out / f"{name}.parquet", index=False)
        (out / "comparison.json").write_text(json.dumps(_clean(self.to_dict()), indent=2))
        for label, result in self.plans.items():
            result.save(out / "plans" / re.sub(r"[^\w.#-]", "_", label))
        return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in df.to_dict(orient="records")]


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


# ---------------------------------------------------------------- solving


@dataclass(frozen=True)
class _Job:
    scenario: int
    drop: tuple[int, int] | None  # (contract, clause) removed, None for the plan itself


def solve_variant(
    raw: dict[str, Any], source: str, drop: tuple[int, int] | None, options: SolveOptions
) -> Plan:
    """Plan a scenario's data, without one clause when ``drop`` is (contract, clause)."""
    data = raw
    if drop is not None:
        data = copy.deepcopy(raw)
        del data["contracts"][drop[0]]["clauses"][drop[1]]
        source = f"{source} (without clause)"
    return plan(scenario_from_data(data, source), options)


def _run(
    scenarios: Sequence[Scenario],
    jobs: list[_Job],
    options: SolveOptions,
    processes: int,
    progress: Callable[[int, int], None] | None,
) -> dict[_Job, Plan]:
    results: dict[_Job, Plan] = {}
    if processes <= 1 or len(jobs) <= 1 or any(not s.raw for s in scenarios):
        for n, job in enumerate(jobs, start=1):
            s = scenarios[job.scenario]
            results[job] = (
                plan(s, options)
                if job.drop is None
                else solve_variant(s.raw, s.source, job.drop, options)
            )
            if progress:
                progress(n, len(jobs))
        return results
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(processes, len(jobs)), mp_context=ctx) as pool:
        futures = {
            pool.submit(
                solve_variant,
                scenarios[job.scenario].raw,
                scenarios[job.scenario].source,
                job.drop,
                options,
            ): job
            for job in jobs
        }
        for n, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(n, len(jobs))
    return results


def _rofr_left(s: Scenario, drop: tuple[int, int] | None) -> int:
    return sum(
        1
        for ci, c in enumerate(s.contracts)
        for ki, k in enumerate(c.clauses)
        if k.type == ROFR and drop != (ci, ki)
    )


def _labels(scenarios: Sequence[Scenario]) -> list[str]:
    labels: list[str] = []
    for s in scenarios:
        label, n = s.name, 2
        while label in labels:
            label, n = f"{s.name}#{n}", n + 1
        labels.append(label)
    return labels


def compare(
    scenarios: Sequence[Scenario],
    options: SolveOptions | None = None,
    *,
    clauses: bool = True,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Plan each scenario and put the plans side by side.

    Args:
        scenarios: Two or more scenarios; the first is the baseline of the differences.
        options: Solver options for every solve (duals are never computed).
        clauses: Also cost every clause (one re-solve per clause) and measure the effect
            of each right of first refusal alone.
        processes: Worker processes (default: the number of CPUs); 1 solves in-process.
        progress: Called with (done, total) after each solve.

    Raises:
        GigawattError: fewer than two scenarios, or a scenario without source data.
    """
    if len(scenarios) < 2:
        raise GigawattError("compare needs at least two scenarios (files or built-in names)")
    if clauses and any(not s.raw for s in scenarios):
        raise GigawattError("a scenario has no source data; load it with load_scenario")
    started = time.perf_counter()
    options = replace(options or SolveOptions(), duals=False, export_mps=None)
    jobs = [_Job(i, None) for i in range(len(scenarios))]
    if clauses:
        jobs += [
            _Job(i, (ci, ki))
            for i, s in enumerate(scenarios)
            for ci, c in enumerate(s.contracts)
            for ki in range(len(c.clauses))
        ]
    # Longest first: solves that keep a right of first refusal carry its binaries.
    jobs.sort(key=lambda j: (-_rofr_left(scenarios[j.scenario], j.drop), j.drop is not None))
    workers = processes or multiprocessing.cpu_count()
    results = _run(scenarios, jobs, options, workers, progress)

    labels = _labels(scenarios)
    plans = {labels[i]: results[_Job(i, None)] for i in range(len(scenarios))}
    counterparty = next((c.counterparty for s in scenarios for c in s.contracts), None)
    costs = _clause_costs(scenarios, labels, results) if clauses else []
    rofr_rows, rofr_words = _rofr(scenarios, labels, plans, results if clauses else {})
    tables = {
        "by_provider": _by_provider(plans),
        "by_year": _by_year(plans),
        "outside": _outside(plans, counterparty),
        "clauses": _clause_frame(costs),
        "rofr": rofr_rows,
    }
    tables["differences"] = _differences(labels, plans, tables)
    findings = [
        *rofr_words,
        *_objective_words(labels, plans),
        *tables["differences"]["text"],
        *_clause_words(costs),
    ]
    return Comparison(
        scenarios=labels,
        plans=plans,
        counterparty=counterparty,
        tables=tables,
        summaries=[_summary(label, plans[label]) for label in labels],
        findings=findings,
        options={
            "clauses": clauses,
            "mip_gap": options.mip_gap,
            "time_limit_s": options.time_limit_s,
            "processes": workers,
            "solves": len(jobs),
        },
        seconds=time.perf_counter() - started,
    )


def _summary(label: str, result: Plan) -> dict[str, Any]:
    s = result.summary
    keys = (
        "source",
        "status",
        "objective_usd",
        "cost_usd",
        "lost_revenue_usd",
        "penalty_usd",
        "revenue_share_usd",
        "spend_usd_nominal",
        "min_cash_usd",
        "first_month_cash_negative",
        "mip_gap",
        "solve_seconds",
        "variables",
        "binaries",
    )
    return {"name": label, **{k: s.get(k) for k in keys}}


def _clause_costs(
    scenarios: Sequence[Scenario], labels: list[str], results: dict[_Job, Plan]
) -> list[tuple[str, ClauseCost]]:
    """Clause costs as :func:`gigawatt.plan.clauses.clause_costs` defines them."""
    out = []
    for i, s in enumerate(scenarios):
        base = results[_Job(i, None)]
        share = float(base.summary["revenue_share_potential_usd"])
        for ci, c in enumerate(s.contracts):
            for ki, k in enumerate(c.clauses):
                without = results[_Job(i, (ci, ki))]
                share_without = float(without.summary["revenue_share_potential_usd"])
                cost = ClauseCost(
                    contract=c.name,
                    clause_index=ki,
                    type=k.type,
                    counterparty=c.counterparty,
                    cost_usd=(base.objective_usd + share) - (without.objective_usd + share_without),
                    objective_with_usd=base.objective_usd,
                    objective_without_usd=without.objective_usd,
                    revenue_share_with_usd=share,
                    revenue_share_without_usd=share_without,
                    status=without.status,
                )
                out.append((labels[i], cost))
    return out


def _clause_frame(costs: list[tuple[str, ClauseCost]]) -> pd.DataFrame:
    columns = [
        "scenario",
        "contract",
        "clause_index",
        "type",
        "counterparty",
        "cost_usd",
        "objective_with_usd",
        "objective_without_usd",
        "status",
    ]
    rows = [{"scenario": label, **c.to_dict()} for label, c in costs]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- tables


def _by_provider(plans: dict[str, Plan]) -> pd.DataFrame:
    frames = [p.yearly().assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", "year", "provider", "accelerators", "gw", "spend_usd"]]


def _by_year(plans: dict[str, Plan]) -> pd.DataFrame:
    frames = []
    for label, p in plans.items():
        totals = p.yearly_totals()
        fin = p.tables["finance"].assign(year=lambda d: d["month"].str[:4])
        extra = fin.groupby("year")[["revenue_share_usd", "min_spend_shortfall_usd"]].sum()
        df = totals.merge(extra, left_on="year", right_index=True, how="left")
        for col in ("shortfall_flop", "lost_revenue_usd"):
            if col not in df:
                df[col] = 0.0
        df = df.fillna(0.0)
        if "min_cash_usd" not in p.summary:
            df["cash_usd"] = np.nan  # no finance section: no cash tracking
        frames.append(df.assign(scenario=label))
    columns = [
        "scenario",
        "year",
        "spend_usd",
        "revenue_usd",
        "revenue_share_usd",
        "min_spend_shortfall_usd",
        "lost_revenue_usd",
        "shortfall_flop",
        "cash_usd",
    ]
    return pd.concat(frames, ignore_index=True)[columns]


def outside_frame(result: Plan, counterparty: str) -> pd.DataFrame:
    """Per year: spend, GW and accelerators in use outside one provider, and their shares.

    Args:
        result: A plan.
        counterparty: The provider (``azure``).

    Returns:
        One row per year with spend_usd, spend_outside_usd, spend_outside_share, gw,
        gw_outside (peaks of the monthly installed GW), gw_outside_share (of the year's
        installed MW-months), accelerators and accelerators_outside (mean in use).
    """
    cap = result.tables["capacity"].assign(
        year=lambda d: d["month"].str[:4], outside=lambda d: d["provider"] != counterparty
    )
    mw = cap.groupby(["year", "month"])["installed_mw"].sum()
    mw_out = cap[cap["outside"]].groupby(["year", "month"])["installed_mw"].sum()
    mw_out = mw_out.reindex(mw.index, fill_value=0.0)
    used = cap.groupby(["year", "month"])["used"].sum()
    used_out = cap[cap["outside"]].groupby(["year", "month"])["used"].sum()
    used_out = used_out.reindex(used.index, fill_value=0.0)
    spend = result.tables["spend"].assign(year=lambda d: d["month"].str[:4])
    years = sorted(set(cap["year"]))
    usd = spend.groupby("year")["usd"].sum().reindex(years, fill_value=0.0)
    usd_out = (
        spend[spend["provider"] != counterparty]
        .groupby("year")["usd"]
        .sum()
        .reindex(years, fill_value=0.0)
    )
    mw_sum = mw.groupby("year").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "year": years,
                "counterparty": counterparty,
                "spend_usd": usd.to_numpy(),
                "spend_outside_usd": usd_out.to_numpy(),
                "spend_outside_share": np.where(usd > 0, usd_out / usd, np.nan),
                "gw": (mw.groupby("year").max() / 1e3).reindex(years).to_numpy(),
                "gw_outside": (mw_out.groupby("year").max() / 1e3).reindex(years).to_numpy(),
                "gw_outside_share": np.where(
                    mw_sum > 0, mw_out.groupby("year").sum() / mw_sum, np.nan
                ),
                "accelerators": used.groupby("year").mean().reindex(years).to_numpy(),
                "accelerators_outside": used_out.groupby("year").mean().reindex(years).to_numpy(),
            }
        )
    return out


def _outside(plans: dict[str, Plan], counterparty: str | None) -> pd.DataFrame:
    if counterparty is None:
        return pd.DataFrame(columns=["scenario", "year", "counterparty"])
    frames = [outside_frame(p, counterparty).assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", *[c for c in df.columns if c != "scenario"]]]


# ---------------------------------------------------------------- the right of first refusal


def _rofr_clauses(s: Scenario) -> list[tuple[int, int, str]]:
    return [
        (ci, ki, c.counterparty)
        for ci, c in enumerate(s.contracts)
        for ki, k in enumerate(c.clauses)
        if k.type == ROFR
    ]


def _rofr_effect(
    kind: str,
    with_label: str,
    without_label: str,
    cp: str,
    with_plan: Plan,
    without_plan: Plan,
    note: str = "",
) -> tuple[pd.DataFrame, str]:
    a = outside_frame(with_plan, cp).set_index("year")
    b = outside_frame(without_plan, cp).set_index("year")
    years = [y for y in a.index if y in b.index]
    cols = ["spend_outside_usd", "spend_outside_share", "gw_outside", "gw_outside_share"]
    rows = pd.DataFrame({"year": years})
    for col in cols:
        rows[f"{col}_with"] = a.loc[years, col].to_numpy()
        rows[f"{col}_without"] = b.loc[years, col].to_numpy()
    rows.insert(0, "counterparty", cp)
    rows.insert(0, "without_scenario", without_label)
    rows.insert(0, "with_scenario", with_label)
    rows.insert(0, "comparison", kind)
    records = _records(rows)
    r = max(
        records, key=lambda x: abs(x["spend_outside_usd_without"] - x["spend_outside_usd_with"])
    )
    verb = "rises" if r["spend_outside_usd_without"] >= r["spend_outside_usd_with"] else "falls"
    if kind == "across":
        head = f"Without the right of first refusal ({without_label}, against {with_label})"
    else:
        head = f"Dropping only the right of first refusal from {with_label} (same world, re-solved)"
    by_year_spend = ", ".join(
        f"{x['year']} {money(x['spend_outside_usd_with'])} -> "
        f"{money(x['spend_outside_usd_without'])}"
        for x in records
    )
    by_year_gw = ", ".join(
        f"{x['year']} {percent(x['gw_outside_share_with'])} -> "
        f"{percent(x['gw_outside_share_without'])}"
        for x in records
    )
    text = (
        f"{head}, spend outside {cp} {verb} from {money(r['spend_outside_usd_with'])} to "
        f"{money(r['spend_outside_usd_without'])} in {r['year']} "
        f"({percent(r['spend_outside_share_with'])} -> {percent(r['spend_outside_share_without'])} "
        f"of spend), and peak GW installed outside {cp} goes from "
        f"{r['gw_outside_with']:.1f} to {r['gw_outside_without']:.1f} GW. "
        f"Spend outside {cp} by year: {by_year_spend}. "
        f"Share of installed capacity (MW-months) outside {cp} by year: {by_year_gw}.{note}"
    )
    return rows, text


def _terms(s: Scenario) -> set[str]:
    return {f"{k.type} with {c.counterparty}" for c in s.contracts for k in c.clauses}


def _other_terms(with_rofr: Scenario, without_rofr: Scenario) -> str:
    """A note naming the other contract terms two scenarios differ in, if any."""
    rofr = {t for t in _terms(with_rofr) if t.startswith(ROFR)}
    only_with = sorted(_terms(with_rofr) - _terms(without_rofr) - rofr)
    only_without = sorted(_terms(without_rofr) - _terms(with_rofr))
    parts = []
    if only_without:
        parts.append(f"{without_rofr.name} adds {', '.join(only_without)}")
    if only_with:
        parts.append(f"{with_rofr.name} adds {', '.join(only_with)}")
    if not parts:
        return ""
    return " The scenarios differ in other terms too (" + "; ".join(parts) + ")."


def _rofr(
    scenarios: Sequence[Scenario],
    labels: list[str],
    plans: dict[str, Plan],
    results: dict[_Job, Plan],
) -> tuple[pd.DataFrame, list[str]]:
    frames: list[pd.DataFrame] = []
    words: list[str] = []
    rofr = [_rofr_clauses(s) for s in scenarios]
    for i in range(len(scenarios)):
        for j in range(len(scenarios)):
            if i == j or not (i == 0 or j == 0):
                continue  # each scenario against the baseline, in either direction
            for cp in sorted({c for _, _, c in rofr[i]} - {c for _, _, c in rofr[j]}):
                rows, text = _rofr_effect(
                    "across",
                    labels[i],
                    labels[j],
                    cp,
                    plans[labels[i]],
                    plans[labels[j]],
                    _other_terms(scenarios[i], scenarios[j]),
                )
                frames.append(rows)
                words.append(text)
    for i, clauses in enumerate(rofr):
        for ci, ki, cp in clauses:
            without = results.get(_Job(i, (ci, ki)))
            if without is None:
                continue
            base = plans[labels[i]]
            cost = base.objective_usd - without.objective_usd
            rows, text = _rofr_effect(
                "alone",
                labels[i],
                f"{labels[i]} without {scenarios[i].contracts[ci].name}[{ki}]",
                cp,
                base,
                without,
                f" The clause costs the lab {money(cost)} (present value).",
            )
            frames.append(rows)
            words.append(text)
    if not frames:
        return pd.DataFrame(columns=["comparison", "with_scenario", "without_scenario"]), words
    return pd.concat(frames, ignore_index=True), words


# ---------------------------------------------------------------- differences in words


def _objective_words(labels: list[str], plans: dict[str, Plan]) -> list[str]:
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
            for metric, unit in [*((m, "USD") for m in _MONEY_METRICS), ("shortfall_flop", "FLOP")]:
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
        name = _MONEY_METRICS.get(metric, metric)
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


def _differences(
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


def _clause_words(costs: list[tuple[str, ClauseCost]]) -> list[str]:
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
