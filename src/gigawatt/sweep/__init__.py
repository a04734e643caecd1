"""Sweeps: many full plans of sampled scenarios, serially or on Ray, and their distributions.

``run_sweep(scenario, samples=N, backend="ray")`` draws :math:`N` parameter vectors from
the scenario's ``uncertainty`` section (as the forecast does), solves each sampled
scenario with the planner (a Ray task each with the Ray backend), and aggregates cost,
shortfall, GW by provider and clause costs. Ray is imported only when used.
"""

from gigawatt.sweep.result import SWEEP_TABLES, Sweep
from gigawatt.sweep.run import Backend, run_sweep
from gigawatt.sweep.scenarios import SampleSpec, draw_samples, sampled_scenario
from gigawatt.sweep.task import SampleRecord, solve_sample

__all__ = [
    "SWEEP_TABLES",
    "Backend",
    "SampleRecord",
    "SampleSpec",
    "Sweep",
    "draw_samples",
    "run_sweep",
    "sampled_scenario",
    "solve_sample",
]
