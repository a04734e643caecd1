"""Contract commitments of a plan: minimum-spend clauses and reserved capacity.

A plan's tables say what was spent, not what was promised, so commitments come from
the scenario: each ``min_spend`` clause is a *spend* commitment (its full amount and
window, with the spend inside the horizon and any shortfall from the plan), and each
month's new reservation of a ``reserved`` offer is a *usage* commitment of
accelerator-hours for its term. The table is saved beside the plan as
``commitments.parquet`` so that a report made later needs only the directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gigawatt.report.data import ResultSet

if TYPE_CHECKING:
    from gigawatt.scenario import Scenario

__all__ = [
    "COMMITMENT_COLUMNS",
    "commitments_table",
    "save_commitments",
    "scenario_for",
]

COMMITMENT_COLUMNS = (
    "commitment_id",
    "contract_id",
    "category",
    "type",
    "description",
    "provider",
    "site",
    "offer",
    "accelerator",
    "start",
    "end",
    "contract_start",
    "contract_end",
    "quantity",
    "unit",
    "cost_usd",
    "cost_in_horizon_usd",
    "spent_usd",
    "shortfall_usd",
)


def _min_spend_rows(scenario: Scenario, spend: pd.DataFrame) -> list[dict[str, Any]]:
    from gigawatt.scenario.schema import MinSpendClause

    tl = scenario.timeline
    rows: list[dict[str, Any]] = []
    for contract in scenario.contracts:
        firsts = [c.from_ or tl.start for c in contract.clauses]
        lasts = [c.until or tl.end for c in contract.clauses]
        for i, clause in enumerate(contract.clauses):
            if not isinstance(clause, MinSpendClause):
                continue
            first, last = clause.from_ or tl.start, clause.until or tl.end
            mask = tl.mask(clause.from_, clause.until)
            inside = int(mask.sum())
            total = last - first + 1
            months = {tl.labels[j] for j in np.flatnonzero(mask)}
            key = f"{contract.name}[{i}]"
            spent = shortfall = 0.0
            if len(spend):
                own = spend[
                    (spend["provider"] == contract.counterparty) & spend["month"].isin(months)
                ]
                spent = float(own.loc[own["kind"] != "min_spend_shortfall", "usd"].sum())
                shortfall = float(spend.loc[spend["offer"] == key, "usd"].sum())
            share = inside / total if total > 0 else 0.0
            note = "" if inside == total else f"; {inside}/{total} months inside the horizon"
            rows.append(
                {
                    "commitment_id": key,
                    "contract_id": contract.name,
                    "category": "Spend",
                    "type": "Minimum spend (take-or-pay)",
                    "description": f"Spend at least ${clause.usd / 1e9:,.1f}B with "
                    f"{contract.counterparty} from {first} to {last}{note}",
                    "provider": contract.counterparty,
                    "site": "",
                    "offer": "",
                    "accelerator": "",
                    "start": str(first),
                    "end": str(last),
                    "contract_start": str(min(firsts)),
                    "contract_end": str(max(lasts)),
                    "quantity": np.nan,
                    "unit": None,
                    "cost_usd": float(clause.usd),
                    "cost_in_horizon_usd": float(clause.usd) * share,
                    "spent_usd": spent,
                    "shortfall_usd": shortfall,
                }
            )
    return rows


def _reserved_rows(scenario: Scenario, capacity: pd.DataFrame) -> list[dict[str, Any]]:
    from gigawatt.scenario.timeline import parse_month

    tl = scenario.timeline
    rows: list[dict[str, Any]] = []
    if capacity.empty:
        return rows
    for site_name, site in scenario.sites.items():
        for k, offer in enumerate(site.offers):
            if offer.pricing != "reserved":
                continue
            key = f"{site_name}/{k}"
            taken = capacity[(capacity["offer"] == key) & (capacity["new"] > 1e-6)]
            for month_label, count in zip(taken["month"], taken["new"], strict=True):
                first = parse_month(str(month_label))
                term = [first + j for j in range(offer.term_months)]
                hours = float(sum(m.hours for m in term))
                in_hours = float(sum(m.hours for m in term if tl.contains(m)))
                quantity = float(count) * hours
                rows.append(
                    {
                        "commitment_id": f"{key}@{month_label}",
                        "contract_id": f"{site_name}/{k} reserved",
                        "category": "Usage",
                        "type": "Reserved capacity",
                        "description": f"{float(count):,.0f} {offer.accelerator} reserved at "
                        f"{site_name} for {offer.term_months} months at "
                        f"${offer.usd_per_hour:g}/h from {first}",
                        "provider": site.provider,
                        "site": site_name,
                        "offer": key,
                        "accelerator": offer.accelerator,
                        "start": str(first),
                        "end": str(term[-1]),
                        "contract_start": str(first),
                        "contract_end": str(term[-1]),
                        "quantity": quantity,
                        "unit": "Accelerator-Hours",
                        "cost_usd": quantity * offer.usd_per_hour,
                        "cost_in_horizon_usd": float(count) * in_hours * offer.usd_per_hour,
                        "spent_usd": float(count) * in_hours * offer.usd_per_hour,
                        "shortfall_usd": 0.0,
                    }
                )
    return rows


def commitments_table(scenario: Scenario, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Commitments of a plan: one row per min-spend clause and per reservation.

    Args:
        scenario: The scenario the plan was solved from.
        tables: The plan's tables (``spend`` and ``capacity`` are used).

    Returns:
        A frame with :data:`COMMITMENT_COLUMNS` (money in nominal USD, months
        ``YYYY-MM`` inclusive).
    """
    spend = tables.get("spend", pd.DataFrame())
    capacity = tables.get("capacity", pd.DataFrame())
    rows = _min_spend_rows(scenario, spend) + _reserved_rows(scenario, capacity)
    frame = pd.DataFrame(rows, columns=list(COMMITMENT_COLUMNS))
    for col in ("quantity", "cost_usd", "cost_in_horizon_usd", "spent_usd", "shortfall_usd"):
        frame[col] = frame[col].astype("float64")
    return frame


def save_commitments(scenario: Scenario, directory: str | Path) -> Path:
    """Write ``commitments.parquet`` beside a saved plan.

    Raises:
        GigawattError: the directory holds no plan.
    """
    from gigawatt.report.data import load_results

    results = load_results(directory)
    path = Path(directory) / "commitments.parquet"
    commitments_table(scenario, results.tables).to_parquet(path, index=False)
    return path


def scenario_for(results: ResultSet) -> Scenario | None:
    """The scenario a result was made from, when its recorded source can still be read.

    The source named in ``summary.json`` is loaded only if it is a built-in or an
    existing file whose scenario has the same name and horizon; anything else gives
    None (a report never fails for want of the scenario).
    """
    from gigawatt.errors import GigawattError
    from gigawatt.scenario import load_scenario
    from gigawatt.scenario.builtins import builtin_names

    source = str(results.summary.get("source") or "")
    name = source.removesuffix(" (built-in)")
    if not (name in builtin_names() and source.endswith("(built-in)")):
        path = Path(source)
        if not path.is_absolute():
            path = results.directory / path if (results.directory / path).is_file() else path
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            return None
        name = str(path)
    try:
        scenario = load_scenario(name)
    except GigawattError:
        return None
    horizon = results.summary.get("horizon") or results.summary.get("months") or {}
    tl = scenario.timeline
    if scenario.name != results.summary.get("scenario") or horizon.get("start") != str(tl.start):
        return None
    if horizon.get("end") not in (None, str(tl.end)):
        return None
    return scenario
