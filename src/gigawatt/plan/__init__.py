"""The planner: a contract-aware, multi-period placement model solved by HiGHS."""

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
