r"""Progressive hedging (Rockafellar and Wets, 1991): the extensive form, one future at a time.

Each iteration solves every future on its own (a Ray task each with the Ray backend),
then pulls the first stages together. With :math:`x_s^k` future :math:`s`'s first
stage at iteration :math:`k`:

1. :math:`k = 0`: :math:`x_s^0 = \arg\min f_s` (the wait-and-see plans);
   :math:`\bar x^0 = \sum_s p_s x_s^0`, :math:`w_s^0 = \rho (x_s^0 - \bar x^0)`.
2. :math:`x_s^k = \arg\min f_s(x, y) + w_s^{k-1\top} x
   + \tfrac{\rho}{2} \lVert x - \bar x^{k-1} \rVert^2`;
   :math:`\bar x^k = \sum_s p_s x_s^k`; :math:`w_s^k = w_s^{k-1} + \rho (x_s^k - \bar x^k)`.
3. Stop when the spread :math:`g^k = \sum_s p_s \lVert x_s^k - \bar x^k \rVert_1` is at
   most ``tolerance`` x :math:`\max(1, \lVert \bar x^k \rVert_1)` (thousands of
   accelerators), or after ``max_iterations``.

The consensus :math:`\bar x` is then fixed in every future and each is solved again
(:func:`gigawatt.decide.subproblem.solve_future`), which gives feasible costs
:math:`f_s(\bar x)` and so an objective directly comparable with the extensive form's.
For convex (continuous) futures the iteration converges to an optimal first stage;
the step-2 objective is a quadratic programme, which HiGHS solves only without
binaries, so futures with right-of-first-refusal or single-site binaries need the
extensive form. Expectation only (``cvar_weight`` 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigawatt.decide.futures import Futures
from gigawatt.decide.parallel import Backend, map_futures
from gigawatt.decide.subproblem import FutureSolve, Prices, Values, future_model, solve_future
from gigawatt.errors import InputError
from gigawatt.plan.solve import SolveOptions

__all__ = ["HedgingOptions", "HedgingResult", "progressive_hedging"]


@dataclass(frozen=True)
class HedgingOptions:
    """Settings of progressive hedging.

    Attributes:
        rho: Penalty ρ, $M per (thousand accelerators)^2.
        tolerance: Relative spread of the first stages at which to stop.
        max_iterations: Most iterations after the first.
    """

    rho: float = 1.0
    tolerance: float = 1e-4
    max_iterations: int = 200

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
    """The outcome of progressive hedging.

    Attributes:
        consensus: x̄ at the last iteration, by variable name.
        evaluated: Each future solved with x̄ fixed.
        iterations: Iterations after the first (wait-and-see) one.
        spread: :math:`g` at the last iteration (thousands of accelerators).
        converged: Whether the spread reached the tolerance.
        history: :math:`g` at each iteration.
    """

    consensus: Values
    evaluated: list[FutureSolve]
    iterations: int
    spread: float
    converged: bool
    history: list[float] = field(default_factory=list)


def _mean(solves: list[FutureSolve], weights: np.ndarray) -> Values:
    out: Values = {}
    for name in solves[0].first_stage:
        stacked = np.stack([s.first_stage[name] for s in solves])
        out[name] = np.asarray(np.tensordot(weights, stacked, axes=1), dtype=float)
    return out


def _spread(solves: list[FutureSolve], mean: Values, weights: np.ndarray) -> float:
    return float(
        sum(
            float(p) * sum(float(np.abs(s.first_stage[n] - mean[n]).sum()) for n in mean)
            for p, s in zip(weights, solves, strict=True)
        )
    )


def progressive_hedging(
    raw: dict[str, Any],
    source: str,
    futures: Futures,
    options: SolveOptions,
    decision_month: int,
    settings: HedgingOptions,
    backend: Backend,
) -> HedgingResult:
    """Run progressive hedging over the futures (see the module docstring).

    Raises:
        GigawattError: a future failed to solve (infeasible on its own, binaries).
    """
    common = (raw, source, futures.paths)
    weights = futures.weights

    # In this process each future's model is built once and only its objective changes
    # between iterations; a Ray task is stateless and builds the model it solves.
    models = (
        [future_model(*common, spec, options, decision_month) for spec in futures.specs]
        if backend == "serial"
        else []
    )

    def solve_all(args: list[tuple[Any, ...]], what: str) -> list[FutureSolve]:
        if models:
            solves = [model.solve(*a[3:]) for model, a in zip(models, args, strict=True)]
        else:
            solves = map_futures(solve_future, args, common=common, backend=backend, what=what)
        for s in solves:
            if s.status == "infeasible":
                raise InputError(f"{what}: future {s.index} is infeasible: {s.message}")
        return solves

    solves = solve_all(
        [(spec, options, decision_month) for spec in futures.specs], "wait-and-see solve"
    )
    mean = _mean(solves, weights)
    multipliers = [{n: settings.rho * (s.first_stage[n] - mean[n]) for n in mean} for s in solves]
    history = [_spread(solves, mean, weights)]
    iterations = 0
    while iterations < settings.max_iterations:
        scale = max(1.0, sum(float(np.abs(v).sum()) for v in mean.values()))
        if history[-1] <= settings.tolerance * scale:
            break
        iterations += 1
        args = [
            (spec, options, decision_month, None, Prices(multipliers[i], mean, settings.rho))
            for i, spec in enumerate(futures.specs)
        ]
        solves = solve_all(args, f"hedging iteration {iterations}")
        mean = _mean(solves, weights)
        for i, s in enumerate(solves):
            for n in mean:
                multipliers[i][n] = multipliers[i][n] + settings.rho * (s.first_stage[n] - mean[n])
        history.append(_spread(solves, mean, weights))
    scale = max(1.0, sum(float(np.abs(v).sum()) for v in mean.values()))
    converged = history[-1] <= settings.tolerance * scale
    evaluated = map_futures(
        solve_future,
        [(spec, options, decision_month, mean) for spec in futures.specs],
        common=common,
        backend=backend,
        what="evaluation of the consensus",
    )
    return HedgingResult(mean, evaluated, iterations, history[-1], converged, history)
