"""Funded plans: a scenario's plan with its cash kept above the floor, and what that costs.

:func:`funded_plan` solves the scenario twice, funded and not, so that its summary
answers the board's questions: the funding needed by year and its cost (from
:mod:`gigawatt.plan.fundingresults`), and the revenue lost to the funding limits
(``lost_revenue_to_funding_usd``: lost revenue of the funded plan minus that of the
same scenario planned without the cash constraint).
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pandas as pd

from gigawatt.errors import InputError
from gigawatt.plan.planner import plan
from gigawatt.plan.results import Plan
from gigawatt.plan.solve import ProgressCallback, SolveOptions
from gigawatt.scenario.schema import Scenario

__all__ = ["financing_limit_values", "funded_plan", "with_funded"]


def with_funded(scenario: Scenario, funded: bool = True) -> Scenario:
    """The scenario with ``finance.funded`` set (its raw data too, for re-solves).

    Raises:
        InputError: the scenario has no ``finance`` section.
    """
    if scenario.finance is None:
        raise InputError(
            f"{scenario.source}: a funded plan needs a `finance:` section (cash_usd at least, "
            "and the equity, debt or vendor financing it may draw on); see docs/funding.md"
        )
    if scenario.finance.funded == funded:
        return scenario
    out = scenario.model_copy(
        update={"finance": scenario.finance.model_copy(update={"funded": funded})}
    )
    raw = copy.deepcopy(scenario.raw)
    if isinstance(raw.get("finance"), dict):
        raw["finance"]["funded"] = funded
    out._raw = raw
    return out


def funded_plan(
    scenario: Scenario,
    options: SolveOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Plan:
    """The funded plan, with ``lost_revenue_to_funding_usd`` and the unfunded objective.

    Raises:
        InputError: the scenario has no ``finance`` section.
        InfeasibleError: cash cannot stay above the floor whatever the plan does (the
            floor is above what the instruments and the starting cash allow).
    """
    funded = with_funded(scenario)
    free = plan(with_funded(scenario, False), replace(options or SolveOptions(), duals=False))
    result = plan(funded, options, progress=progress)
    result.summary["objective_unfunded_usd"] = free.objective_usd
    result.summary["lost_revenue_unfunded_usd"] = float(free.summary["lost_revenue_usd"])
    result.summary["lost_revenue_to_funding_usd"] = float(
        result.summary["lost_revenue_usd"]
    ) - float(free.summary["lost_revenue_usd"])
    return result


def financing_limit_values(result: Plan) -> pd.DataFrame:
    """What one more dollar of each financing limit is worth, per instrument, over the horizon.

    Columns: kind, instrument, value_usd_per_usd (the sum over the months of the limit's
    dual: a limit that holds every month, such as a credit line's, is raised in all of
    them), binding_months. Empty for a plan that is not funded or has no duals.
    """
    limits = result.tables.get("financing_limits")
    columns = ["kind", "instrument", "value_usd_per_usd", "binding_months"]
    if limits is None or limits.empty:
        return pd.DataFrame(columns=columns)
    grouped = limits.groupby(["kind", "instrument"], sort=False)["value_usd_per_usd"]
    out = pd.DataFrame(
        {
            "value_usd_per_usd": grouped.sum(),
            "binding_months": grouped.apply(lambda v: (v > 0).sum()),
        }
    ).reset_index()
    return out[columns]
