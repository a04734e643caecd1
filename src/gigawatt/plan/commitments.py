"""Commitments the plan makes inside the horizon that run past its end.

A reservation started in month ``t`` holds its accelerators for ``term_months``; a build
exists for ``lifetime_months``. When that runs past the last month of the horizon, the
plan has committed money the horizon's figures do not show (they charge only the months
inside it). This module states that commitment, one row per offer and start month:

* ``accelerators`` started, ``months_beyond`` (months of the term or lifetime after the
  horizon) and ``accelerator_months_beyond`` (their product);
* ``usd_beyond``: nominal USD committed for those months, undiscounted: reserved rent
  (``usd_per_hour`` x calendar hours of each month beyond) or, for a build, the
  straight-line capex not yet charged (``capex_usd / lifetime_months`` per month
  beyond). Opex and electricity are not committed (they are paid only when run).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gigawatt.plan.inputs import KACC, PlanInputs
from gigawatt.scenario.schema import BuildOffer, ReservedOffer
from gigawatt.scenario.timeline import Timeline

__all__ = ["COLUMNS", "beyond_horizon_summary", "commitments_beyond_horizon"]

COLUMNS = [
    "offer",
    "site",
    "provider",
    "accelerator",
    "pricing",
    "month",
    "term_months",
    "accelerators",
    "months_beyond",
    "accelerator_months_beyond",
    "usd_beyond",
]

_MIN_ACCELERATORS = 1e-3  # solver noise below this is not a commitment


def commitments_beyond_horizon(inp: PlanInputs, new_kacc: np.ndarray) -> pd.DataFrame:
    """Rows of reservations and builds started in the horizon that run past its end.

    Args:
        inp: The inputs over the horizon (:meth:`PlanInputs.reported`).
        new_kacc: ``[offer, month]`` thousands of accelerators started in each month of
            the horizon.
    """
    s = inp.scenario
    n_t = len(inp.months)
    longest = int(inp.term.max()) if len(inp.term) else 0
    hours = Timeline(s.horizon.start, n_t + longest).hours
    rows: list[dict[str, Any]] = []
    for k, ref in enumerate(inp.refs):
        offer = s.sites[ref.site].offers[ref.index]
        term = int(inp.term[k])
        if not isinstance(offer, ReservedOffer | BuildOffer) or term <= 0:
            continue
        for t in range(max(0, n_t - term + 1), n_t):
            accelerators = float(new_kacc[k, t]) * KACC
            if accelerators < _MIN_ACCELERATORS:
                continue
            beyond = t + term - n_t
            if isinstance(offer, ReservedOffer):
                usd = accelerators * offer.usd_per_hour * float(hours[n_t : t + term].sum())
            else:
                usd = accelerators * offer.capex_usd / offer.lifetime_months * beyond
            rows.append(
                {
                    "offer": ref.key,
                    "site": ref.site,
                    "provider": ref.provider,
                    "accelerator": ref.accelerator,
                    "pricing": ref.pricing,
                    "month": inp.months[t],
                    "term_months": term,
                    "accelerators": accelerators,
                    "months_beyond": beyond,
                    "accelerator_months_beyond": accelerators * beyond,
                    "usd_beyond": usd,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def beyond_horizon_summary(commitments: pd.DataFrame) -> dict[str, Any]:
    """Summary keys: totals, and rows by offer (summed over start months).

    ``committed_beyond_horizon_usd`` (nominal USD),
    ``committed_beyond_horizon_accelerator_months``, and
    ``committed_beyond_horizon``: rows of offer, site, provider, accelerator, pricing,
    accelerator_months, usd.
    """
    keys = ["offer", "site", "provider", "accelerator", "pricing"]
    by_offer = (
        commitments.groupby(keys, sort=True)[["accelerator_months_beyond", "usd_beyond"]]
        .sum()
        .reset_index()
        .rename(columns={"accelerator_months_beyond": "accelerator_months", "usd_beyond": "usd"})
    )
    return {
        "committed_beyond_horizon_usd": float(commitments["usd_beyond"].sum()),
        "committed_beyond_horizon_accelerator_months": float(
            commitments["accelerator_months_beyond"].sum()
        ),
        "committed_beyond_horizon": [
            {
                **{k: str(r[k]) for k in keys},
                "accelerator_months": float(r["accelerator_months"]),
                "usd": float(r["usd"]),
            }
            for r in by_offer.to_dict("records")
        ],
    }
