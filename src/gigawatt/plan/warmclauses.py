"""Clause costs by warm start: one built model, changed and re-run for each clause.

The base plan is solved once. A restriction dropped is a change of the HiGHS model the
base solve built: a right of first refusal or a minimum spend frees its rows (their
bounds become infinite), a revenue share changes the cost of unserved demand. Each
re-run starts from the base plan, still feasible once a restriction is dropped (a MIP
start), and the model is put back as it was afterwards. A pin or an exclusivity removes
variables from the model (it decides which offers a workload may use), so that
re-solve builds the model of the scenario without the clause and starts it from the
base plan too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from gigawatt.errors import SolverError
from gigawatt.plan.inputs import MUSD, PlanInputs
from gigawatt.plan.model import PlanModel, build_model
from gigawatt.plan.results import extract_plan, revenue_share_potential_usd
from gigawatt.plan.solve import (
    ProgressCallback,
    SolveOptions,
    SolveOutcome,
    rerun_highs,
    solve_model,
)
from gigawatt.scenario.schema import Scenario

__all__ = ["WarmResult", "warm_objectives"]

#: Objective ($M), revenue share potential (USD) and status of one re-solve.
WarmResult = tuple[float, float, str]


@dataclass(frozen=True)
class _Base:
    pm: PlanModel
    primal: dict[str, np.ndarray]
    start: np.ndarray
    col_of: np.ndarray  # [variable label] -> column of the HiGHS model, -1 if none
    row_of: np.ndarray  # [constraint label] -> row of the HiGHS model, -1 if none


def _index(labels: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, -1, dtype=np.int64)
    out[np.asarray(labels)] = np.arange(len(labels))
    return out


def _rows(base: _Base, names: list[str]) -> np.ndarray:
    m = base.pm.model
    found = []
    for name in names:
        if name not in m.constraints:
            continue
        labels = np.asarray(m.constraints[name].labels.values).ravel()
        labels = labels[labels != -1]
        rows = base.row_of[labels]
        found.append(rows[rows != -1])
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _clause_rows(base: _Base, contract: str, index: int) -> np.ndarray:
    """HiGHS rows of the right of first refusal or minimum spend (contract, index)."""
    inp = base.pm.inputs
    names: list[str] = []
    terms = [
        k for k, t in enumerate(inp.rofr) if (t.ref.contract, t.ref.index) == (contract, index)
    ]
    for k in terms:
        names += [f"rofr_outside[{k}]", f"rofr_taken[{k}]"]
    names += [row for row, ks in base.pm.rofr_rows.items() if set(ks) & set(terms)]
    for i, term in enumerate(inp.min_spend):
        if (term.ref.contract, term.ref.index) == (contract, index):
            names.append(f"min_spend[{i}]")
    return _rows(base, names)


def _primal(base: _Base, col_value: np.ndarray) -> dict[str, np.ndarray]:
    """A HiGHS solution (column order) as linopy variable name -> values."""
    out = {}
    for name in base.pm.model.variables:
        labels = np.asarray(base.pm.model.variables[name].labels.values)
        cols = np.where(labels != -1, base.col_of[labels], -1)
        out[name] = np.where(cols != -1, col_value[np.maximum(cols, 0)], 0.0)
    return out


def _objective_usd(pm: PlanModel, outcome: SolveOutcome) -> float:
    """The plan's reported objective (USD): the horizon's, a tail solved beyond it left out.

    Without a tail it is the solver's objective; with one, the objective of the plan
    extracted from the solution (:func:`gigawatt.plan.results.extract_plan`).
    """
    if not pm.inputs.tail_months:
        return outcome.objective_musd * MUSD
    return extract_plan(pm, replace(outcome, duals_available=False)).objective_usd


def _rerun_objective_usd(
    base: _Base, status: str, objective_musd: float | None, inputs: PlanInputs | None = None
) -> float | None:
    """The reported objective of a re-run, judged with ``inputs``.

    ``inputs`` are those of the scenario without the clause when they differ from the
    base model's in costs only (a revenue share dropped); default the base model's.
    """
    if objective_musd is None:
        return None
    h = base.pm.model.solver_model
    primal = _primal(base, np.asarray(h.getSolution().col_value, dtype=float))
    pm = base.pm if inputs is None else replace(base.pm, inputs=inputs)
    return _objective_usd(pm, SolveOutcome(status, None, 0.0, False, objective_musd, primal))


def _rerun_free_rows(
    base: _Base, rows: np.ndarray, progress: ProgressCallback | None
) -> tuple[str, float | None]:
    h = base.pm.model.solver_model
    lp = h.getLp()
    lower = np.asarray(lp.row_lower_)[rows]
    upper = np.asarray(lp.row_upper_)[rows]
    n = len(rows)
    h.changeRowsBounds(n, rows, np.full(n, -np.inf), np.full(n, np.inf))
    try:
        status, objective, _ = rerun_highs(base.pm, start=base.start, progress=progress)
        objective_usd = _rerun_objective_usd(base, status, objective)
    finally:
        h.changeRowsBounds(n, rows, lower, upper)
    return status, objective_usd


def _rerun_costs(
    base: _Base, without: PlanInputs, progress: ProgressCallback | None
) -> tuple[str, float | None]:
    """Re-run with the unserved-demand costs of ``without`` (a revenue share dropped)."""
    m = base.pm.model
    h = m.solver_model
    labels = np.asarray(m.variables["unserved"].labels.values)
    keep = labels != -1
    cols = base.col_of[labels[keep]]
    new_cost = (without.unserved_musd_per_eflops * without.discount[None, :])[keep]
    ok = cols != -1
    cols, new_cost = cols[ok], new_cost[ok]
    old_cost = np.asarray(h.getLp().col_cost_)[cols]
    h.changeColsCost(len(cols), cols, new_cost)
    try:
        status, objective, _ = rerun_highs(base.pm, start=base.start, progress=progress)
        objective_usd = _rerun_objective_usd(base, status, objective, without)
    finally:
        h.changeColsCost(len(cols), cols, old_cost)
    return status, objective_usd


def warm_objectives(
    scenario: Scenario,
    without: Callable[[int, int], Scenario],
    jobs: list[tuple[int, int, str, str]],
    options: SolveOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    solve_progress: ProgressCallback | None = None,
) -> tuple[float, float, str, list[WarmResult]]:
    """Solve the base plan, then re-run its model without each clause.

    Args:
        scenario: The scenario.
        without: ``(contract index, clause index) -> `` the scenario without that clause.
        jobs: ``(contract index, clause index, contract name, clause type)`` per clause.
        options: Solver options.
        progress: Called with (done, total) after the base solve (done = 0) and each
            re-solve.
        solve_progress: Passed to HiGHS for every solve (elapsed, incumbent, bound, gap).

    Returns:
        (base objective USD, base revenue share potential USD, base status, per job
        (objective without USD, revenue share potential without USD, status)).
    """
    inputs = PlanInputs.from_scenario(scenario)
    pm = build_model(inputs, allow_shortfall=options.allow_shortfall)
    outcome = solve_model(
        pm, replace(options, duals=False, export_mps=None), progress=solve_progress
    )
    m = pm.model
    h = m.solver_model
    base = _Base(
        pm,
        outcome.primal,
        np.asarray(h.getSolution().col_value, dtype=float),
        _index(np.asarray(m.variables.label_index.vlabels), m._xCounter),
        _index(np.asarray(m.constraints.label_index.clabels), m._cCounter),
    )
    share = revenue_share_potential_usd(inputs.reported())
    total = len(jobs)
    if progress is not None:
        progress(0, total)
    out: list[WarmResult] = []
    for n, (ci, ki, _, kind) in enumerate(jobs):
        status: str
        objective: float | None  # USD
        share_without = share
        if kind in ("right_of_first_refusal", "min_spend"):
            contract = scenario.contracts[ci].name
            status, objective = _rerun_free_rows(
                base, _clause_rows(base, contract, ki), solve_progress
            )
        elif kind == "revenue_share":
            w_inputs = PlanInputs.from_scenario(without(ci, ki))
            share_without = revenue_share_potential_usd(w_inputs.reported())
            status, objective = _rerun_costs(base, w_inputs, solve_progress)
        else:
            w_inputs = PlanInputs.from_scenario(without(ci, ki))
            w_pm = build_model(w_inputs, allow_shortfall=options.allow_shortfall)
            start = {
                k: v
                for k, v in base.primal.items()
                if k in w_pm.model.variables and w_pm.model.variables[k].shape == v.shape
            }
            w_out = solve_model(
                w_pm,
                replace(options, duals=False, export_mps=None),
                start=start,
                progress=solve_progress,
            )
            status, objective = w_out.status, _objective_usd(w_pm, w_out)
        if objective is None:
            raise SolverError(f"re-solve without clause {ki} of contract {ci} ended {status}")
        out.append((objective, share_without, status))
        if progress is not None:
            progress(n + 1, total)
    return _objective_usd(pm, outcome), share, outcome.status, out
