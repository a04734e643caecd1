r"""Progressive hedging (Rockafellar and Wets, 1991): the extensive form, one future at a time.

Futures :math:`s` with probabilities :math:`p_s`; :math:`x_s` future :math:`s`'s
first stage (the entries of :mod:`gigawatt.decide.stages`, thousands of accelerators
or 0/1 site choices; with a CVaR weight :math:`W > 0` also CVaR's :math:`\eta`, $M:
the extensive form's objective is separable by future once :math:`\eta` is a
first-stage variable, :mod:`gigawatt.decide.subproblem`). :math:`g_s` is a future's
share of the objective (:math:`f_s`, or its CVaR form).

1. **Start.** :math:`x_s^0 = \arg\min f_s` (the wait-and-see plans; with CVaR
   :math:`\eta_s^0 = f_s(x_s^0)`, the minimiser of :math:`g_s` in :math:`\eta`);
   :math:`\bar x^0 = \sum_s p_s x_s^0`.
2. **Penalties, per entry** (Watson and Woodruff's SEP, 2011): :math:`\rho_i = c_i /
   \max(\delta_i, 1)` with :math:`c_i` the objective cost of one unit of the entry
   (:func:`gigawatt.decide.subproblem.commitment_cost_musd`, its weighted mean over the
   futures; entries without a cost, such as site choices, take the mean cost of those
   with one) and :math:`\delta_i = \sum_s p_s |x_{s,i}^0 - \bar x_i^0|` (a binary:
   :math:`\max_s x_{s,i}^0 - \min_s x_{s,i}^0 + 1`); for :math:`\eta`, :math:`c = W` and
   :math:`\delta = \max(\delta_\eta, 10^{-3} \max(1, |\bar\eta^0|))`. Then
   :math:`w_s^0 = \rho \odot (x_s^0 - \bar x^0)`.
3. **Iterate** :math:`k = 1, 2, \dots`: :math:`x_s^k = \arg\min g_s + w_s^{k-1\top} x +
   \sum_i q_i(x_i - \bar x_i^{k-1})` (the proximal term :math:`q_i`, quadratic or
   linearised, :mod:`gigawatt.decide.subproblem`), :math:`\bar x^k = \sum_s p_s x_s^k`,
   :math:`w_s^k = w_s^{k-1} + \rho^k \odot (x_s^k - \bar x^k)`, so that
   :math:`\sum_s p_s w_s^k = 0` throughout.
4. **Adaptive** :math:`\rho` (residual balancing, Boyd et al. 2011, section 3.4.1, in
   the first stage's own units): with the primal residual
   :math:`r^k = \sum_s p_s \lVert x_s^k - \bar x^k \rVert_1` and the dual residual
   :math:`d^k = \lVert \bar x^k - \bar x^{k-1} \rVert_1`, every :math:`\rho_i` is
   doubled when :math:`r^k > 10 d^k` and halved when :math:`d^k > 10 r^k`, within
   :math:`[10^{-3}, 10^3]` times its start. Off by default: on one example a doubled
   :math:`\rho` gave a QP that HiGHS did not finish in minutes.
5. **Convergence criterion**: stop when :math:`r^k \le \epsilon S^k` and
   :math:`d^k \le \epsilon S^k`, :math:`S^k = \max(1, \lVert \bar x^k \rVert_1)`, and
   (with CVaR) :math:`\sum_s p_s |\eta_s^k - \bar\eta^k| \le \epsilon \max(1,
   |\bar\eta^k|)`; :math:`\epsilon` = ``tolerance`` (1e-4); or after ``max_iterations``.
6. **A feasible first stage.** :math:`\hat x = \bar x` with each binary entry rounded
   (a workload's site choice: the site with the largest :math:`\bar x`), fixed in
   every future and re-planned: the costs :math:`f_s(\hat x)` and the *upper bound*
   :math:`U = R(f(\hat x))` (the risk-adjusted objective of a feasible first stage,
   :mod:`gigawatt.decide.metrics`), directly comparable with the extensive form's.
7. **A certified lower bound** (Lagrangian, from the hedging weights): for any
   :math:`w` with :math:`\sum_s p_s w_s = 0`,
   :math:`L(w) = \sum_s p_s \min_{x, \eta, y} [g_s + w_s^\top (x, \eta)]` is at most the
   extensive form's optimum (relax :math:`x_s = X`). It is computed at the last
   :math:`w` (re-centred), each term by HiGHS's dual bound (a MIP) or optimum (an LP),
   with :math:`\eta` in :math:`[\min_s L_s^{WS}, (U - (1 - W) \sum_s p_s L_s^{WS}) / W]`,
   which holds the optimum's :math:`\eta^* = \mathrm{VaR}_\alpha` (:math:`L_s^{WS}` the
   bounds of step 1: :math:`\eta^* \ge \min_s f_s(x^*)`, and
   :math:`\eta^* \le \mathrm{CVaR}(x^*) \le (U - (1 - W) E f(x^*)) / W`). The reported
   gap is :math:`(U - L) / \max(1, |U|)`.

For continuous futures (no binaries) the iteration converges to an optimal first stage
and the gap to 0. With binaries (right of first refusal, single-site runs) progressive
hedging is a heuristic: it may stop, or cycle, away from the optimum; the bounds then
say how far it can be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigawatt.decide.futures import Futures
from gigawatt.decide.metrics import Risk, risk_value
from gigawatt.decide.parallel import Backend, FuturePool, Request
from gigawatt.decide.subproblem import ETA, FutureSolve, Prices, Values
from gigawatt.errors import InputError
from gigawatt.plan.solve import SolveOptions

__all__ = ["HedgingOptions", "HedgingResult", "progressive_hedging"]

_BALANCE, _FACTOR, _RANGE = 10.0, 2.0, 1e3


@dataclass(frozen=True)
class HedgingOptions:
    r"""Settings of progressive hedging.

    Attributes:
        rho: A factor on every SEP penalty :math:`\rho_i` (module docstring, step 2).
        tolerance: :math:`\epsilon` of the convergence criterion (step 5).
        max_iterations: Most iterations after the first.
        adaptive: Balance :math:`\rho` against the residuals (step 4).
        lower_bound: Compute the Lagrangian lower bound (step 7; one solve per future).
    """

    rho: float = 1.0
    tolerance: float = 1e-4
    max_iterations: int = 200
    adaptive: bool = False
    lower_bound: bool = True

    def __post_init__(self) -> None:
        """Refuse settings outside their ranges.

        Raises:
            InputError: rho or tolerance not positive, or no iteration allowed.
        """
        if not self.rho > 0:
            raise InputError(f"--rho must be positive (got {self.rho})")
        if not self.tolerance > 0:
            raise InputError(f"the hedging tolerance must be positive (got {self.tolerance})")
        if self.max_iterations < 1:
            raise InputError(f"--hedging-iterations must be at least 1 (got {self.max_iterations})")


@dataclass(frozen=True)
class HedgingResult:
    r"""The outcome of progressive hedging.

    Attributes:
        consensus: :math:`\hat x`, the rounded consensus, by variable name.
        evaluated: Each future solved with :math:`\hat x` fixed.
        iterations: Iterations after the first (wait-and-see) one.
        spread: :math:`r` at the last iteration (thousands of accelerators).
        converged: Whether the criterion of step 5 was met.
        upper_bound_musd: :math:`U` ($M; inf when :math:`\hat x` is infeasible somewhere).
        lower_bound_musd: :math:`L(w)` ($M; None when not asked).
        rho_factor: The adaptive factor on the SEP penalties at the end.
        builds: Models built (one per future: each is built once).
        history: :math:`r` at each iteration.
    """

    consensus: Values
    evaluated: list[FutureSolve]
    iterations: int
    spread: float
    converged: bool
    upper_bound_musd: float
    lower_bound_musd: float | None
    rho_factor: float
    builds: int
    history: list[float] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        r""":math:`(U - L) / \max(1, |U|)`, None without a lower bound."""
        if self.lower_bound_musd is None:
            return None
        u = self.upper_bound_musd
        if not np.isfinite(u) or not np.isfinite(self.lower_bound_musd):
            return float("inf")
        return max(0.0, u - self.lower_bound_musd) / max(1.0, abs(u))


def _mean(xs: list[Values], weights: np.ndarray) -> Values:
    return {
        n: np.asarray(np.tensordot(weights, np.stack([x[n] for x in xs]), axes=1), dtype=float)
        for n in xs[0]
    }


def _l1(values: Values, skip: str = ETA) -> float:
    return float(sum(float(np.abs(v).sum()) for n, v in values.items() if n != skip))


def _spread(xs: list[Values], mean: Values, weights: np.ndarray, name: str | None = None) -> float:
    """sum_s p_s |x_s - mean|_1, over x (name None) or over one entry."""
    total = 0.0
    for p, x in zip(weights, xs, strict=True):
        diff = {n: x[n] - mean[n] for n in mean}
        total += float(p) * (_l1(diff) if name is None else float(np.abs(diff[name]).sum()))
    return total


def _sep_rho(
    xs: list[Values],
    mean: Values,
    weights: np.ndarray,
    costs: Values,
    binary: dict[str, bool],
    risk: Risk,
) -> Values:
    """Step 2 of the module docstring."""
    nonzero = [np.abs(c)[np.abs(c) > 0] for c in costs.values()]
    pooled = np.concatenate(nonzero) if nonzero else np.array([])
    floor = float(pooled.mean()) if pooled.size else 1.0
    rho: Values = {}
    for n in mean:
        if n == ETA:
            delta = float(
                sum(p * abs(float(x[n]) - float(mean[n])) for p, x in zip(weights, xs, strict=True))
            )
            rho[n] = np.asarray(risk.cvar_weight / max(delta, 1e-3 * max(1.0, abs(float(mean[n])))))
            continue
        c = np.abs(costs[n]) if n in costs else np.zeros_like(mean[n])
        c = np.where(c > 0, c, floor)
        stacked = np.stack([x[n] for x in xs])
        if binary.get(n, False):
            spread = stacked.max(axis=0) - stacked.min(axis=0) + 1.0
        else:
            spread = np.tensordot(weights, np.abs(stacked - mean[n]), axes=1)
        rho[n] = np.asarray(c / np.maximum(spread, 1.0), dtype=float)
    return rho


def _round_binaries(mean: Values, binary: dict[str, bool]) -> Values:
    """Step 6: each binary row (a workload's sites) to its largest entry; others as they are."""
    out: Values = {}
    for n, v in mean.items():
        if n == ETA:
            continue
        if not binary.get(n, False):
            out[n] = np.asarray(v, dtype=float)
            continue
        rounded = np.zeros_like(v)
        rows = np.asarray(v).reshape(v.shape[0], -1) if v.ndim else np.asarray(v).reshape(1, 1)
        flat = rounded.reshape(rows.shape)
        for r in range(rows.shape[0]):
            if rows[r].max() > 0:
                flat[r, int(np.argmax(rows[r]))] = 1.0
        out[n] = flat.reshape(v.shape)
    return out


def progressive_hedging(
    raw: dict[str, Any],
    source: str,
    futures: Futures,
    options: SolveOptions,
    decision_month: int,
    settings: HedgingOptions,
    backend: Backend,
    risk: Risk | None = None,
) -> HedgingResult:
    """Run progressive hedging over the futures (see the module docstring).

    With ``backend="ray"`` a Ray session must be open (:func:`decide` opens one).

    Raises:
        GigawattError: a future failed to solve, or is infeasible on its own.
    """
    risk = risk or Risk()
    pool = FuturePool(
        raw, source, futures.paths, futures.specs, options, decision_month, risk, backend
    )
    try:
        return _hedge(pool, futures, settings, risk)
    finally:
        pool.close()


def _checked(solves: list[FutureSolve], what: str) -> list[FutureSolve]:
    for s in solves:
        if s.status == "infeasible":
            raise InputError(f"{what}: future {s.index} is infeasible: {s.message}")
    return solves


def _hedge(
    pool: FuturePool, futures: Futures, settings: HedgingOptions, risk: Risk
) -> HedgingResult:
    weights = futures.weights
    n = len(futures)
    cvar = risk.cvar_weight > 0
    plain: list[Request] = [(None, None)] * n
    solves = _checked(pool.solve(plain, "wait-and-see solve"), "wait-and-see solve")
    ws_bounds = np.array([s.bound_musd for s in solves])
    xs = [dict(s.first_stage) for s in solves]
    if cvar:
        for x, s in zip(xs, solves, strict=True):
            x[ETA] = np.asarray(s.objective_musd)
    shapes = pool.shapes()
    binary, linear = shapes[0].binary, any(sh.has_binaries for sh in shapes)
    mean = _mean(xs, weights)
    costs = {"new": np.tensordot(weights, np.stack([sh.cost_musd for sh in shapes]), axes=1)}
    base_rho = _sep_rho(xs, mean, weights, costs, binary, risk)
    factor = settings.rho
    rho = {k: factor * v for k, v in base_rho.items()}
    multipliers = [{k: rho[k] * (x[k] - mean[k]) for k in mean} for x in xs]
    eta_low = float(ws_bounds.min()) if cvar else -np.inf
    eta_high = eta_low + 10.0 * max(
        1.0, float(np.max([s.objective_musd for s in solves])) - eta_low
    )
    history = [_spread(xs, mean, weights)]
    iterations, dual, converged = 0, np.inf, False

    def done(primal: float, dual_residual: float, xs: list[Values], mean: Values) -> bool:
        scale = max(1.0, _l1(mean))
        ok = primal <= settings.tolerance * scale and dual_residual <= settings.tolerance * scale
        if cvar:
            eta_spread = _spread(xs, mean, weights, ETA)
            ok = ok and eta_spread <= settings.tolerance * max(1.0, abs(float(mean[ETA])))
        return ok

    converged = done(history[-1], 0.0, xs, mean)
    while not converged and iterations < settings.max_iterations:
        iterations += 1
        reach = (
            {
                k: np.maximum(np.max(np.stack([np.abs(x[k] - mean[k]) for x in xs]), axis=0), 1e-6)
                for k in mean
            }
            if linear
            else None
        )
        requests: list[Request] = [
            (
                None,
                Prices(
                    multipliers[i],
                    mean,
                    rho,
                    reach,
                    (eta_low, eta_high if linear else np.inf) if cvar else None,
                ),
            )
            for i in range(n)
        ]
        what = f"hedging iteration {iterations}"
        solves = _checked(pool.solve(requests, what), what)
        xs = [dict(s.first_stage) for s in solves]
        previous = mean
        mean = _mean(xs, weights)
        for i, x in enumerate(xs):
            for k in mean:
                multipliers[i][k] = multipliers[i][k] + rho[k] * (x[k] - mean[k])
        primal = _spread(xs, mean, weights)
        dual = _l1({k: mean[k] - previous[k] for k in mean})
        history.append(primal)
        converged = done(primal, dual, xs, mean)
        if settings.adaptive and not converged:
            if primal > _BALANCE * dual and factor < settings.rho * _RANGE:
                factor *= _FACTOR
            elif dual > _BALANCE * primal and factor > settings.rho / _RANGE:
                factor /= _FACTOR
            rho = {k: factor * v for k, v in base_rho.items()}

    consensus = _round_binaries(mean, binary)
    evaluated = pool.solve([(consensus, None)] * n, "evaluation of the consensus")
    upper = risk_value(np.array([e.objective_musd for e in evaluated]), weights, risk)
    lower: float | None = None
    if settings.lower_bound:
        centred = [
            {
                k: w[k] - sum(float(p) * m[k] for p, m in zip(weights, multipliers, strict=True))
                for k in w
            }
            for w in multipliers
        ]
        high = np.inf
        if cvar and np.isfinite(upper):
            high = (
                upper - (1.0 - risk.cvar_weight) * float(np.dot(weights, ws_bounds))
            ) / risk.cvar_weight
        bounds = pool.solve(
            [
                (None, Prices(centred[i], mean, None, None, (eta_low, high) if cvar else None))
                for i in range(n)
            ],
            "lower bound",
        )
        lower = float(np.dot(weights, [b.bound_musd for b in bounds]))
    return HedgingResult(
        consensus,
        evaluated,
        iterations,
        history[-1],
        converged,
        upper,
        lower,
        factor,
        pool.builds(),
        history,
    )
