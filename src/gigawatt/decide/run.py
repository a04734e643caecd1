"""The library entry point: :func:`decide`, a two-stage stochastic plan and its figures.

Steps (each future's model is the planner's, built from the future's scenario):

1. draw the futures (or take them as given) and build each future's model;
2. the stochastic plan (RP): the extensive form (:mod:`gigawatt.decide.extensive`) or
   progressive hedging (:mod:`gigawatt.decide.hedging`);
3. the mean-value plan: the scenario at the futures' mean values, planned once; its
   first stage fixed and evaluated in every future (EEV);
4. the wait-and-see plans (WS): each future planned with perfect foresight by the
   sweep's own unit of work (:func:`gigawatt.sweep.solve_sample`), with the cost of
   each clause when ``regret`` is asked;
5. the figures (:mod:`gigawatt.decide.metrics`) and tables (:mod:`gigawatt.decide.tables`).

All costs are the planner's objective (discounted spend + lost net revenue +
penalties) over the months the model solves, ``horizon.tail_months`` included, so
that the three plans are compared on the objective the stochastic plan minimises.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from gigawatt.decide.extensive import build_extensive, solve_extensive
from gigawatt.decide.futures import Futures, draw_futures, given_futures, mean_value_scenario
from gigawatt.decide.hedging import HedgingOptions, progressive_hedging
from gigawatt.decide.metrics import Risk, distribution, risk_value
from gigawatt.decide.parallel import Backend, map_futures
from gigawatt.decide.result import Decision
from gigawatt.decide.stages import first_stage, first_stage_values
from gigawatt.decide.subproblem import solve_future
from gigawatt.decide.tables import commitment_table, regret_table
from gigawatt.errors import GigawattError, InputError
from gigawatt.plan.inputs import MUSD
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveOptions, solve_model
from gigawatt.scenario.schema import Scenario
from gigawatt.sweep.task import SampleRecord, solve_sample

__all__ = ["Method", "decide"]

Method = Literal["extensive", "hedging"]


def decide(
    scenario: Scenario,
    *,
    samples: int = 10,
    seed: int = 0,
    values: Sequence[Mapping[str, float]] | None = None,
    weights: Sequence[float] | None = None,
    decision_months: int = 12,
    risk: Risk | None = None,
    options: SolveOptions | None = None,
    method: Method = "extensive",
    backend: Backend = "serial",
    address: str | None = None,
    workers: int | None = None,
    regret: bool = True,
    hedging: HedgingOptions | None = None,
) -> Decision:
    """Decide what to commit now across sampled futures (see the module docstring).

    Args:
        scenario: A scenario with an ``uncertainty`` section.
        samples: Number of futures :math:`S` drawn (ignored with ``values``).
        seed: Seed of the draws (those of the forecast and the sweep).
        values: Futures given explicitly (key path -> value each) instead of drawn.
        weights: Probability of each future (default equal; normalised).
        decision_months: :math:`D`: reservations and builds starting in the first
            :math:`D` months are decided now.
        risk: The risk measure (default: the expectation).
        options: Solver options (per solve; duals are off).
        method: ``extensive`` (one model) or ``hedging`` (progressive hedging).
        backend: Where per-future solves run: ``serial`` or ``ray`` (Ray tasks).
        address: With ``ray``: a cluster address (default: a local Ray).
        workers: With ``ray`` and no address: CPUs of the local Ray.
        regret: Also cost each min-spend commitment in each future.
        hedging: Settings of progressive hedging.

    Raises:
        GigawattError: bad arguments, no uncertainty section, a failed solve.
        InfeasibleError: no first stage is feasible in every future.
    """
    if method not in ("extensive", "hedging"):
        raise InputError(f"method must be 'extensive' or 'hedging' (got {method!r})")
    if backend not in ("serial", "ray"):
        raise InputError(f"backend must be 'serial' or 'ray' (got {backend!r})")
    if not scenario.raw:
        raise GigawattError("the scenario has no source data; load it with load_scenario")
    risk = risk or Risk()
    options = options or SolveOptions()
    options = replace(options, duals=False, export_mps=None, threads=options.threads or 1)
    futures = (
        given_futures(scenario, values, weights)
        if values is not None
        else draw_futures(scenario, samples, seed, weights)
    )
    began = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if backend == "ray":
            from gigawatt.raytools import ray_session

            stack.enter_context(ray_session(address, workers))
        return _decide(
            scenario,
            futures,
            decision_months,
            risk,
            options,
            method,
            backend,
            regret,
            hedging or HedgingOptions(),
            began,
        )


def _decide(
    scenario: Scenario,
    futures: Futures,
    decision_months: int,
    risk: Risk,
    options: SolveOptions,
    method: Method,
    backend: Backend,
    regret: bool,
    hedging: HedgingOptions,
    began: float,
) -> Decision:
    weights = futures.weights
    base = build(scenario, options)
    stage = first_stage(base, decision_months)
    timings: dict[str, float] = {}
    common = (scenario.raw, scenario.source, futures.paths)
    summary: dict[str, Any] = {}

    started = time.perf_counter()
    if method == "extensive":
        models = [build(s, options) for s in futures.scenarios(scenario)]
        ef = build_extensive(models, weights, stage, risk)
        solution = solve_extensive(ef, options)
        first = solution.first_stage
        costs = solution.costs_musd * MUSD
        status = solution.status
        summary["model"] = {
            "variables": solution.variables,
            "constraints": solution.constraints,
            "mip_gap": solution.mip_gap,
        }
    else:
        ph = progressive_hedging(
            scenario.raw,
            scenario.source,
            futures,
            options,
            stage.decision_month,
            hedging,
            backend,
            risk,
        )
        first = ph.consensus
        costs = np.array([e.objective_musd for e in ph.evaluated]) * MUSD
        status = "optimal" if ph.converged else "not_converged"
        lower = ph.lower_bound_musd
        summary["hedging"] = {
            "rho": hedging.rho,
            "rho_factor": ph.rho_factor,
            "adaptive": hedging.adaptive,
            "tolerance": hedging.tolerance,
            "iterations": ph.iterations,
            "spread_kacc": ph.spread,
            "converged": ph.converged,
            "lower_bound_usd": None if lower is None else lower * MUSD,
            "gap": ph.gap,
            "models_built": ph.builds,
        }
    timings["stochastic_s"] = time.perf_counter() - started

    started = time.perf_counter()
    mean_pm = build(mean_value_scenario(scenario, futures), options)
    mean_first = first_stage_values(stage, solve_model(mean_pm, options).primal)
    evaluated = map_futures(
        solve_future,
        [(spec, options, stage.decision_month, mean_first) for spec in futures.specs],
        common=common,
        backend=backend,
        what="the mean-value plan's first stage",
    )
    eev = np.array([e.objective_musd for e in evaluated]) * MUSD
    timings["mean_value_s"] = time.perf_counter() - started

    started = time.perf_counter()
    records: list[SampleRecord] = map_futures(
        solve_sample,
        [(spec, options, regret) for spec in futures.specs],
        common=common,
        backend=backend,
        what="wait-and-see plan",
    )
    failed = [r for r in records if not r.solved]
    if failed:
        raise GigawattError(
            f"the wait-and-see plan of future {failed[0].index} failed ({failed[0].status}): "
            f"{failed[0].message}"
        )
    ws = np.array([r.model_objective_usd for r in records])
    timings["wait_and_see_s"] = time.perf_counter() - started

    objective = risk_value(costs, weights, risk)
    eev_objective = risk_value(eev, weights, risk)
    ws_objective = risk_value(ws, weights, risk)
    site_labels = (
        list(base.model.variables["site_choice"].labels.coords["site"].values)
        if "site_choice" in base.model.variables
        else []
    )
    commitments = commitment_table(base.inputs, first, site_labels)
    parameters = list(futures.paths)
    rows = []
    for i, spec in enumerate(futures.specs):
        row: dict[str, Any] = {"future": spec.index, "weight": float(weights[i])}
        row |= {p: float(spec.values.get(p, np.nan)) for p in parameters}
        row |= {
            "cost_usd": float(costs[i]),
            "mean_value_cost_usd": float(eev[i]),
            "mean_value_status": evaluated[i].status,
            "wait_and_see_cost_usd": float(ws[i]),
            "regret_usd": float(costs[i] - ws[i]),
        }
        rows.append(row)
    future_table = pd.DataFrame(rows)
    regrets = regret_table(records)
    months = base.inputs.months
    d = stage.decision_month
    summary = {
        "kind": "decide",
        "scenario": scenario.name,
        "source": scenario.source,
        "status": status,
        "method": method,
        "backend": backend,
        "futures": len(futures),
        "seed": futures.seed,
        "parameters": parameters,
        "decision_months": d,
        "second_stage_from": months[d] if d < len(months) else None,
        "first_stage_entries": stage.size(),
        "risk": {"cvar_alpha": risk.cvar_alpha, "cvar_weight": risk.cvar_weight},
        "objective_usd": objective,
        "expected_cost_usd": float(np.dot(weights, costs)),
        "cost_distribution": distribution(costs, weights, risk.cvar_alpha),
        "mean_value_objective_usd": eev_objective,
        "mean_value_infeasible_futures": int(sum(e.status == "infeasible" for e in evaluated)),
        "vss_usd": eev_objective - objective,
        "wait_and_see_objective_usd": ws_objective,
        "evpi_usd": objective - ws_objective,
        "committed_usd": float(commitments["usd_committed"].sum()),
        "commitments": commitments.to_dict("records"),
        "regret": _regret_summary(regrets, weights),
        **summary,
        "seconds": {**timings, "total_s": time.perf_counter() - began},
    }
    tables = {"commitments": commitments, "futures": future_table, "regret": regrets}
    return Decision(summary, tables)


def _regret_summary(regrets: pd.DataFrame, weights: np.ndarray) -> list[dict[str, Any]]:
    """Per min-spend clause: expected regret, its 95th percentile, max, P(regret > 0)."""
    out: list[dict[str, Any]] = []
    for (contract, index, counterparty), grp in regrets.groupby(
        ["contract", "clause_index", "counterparty"], sort=False
    ):
        p = weights[grp["future"].to_numpy()]
        r = grp["regret_usd"].to_numpy(dtype=float)
        d = distribution(r, p / p.sum(), 0.95)
        out.append(
            {
                "contract": str(contract),
                "clause_index": int(str(index)),
                "counterparty": str(counterparty),
                "expected_regret_usd": d["mean"],
                "p95_regret_usd": d["p95"],
                "max_regret_usd": d["max"],
                "probability_of_regret": float(p[r > 0].sum() / p.sum()),
            }
        )
    return out
