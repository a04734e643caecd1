"""The long tables of a comparison: by provider, by year, outside the counterparty."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gigawatt.plan.results import Plan

__all__ = ["by_provider_frame", "by_year_frame", "outside_frame", "outside_table"]


def by_provider_frame(plans: dict[str, Plan]) -> pd.DataFrame:
    """The ``by_provider`` table: per scenario, year and provider."""
    frames = [p.yearly().assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", "year", "provider", "accelerators", "gw", "spend_usd"]]


def by_year_frame(plans: dict[str, Plan]) -> pd.DataFrame:
    """The ``by_year`` table: per scenario and year."""
    frames = []
    for label, p in plans.items():
        totals = p.yearly_totals()
        fin = p.tables["finance"].assign(year=lambda d: d["month"].str[:4])
        extra = fin.groupby("year")[["revenue_share_usd", "min_spend_shortfall_usd"]].sum()
        df = totals.merge(extra, left_on="year", right_index=True, how="left")
        for col in ("shortfall_flop", "lost_revenue_usd"):
            if col not in df:
                df[col] = 0.0
        df = df.fillna(0.0)
        if "min_cash_usd" not in p.summary:
            df["cash_usd"] = np.nan  # no finance section: no cash tracking
        frames.append(df.assign(scenario=label))
    columns = [
        "scenario",
        "year",
        "spend_usd",
        "revenue_usd",
        "revenue_share_usd",
        "min_spend_shortfall_usd",
        "lost_revenue_usd",
        "shortfall_flop",
        "cash_usd",
    ]
    return pd.concat(frames, ignore_index=True)[columns]


def outside_frame(result: Plan, counterparty: str) -> pd.DataFrame:
    """Per year: spend, GW and accelerators in use outside one provider, and their shares.

    Args:
        result: A plan.
        counterparty: The provider (``azure``).

    Returns:
        One row per year with spend_usd, spend_outside_usd, spend_outside_share, gw,
        gw_outside (peaks of the monthly installed GW), gw_outside_share (of the year's
        installed MW-months), accelerators and accelerators_outside (mean in use).
    """
    cap = result.tables["capacity"].assign(
        year=lambda d: d["month"].str[:4], outside=lambda d: d["provider"] != counterparty
    )
    mw = cap.groupby(["year", "month"])["installed_mw"].sum()
    mw_out = cap[cap["outside"]].groupby(["year", "month"])["installed_mw"].sum()
    mw_out = mw_out.reindex(mw.index, fill_value=0.0)
    used = cap.groupby(["year", "month"])["used"].sum()
    used_out = cap[cap["outside"]].groupby(["year", "month"])["used"].sum()
    used_out = used_out.reindex(used.index, fill_value=0.0)
    spend = result.tables["spend"].assign(year=lambda d: d["month"].str[:4])
    years = sorted(set(cap["year"]))
    usd = spend.groupby("year")["usd"].sum().reindex(years, fill_value=0.0)
    usd_out = (
        spend[spend["provider"] != counterparty]
        .groupby("year")["usd"]
        .sum()
        .reindex(years, fill_value=0.0)
    )
    mw_sum = mw.groupby("year").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "year": years,
                "counterparty": counterparty,
                "spend_usd": usd.to_numpy(),
                "spend_outside_usd": usd_out.to_numpy(),
                "spend_outside_share": np.where(usd > 0, usd_out / usd, np.nan),
                "gw": (mw.groupby("year").max() / 1e3).reindex(years).to_numpy(),
                "gw_outside": (mw_out.groupby("year").max() / 1e3).reindex(years).to_numpy(),
                "gw_outside_share": np.where(
                    mw_sum > 0, mw_out.groupby("year").sum() / mw_sum, np.nan
                ),
                "accelerators": used.groupby("year").mean().reindex(years).to_numpy(),
                "accelerators_outside": used_out.groupby("year").mean().reindex(years).to_numpy(),
            }
        )
    return out


def outside_table(plans: dict[str, Plan], counterparty: str | None) -> pd.DataFrame:
    """The ``outside`` table: :func:`outside_frame` of every plan, by scenario."""
    if counterparty is None:
        return pd.DataFrame(columns=["scenario", "year", "counterparty"])
    frames = [outside_frame(p, counterparty).assign(scenario=label) for label, p in plans.items()]
    df = pd.concat(frames, ignore_index=True)
    return df[["scenario", *[c for c in df.columns if c != "scenario"]]]
