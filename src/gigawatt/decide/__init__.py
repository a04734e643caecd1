"""Decide under uncertainty: a two-stage stochastic plan over sampled futures.

``decide(scenario, samples=S)`` draws :math:`S` futures from the scenario's
``uncertainty`` section (as the forecast and the sweep do), chooses the reservations
and builds to sign before a decision month so that they suit every future at once
(expected cost plus lost revenue, optionally with a CVaR term), and measures what that
is worth: the value of the stochastic solution against planning on mean values, the
expected value of perfect information against the sweep's wait-and-see plans, and the
regret of each contract's commitment. Solved as one extensive-form model or by
progressive hedging with per-future Ray tasks.
"""

from gigawatt.decide.futures import Futures, draw_futures, given_futures, mean_value_scenario
from gigawatt.decide.hedging import HedgingOptions
from gigawatt.decide.metrics import Risk
from gigawatt.decide.result import DECISION_TABLES, Decision
from gigawatt.decide.run import Method, decide

__all__ = [
    "DECISION_TABLES",
    "Decision",
    "Futures",
    "HedgingOptions",
    "Method",
    "Risk",
    "decide",
    "draw_futures",
    "given_futures",
    "mean_value_scenario",
]
