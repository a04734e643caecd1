r"""The figures of a stochastic plan, each defined once here.

For a cost :math:`f_s` in each future :math:`s` with probability :math:`p_s`:

* expectation :math:`E[f] = \sum_s p_s f_s`;
* conditional value at risk at level :math:`\alpha \in [0, 1)` (Rockafellar–Uryasev),
  the mean of the worst :math:`1 - \alpha` of the probability mass:

  .. math:: \mathrm{CVaR}_\alpha(f) = \min_\eta\ \eta + \frac{1}{1-\alpha}
            \sum_s p_s \,[f_s - \eta]_+

  (the minimum of a convex piecewise-linear function of :math:`\eta`, reached at one
  of the :math:`f_s`);
* the risk-adjusted objective :math:`R(f) = (1 - W)\,E[f] + W\,\mathrm{CVaR}_\alpha(f)`
  with weight :math:`W \in [0, 1]` (:math:`W = 0`: the expectation);
* quantiles: the smallest :math:`f_s` whose cumulative probability reaches :math:`q`.

From the stochastic plan's costs :math:`f^{RP}`, those of the mean-value plan's first
stage fixed and evaluated in the same futures :math:`f^{EEV}`, and the wait-and-see
optima :math:`f^{WS}` (each future planned with perfect foresight):
:math:`\mathrm{VSS} = R(f^{EEV}) - R(f^{RP}) \ge 0` and
:math:`\mathrm{EVPI} = R(f^{RP}) - R(f^{WS}) \ge 0` (both up to solver tolerances; the
signs hold because :math:`R` is monotone and :math:`f^{RP}` is optimal for :math:`R`).
The regret of a commitment in a future is what it costs there in hindsight,
:math:`\max(0, f_s^{with} - f_s^{without})`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.errors import InputError

__all__ = ["QUANTILES", "Risk", "cvar", "distribution", "expectation", "quantile", "risk_value"]

F64 = npt.NDArray[np.float64]
QUANTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Risk:
    """The risk measure of the objective: (1 - W) E + W CVaR_alpha.

    Attributes:
        cvar_alpha: alpha, the level (0.95: the worst 5% of futures).
        cvar_weight: :math:`W` in [0, 1]; 0 minimises the expectation alone.
    """

    cvar_alpha: float = 0.95
    cvar_weight: float = 0.0

    def __post_init__(self) -> None:
        """Refuse levels and weights outside their ranges.

        Raises:
            InputError: alpha outside [0, 1) or weight outside [0, 1].
        """
        a, w = self.cvar_alpha, self.cvar_weight
        if not (math.isfinite(a) and 0 <= a < 1):
            raise InputError(f"--cvar-alpha must be in [0, 1), e.g. 0.95 (got {a})")
        if not (math.isfinite(w) and 0 <= w <= 1):
            raise InputError(f"--cvar-weight must be in [0, 1], 0 for the expectation (got {w})")


def expectation(values: F64, weights: F64) -> float:
    """The expectation: the sum over futures of p_s f_s (infinite when any future is)."""
    return float(np.dot(weights, values))


def cvar(values: F64, weights: F64, alpha: float) -> float:
    """CVaR_alpha of a discrete distribution (module docstring)."""
    f = np.asarray(values, dtype=float)
    if not np.isfinite(f).all():
        return math.inf
    best = math.inf
    for eta in np.unique(f):
        excess = np.maximum(f - eta, 0.0)
        best = min(best, float(eta + np.dot(weights, excess) / (1.0 - alpha)))
    return best


def risk_value(values: F64, weights: F64, risk: Risk) -> float:
    """R(f) = (1 - W) E[f] + W CVaR_alpha(f)."""
    mean = expectation(values, weights)
    if risk.cvar_weight == 0:
        return mean
    tail = cvar(values, weights, risk.cvar_alpha)
    return (1.0 - risk.cvar_weight) * mean + risk.cvar_weight * tail


def quantile(values: F64, weights: F64, q: float) -> float:
    """The smallest value whose cumulative probability reaches ``q`` (in [0, 1])."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    k = int(np.searchsorted(cumulative, q - 1e-12, side="left"))
    return float(values[order][min(k, len(order) - 1)])


def distribution(values: F64, weights: F64, alpha: float) -> dict[str, float]:
    """Mean, standard deviation, min, quantiles, max and CVaR of a cost across futures."""
    f = np.asarray(values, dtype=float)
    mean = expectation(f, weights)
    finite = bool(np.isfinite(f).all())
    std = math.sqrt(float(np.dot(weights, (f - mean) ** 2))) if finite else math.nan
    out = {"mean": mean, "std": std, "min": float(f.min())}
    out |= {f"p{q}": quantile(f, weights, q / 100) for q in QUANTILES}
    out |= {"max": float(f.max()), "cvar": cvar(f, weights, alpha)}
    return out
