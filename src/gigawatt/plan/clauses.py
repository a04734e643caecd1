r"""What each contract clause costs: the objective with it minus the objective without it.

For clause :math:`k`, :math:`\text{cost}_k = (z^* + S) - (z^*_{-k} + S_{-k})` where
:math:`z^*_{-k}` is the optimum of the same scenario with clause :math:`k` removed and
:math:`S = \sum_{w,t} \delta_t s_{w,t} R_{w,t}` is the revenue share due on the full
revenue. :math:`S` is a constant of each scenario, so for every clause but a revenue
share this is exactly "objective with minus objective without". For a revenue share
it makes the cost what the lab gives up: the objective counts lost revenue *net* of
the share, so dropping a share raises the value of unserved demand and the bare
objective difference would be negative; adding :math:`S` measures spend + penalties +
gross lost revenue + share paid, which is the board-meeting figure.

A restrictive clause (pin, exclusivity, right of first refusal, minimum spend) costs
>= 0 up to the MIP gap. By default the re-solves reuse the base plan's model and start
from the base plan (:mod:`gigawatt.plan.warmclauses`), one after the other in this
process. ``method="rebuild"`` builds and solves each scenario without a clause from
scratch, independently, in parallel processes or as Ray tasks (``backend="ray"``: a
local Ray started for the call, or a cluster); both give the same costs within the MIP
gap.
"""

from __future__ import annotations

import copy
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from gigawatt.errors import GigawattError
from gigawatt.plan.planner import plan
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import ProgressCallback, SolveOptions
from gigawatt.plan.warmclauses import warm_objectives
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario

__all__ = ["ClauseCost", "clause_costs", "objective_without"]


@dataclass(frozen=True)
class ClauseCost:
    """Cost of one clause (USD, present value)."""

    contract: str
    clause_index: int
    type: str
    counterparty: str
    cost_usd: float
    objective_with_usd: float
    objective_without_usd: float
    revenue_share_with_usd: float
    revenue_share_without_usd: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def _without(raw: dict[str, Any], contract: int, clause: int) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    del data["contracts"][contract]["clauses"][clause]
    return data


def objective_without(
    raw: dict[str, Any], source: str, contract: int, clause: int, options: SolveOptions
) -> tuple[float, float, str]:
    """Optimum and full revenue share of the scenario without one clause (in a worker)."""
    scenario = scenario_from_data(_without(raw, contract, clause), f"{source} (without clause)")
    result = plan(scenario, options)
    share = float(result.summary["revenue_share_potential_usd"])
    return result.objective_usd, share, result.status


def clause_costs(
    scenario: Scenario,
    options: SolveOptions | None = None,
    *,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    baseline: Plan | None = None,
    backend: Literal["processes", "ray"] = "processes",
    address: str | None = None,
    method: Literal["warm", "rebuild"] = "warm",
    solve_progress: ProgressCallback | None = None,
) -> list[ClauseCost]:
    """Cost of every clause of every contract, re-solving without it.

    Args:
        scenario: The scenario.
        options: Solver options (duals are never computed for the re-solves).
        processes: Worker processes, or Ray CPUs of a local Ray (default: the number
            of CPUs); 1 runs serially with the process backend.
        progress: Called with (done, total) after each re-solve.
        baseline: The scenario's plan when already solved with the same options
            (saves one solve with ``method="rebuild"``; the warm method solves the base
            model itself, as it starts the re-solves from its plan).
        backend: With ``rebuild``: ``processes`` (a spawn process pool) or ``ray`` (Ray
            tasks; implies ``rebuild``).
        address: With ``ray``: the cluster to connect to (default: start a local Ray).
        method: ``warm`` (reuse the base model, start from the base plan, serially) or
            ``rebuild`` (independent re-solves from scratch; always for a funded plan).
        solve_progress: With ``warm``: passed to HiGHS for every solve (elapsed time,
            incumbent, bound, gap).
    """
    options = replace(options or SolveOptions(), duals=False, export_mps=None)
    raw = scenario.raw
    if not raw:
        raise GigawattError("the scenario has no source data; load it with load_scenario")
    funded = scenario.finance is not None and scenario.finance.funded
    if method == "warm" and backend != "ray" and not funded:
        # A funded model's cash rows hold clause terms (revenue share in the net revenue)
        # that the warm re-solves do not edit: funded scenarios are rebuilt.
        return _warm_costs(scenario, options, progress, solve_progress)
    if baseline is None:
        baseline = plan(scenario, options)
    baseline_objective_usd = baseline.objective_usd
    baseline_share = float(baseline.summary["revenue_share_potential_usd"])
    jobs = [
        (ci, ki, c, k) for ci, c in enumerate(scenario.contracts) for ki, k in enumerate(c.clauses)
    ]
    results: dict[int, tuple[float, float, str]] = {}
    workers = processes or multiprocessing.cpu_count()
    if backend == "ray":
        from gigawatt.raytools import ray_map

        args = [(ci, ki, options) for ci, ki, _, _ in jobs]
        for n, value in ray_map(
            objective_without,
            args,
            common=(raw, scenario.source),
            address=address,
            workers=processes,
            progress=progress,
        ):
            if isinstance(value, GigawattError):
                raise value
            if isinstance(value, BaseException):
                raise GigawattError(f"re-solve {n + 1} failed on Ray: {value}") from value
            results[n] = value
    elif workers <= 1 or len(jobs) <= 1:
        for n, (ci, ki, _, _) in enumerate(jobs):
            results[n] = objective_without(raw, scenario.source, ci, ki, options)
            if progress:
                progress(n + 1, len(jobs))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            futures = {
                pool.submit(objective_without, raw, scenario.source, ci, ki, options): n
                for n, (ci, ki, _, _) in enumerate(jobs)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, len(jobs))
    return _costs(
        scenario,
        baseline_objective_usd,
        baseline_share,
        [results[n] for n in range(len(jobs))],
    )


def _warm_costs(
    scenario: Scenario,
    options: SolveOptions,
    progress: Callable[[int, int], None] | None,
    solve_progress: ProgressCallback | None,
) -> list[ClauseCost]:
    raw = scenario.raw
    jobs: list[tuple[int, int, str, str]] = [
        (ci, ki, c.name, k.type)
        for ci, c in enumerate(scenario.contracts)
        for ki, k in enumerate(c.clauses)
    ]

    def without(ci: int, ki: int) -> Scenario:
        return scenario_from_data(_without(raw, ci, ki), f"{scenario.source} (without clause)")

    objective_usd, share_usd, _, results = warm_objectives(
        scenario, without, jobs, options, progress=progress, solve_progress=solve_progress
    )
    return _costs(scenario, objective_usd, share_usd, results)


def _costs(
    scenario: Scenario,
    objective_usd: float,
    share_usd: float,
    results: list[tuple[float, float, str]],
) -> list[ClauseCost]:
    """One :class:`ClauseCost` per clause, in scenario order, from the re-solves."""
    jobs = [(ki, c, k) for c in scenario.contracts for ki, k in enumerate(c.clauses)]
    out = []
    for (ki, c, k), (without, share_without, status) in zip(jobs, results, strict=True):
        out.append(
            ClauseCost(
                contract=c.name,
                clause_index=ki,
                type=k.type,
                counterparty=c.counterparty,
                cost_usd=(objective_usd + share_usd) - (without + share_without),
                objective_with_usd=objective_usd,
                objective_without_usd=without,
                revenue_share_with_usd=share_usd,
                revenue_share_without_usd=share_without,
                status=status,
            )
        )
    return out
