"""Plan every scenario and put the plans side by side."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from gigawatt.compare.findings import clause_words, differences_frame, objective_words
from gigawatt.compare.result import Comparison
from gigawatt.compare.rofr import rofr_effects
from gigawatt.compare.solve import Job, clause_costs_of, clause_frame, rofr_left, run_jobs
from gigawatt.compare.tables import by_provider_frame, by_year_frame, outside_table
from gigawatt.errors import GigawattError, InputError
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.schema import Scenario

__all__ = ["compare"]


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
        raise InputError("compare needs at least two scenarios (files or built-in names)")
    if clauses and any(not s.raw for s in scenarios):
        raise GigawattError("a scenario has no source data; load it with load_scenario")
    started = time.perf_counter()
    options = replace(options or SolveOptions(), duals=False, export_mps=None)
    jobs = [Job(i, None) for i in range(len(scenarios))]
    if clauses:
        jobs += [
            Job(i, (ci, ki))
            for i, s in enumerate(scenarios)
            for ci, c in enumerate(s.contracts)
            for ki in range(len(c.clauses))
        ]
    # Longest first: solves that keep a right of first refusal carry its binaries.
    jobs.sort(key=lambda j: (-rofr_left(scenarios[j.scenario], j.drop), j.drop is not None))
    workers = processes or multiprocessing.cpu_count()
    results = run_jobs(scenarios, jobs, options, workers, progress)

    labels = _labels(scenarios)
    plans = {labels[i]: results[Job(i, None)] for i in range(len(scenarios))}
    counterparty = next((c.counterparty for s in scenarios for c in s.contracts), None)
    costs = clause_costs_of(scenarios, labels, results) if clauses else []
    rofr_rows, rofr_words = rofr_effects(scenarios, labels, plans, results if clauses else {})
    tables = {
        "by_provider": by_provider_frame(plans),
        "by_year": by_year_frame(plans),
        "outside": outside_table(plans, counterparty),
        "clauses": clause_frame(costs),
        "rofr": rofr_rows,
    }
    tables["differences"] = differences_frame(labels, plans, tables)
    findings = [
        *rofr_words,
        *objective_words(labels, plans),
        *tables["differences"]["text"],
        *clause_words(costs),
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
