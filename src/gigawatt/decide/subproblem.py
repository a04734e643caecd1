r"""One future's planning model, built by the planner, with its first stage fixed or priced.

A :class:`FutureModel` is built once (in this process, or once per Ray actor) and
solved as often as needed; each solve adds its own rows and objective and takes them
away again, so that the model is the planner's between solves. The solves:

* *plain*: the wait-and-see plan of that future, :math:`\min f_s(x, y)`;
* *fixed*: the first-stage entries :math:`x` set to given values :math:`\hat x` (rows
  ``x = \hat x``): the cost of a first stage in that future (the mean-value plan's,
  or the hedged consensus);
* *priced* (progressive hedging, :mod:`gigawatt.decide.hedging`): the objective

  .. math:: g_s(x, \eta, y) + w_s^\top (x, \eta) + \sum_i q_i\big((x, \eta)_i - \bar x_i\big),

  with :math:`g_s = f_s` for the expectation, or, with a CVaR weight :math:`W`,

  .. math:: g_s = (1 - W) f_s + W \Big(\eta + \frac{a_s}{1 - \alpha}\Big),
            \quad a_s \ge f_s - \eta,\ a_s \ge 0,

  the extensive form's Rockafellar-Uryasev objective split by future, :math:`\eta`
  being one more first-stage variable (a real number, $M) shared by every future.
  The proximal term :math:`q_i(d)` is :math:`\tfrac{\rho_i}{2} d^2` (a quadratic
  programme) when the model has no binaries. HiGHS solves no mixed-integer quadratic
  programme, so a model with binaries gets a linear one instead: for a binary entry
  :math:`x^2 = x`, so :math:`\tfrac{\rho}{2}(x - \bar x)^2 = \tfrac{\rho}{2}(1 - 2\bar x)
  x + \text{const}` exactly; for a continuous entry :math:`q_i` is the outer
  approximation by tangents, :math:`q_i \ge \rho_i d_k d - \tfrac{\rho_i}{2} d_k^2` at
  :math:`d_k = e_i \cdot \{0, \pm\tfrac14, \pm\tfrac12, \pm 1, \pm 2, \pm 4\}` with
  :math:`e_i` the largest distance of a future's :math:`x_i` from :math:`\bar x_i` at the
  previous iteration (mpi-sppy's linearised proximal term). Without the proximal term
  (``rho`` None) the solve is a Lagrangian subproblem, and its *bound* (the optimum of
  an LP; HiGHS's dual bound of a MIP) is a lower bound of its optimum.

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

from gigawatt.decide.highsfuture import HighsFuture, Objective
from gigawatt.decide.metrics import Risk
from gigawatt.decide.stages import first_stage, first_stage_values
from gigawatt.errors import InfeasibleError
from gigawatt.plan.model import PlanModel
from gigawatt.plan.planner import build
from gigawatt.plan.solve import SolveOptions, solve_model
from gigawatt.scenario.load import scenario_from_data
from gigawatt.scenario.schema import Scenario
from gigawatt.scenario.yamlmarks import PathItem
from gigawatt.sweep.scenarios import SampleSpec, apply_values

__all__ = [
    "ETA",
    "FutureModel",
    "FutureSolve",
    "Prices",
    "commitment_cost_musd",
    "fix_first_stage",
    "future_model",
    "solve_future",
]

Values = dict[str, npt.NDArray[np.float64]]
ETA = "cvar_eta"
"""Name of CVaR's :math:`\\eta` among the hedged first-stage values (a 0-d array)."""
_EXCESS = "cvar_excess"
_PROX = "hedging_prox"
_STEPS = (-4.0, -2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Prices:
    r"""Progressive hedging's terms for one future (module docstring).

    Attributes:
        multipliers: :math:`w_s` by variable name (and :data:`ETA`).
        consensus: :math:`\bar x` by name.
        rho: :math:`\rho_i` by name; None for a Lagrangian subproblem (no proximal term).
        reach: :math:`e_i` by name, the tangents' scale of a linearised proximal term.
        eta_bounds: :math:`[\eta_{lo}, \eta_{hi}]` ($M) to keep :math:`\eta` within.
    """

    multipliers: Values
    consensus: Values
    rho: Values | None
    reach: Values | None = None
    eta_bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class FutureSolve:
    """What a solve of one future gave.

    Attributes:
        index: The future.
        status: ``optimal``, ``time_limit``, ``node_limit`` or ``infeasible``.
        objective_musd: :math:`f_s` ($M, model units); inf when infeasible.
        first_stage: Its first-stage entries (0 elsewhere), by variable name, with
            :data:`ETA` when the solve was priced with a CVaR weight.
        bound_musd: A lower bound of the solved objective (hedging terms included):
            the optimum of an LP, HiGHS's dual bound of a MIP; -inf when infeasible.
        message: Why it failed (empty otherwise).
    """

    index: int
    status: str
    objective_musd: float
    first_stage: Values
    bound_musd: float = -np.inf
    message: str = ""


def commitment_cost_musd(pm: PlanModel) -> npt.NDArray[np.float64]:
    r"""What one unit of ``new[o, t]`` costs in the objective, $M per thousand accelerators.

    A reservation or build started in month :math:`t` is installed for its term
    :math:`L_o`, each month at the discounted cost :math:`\kappa_{o,\tau}\delta_\tau`:
    :math:`c_{o,t} = \sum_{\tau=t}^{t+L_o-1} \kappa_{o,\tau} \delta_\tau` (months past
    the model's end excluded). The scale of progressive hedging's :math:`\rho`.
    """
    inp = pm.inputs
    unit = np.asarray(inp.cost_musd_per_kacc, dtype=float) * np.asarray(inp.discount)[None, :]
    n_o, n_t = unit.shape
    cumulative = np.concatenate([np.zeros((n_o, 1)), np.cumsum(unit, axis=1)], axis=1)
    out = np.zeros((n_o, n_t))
    for k in range(n_o):
        term = int(inp.term[k])
        if term <= 0:
            continue
        end = np.minimum(np.arange(n_t) + term, n_t)
        out[k] = cumulative[k, end] - cumulative[k, :n_t]
    return out


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
    """Add rows ``x = fixed`` (named ``fixed_<name>``) for every first-stage entry."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for name, var, on in _first_stage_entries(pm, masks):
            value = var.labels.copy(data=np.asarray(fixed[name], dtype=float))
            pm.model.add_constraints(
                var - value == 0, name=f"fixed_{name}", mask=var.labels.copy(data=on)
            )


class FutureModel:
    """One future's planning model, built once and solved as often as needed."""

    def __init__(
        self,
        scenario: Scenario,
        index: int,
        options: SolveOptions,
        decision_month: int,
        risk: Risk | None = None,
    ) -> None:
        """Build the model of ``scenario`` (future ``index``); with a CVaR weight, add η, a_s."""
        self.index = index
        self.options = replace(options, duals=False, export_mps=None)
        self.pm = build(scenario, self.options)
        self.stage = first_stage(self.pm, decision_month)
        self.base = self.pm.model.objective.expression
        self.risk = risk or Risk()
        self.binary = {
            name: bool(self.pm.model.variables[name].attrs["binary"])
            for name, _, _ in self._entries()
        }
        self.has_binaries = bool(self.pm.model.binaries.nvars)
        if self.risk.cvar_weight > 0:
            m = self.pm.model
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
                eta = m.add_variables(name=ETA)
                excess = m.add_variables(lower=0, name=_EXCESS)
                m.add_constraints(excess - self.base + eta >= 0, name="cvar_excess_row")
            self.eta, self.excess = eta, excess
        self.fast: _Columns | None = None

    def _entries(self) -> Iterator[tuple[str, Any, npt.NDArray[np.bool_]]]:
        return _first_stage_entries(self.pm, self.stage.masks)

    def commitment_cost_musd(self) -> npt.NDArray[np.float64]:
        """:func:`commitment_cost_musd` of this model."""
        return commitment_cost_musd(self.pm)

    def solve(self, fixed: Values | None = None, prices: Prices | None = None) -> FutureSolve:
        """Solve with the first stage fixed or priced (module docstring), then undo both.

        The first solve goes through linopy and :func:`solve_model` (which checks and
        sanitises the model); once one has been proven optimal, the model's HiGHS
        instance is kept and later solves change it in place
        (:mod:`gigawatt.decide.highsfuture`), falling back to linopy for a solve that
        HiGHS does not prove optimal.

        Raises:
            GigawattError: a solver failure other than infeasibility.
        """
        if self.fast is not None:
            quick = self.fast.solve(fixed, prices)
            if quick is not None:
                return quick
        solved = self._solve_linopy(fixed, prices)
        if self.fast is None and solved.status == "optimal":
            self.fast = _Columns(self)
        return solved

    def _solve_linopy(self, fixed: Values | None, prices: Prices | None) -> FutureSolve:
        """One solve through linopy (the model's objective and rows rebuilt for it)."""
        m = self.pm.model
        added: list[str] = []
        if fixed is not None:
            before = set(m.constraints)
            fix_first_stage(self.pm, self.stage.masks, fixed)
            added = [c for c in m.constraints if c not in before]
        priced = prices is not None
        if prices is not None:
            m.add_objective(self._priced_objective(prices), overwrite=True)
        else:
            m.add_objective(self.base, overwrite=True)
        try:
            outcome = solve_model(self.pm, self.options)
        except InfeasibleError as exc:
            return FutureSolve(self.index, "infeasible", float("inf"), {}, -np.inf, str(exc))
        finally:
            added += [c for c in m.constraints if c.startswith(_PROX)]
            added += [c for c in ("eta_lower", "eta_upper") if c in m.constraints]
            if added:
                m.remove_constraints(added)
            m.add_objective(self.base, overwrite=True)
            for name in [v for v in m.variables if v.startswith(_PROX)]:
                m.remove_variables(name)
        values = first_stage_values(self.stage, outcome.primal)
        if priced and self.risk.cvar_weight > 0:
            values[ETA] = np.asarray(outcome.primal[ETA], dtype=float).reshape(())
        cost = expression_value(self.base, outcome.primal, self.pm)
        bound = outcome.objective_musd
        if outcome.mip_gap is not None and m.solver_model is not None:
            info = m.solver_model.getInfo()
            # HiGHS's own incumbent and dual bound (without linopy's constant term)
            bound -= max(0.0, float(info.objective_function_value) - float(info.mip_dual_bound))
        return FutureSolve(self.index, outcome.status, cost, values, bound)

    def _priced_objective(self, prices: Prices) -> Any:
        """g_s + w_s (x, eta) + the proximal term (module docstring), as a linopy expression."""
        m = self.pm.model
        w = self.risk.cvar_weight
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
            objective: Any = self.base
            if w > 0:
                tail = self.eta + self.excess / (1.0 - self.risk.cvar_alpha)
                objective = (1.0 - w) * self.base + w * tail
                lo, hi = prices.eta_bounds or (-np.inf, np.inf)
                if np.isfinite(lo):
                    m.add_constraints(self.eta >= lo, name="eta_lower")
                if np.isfinite(hi):
                    m.add_constraints(self.eta <= hi, name="eta_upper")
            entries: list[tuple[str, Any, npt.NDArray[np.bool_]]] = list(self._entries())
            if w > 0:
                entries.append((ETA, self.eta, np.asarray(True)))
            linear_mode = self.has_binaries
            for name, var, on in entries:
                mult = np.where(on, prices.multipliers[name], 0.0)
                objective = objective + _times(var, mult)
                if prices.rho is None:
                    continue
                rho = np.where(on, prices.rho[name], 0.0)
                xbar = np.where(on, prices.consensus[name], 0.0)
                if not linear_mode:
                    objective = objective + _times(var, -rho * xbar) + _times_sq(var, rho / 2.0)
                elif self.binary.get(name, False):
                    objective = objective + _times(var, rho / 2.0 * (1.0 - 2.0 * xbar))
                else:
                    objective = objective + self._tangents(name, var, on, rho, xbar, prices)
        return objective

    def _tangents(
        self,
        name: str,
        var: Any,
        on: npt.NDArray[np.bool_],
        rho: npt.NDArray[np.float64],
        xbar: npt.NDArray[np.float64],
        prices: Prices,
    ) -> Any:
        """Variable q >= rho d_k (x - xbar) - rho d_k^2 / 2 for each tangent; returns sum q."""
        m = self.pm.model
        reach = np.asarray(prices.reach[name] if prices.reach else np.ones_like(xbar))
        label = f"{_PROX}/{name}"
        mask = None if var.labels.ndim == 0 else var.labels.copy(data=on)
        if mask is None:
            q = m.add_variables(lower=0, name=label)
        else:
            q = m.add_variables(lower=0, coords=var.labels.coords, name=label, mask=mask)
        for j, step in enumerate(_STEPS):
            d = step * reach
            slope = rho * d
            # entry by entry: q_i - slope_i x_i (not the sum over entries of _times)
            lhs = q - (_times(var, slope) if mask is None else var * var.labels.copy(data=slope))
            rhs = -slope * xbar - rho * d * d / 2.0
            if mask is None:
                m.add_constraints(lhs >= float(rhs), name=f"{label}/cut{j}")
            else:
                full = np.broadcast_to(rhs, var.labels.shape).astype(float)
                m.add_constraints(
                    lhs >= var.labels.copy(data=full), name=f"{label}/cut{j}", mask=mask
                )
        return q.sum()


class _Columns:
    """A :class:`FutureModel`'s objectives in HiGHS's columns (:mod:`~.highsfuture`)."""

    def __init__(self, future: FutureModel) -> None:
        self.future = future
        self.highs = HighsFuture(future.pm.model, future.options)
        self.cost, self.constant = self.highs.linear(future.base)
        self.entries: list[tuple[str, npt.NDArray[np.bool_], npt.NDArray[np.int64]]] = [
            (name, on, self.highs.columns_of(np.asarray(var.labels.values)))
            for name, var, on in future._entries()
        ]
        self.eta = self.excess = -1
        if future.risk.cvar_weight > 0:
            self.eta = int(self.highs.columns_of(np.asarray(future.eta.labels.values)))
            self.excess = int(self.highs.columns_of(np.asarray(future.excess.labels.values)))

    def solve(self, fixed: Values | None, prices: Prices | None) -> FutureSolve | None:
        """The solve of :meth:`FutureModel.solve`, or None when HiGHS proves no optimum."""
        future = self.future
        bounds: dict[int, tuple[float, float]] = {}
        if fixed is not None:
            for name, on, cols in self.entries:
                target = np.broadcast_to(np.asarray(fixed[name], dtype=float), cols.shape)
                for c, v in zip(cols[on], target[on], strict=True):
                    bounds[int(c)] = (float(v), float(v))
        objective = Objective(self.cost.copy(), self.constant)
        if prices is not None:
            objective = self._priced(prices, bounds)
        outcome = self.highs.solve(objective, bounds)
        if outcome is None:
            return None
        x = outcome.values
        primal = {
            name: np.where(cols >= 0, x[np.maximum(cols, 0)], 0.0) for name, _, cols in self.entries
        }
        values = first_stage_values(future.stage, primal)
        if prices is not None and future.risk.cvar_weight > 0:
            values[ETA] = np.asarray(x[self.eta], dtype=float).reshape(())
        cost = float(self.cost @ x + self.constant)
        return FutureSolve(future.index, "optimal", cost, values, outcome.bound_musd)

    def _priced(self, prices: Prices, bounds: dict[int, tuple[float, float]]) -> Objective:
        """FutureModel._priced_objective, term for term, in columns."""
        future = self.future
        w = future.risk.cvar_weight
        cost, constant = self.cost.copy(), self.constant
        entries = list(self.entries)
        if w > 0:
            cost, constant = (1.0 - w) * cost, (1.0 - w) * constant
            cost[self.eta] += w
            cost[self.excess] += w / (1.0 - future.risk.cvar_alpha)
            lo, hi = prices.eta_bounds or (-np.inf, np.inf)
            bounds[self.eta] = (lo, hi)
            entries.append((ETA, np.asarray(True), np.asarray(self.eta)))
        hess_cols: list[npt.NDArray[np.int64]] = []
        hess_values: list[npt.NDArray[np.float64]] = []
        cuts: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
        steps = np.asarray(_STEPS)
        for name, on, cols in entries:
            on_all = np.broadcast_to(on, cols.shape)
            c = cols[on_all]
            np.add.at(cost, c, _at(prices.multipliers[name], cols, on_all))
            if prices.rho is None:
                continue
            rho = _at(prices.rho[name], cols, on_all)
            xbar = _at(prices.consensus[name], cols, on_all)
            if not future.has_binaries:
                np.add.at(cost, c, -rho * xbar)
                hess_cols.append(c)
                hess_values.append(rho)
            elif future.binary.get(name, False):
                np.add.at(cost, c, rho / 2.0 * (1.0 - 2.0 * xbar))
            else:
                reach = (
                    _at(prices.reach[name], cols, on_all) if prices.reach else np.ones_like(xbar)
                )
                for k in range(c.size):
                    d = steps * reach[k]
                    slope = rho[k] * d
                    cuts.append((int(c[k]), slope, -slope * xbar[k] - rho[k] * d * d / 2.0))
        hessian = (np.concatenate(hess_cols), np.concatenate(hess_values)) if hess_cols else None
        return Objective(cost, constant, hessian, cuts or None)


def _at(values: Any, cols: npt.NDArray[np.int64], on: npt.NDArray[np.bool_]) -> Any:
    """``values`` (broadcast to the variable's shape) at its entries ``on``."""
    return np.broadcast_to(np.asarray(values, dtype=float), cols.shape)[on]


def _times(var: Any, coefficients: Any) -> Any:
    """sum_i c_i var_i as a linopy expression (0-d or labelled)."""
    c = np.asarray(coefficients, dtype=float)
    if var.labels.ndim == 0:
        return var * float(c)
    return (var * var.labels.copy(data=np.broadcast_to(c, var.labels.shape).astype(float))).sum()


def _times_sq(var: Any, coefficients: Any) -> Any:
    """sum_i c_i var_i^2 as a linopy quadratic expression."""
    c = np.asarray(coefficients, dtype=float)
    if var.labels.ndim == 0:
        return var * var * float(c)
    return (
        var * var * var.labels.copy(data=np.broadcast_to(c, var.labels.shape).astype(float))
    ).sum()


def future_model(
    raw: dict[str, Any],
    source: str,
    paths: dict[str, tuple[PathItem, ...]],
    spec: SampleSpec,
    options: SolveOptions,
    decision_month: int,
    risk: Risk | None = None,
) -> FutureModel:
    """The model of one future, from the scenario's raw data and the future's values.

    Raises:
        ScenarioError: the future's values make an invalid scenario.
    """
    scenario = scenario_from_data(
        apply_values(raw, paths, spec.values), f"{source} (future {spec.index})"
    )
    return FutureModel(scenario, spec.index, options, decision_month, risk)


def solve_future(
    raw: dict[str, Any],
    source: str,
    paths: dict[str, tuple[PathItem, ...]],
    spec: SampleSpec,
    options: SolveOptions,
    decision_month: int,
    fixed: Values | None = None,
) -> FutureSolve:
    """Build and solve one future, plain or with its first stage fixed; infeasible is a status.

    Raises:
        GigawattError: the future's scenario is invalid, or the solver failed otherwise.
    """
    model = future_model(raw, source, paths, spec, options, decision_month)
    return model.solve(fixed)


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
