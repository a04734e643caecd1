r"""Which decisions are made now (first stage) and which wait for the future (second stage).

With decision month :math:`D` (months from the horizon's start, default 12), the first
stage holds

* :math:`n_{o,t}` for :math:`t < D`: every reservation and build that *starts* before
  the decision month (what to sign, with whom, when, how much);
* :math:`y_{w,s}`: the site of a single-site training run whose window opens before
  :math:`D` (a run under way cannot wait for the future).

Everything else is second stage, one copy per future: use of capacity, on-demand
capacity, reservations and builds starting at or after :math:`D`, unserved demand,
min-spend shortfalls (consequences of the contracts, which are given) and the
right-of-first-refusal indicators (whether the counterparty is full in a month).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.errors import InputError
from gigawatt.plan.model import PlanModel

__all__ = ["FIRST_STAGE_VARIABLES", "FirstStage", "first_stage", "first_stage_values"]

FIRST_STAGE_VARIABLES = ("new", "site_choice")
"""Names of the planner's variables that may hold first-stage decisions."""


@dataclass(frozen=True)
class FirstStage:
    """The first-stage entries of a planning model's variables.

    Attributes:
        decision_month: :math:`D`, the first month of the second stage (0-based).
        masks: Variable name -> boolean array over its coordinates, True where the
            entry is a first-stage decision (whether or not it exists in a model).
    """

    decision_month: int
    masks: dict[str, npt.NDArray[np.bool_]]

    def size(self) -> int:
        """Number of first-stage entries (of any model of the scenario)."""
        return int(sum(int(m.sum()) for m in self.masks.values()))


def first_stage(pm: PlanModel, decision_month: int) -> FirstStage:
    """The first stage of a built planning model.

    The masks depend only on the scenario's structure (offers, months, workloads,
    sites), which every future shares: sampled values change numbers, not names.

    A decision month past the model's months makes every reservation and build first
    stage.

    Raises:
        InputError: a decision month below 1.
    """
    inp = pm.inputs
    n_t = len(inp.months)
    if decision_month < 1:
        raise InputError(
            f"--decision-months must be at least 1: the months decided now (got {decision_month})"
        )
    decision_month = min(decision_month, n_t)
    m = pm.model
    masks: dict[str, npt.NDArray[np.bool_]] = {}
    if "new" in m.variables:
        labels = m.variables["new"].labels  # [offer, month]
        before = np.arange(n_t) < decision_month
        masks["new"] = np.broadcast_to(before[None, :], labels.shape).copy()
    if "site_choice" in m.variables:
        labels = m.variables["site_choice"].labels  # [workload, site]
        opens = np.asarray(inp.allowed.any(axis=1))  # [W, T] may use an offer
        first = np.where(opens.any(axis=1), opens.argmax(axis=1), n_t)
        early = first < decision_month
        index = [inp.workloads.index(str(w)) for w in labels.coords["workload"].values]
        masks["site_choice"] = np.broadcast_to(early[index][:, None], labels.shape).copy()
    return FirstStage(decision_month, masks)


def first_stage_values(
    stage: FirstStage, primal: dict[str, npt.NDArray[np.float64]], prefix: str = ""
) -> dict[str, npt.NDArray[np.float64]]:
    """The first-stage entries of a solution (0 elsewhere), by variable name."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    for name, mask in stage.masks.items():
        values = np.nan_to_num(np.asarray(primal[prefix + name], dtype=float), nan=0.0)
        out[name] = np.where(mask, values, 0.0)
    return out
