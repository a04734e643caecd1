r"""One future's planning model, built by the planner, with its first stage fixed or priced.

Every solve of a single future goes through :func:`solve_future`, as a plain call or as
a Ray task (its arguments are the scenario's raw data and the future's values, so that
a worker rebuilds the model itself):

* *fixed*: the first-stage entries :math:`x` set to given values :math:`\hat x` (rows
  ``x = \hat x``): the cost of a first stage in that future (the mean-value plan's,
  or the hedged consensus);
* *priced* (progressive hedging): the objective becomes
  :math:`f_s(x, y) + w_s^\top x + \tfrac{\rho}{2}\lVert x - \bar x \rVert^2`, a
  quadratic programme;
* neither: the wait-and-see plan of that future.

The returned cost is always :math:`f_s`, the planner's own objective (model units,
$M, tail months included), without the hedging terms.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from linopy.config import LinopySemanticsWarning

from gigawatt.decide.stages import first_stage, first_stage_values
from gigawatt.errors import GigawattError, InfeasibleError
from gigawatt.plan.model import PlanModel
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveOptions, solve_model
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import PathItem
from gigawatt.sweep.scenarios import SampleSpec, apply_values

__all__ = [
    "FutureModel",
    "FutureSolve",
    "Prices",
    "fix_first_stage",
    "future_model",
    "solve_future",
]

Values = dict[str, npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Prices:
    """Progressive hedging's terms: multipliers :math:`w_s`, consensus x̄, ρ."""

    multipliers: Values
    consensus: Values
    rho: float


@dataclass(frozen=True)
class FutureSolve:
    """What a solve of one future gave.

    Attributes:
        index: The future.
        status: ``optimal``, ``time_limit``, ``node_limit`` or ``infeasible``.
        objective_musd: :math:`f_s` ($M, model units); inf when infeasible.
        first_stage: Its first-stage entries (0 elsewhere), by variable name.
        message: Why it failed (empty otherwise).
    """

    index: int
    status: str
    objective_musd: float
    first_stage: Values
    message: str = ""


def _first_stage_entries(
    pm: PlanModel, masks: dict[str, npt.NDArray[np.bool_]]
) -> Iterator[tuple[str, Any, npt.NDArray[np.bool_]]]:
    """(name, variable, entries that are first stage and exist) of each first-stage variable."""
    m = pm.model
    for name, mask in masks.items():
        if name in m.variables:
            var = m.variables[name]
            yield name, var, mask & (np.asarray(var.labels.values) != -1)


def fix_first_stage(pm: PlanModel, masks: dict[str, npt.NDArray[np.bool_]], fixed: Values) -> None:
    """Add rows ``x = fixed`` for every first-stage entry the model has."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for name, var, on in _first_stage_entries(pm, masks):
            value = var.labels.copy(data=np.asarray(fixed[name], dtype=float))
            pm.model.add_constraints(
                var - value == 0, name=f"fixed_{name}", mask=var.labels.copy(data=on)
            )


def _price(
    pm: PlanModel, base: Any, masks: dict[str, npt.NDArray[np.bool_]], prices: Prices
) -> Any:
    """The planner's objective ``base`` plus the hedging terms (a quadratic expression)."""
    objective: Any = base
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for name, var, on in _first_stage_entries(pm, masks):
            linear = np.where(on, prices.multipliers[name] - prices.rho * prices.consensus[name], 0)
            half_rho = np.where(on, prices.rho / 2.0, 0.0)
            objective = objective + (var * var.labels.copy(data=linear)).sum()
            objective = objective + (var * var * var.labels.copy(data=half_rho)).sum()
    return objective


class FutureModel:
    """One future's planning model, built once and solved as often as needed.

    Progressive hedging in this process keeps one per future and changes only the
    objective between iterations; a Ray task builds one for its single solve.
    """

    def __init__(
        self, scenario: Scenario, index: int, options: SolveOptions, decision_month: int
    ) -> None:
        """Build the model of ``scenario`` (future ``index``)."""
        self.index = index
        self.options = replace(options, duals=False, export_mps=None)
        self.pm = build(scenario, self.options)
        self.stage = first_stage(self.pm, decision_month)
        self.base = self.pm.model.objective.expression

    def solve(self, fixed: Values | None = None, prices: Prices | None = None) -> FutureSolve:
        """Solve with the first stage fixed (for good) or priced (this solve only).

        Raises:
            GigawattError: hedging terms on a model with binaries, or a solver failure.
        """
        pm = self.pm
        if fixed is not None:
            fix_first_stage(pm, self.stage.masks, fixed)
        if prices is not None and prices.rho > 0:
            if pm.model.binaries.nvars:
                raise GigawattError(
                    f"future {self.index} has binary variables (right of first refusal or "
                    "single-site runs); progressive hedging needs a quadratic programme, "
                    "which HiGHS solves only without binaries: use the extensive form"
                )
            pm.model.add_objective(_price(pm, self.base, self.stage.masks, prices), overwrite=True)
        else:
            pm.model.add_objective(self.base, overwrite=True)
        try:
            outcome = solve_model(pm, self.options)
        except InfeasibleError as exc:
            return FutureSolve(self.index, "infeasible", float("inf"), {}, str(exc))
        values = first_stage_values(self.stage, outcome.primal)
        cost = expression_value(self.base, outcome.primal, pm)
        return FutureSolve(self.index, outcome.status, cost, values)


def future_model(
    raw: dict[str, Any],
    source: str,
    paths: dict[str, tuple[PathItem, ...]],
    spec: SampleSpec,
    options: SolveOptions,
    decision_month: int,
) -> FutureModel:
    """The model of one future, from the scenario's raw data and the future's values.

    Raises:
        ScenarioError: the future's values make an invalid scenario.
    """
    scenario = scenario_from_data(
        apply_values(raw, paths, spec.values), f"{source} (future {spec.index})"
    )
    return FutureModel(scenario, spec.index, options, decision_month)


def solve_future(
    raw: dict[str, Any],
    source: str,
    paths: dict[str, tuple[PathItem, ...]],
    spec: SampleSpec,
    options: SolveOptions,
    decision_month: int,
    fixed: Values | None = None,
    prices: Prices | None = None,
) -> FutureSolve:
    """Build and solve one future (see the module docstring); infeasible is a status.

    Raises:
        GigawattError: the future's scenario is invalid, or the solver failed otherwise.
    """
    model = future_model(raw, source, paths, spec, options, decision_month)
    return model.solve(fixed, prices)


def expression_value(expression: Any, primal: Values, pm: PlanModel) -> float:
    """The value of a linear expression of ``pm``'s variables at a solution."""
    m = pm.model
    flat = np.zeros(max(int(m._xCounter), 1))
    for name in m.variables:
        labels = np.asarray(m.variables[name].labels.values)
        keep = labels != -1
        flat[labels[keep]] = np.asarray(primal[name], dtype=float)[keep]
    data = expression.data
    coeffs = np.asarray(data["coeffs"].values, dtype=float)
    labels = np.asarray(data["vars"].values)
    on = labels != -1
    const = float(np.asarray(data["const"].values, dtype=float).sum())
    return float((coeffs[on] * flat[labels[on]]).sum() + const)
