"""Compare plans of several scenarios side by side, year by year, and say what differs.

:func:`compare` plans every scenario (and, unless told not to, re-solves each without
each of its clauses, as :mod:`gigawatt.plan.clauses` does) in one pool of worker
processes, then gathers long tables keyed by ``scenario`` (the scenario's name, made
unique) and ``year``:

* ``by_provider``: scenario and the columns of :func:`gigawatt.plan.figures.by_provider`
  (year, provider, accelerators in use (mean), gw (peak installed), flops,
  h100_equivalents, spend_usd (nominal, take-or-pay shortfalls included), energy_twh,
  emissions_mtco2, supply_share);
* ``by_year``: scenario and the columns of :func:`gigawatt.plan.figures.by_year` (year,
  the capacity figures over all providers, spend_usd, revenue_usd, revenue_share_usd,
  min_spend_shortfall_usd (nominal), lost_revenue_usd (present value), demand_flop,
  shortfall_flop, inference_shortfall_flop, training_shortfall_flop, served_share,
  cash_usd, min_cash_usd, funding_gap_usd (null for a scenario without ``finance``));
* ``outside``: scenario, year, counterparty, spend_usd, spend_outside_usd,
  spend_outside_share, gw (peak installed), gw_outside (peak installed outside the
  counterparty), gw_outside_share (share of the year's installed MW-months outside),
  accelerators, accelerators_outside (mean in use);
* ``clauses``: scenario, contract, clause_index, type, counterparty, cost_usd,
  objective_with_usd, objective_without_usd, status (empty without clause costs);
* ``rofr``: comparison (``across`` two scenarios, or ``alone``: one scenario re-solved
  without its right of first refusal), with_scenario, without_scenario, counterparty,
  year, and for each side spend_outside_usd, spend_outside_share, gw_outside,
  gw_outside_share (suffixes ``_with`` and ``_without``);
* ``differences``: the largest differences against the first scenario: scenario,
  baseline, metric, unit, year, provider, value, baseline_value, delta, text.

The counterparty is the one of the first scenario's first contract (``azure`` in the
built-in scenarios). :meth:`Comparison.to_dict` is the JSON form (``--json``) and
:meth:`Comparison.save` writes the tables as Parquet plus ``comparison.json`` and each
scenario's plan under ``plans/<scenario>/``.
"""

from __future__ import annotations

from gigawatt.compare.build import compare
from gigawatt.compare.result import COMPARISON_TABLES, Comparison
from gigawatt.compare.solve import ROFR, solve_variant
from gigawatt.compare.tables import outside_frame
from gigawatt.compare.words import money, percent

__all__ = [
    "COMPARISON_TABLES",
    "ROFR",
    "Comparison",
    "compare",
    "money",
    "outside_frame",
    "percent",
    "solve_variant",
]
