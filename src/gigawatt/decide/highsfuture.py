r"""One future's HiGHS model, passed to HiGHS once and changed in place between solves.

Progressive hedging solves each future once per iteration with a new objective, and
the consensus evaluation with the first stage fixed. Going through linopy for each of
those solves rebuilds the objective expression, re-sanitises the rows and passes the
whole model to a new HiGHS instance: on the docs' six-month example (52 columns) that
is ~0.3 s of Python per solve against a few milliseconds of HiGHS. Here the model is
handed to HiGHS once (:func:`linopy.io.to_highspy`) and each solve only changes, in
place,

* the column costs (the planner's costs, CVaR's split, :math:`w_s` and the linear part
  of the proximal term),
* the Hessian (:math:`\rho_i` on the diagonal of the first-stage columns: HiGHS
  minimises :math:`c^\top x + \tfrac12 x^\top Q x`), cleared for a linear solve,
* the bounds of the first-stage columns (fixed: :math:`\hat x \le x \le \hat x`, as
  the rows ``x = \hat x`` of :func:`gigawatt.decide.subproblem.fix_first_stage`) and
  of CVaR's :math:`\eta`,
* for a linearised proximal term (a model with binaries), one column :math:`q_i` per
  continuous entry and its tangent rows, appended and deleted after the solve,

so HiGHS starts each solve from the previous one's basis (a warm start). The
objectives are those of :class:`gigawatt.decide.subproblem.FutureModel` term for term.
Only a solve HiGHS proves optimal is returned; anything else (infeasible, a limit) is
left to the caller, which re-solves through linopy for its full diagnosis.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
from linopy.io import to_highspy

from gigawatt.plan.solve import SolveOptions, highs_options

__all__ = ["HighsFuture", "HighsOutcome", "Objective"]

Values = dict[str, npt.NDArray[np.float64]]
Columns = dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]]


@dataclass(frozen=True)
class Objective:
    """An objective in column terms: ``cost @ x + sum_i hessian_i x_i^2 / 2 + constant``.

    Attributes:
        cost: One coefficient per column.
        constant: The constant term ($M).
        hessian: (columns, values) of a diagonal Hessian; None for a linear objective.
        cuts: Tangent cuts of a linearised proximal term: (column of x, slopes
            ``rho d_k`` per tangent, right-hand sides ``-rho d_k xbar - rho d_k^2 / 2``),
            one per continuous first-stage entry; each adds a column ``q >= 0`` of cost
            1 with rows ``q - slope_k x >= rhs_k``.
    """

    cost: npt.NDArray[np.float64]
    constant: float
    hessian: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None = None
    cuts: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] | None = None


@dataclass(frozen=True)
class HighsOutcome:
    """A solve HiGHS proved optimal.

    Attributes:
        values: The column values.
        bound_musd: The objective's optimum (an LP or QP) or HiGHS's dual bound (a MIP),
            constant included.
    """

    values: npt.NDArray[np.float64]
    bound_musd: float


class HighsFuture:
    """A linopy model's HiGHS instance, kept and changed in place (module docstring)."""

    def __init__(self, model: Any, options: SolveOptions) -> None:
        """Pass ``model`` (sanitised, as :func:`gigawatt.plan.solve.solve_model` leaves it)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.h = to_highspy(model)
        for key, value in highs_options(options).items():
            self.h.setOptionValue(key, value)
        self.h.changeObjectiveOffset(0.0)
        vlabels = np.asarray(model.variables.label_index.vlabels)
        self.position = np.full(max(int(model._xCounter), 1), -1, dtype=np.int64)
        self.position[vlabels] = np.arange(vlabels.size)
        self.columns = int(vlabels.size)
        self.mip = bool(model.binaries.nvars)
        lp = self.h.getLp()
        self.lower = np.asarray(lp.col_lower_, dtype=float)
        self.upper = np.asarray(lp.col_upper_, dtype=float)
        self.quadratic = False

    def columns_of(self, labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The HiGHS columns of linopy variable labels (-1 for none)."""
        labels = np.asarray(labels)
        out = np.full(labels.shape, -1, dtype=np.int64)
        on = labels != -1
        out[on] = self.position[labels[on]]
        return out

    def linear(self, expression: Any) -> tuple[npt.NDArray[np.float64], float]:
        """A linopy linear expression as (cost per column, constant)."""
        data = expression.data
        coeffs = np.asarray(data["coeffs"].values, dtype=float).ravel()
        labels = np.asarray(data["vars"].values).ravel()
        on = labels != -1
        cost = np.zeros(self.columns)
        np.add.at(cost, self.position[labels[on]], coeffs[on])
        return cost, float(np.asarray(data["const"].values, dtype=float).sum())

    def solve(
        self,
        objective: Objective,
        bounds: dict[int, tuple[float, float]] | None = None,
    ) -> HighsOutcome | None:
        """Solve with ``objective`` and some columns' bounds changed; None unless optimal.

        The bounds and any tangent columns are restored afterwards.
        """
        h = self.h
        n = self.columns
        h.changeColsCost(n, np.arange(n, dtype=np.int32), objective.cost.astype(float))
        self._hessian(objective.hessian)
        changed = sorted(bounds or {})
        if changed:
            idx = np.asarray(changed, dtype=np.int32)
            low = np.array([bounds[c][0] for c in changed] if bounds else [], dtype=float)
            high = np.array([bounds[c][1] for c in changed] if bounds else [], dtype=float)
            h.changeColsBounds(idx.size, idx, low, high)
        rows_before = h.getNumRow()
        if objective.cuts:
            self._add_cuts(objective.cuts)
        try:
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kNotset:
                # HiGHS's per-process thread scheduler was sized for another ``threads``
                # option (see gigawatt.plan.solve.run_highs): reset it and run again.
                highspy.Highs.resetGlobalScheduler(True)
                h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            info = h.getInfo()
            values = np.asarray(h.getSolution().col_value, dtype=float)[:n]
            bound = float(info.mip_dual_bound) if self.mip else float(info.objective_function_value)
            return HighsOutcome(values, bound + objective.constant)
        finally:
            if objective.cuts:
                h.deleteRows(h.getNumRow() - rows_before, np.arange(rows_before, h.getNumRow()))
                extra = h.getNumCol() - n
                h.deleteCols(extra, np.arange(n, n + extra, dtype=np.int32))
            if changed:
                idx = np.asarray(changed, dtype=np.int32)
                h.changeColsBounds(idx.size, idx, self.lower[idx], self.upper[idx])

    def _hessian(
        self, hessian: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None
    ) -> None:
        if hessian is None and not self.quadratic:
            return
        q = highspy.HighsHessian()
        q.format_ = highspy.HessianFormat.kTriangular
        if hessian is None:
            q.dim_ = 0
            q.start_ = [0]
            self.quadratic = False
        else:
            columns, values = hessian
            diagonal = np.zeros(self.columns)
            np.add.at(diagonal, columns, values)
            q.dim_ = self.columns
            q.start_ = np.concatenate([[0], np.cumsum(diagonal != 0)]).astype(np.int32).tolist()
            q.index_ = np.flatnonzero(diagonal).astype(np.int32).tolist()
            q.value_ = diagonal[diagonal != 0].tolist()
            self.quadratic = True
        self.h.passHessian(q)

    def _add_cuts(
        self, cuts: list[tuple[int, npt.NDArray[np.float64], npt.NDArray[np.float64]]]
    ) -> None:
        h = self.h
        first = h.getNumCol()
        k = len(cuts)
        h.addCols(
            k,
            np.ones(k),
            np.zeros(k),
            np.full(k, highspy.kHighsInf),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=float),
        )
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        lower: list[float] = []
        for j, (column, slopes, rhs) in enumerate(cuts):
            for slope, r in zip(slopes, rhs, strict=True):
                starts.append(len(index))
                index += [first + j, column]
                value += [1.0, -float(slope)]
                lower.append(float(r))
        rows = len(lower)
        h.addRows(
            rows,
            np.asarray(lower, dtype=float),
            np.full(rows, highspy.kHighsInf),
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value, dtype=float),
        )
