"""Solve a planning model with HiGHS and turn every outcome into an explicit result.

Outcomes: ``optimal``; ``time_limit`` or ``node_limit`` (a limit stopped the search
before optimality was proven: the incumbent and its MIP gap);
``infeasible`` (raises :class:`~gigawatt.errors.InfeasibleError` naming the
conflicting constraints in scenario terms, from HiGHS's IIS); ``unbounded`` (raises
:class:`~gigawatt.errors.SolverError`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
from linopy import solvers as linopy_solvers

from gigawatt.errors import InfeasibleError, InputError, Problem, ScenarioError, SolverError
from gigawatt.plan.conditioning import REFUSED_FROM, WELL_CONDITIONED, describe, magnitudes
from gigawatt.plan.model import PlanModel

__all__ = [
    "SolveOptions",
    "SolveOutcome",
    "SolveProgress",
    "describe_constraint",
    "highs_options",
    "rerun_highs",
    "run_highs",
    "solve_model",
    "start_vector",
]


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings.

    Attributes:
        time_limit_s: Wall-clock limit for HiGHS, seconds (None = no limit).
        mip_gap: Relative MIP gap at which to stop (HiGHS default 1e-4 when None).
        allow_shortfall: Let demand and training go unmet at a cost; when False, the
            plan must serve everything and an impossible scenario is infeasible.
        duals: Compute marginal values (an extra LP solve with binaries fixed).
        export_mps: Write the model to this MPS file before solving.
        threads: HiGHS threads (None = HiGHS default).
        node_limit: Most branch-and-bound nodes HiGHS explores (``mip_max_nodes``;
            None = no limit). Unlike a time limit it stops at the same point on every
            machine.
    """

    time_limit_s: float | None = None
    mip_gap: float | None = None
    allow_shortfall: bool = True
    duals: bool = True
    export_mps: Path | None = None
    threads: int | None = None
    node_limit: int | None = None

    def __post_init__(self) -> None:
        """Refuse settings HiGHS would silently ignore.

        Raises:
            InputError: a time limit that is not a positive number, a MIP gap outside
                [0, 1], or fewer than one thread.
        """
        t = self.time_limit_s
        if t is not None and not (math.isfinite(t) and t > 0):
            raise InputError(f"--time-limit must be a positive number of seconds, got {t}")
        gap = self.mip_gap
        if gap is not None and not (math.isfinite(gap) and 0 <= gap <= 1):
            raise InputError(f"--mip-gap must be between 0 and 1 (0.01 is 1%), got {gap}")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads must be at least 1, got {self.threads}")


@dataclass(frozen=True)
class SolveOutcome:
    """What the solver reported."""

    status: str  # optimal | time_limit | node_limit
    mip_gap: float | None
    solve_seconds: float
    duals_available: bool
    objective_musd: float
    primal: dict[str, np.ndarray]


@dataclass(frozen=True)
class SolveProgress:
    """Where a running solve stands, as HiGHS reports it.

    Attributes:
        elapsed_s: Seconds since HiGHS started.
        incumbent_musd: Objective of the best plan found so far ($M, model units), None
            before the first one (or for an LP).
        bound_musd: Best proven lower bound on the objective ($M), None for an LP.
        gap: Relative MIP gap ``|incumbent - bound| / |incumbent|``, None without both.
        nodes: Branch-and-bound nodes processed so far.
    """

    elapsed_s: float
    incumbent_musd: float | None
    bound_musd: float | None
    gap: float | None
    nodes: int


#: Called while HiGHS runs, at most every :data:`PROGRESS_EVERY_S` seconds.
ProgressCallback = Callable[[SolveProgress], None]

#: Seconds between two progress reports of one solve.
PROGRESS_EVERY_S = 0.5


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence HiGHS's banner on C-level stdout and linopy's solver warnings.

    HiGHS's own logging is off (``output_flag``); errors reach us as statuses.
    """
    linopy_log = logging.getLogger("linopy")
    level = linopy_log.level
    linopy_log.setLevel(logging.ERROR)
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # pragma: no cover - no real stdout
        try:
            yield
        finally:
            linopy_log.setLevel(level)
        return
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        linopy_log.setLevel(level)


# linopy's termination conditions of a search stopped by a limit, and their names
_LIMITS = {
    "time_limit": "time limit",
    "terminated_by_limit": "node limit",
    "iteration_limit": "iteration limit",
}


def highs_options(options: SolveOptions) -> dict[str, Any]:
    """HiGHS option values of ``options`` (quiet; limits, gap and threads when set)."""
    out: dict[str, Any] = {"output_flag": False, "log_to_console": False}
    if options.time_limit_s is not None:
        out["time_limit"] = float(options.time_limit_s)
    if options.mip_gap is not None:
        out["mip_rel_gap"] = float(options.mip_gap)
    if options.threads is not None:
        out["threads"] = int(options.threads)
    if options.node_limit is not None:
        out["mip_max_nodes"] = int(options.node_limit)
    return out


def _coords_text(coords: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in coords.items()}


def describe_constraint(pm: PlanModel, name: str, coords: dict[str, Any]) -> str:
    """Name a model constraint in scenario terms ("site abilene power in 2026-03")."""
    c = _coords_text(coords)
    month = f" in {c['month']}" if "month" in c else ""
    offer = c.get("offer", "")
    if offer:
        site, index = offer.split("/")
        s = pm.inputs.scenario.sites[site].offers[int(index)]
        offer = f"offer sites.{site}.offers[{index}] ({s.accelerator} {s.pricing})"
    base = name.split("[")[0]
    arg = name[len(base) + 1 : -1] if "[" in name else ""
    if base == "availability":
        return f"{offer} availability{month}"
    if base == "usage":
        return f"{offer} use within installed capacity{month}"
    if base.startswith("term_"):
        return f"{offer} term or lifetime of {base[5:]} months{month}"
    if base == "power":
        return f"site {c.get('site')} power{month}"
    if base == "demand":
        return f"workload {c.get('workload')} inference demand{month}"
    if base == "training":
        return f"training run {c.get('workload')} FLOP inside its window"
    if base == "one_site":
        return f"training run {c.get('workload')} single site"
    if base == "site_link":
        return f"training run {c.get('workload')} at site {c.get('site')}{month}"
    if base in (
        "rofr_outside",
        "rofr_taken",
        "rofr_dominance",
        "rofr_shared",
        "rofr_run",
        "rofr_run_fill",
        "rofr_serve",
    ):
        ks = pm.rofr_rows.get(name) or [int(arg.split(",")[0])]
        term = pm.inputs.rofr[ks[0]]
        return f"contract {term.ref.contract} clause {term.ref.index} right_of_first_refusal{month}"
    if base == "min_spend":
        term_ms = pm.inputs.min_spend[int(arg)]
        tail = " (its months after the horizon)" if term_ms.in_tail else ""
        return f"contract {term_ms.ref.contract} clause {term_ms.ref.index} min_spend{tail}"
    return f"{name} {c}"


def _conflicts(pm: PlanModel) -> list[str]:
    m = pm.model
    # HiGHS keeps one thread scheduler per process, sized by the first run that needs
    # it; an IIS asked of a model with another ``threads`` option then fails. Reset it
    # so that the IIS runs with this model's own option (solves here are sequential).
    highspy.Highs.resetGlobalScheduler(True)
    try:
        labels = m.compute_infeasibilities()
    except Exception as exc:
        return [f"(HiGHS could not compute the conflicting set: {exc})"]
    out: list[str] = []
    for label in labels:
        pos = m.constraints.get_label_position(int(label))
        if not isinstance(pos, tuple) or len(pos) != 2:
            continue
        name, coords = pos
        if not isinstance(name, str) or not isinstance(coords, dict):
            continue
        text = describe_constraint(pm, name, coords)
        if text not in out:
            out.append(text)
    return out


def _mip_progress(progress: ProgressCallback) -> Callable[[Any], None]:
    """A HiGHS MIP callback that reports to ``progress`` at most every PROGRESS_EVERY_S."""
    last = [-PROGRESS_EVERY_S]

    def report(event: Any) -> None:
        out = event.data_out
        elapsed = float(out.running_time)
        if elapsed - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = elapsed
        primal, dual = float(out.mip_primal_bound), float(out.mip_dual_bound)
        incumbent = primal if np.isfinite(primal) and abs(primal) < 1e30 else None
        bound = dual if np.isfinite(dual) and abs(dual) < 1e30 else None
        gap = float(out.mip_gap) if incumbent is not None and bound is not None else None
        progress(SolveProgress(elapsed, incumbent, bound, gap, int(out.mip_node_count)))

    return report


def start_vector(pm: PlanModel, start: dict[str, np.ndarray]) -> np.ndarray:
    """A known plan as a vector in the column order of the solver model.

    ``start`` maps variable names to values, as :attr:`SolveOutcome.primal` does;
    variables absent from it are 0.
    """
    m = pm.model
    flat = np.zeros(m._xCounter)
    for name in m.variables:
        if name not in start:
            continue
        labels = np.asarray(m.variables[name].labels.values)
        values = np.broadcast_to(np.asarray(start[name], dtype=float), labels.shape)
        keep = labels != -1
        flat[labels[keep]] = np.nan_to_num(values[keep], nan=0.0)
    vlabels = np.asarray(m.variables.label_index.vlabels)
    return np.asarray(flat[vlabels], dtype=float)


def run_highs(
    pm: PlanModel,
    solver_options: dict[str, Any],
    *,
    start: dict[str, np.ndarray] | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[str, str]:
    """Pass the model to HiGHS, run it (from ``start`` when given), keep the result on it.

    ``start`` is a MIP start: HiGHS checks it and, when feasible, begins with it as the
    incumbent. Returns linopy's (status, termination condition).
    """
    m = pm.model
    m.reset_solution()
    m.solver = None  # closes the previous solver model, as linopy's own solve does
    solver = linopy_solvers.Solver.from_name(
        "highs", model=m, io_api="direct", options=dict(solver_options)
    )
    h = solver.solver_model
    if start is not None and m.binaries.nvars:
        solution = highspy.HighsSolution()
        solution.col_value = list(start_vector(pm, start))
        solution.value_valid = True
        h.setSolution(solution)
    if progress is not None and m.binaries.nvars:
        h.cbMipInterrupt.subscribe(_mip_progress(progress))
    result = solver.solve()
    if h.getModelStatus() == highspy.HighsModelStatus.kNotset:
        # HiGHS refused to start: its per-process thread scheduler was sized for another
        # ``threads`` option (an IIS resets it). Solves here are sequential: reset, rerun.
        highspy.Highs.resetGlobalScheduler(True)
        result = solver.solve()
    status, condition = m.assign_result(result, solver)
    return str(status), str(condition)


def rerun_highs(
    pm: PlanModel, *, start: np.ndarray | None = None, progress: ProgressCallback | None = None
) -> tuple[str, float | None, float | None]:
    """Run the HiGHS model of an already solved ``pm`` again, after changes made to it.

    Used for counterfactuals that change bounds or costs of the built model rather than
    rebuild it. ``start`` is a MIP start in column order (:func:`start_vector`).

    Returns:
        (status, objective $M or None, MIP gap or None); status is ``optimal``,
        ``time_limit`` (with a plan), ``infeasible`` or HiGHS's own word otherwise.
    """
    h = pm.model.solver_model
    if h is None:
        raise SolverError("the model has not been passed to HiGHS yet; solve it first")
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    report = _mip_progress(progress) if progress is not None else None
    if report is not None:
        h.cbMipInterrupt.subscribe(report)
    try:
        with _quiet_stdout():
            ran = h.run()
            if ran == highspy.HighsStatus.kError and (
                h.getModelStatus() == highspy.HighsModelStatus.kNotset
            ):
                # HiGHS keeps one thread scheduler per process; a run whose ``threads``
                # differs from the one that sized it (an IIS run in between resets it)
                # refuses to start. Solves here are sequential: reset it and run again.
                highspy.Highs.resetGlobalScheduler(True)
                h.run()
    finally:
        if report is not None:
            h.cbMipInterrupt.unsubscribe(report)
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) if has_solution else None
    gap = float(info.mip_gap) if pm.model.binaries.nvars and has_solution else None
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal", objective, gap
    if status == highspy.HighsModelStatus.kTimeLimit and has_solution:
        return "time_limit", objective, gap
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, None
    return h.modelStatusToString(status), objective, gap


def solve_model(
    pm: PlanModel,
    options: SolveOptions,
    *,
    start: dict[str, np.ndarray] | None = None,
    progress: ProgressCallback | None = None,
) -> SolveOutcome:
    """Solve, compute duals (LP with binaries fixed for a MILP), report the outcome.

    Args:
        pm: The built model.
        options: Solver settings.
        start: A known plan of this model (variable name -> values, e.g. the primal of
            a solve of a more restricted model) that HiGHS starts from.
        progress: Called while HiGHS runs (MILP only) with elapsed time, incumbent,
            bound and gap.

    Raises:
        InfeasibleError: no plan satisfies the constraints (conflicts named).
        SolverError: unbounded, or a limit was hit before any solution was found.
    """
    m = pm.model
    _refuse_magnitudes(pm)
    # linopy removes zero coefficients and infinite bounds before it hands the model
    # over; do it first, so that an MPS export and the solve see the same rows.
    m.constraints.sanitize_zeros()
    m.constraints.sanitize_infinities()
    # Sanitizing can empty rows; linopy caches the rows' labels (an earlier MPS export
    # fills that cache) and does not drop it here, so that a solve would then read its
    # duals against stale rows. Drop the cache.
    m.constraints._invalidate_label_position_index()
    if options.export_mps is not None:
        m.to_file(Path(options.export_mps))
    solver_options = highs_options(options)
    started = time.perf_counter()
    try:
        with _quiet_stdout(), np.errstate(all="ignore"):
            status, condition = run_highs(pm, solver_options, start=start, progress=progress)
    except Exception as exc:  # linopy or HiGHS failing on the model: explain, never crash
        raise SolverError(_explain(pm, f"HiGHS failed ({type(exc).__name__}: {exc})")) from None
    seconds = time.perf_counter() - started
    condition = str(condition)
    if condition in ("infeasible", "infeasible_or_unbounded") and status != "ok":
        conflicts = _conflicts(pm) if condition == "infeasible" else []
        hint = (
            "the scenario asks for more than it can supply; the conflicting constraints "
            "are listed below. Allow shortfall (drop --strict-demand) or add capacity."
        )
        raise InfeasibleError(f"no feasible plan ({condition}): {hint}", conflicts)
    if condition == "unbounded":
        raise SolverError("the plan is unbounded: some cost is negative without limit")
    has_solution = bool(np.isfinite(m.objective.value)) if m.objective.value is not None else False
    if condition in _LIMITS:
        if not has_solution:
            raise SolverError(
                f"the {_LIMITS[condition]} was reached before any plan was found; "
                "raise --time-limit (or --node-limit) or loosen --mip-gap"
            )
        result_status = "time_limit" if condition == "time_limit" else "node_limit"
    elif status == "ok" and condition == "optimal" and has_solution:
        result_status = "optimal"
    else:
        raise SolverError(_explain(pm, f"HiGHS stopped without a plan ({status}, {condition})"))
    gap = None
    if m.binaries.nvars:
        info = m.solver_model.getInfo() if m.solver_model is not None else None
        gap = float(info.mip_gap) if info is not None else None
    primal = {
        name: np.nan_to_num(m.variables[name].solution.values, nan=0.0) for name in m.variables
    }
    objective = float(m.objective.value if m.objective.value is not None else np.nan)
    duals = False
    if options.duals:
        duals = _duals_with_fixed_binaries(pm, solver_options)
    return SolveOutcome(result_status, gap, seconds, duals, objective, primal)


def _refuse_magnitudes(pm: PlanModel) -> None:
    """Refuse, before solving, numbers HiGHS cannot represent (exit code 2, located)."""
    scenario = pm.inputs.scenario
    refused = [m for m in magnitudes(pm.inputs) if m.refused]
    if refused:
        raise ScenarioError(
            [
                Problem(
                    scenario.locate(m.path),
                    describe(m),
                    f"the planner refuses {REFUSED_FROM:g} and more of its units (HiGHS reads "
                    "such numbers as infinite or refuses them); write a realistic value",
                )
                for m in refused
            ]
        )


def _explain(pm: PlanModel, what: str) -> str:
    """A solver failure in scenario terms: the numbers most likely to blame, with keys."""
    found = magnitudes(pm.inputs)
    if not found:
        return (
            f"{what}. The scenario's numbers are within the range the planner keeps "
            "well-conditioned; try --time-limit, or --export-mps and HiGHS on its own"
        )
    low, high = WELL_CONDITIONED
    lines = [f"  - {describe(m)} [{pm.inputs.scenario.locate(m.path)}]" for m in found[:8]]
    more = f"\n  ... and {len(found) - 8} more" if len(found) > 8 else ""
    return (
        f"{what}: the scenario has numbers outside what the planner keeps well-conditioned "
        f"({low:g}..{high:g} of its units; see `gigawatt validate`):\n"
        + "\n".join(lines)
        + more
        + "\nWrite realistic values for these keys."
    )


def _duals_with_fixed_binaries(pm: PlanModel, solver_options: dict[str, Any]) -> bool:
    """Re-solve as an LP with binaries at their values, so that duals exist."""
    m = pm.model
    if not m.binaries.nvars:
        return True
    for name in list(m.binaries):
        var = m.variables[name]
        var.fix(value=var.solution.fillna(0.0).round().clip(0.0, 1.0))
    m.binaries.relax()
    try:
        with _quiet_stdout(), np.errstate(all="ignore"):
            status, condition = m.solve(solver_name="highs", io_api="direct", **solver_options)
        ok = status == "ok" and str(condition) == "optimal"
    except Exception:  # no duals is a result, reported as such
        ok = False
    finally:
        m.variables.relaxed.unrelax()
        m.variables.fixed.unfix()
    return ok
