r"""Tables of a sweep from its sample records, and the distributions across samples.

Distributions are taken over the *solved* samples only (status ``optimal`` or
``time_limit``); failed samples are counted and listed, never averaged in. For a
quantity :math:`x` over solved samples :math:`x_1..x_n`, the table gives
:math:`n`, the mean, the standard deviation (:math:`1/n` normalisation), the minimum,
the maximum and the quantiles :math:`p5, p25, p50, p75, p95` (linear interpolation
between order statistics, numpy's default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.sweep.task import SampleRecord

__all__ = [
    "FUNDING_SCALARS",
    "QUANTILES",
    "SCALARS",
    "clause_table",
    "distributions",
    "gw_table",
    "sample_table",
]

SCALARS = (
    "objective_usd",
    "cost_usd",
    "lost_revenue_usd",
    "penalty_usd",
    "shortfall_flop",
    "revenue_share_usd",
    "spend_usd_nominal",
)
"""Per-sample figures whose distributions a sweep reports."""
FUNDING_SCALARS = (
    "financing_cost_usd",
    "funding_needed_usd",
    "min_cash_usd",
    "lost_revenue_to_funding_usd",
)
"""Per-sample figures of funded plans (``finance.funded``), reported when a sample has them."""
QUANTILES = (5, 25, 50, 75, 95)
_STATS = ("n", "mean", "std", "min", *(f"p{q}" for q in QUANTILES), "max")
_KEYS = ("quantity", "provider", "year", "contract", "clause_index", "type")


def sample_table(records: Sequence[SampleRecord], parameters: Sequence[str]) -> pd.DataFrame:
    """One row per sample: status, message, seconds, the figures, then each drawn value.

    The :data:`FUNDING_SCALARS` columns follow the figures when a sample was funded.
    """
    funded = any(np.isfinite(r.financing_cost_usd) for r in records)
    scalars = (*SCALARS, *FUNDING_SCALARS) if funded else SCALARS
    rows: list[dict[str, Any]] = []
    for r in sorted(records, key=lambda r: r.index):
        row: dict[str, Any] = {
            "sample": r.index,
            "status": r.status,
            "message": r.message,
            "seconds": r.seconds,
        }
        row |= {name: float(getattr(r, name)) for name in scalars}
        row["mip_gap"] = np.nan if r.mip_gap is None else float(r.mip_gap)
        row |= {p: float(r.values.get(p, np.nan)) for p in parameters}
        rows.append(row)
    columns = ["sample", "status", "message", "seconds", *scalars, "mip_gap", *parameters]
    frame = pd.DataFrame(rows, columns=columns)
    frame["sample"] = frame["sample"].astype("int64")
    frame["status"] = frame["status"].astype(str)
    frame["message"] = frame["message"].astype(str)
    return frame


def gw_table(records: Sequence[SampleRecord]) -> pd.DataFrame:
    """Peak installed GW per sample, provider and year (solved samples only)."""
    rows = [
        (r.index, provider, year, gw)
        for r in sorted(records, key=lambda r: r.index)
        for provider, year, gw in r.gw
    ]
    frame = pd.DataFrame(rows, columns=["sample", "provider", "year", "gw"])
    return frame.astype({"sample": "int64", "provider": str, "year": str, "gw": "float64"})


def clause_table(records: Sequence[SampleRecord]) -> pd.DataFrame:
    """Cost of every clause in every solved sample that costed its clauses."""
    rows = [
        (r.index, c.contract, c.clause_index, c.type, c.counterparty, c.cost_usd, c.status)
        for r in sorted(records, key=lambda r: r.index)
        for c in r.clauses
    ]
    columns = ["sample", "contract", "clause_index", "type", "counterparty", "cost_usd", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(
        {
            "sample": "int64",
            "contract": str,
            "clause_index": "int64",
            "type": str,
            "counterparty": str,
            "cost_usd": "float64",
            "status": str,
        }
    )


def _stats(values: np.ndarray) -> dict[str, float]:
    x = values[np.isfinite(values)]
    if not len(x):
        return {"n": 0.0} | {k: np.nan for k in _STATS[1:]}
    qs = np.percentile(x, QUANTILES)
    out = {"n": float(len(x)), "mean": float(x.mean()), "std": float(x.std())}
    out |= {"min": float(x.min()), "max": float(x.max())}
    out |= {f"p{q}": float(v) for q, v in zip(QUANTILES, qs, strict=True)}
    return out


def _row(quantity: str, values: np.ndarray, **keys: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "quantity": quantity,
        "provider": "",
        "year": "",
        "contract": "",
        "clause_index": -1,
        "type": "",
    }
    return base | keys | _stats(values)


def distributions(samples: pd.DataFrame, gw: pd.DataFrame, clauses: pd.DataFrame) -> pd.DataFrame:
    """Statistics of each quantity across solved samples, one row per quantity and key.

    Rows: every scalar of :data:`SCALARS` (and of :data:`FUNDING_SCALARS` when the
    samples were funded); ``gw`` per provider and year (a provider
    without capacity in a solved sample counts as 0 GW); ``clause_cost_usd`` per
    contract clause.
    """
    solved = samples[samples["status"].isin(("optimal", "time_limit"))]
    present = [q for q in (*SCALARS, *FUNDING_SCALARS) if q in samples.columns]
    rows = [_row(q, solved[q].to_numpy(dtype=float)) for q in present]
    if len(gw):
        wide = gw.pivot_table(
            index="sample", columns=["provider", "year"], values="gw", aggfunc="sum"
        )
        wide = wide.reindex(solved["sample"].to_numpy()).fillna(0.0)
        for key in wide.columns:
            provider, year = (str(k) for k in key)
            rows.append(_row("gw", wide[key].to_numpy(dtype=float), provider=provider, year=year))
    if len(clauses):
        keys = ["contract", "clause_index", "type", "counterparty"]
        for group, grp in clauses.groupby(keys, sort=False):
            contract, index, kind, counterparty = tuple(group)
            rows.append(
                _row(
                    "clause_cost_usd",
                    grp["cost_usd"].to_numpy(dtype=float),
                    contract=str(contract),
                    clause_index=int(str(index)),
                    type=str(kind),
                    provider=str(counterparty),
                )
            )
    frame = pd.DataFrame(rows, columns=[*_KEYS, *_STATS])
    return frame.astype({"clause_index": "int64", "n": "int64"})
