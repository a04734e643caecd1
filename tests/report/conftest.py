"""Fixtures of the report tests; they live in ``report_support`` (a unique module name:
other test folders have a ``conftest`` too, so tests import helpers from there)."""

from report_support import (
    bare_plan_dir,
    built,
    built_comparison,
    built_forecast,
    built_sweep,
    forecast_dir,
    tiny_scenario,
)

__all__ = [
    "bare_plan_dir",
    "built",
    "built_comparison",
    "built_forecast",
    "built_sweep",
    "forecast_dir",
    "tiny_scenario",
]
