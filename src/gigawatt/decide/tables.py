"""The tables of a decision: commitments signed now, costs per future, regret of commitments.

``commitments``: one row per offer and start month of the first stage with at least
one accelerator: offer, site, provider (with whom), accelerator, pricing, month
(when), accelerators (how much), term_months (reserved term or build lifetime) and
``usd_committed``, the nominal money it binds at the scenario's written prices
(reserved: ``usd_per_hour`` x the calendar hours of the term; build: ``capex_usd``).
Site choices of training runs made now are rows with pricing ``site``.

``regret``: the cost in hindsight of each min-spend commitment of the scenario in each
future, from the wait-and-see plans with and without it
(:func:`gigawatt.plan.clauses.clause_costs` as the sweep runs it):
``regret_usd = max(0, cost_usd)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from gigawatt.plan.inputs import KACC, PlanInputs
from gigawatt.scenario.schema import BuildOffer, ReservedOffer
from gigawatt.scenario.timeline import Timeline
from gigawatt.sweep.task import SampleRecord

__all__ = ["COMMITMENT_COLUMNS", "REGRET_COLUMNS", "commitment_table", "regret_table"]

COMMITMENT_COLUMNS = [
    "offer",
    "site",
    "provider",
    "accelerator",
    "pricing",
    "month",
    "accelerators",
    "term_months",
    "usd_committed",
]
REGRET_COLUMNS = [
    "future",
    "contract",
    "clause_index",
    "counterparty",
    "cost_usd",
    "regret_usd",
]
_MIN_ACCELERATORS = 1e-3  # solver noise below this is not a commitment


def commitment_table(
    inputs: PlanInputs, first: dict[str, npt.NDArray[np.float64]], site_labels: Sequence[Any]
) -> pd.DataFrame:
    """Rows of the first stage (module docstring).

    Args:
        inputs: The inputs of the scenario as written (model months).
        first: First-stage values by variable name (``new`` [offer, month] in
            thousands; ``site_choice`` [workload, site]).
        site_labels: The site coordinate of ``site_choice`` (its column order).
    """
    s = inputs.scenario
    longest = int(inputs.term.max()) if len(inputs.term) else 0
    hours = Timeline(s.horizon.start, len(inputs.months) + longest).hours
    rows: list[dict[str, Any]] = []
    new = first.get("new")
    if new is not None:
        for k, t in zip(*np.nonzero(new * KACC >= _MIN_ACCELERATORS), strict=True):
            ref = inputs.refs[k]
            offer = s.sites[ref.site].offers[ref.index]
            accelerators = float(new[k, t]) * KACC
            term = int(inputs.term[k])
            if isinstance(offer, ReservedOffer):
                usd = accelerators * offer.usd_per_hour * float(hours[t : t + term].sum())
            elif isinstance(offer, BuildOffer):
                usd = accelerators * offer.capex_usd
            else:  # pragma: no cover - on-demand offers have no first stage
                usd = 0.0
            rows.append(
                {
                    "offer": ref.key,
                    "site": ref.site,
                    "provider": ref.provider,
                    "accelerator": ref.accelerator,
                    "pricing": ref.pricing,
                    "month": inputs.months[t],
                    "accelerators": accelerators,
                    "term_months": term,
                    "usd_committed": usd,
                }
            )
    choice = first.get("site_choice")
    if choice is not None:
        for w, si in zip(*np.nonzero(choice > 0.5), strict=True):
            site = str(site_labels[si])
            rows.append(
                {
                    "offer": inputs.workloads[w],
                    "site": site,
                    "provider": s.sites[site].provider,
                    "accelerator": "",
                    "pricing": "site",
                    "month": "",
                    "accelerators": 0.0,
                    "term_months": 0,
                    "usd_committed": 0.0,
                }
            )
    return pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)


def regret_table(records: Sequence[SampleRecord]) -> pd.DataFrame:
    """Rows of each min-spend clause in each future (module docstring)."""
    rows = [
        {
            "future": r.index,
            "contract": c.contract,
            "clause_index": c.clause_index,
            "counterparty": c.counterparty,
            "cost_usd": c.cost_usd,
            "regret_usd": max(0.0, c.cost_usd),
        }
        for r in sorted(records, key=lambda r: r.index)
        for c in r.clauses
        if c.type == "min_spend"
    ]
    frame = pd.DataFrame(rows, columns=REGRET_COLUMNS)
    return frame.astype(
        {
            "future": "int64",
            "contract": str,
            "clause_index": "int64",
            "counterparty": str,
            "cost_usd": "float64",
            "regret_usd": "float64",
        }
    )
