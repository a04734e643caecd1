"""The solves of a comparison: each scenario, and each without one clause, in a pool."""

from __future__ import annotations

import copy
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import pandas as pd

from gigawatt.plan.clauses import ClauseCost
from gigawatt.plan.planner import plan
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario

__all__ = [
    "ROFR",
    "Job",
    "clause_costs_of",
    "clause_frame",
    "rofr_left",
    "run_jobs",
    "solve_variant",
]

ROFR = "right_of_first_refusal"


@dataclass(frozen=True)
class Job:
    """One solve: scenario ``scenario``, without clause ``drop`` (contract, clause)."""

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


def run_jobs(
    scenarios: Sequence[Scenario],
    jobs: list[Job],
    options: SolveOptions,
    processes: int,
    progress: Callable[[int, int], None] | None,
) -> dict[Job, Plan]:
    """Solve every job, in ``processes`` spawned workers (in-process with 1)."""
    results: dict[Job, Plan] = {}
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


def rofr_left(s: Scenario, drop: tuple[int, int] | None) -> int:
    """How many right-of-first-refusal clauses a job keeps (its binaries: solved first)."""
    return sum(
        1
        for ci, c in enumerate(s.contracts)
        for ki, k in enumerate(c.clauses)
        if k.type == ROFR and drop != (ci, ki)
    )


def clause_costs_of(
    scenarios: Sequence[Scenario], labels: list[str], results: dict[Job, Plan]
) -> list[tuple[str, ClauseCost]]:
    """Clause costs as :func:`gigawatt.plan.clauses.clause_costs` defines them."""
    out = []
    for i, s in enumerate(scenarios):
        base = results[Job(i, None)]
        share = float(base.summary["revenue_share_potential_usd"])
        for ci, c in enumerate(s.contracts):
            for ki, k in enumerate(c.clauses):
                without = results[Job(i, (ci, ki))]
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


def clause_frame(costs: list[tuple[str, ClauseCost]]) -> pd.DataFrame:
    """The ``clauses`` table: one row per (scenario, clause)."""
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
