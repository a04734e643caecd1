r"""The extensive form: every future's planning model in one linopy model, tied by the first stage.

Futures :math:`s = 1..S` with probabilities :math:`p_s`. Each future's model is the
planner's (:func:`gigawatt.plan.model.build_model` on the future's scenario), copied in
under the prefix ``s<i>/`` (:mod:`gigawatt.decide.embed`): its variables
:math:`(x_s, y_s)` (:math:`x` the first-stage entries of :mod:`gigawatt.decide.stages`,
:math:`y` the rest), its rows :math:`A_s x_s + B_s y_s \{\le,=,\ge\} b_s` and its
objective :math:`f_s(x_s, y_s)` (discounted spend + lost net revenue + penalties, $M).
One more copy :math:`X` (``first/new``, ``first/site_choice``) carries the decisions
made now. Non-anticipativity ties every future to it:

.. math:: x_s = X \qquad \forall s

(an entry absent from a future's model, an offer unavailable there, forces
:math:`X = 0`: a commitment made now must be possible in every future). The objective
is the risk-adjusted expected cost

.. math::

    \min\ (1 - W) \sum_s p_s f_s
    + W \Big(\eta + \frac{1}{1-\alpha} \sum_s p_s a_s\Big), \qquad
    a_s \ge f_s - \eta,\ a_s \ge 0,

Rockafellar and Uryasev's linear form of :math:`\mathrm{CVaR}_\alpha` (with
:math:`W = 0`, the default, no :math:`\eta, a` are created). At the optimum,
:math:`\eta` is the :math:`\alpha`-quantile of the cost and the bracket is its CVaR.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import linopy
import numpy as np
import numpy.typing as npt
import pandas as pd
from linopy.config import LinopySemanticsWarning

from gigawatt.decide.embed import embed_model
from gigawatt.decide.metrics import Risk
from gigawatt.decide.stages import FirstStage
from gigawatt.decide.subproblem import Values, expression_value
from gigawatt.plan.model import PlanModel
from gigawatt.plan.solve import SolveOptions, solve_model

__all__ = ["ExtensiveForm", "ExtensiveSolution", "build_extensive", "solve_extensive"]

FIRST = "first/"


def prefix(index: int) -> str:
    """The name prefix of future ``index`` in the extensive form."""
    return f"s{index}/"


@dataclass
class ExtensiveForm:
    """The built extensive form.

    Attributes:
        pm: The model (with the inputs of future 0, for the solver's messages).
        stage: The first stage.
        objectives: :math:`f_s` of each future, as expressions of the model.
        weights: :math:`p_s`.
        risk: The risk measure.
    """

    pm: PlanModel
    stage: FirstStage
    objectives: list[linopy.LinearExpression]
    weights: npt.NDArray[np.float64]
    risk: Risk


@dataclass(frozen=True)
class ExtensiveSolution:
    """The optimum of the extensive form.

    Attributes:
        status: ``optimal``, ``time_limit`` or ``node_limit``.
        objective_musd: The risk-adjusted objective ($M).
        costs_musd: :math:`f_s` of each future at the optimum ($M).
        first_stage: :math:`X`, by variable name (0 outside the first stage).
        mip_gap: HiGHS's gap (None for an LP).
        solve_seconds: Time in HiGHS.
        variables: Columns of the model.
        constraints: Rows of the model.
    """

    status: str
    objective_musd: float
    costs_musd: npt.NDArray[np.float64]
    first_stage: Values
    mip_gap: float | None
    solve_seconds: float
    variables: int
    constraints: int


def build_extensive(
    models: Sequence[PlanModel], weights: npt.NDArray[np.float64], stage: FirstStage, risk: Risk
) -> ExtensiveForm:
    """Copy every future's model into one, add non-anticipativity and the objective."""
    m = linopy.Model(force_dim_names=True)
    objectives = [embed_model(m, pm.model, prefix(i)) for i, pm in enumerate(models)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for name, mask in stage.masks.items():
            present = [pm.model.variables[name] for pm in models if name in pm.model.variables]
            if not present:
                continue
            labels = present[0].labels
            exists = np.zeros(labels.shape, dtype=bool)
            for var in present:
                exists |= np.asarray(var.labels.values) != -1
            keep = labels.copy(data=mask & exists)
            binary = bool(present[0].attrs["binary"])
            if binary:
                shared = m.add_variables(
                    coords=labels.coords, name=FIRST + name, mask=keep, binary=True
                )
            else:
                shared = m.add_variables(
                    lower=0, coords=labels.coords, name=FIRST + name, mask=keep
                )
            for i, pm in enumerate(models):
                if name not in pm.model.variables:
                    continue
                own = m.variables[prefix(i) + name]
                m.add_constraints(
                    own - shared == 0, name=f"nonanticipativity/{prefix(i)}{name}", mask=keep
                )
        expected: Any = sum(float(p) * f for p, f in zip(weights, objectives, strict=True))
        if risk.cvar_weight > 0:
            futures = pd.Index(range(len(models)), name="future")
            eta = m.add_variables(name="cvar_eta")
            excess = m.add_variables(lower=0, coords=[futures], name="cvar_excess")
            for i, f in enumerate(objectives):
                m.add_constraints(excess.sel(future=i) - f + eta >= 0, name=f"cvar/{prefix(i)}")
            tail = eta + (excess * np.asarray(weights)).sum() / (1.0 - risk.cvar_alpha)
            objective = (1.0 - risk.cvar_weight) * expected + risk.cvar_weight * tail
        else:
            objective = expected
        m.add_objective(objective, overwrite=True)
    pm = PlanModel(m, models[0].inputs, allow_shortfall=models[0].allow_shortfall)
    return ExtensiveForm(pm, stage, objectives, np.asarray(weights, dtype=float), risk)


def solve_extensive(ef: ExtensiveForm, options: SolveOptions) -> ExtensiveSolution:
    """Solve the extensive form with HiGHS (through the planner's solve).

    Raises:
        InfeasibleError: no first stage is feasible in every future.
        SolverError: as :func:`gigawatt.plan.solve.solve_model`.
    """
    outcome = solve_model(ef.pm, replace(options, duals=False, export_mps=None))
    costs = np.array([expression_value(f, outcome.primal, ef.pm) for f in ef.objectives])
    first: Values = {}
    for name, mask in ef.stage.masks.items():
        key = FIRST + name
        if key in outcome.primal:
            first[name] = np.where(mask, np.asarray(outcome.primal[key], dtype=float), 0.0)
        else:
            first[name] = np.zeros(mask.shape)
    return ExtensiveSolution(
        status=outcome.status,
        objective_musd=outcome.objective_musd,
        costs_musd=costs,
        first_stage=first,
        mip_gap=outcome.mip_gap,
        solve_seconds=outcome.solve_seconds,
        variables=int(ef.pm.model.nvars),
        constraints=int(ef.pm.model.ncons),
    )
