"""A cleared market's answers: tables, headline findings, JSON and a results directory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gigawatt.resultio import read_summary, read_tables, save_result

__all__ = ["MARKET_FILE", "MarketResult"]

#: What ``gigawatt market --out DIR`` writes beside its tables (read by the report).
MARKET_FILE = "market.json"
_TABLES = ("years", "labs", "resources")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))  # type: ignore[no-any-return]  # json.loads is Any


@dataclass
class MarketResult:
    """What :func:`gigawatt.market.analyze_market` found.

    Attributes:
        name: Market name.
        source: File or built-in it came from.
        lab: The lab the answers are about.
        rule: The clearing rule after contracts.
        years: One row per year (see :mod:`gigawatt.market.answers` for each column).
        labs: One row per buyer and year: demand, served, shortfall, fill, bid.
        resources: One row per resource, key and year: supply, used, spare,
            utilisation, rent_usd (scarcity rent per unit), binding.
        first_binding: Kind of limit (chips, packaging, memory, power) -> first year it
            binds, or None.
        record: The market's public record (for the check against it), if any.
        lab_bid: When the lab's bid came from its plan (:mod:`gigawatt.market.labbid`):
            year, months, usd_per_h100e_year, usd_per_mw_year; else None.
        bid_source: ``file`` (every bid as written) or the plan the lab's bid came from.
    """

    name: str
    source: str
    lab: str
    rule: str
    years: pd.DataFrame
    labs: pd.DataFrame
    resources: pd.DataFrame
    first_binding: dict[str, int | None]
    record: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    lab_bid: pd.DataFrame | None = None
    bid_source: str = "file"

    @property
    def first_short_year(self) -> int | None:
        """First year the world's supply does not cover every buyer's trend demand."""
        short = self.years.loc[self.years["short"], "year"]
        return int(short.min()) if len(short) else None

    @property
    def binds_first(self) -> tuple[int | None, list[str]]:
        """The first year any limit binds, and the kinds binding that year."""
        years = [y for y in self.first_binding.values() if y is not None]
        if not years:
            return None, []
        first = min(years)
        return first, sorted(k for k, y in self.first_binding.items() if y == first)

    def findings(self) -> list[str]:
        """Headline sentences, in plain words."""
        out = []
        short = self.first_short_year
        if short is None:
            out.append("World supply covers every buyer's trend demand in every year.")
        else:
            row = self.years[self.years["year"] == short].iloc[0]
            out.append(
                f"World supply first falls short of all buyers' trend demand in {short} "
                f"({row['coverage']:.0%} of it served)."
            )
        year, kinds = self.binds_first
        if year is not None:
            out.append(f"First limit to bind: {' and '.join(kinds)} in {year}.")
        others = {k: y for k, y in self.first_binding.items() if y is not None and k not in kinds}
        if others:
            out.append(
                "Then: "
                + ", ".join(
                    f"{k} from {y}" for k, y in sorted(others.items(), key=lambda kv: kv[1])
                )
                + "."
            )
        last = self.years.iloc[-1]
        out.append(
            f"{self.lab} in {int(last['year'])}: its trend asks for "
            f"{last['lab_share_accelerators']:.0%} of the world's AI accelerators and "
            f"{last['lab_share_power']:.0%} of its AI data-centre power; it gets "
            f"{last['lab_served_h100e'] / max(last['lab_demand_h100e'], 1e-9):.0%} of its demand "
            f"({last['lab_share_served']:.0%} of what is served)."
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``--json`` output of ``gigawatt market``)."""
        year, kinds = self.binds_first
        return {
            "status": "ok",
            "kind": "market",
            "market": self.name,
            "source": self.source,
            "lab": self.lab,
            "rule": self.rule,
            "first_short_year": self.first_short_year,
            "binds_first": {"year": year, "kinds": kinds},
            "first_binding": dict(self.first_binding),
            "findings": self.findings(),
            "record": self.record,
            "bid_source": self.bid_source,
            "lab_bid": None if self.lab_bid is None else _records(self.lab_bid),
            "years": _records(self.years),
            "labs": _records(self.labs),
            "resources": _records(self.resources),
        }

    def save(self, directory: str | Path) -> Path:
        """Write ``market.json`` and the tables as Parquet into ``directory``."""
        summary = {k: v for k, v in self.to_dict().items() if k not in (*_TABLES, "lab_bid")}
        tables = {name: getattr(self, name) for name in _TABLES}
        if self.lab_bid is not None:
            tables["lab_bid"] = self.lab_bid
        return save_result(directory, tables, summary, summary_name=MARKET_FILE)

    @classmethod
    def load(cls, directory: str | Path) -> MarketResult:
        """Read a directory written by :meth:`save`.

        Raises:
            GigawattError: the directory holds no market result.
        """
        folder = Path(directory)
        summary = read_summary(
            folder, "market", "gigawatt market --out DIR", summary_name=MARKET_FILE
        )
        tables = read_tables(folder, [*_TABLES, "lab_bid"], required=_TABLES, what="market result")
        return cls(
            name=str(summary["market"]),
            source=str(summary["source"]),
            lab=str(summary["lab"]),
            rule=str(summary["rule"]),
            years=tables["years"],
            labs=tables["labs"],
            resources=tables["resources"],
            first_binding={
                k: (None if v is None else int(v)) for k, v in summary["first_binding"].items()
            },
            record=summary.get("record"),
            lab_bid=tables.get("lab_bid"),
            bid_source=str(summary.get("bid_source", "file")),
        )
