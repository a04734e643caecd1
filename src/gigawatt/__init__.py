"""gigawatt: plan and broker AI compute across clouds and owned campuses, under contracts.

Importing gigawatt has no side effects: heavy parts (the planner, the forecast) load
on first use. ``gigawatt.plan`` is the planner package; its entry point is
``gigawatt.plan.plan``, also exported here as :func:`plan_scenario`.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from gigawatt.errors import (
    GigawattError,
    InfeasibleError,
    Location,
    Problem,
    ScenarioError,
    SolverError,
)

if _typing.TYPE_CHECKING:
    from gigawatt.plan import Plan, SolveOptions
    from gigawatt.plan import plan as plan_scenario
    from gigawatt.scenario import Scenario, load_scenario, parse_scenario

__version__ = "0.1.0"

__all__ = [
    "GigawattError",
    "InfeasibleError",
    "Location",
    "Plan",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolveOptions",
    "SolverError",
    "__version__",
    "load_scenario",
    "parse_scenario",
    "plan_scenario",
]

_LAZY = {
    "Plan": "gigawatt.plan",
    "SolveOptions": "gigawatt.plan",
    "plan_scenario": "gigawatt.plan",
    "Scenario": "gigawatt.scenario",
    "load_scenario": "gigawatt.scenario",
    "parse_scenario": "gigawatt.scenario",
}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        target = "plan" if name == "plan_scenario" else name
        return getattr(_importlib.import_module(_LAZY[name]), target)
    raise AttributeError(f"module 'gigawatt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
