"""The planner: a contract-aware, multi-period placement model solved by HiGHS.

Importing this package loads nothing heavy: each name below loads its module (and
linopy, HiGHS) when first used, so that ``gigawatt validate`` can read
:mod:`gigawatt.plan.conditioning` without the modelling stack.
"""

from __future__ import annotations

import typing as _typing

from gigawatt.lazyexports import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from gigawatt.plan.inputs import PlanInputs
    from gigawatt.plan.model import PlanModel, build_model
    from gigawatt.plan.planner import build, plan
    from gigawatt.plan.results import TABLES, Plan
    from gigawatt.plan.solve import SolveOptions

__all__ = [
    "TABLES",
    "Plan",
    "PlanInputs",
    "PlanModel",
    "SolveOptions",
    "build",
    "build_model",
    "plan",
]

__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "PlanInputs": "gigawatt.plan.inputs",
        "PlanModel": "gigawatt.plan.model",
        "build_model": "gigawatt.plan.model",
        "build": "gigawatt.plan.planner",
        "plan": "gigawatt.plan.planner",
        "TABLES": "gigawatt.plan.results",
        "Plan": "gigawatt.plan.results",
        "SolveOptions": "gigawatt.plan.solve",
    },
)
