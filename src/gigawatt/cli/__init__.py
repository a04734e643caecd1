"""The ``gigawatt`` command line: thin commands over the library."""

from __future__ import annotations

import importlib

from gigawatt.cli.app import app

__all__ = ["app", "main"]

_COMMAND_MODULES = (
    "scenario_cmds",
    "plan_cmds",
    "trends",
    "market_cmds",
    "forecast_cmds",
    "report_cmds",
    "broker_cmds",
    "compare_cmds",
    "history_cmds",
    "sweep_cmds",
    "decide_cmds",
    "skypilot_cmds",
)


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"gigawatt.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"gigawatt.cli.{name}":
                continue
            raise
        module.register(app)


def main() -> None:
    """Entry point of the ``gigawatt`` console script."""
    _register()
    app()
