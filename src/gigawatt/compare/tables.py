"""The long tables of a comparison: by provider, by year, outside the counterparty.

Every number is a figure of :mod:`gigawatt.plan.figures` (docs/glossary.md), one row
per scenario and key.
"""

from __future__ import annotations

import pandas as pd

from gigawatt.plan.figures import PROVIDER_COLUMNS, YEAR_COLUMNS, outside
from gigawatt.plan.results import Plan

__all__ = ["by_provider_frame", "by_year_frame", "outside_frame", "outside_table"]


def by_provider_frame(plans: dict[str, Plan]) -> pd.DataFrame:
    """The ``by_provider`` table: per scenario, year and provider."""
    frames = [p.yearly().assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", *PROVIDER_COLUMNS]]


def by_year_frame(plans: dict[str, Plan]) -> pd.DataFrame:
    """The ``by_year`` table: per scenario and year (cash null without finance)."""
    frames = [p.yearly_totals().assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", *YEAR_COLUMNS]]


def outside_frame(result: Plan, counterparty: str) -> pd.DataFrame:
    """Per year: spend, GW and accelerators in use outside one provider, and their shares.

    See :func:`gigawatt.plan.figures.outside`.
    """
    return outside(result.tables, counterparty)


def outside_table(plans: dict[str, Plan], counterparty: str | None) -> pd.DataFrame:
    """The ``outside`` table: :func:`outside_frame` of every plan, by scenario."""
    if counterparty is None:
        return pd.DataFrame(columns=["scenario", "year", "counterparty"])
    frames = [outside_frame(p, counterparty).assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", *[c for c in df.columns if c != "scenario"]]]
