"""The report of a market: every lab's demand against the world's chips and power.

A market directory is what ``gigawatt market --out DIR`` writes
(:meth:`gigawatt.market.result.MarketResult.save`): ``market.json`` and the tables
``years``, ``labs`` and ``resources``. The page shows:

* supply and demand: world supply, every buyer's trend demand and what is served (H100e);
* the lab: its trend demand, what it gets in the market, and what it would get alone;
* what binds: the utilisation of each kind of limit (chips, packaging, memory, power);
* price pressure: the scarcity rent of each kind of limit.

Names (labs, families, regions) are data: they reach the page as text, never markup.
"""

from __future__ import annotations

from gigawatt.report.charts import PALETTE, Chart, Panel, Series
from gigawatt.report.content import ReportContent
from gigawatt.report.data import ResultSet, records
from gigawatt.report.summary import KeyFigure, Summary
from gigawatt.report.tables import TableSpec

__all__ = ["market_charts", "market_content", "market_tables"]

_KINDS = ("chips", "packaging", "memory", "power")
_RENT_UNITS = {
    "chips": "USD per accelerator",
    "packaging": "USD per CoWoS wafer",
    "memory": "USD per GB of HBM",
    "power": "USD per kW-year",
}


def _years(results: ResultSet) -> tuple[str, ...]:
    return tuple(str(int(y)) for y in results.table("years")["year"])


def _col(results: ResultSet, column: str, scale: float = 1.0) -> tuple[float, ...]:
    return tuple(float(v) / scale for v in results.table("years")[column])


def market_charts(results: ResultSet) -> list[Chart]:
    """Supply and demand, the lab, what binds, and price pressure."""
    x = _years(results)
    lab = str(results.summary.get("lab", "the lab"))
    supply = Panel(
        "World AI compute",
        "million H100e",
        (
            Series(
                "world supply (in service)",
                x,
                _col(results, "world_supply_h100e", 1e6),
                "line",
                PALETTE[0],
            ),
            Series(
                "trend demand, all buyers",
                x,
                _col(results, "demand_h100e", 1e6),
                "dash",
                PALETTE[1],
            ),
            Series("served", x, _col(results, "served_h100e", 1e6), "line", PALETTE[2]),
        ),
        months=False,
    )
    the_lab = Panel(
        f"{lab}: demand and what it gets",
        "million H100e",
        (
            Series("trend demand", x, _col(results, "lab_demand_h100e", 1e6), "dash", PALETTE[1]),
            Series(
                "served in the market",
                x,
                _col(results, "lab_served_h100e", 1e6),
                "line",
                PALETTE[0],
            ),
            Series(
                "served alone",
                x,
                tuple(
                    d - s
                    for d, s in zip(
                        _col(results, "lab_demand_h100e", 1e6),
                        _col(results, "lab_alone_shortfall_h100e", 1e6),
                        strict=True,
                    )
                ),
                "line",
                PALETTE[3],
            ),
        ),
        months=False,
    )
    shares = Panel(
        f"{lab}: share of the world on its trend",
        "share",
        (
            Series(
                "of AI accelerators", x, _col(results, "lab_share_accelerators"), "line", PALETTE[0]
            ),
            Series(
                "of AI data-centre power", x, _col(results, "lab_share_power"), "line", PALETTE[5]
            ),
            Series("of what is served", x, _col(results, "lab_share_served"), "dash", PALETTE[2]),
        ),
        months=False,
        percent=True,
    )
    res = results.table("resources")
    util_series = []
    rent_panels = []
    for i, kind in enumerate(_KINDS):
        rows = res[res["kind"] == kind]
        if rows.empty:
            continue
        by_year = rows.groupby("year")
        total = by_year[["supply", "used"]].sum()
        util = (total["used"] / total["supply"].where(total["supply"] > 0)).fillna(0.0)
        util_series.append(
            Series(
                kind,
                tuple(str(int(y)) for y in util.index),
                tuple(float(v) for v in util),
                "line",
                PALETTE[i],
            )
        )
        rent = by_year["rent_usd"].max()
        rent_panels.append(
            Panel(
                kind,
                _RENT_UNITS[kind],
                (
                    Series(
                        f"{kind} rent",
                        tuple(str(int(y)) for y in rent.index),
                        tuple(float(v) for v in rent),
                        "bar",
                        PALETTE[i],
                    ),
                ),
                months=False,
            )
        )
    return [
        Chart(
            "market_supply",
            "Can the world supply every lab's trend?",
            "World supply of AI accelerators in service, every buyer's trend demand, and what "
            "the market serves, in H100-equivalents.",
            (supply,),
            columns=1,
        ),
        Chart(
            "market_lab",
            f"What {lab} gets",
            "Its trend demand, what it is served when every other buyer bids too, and what "
            "it would be served alone; its share of the world's accelerators and power.",
            (the_lab, shares),
        ),
        Chart(
            "market_binding",
            "What binds",
            "Share of each kind of supply used (chips over all families, power over all "
            "regions): a limit binds when it is used up in a short year.",
            (Panel("utilisation", "share used", tuple(util_series), months=False, percent=True),),
            columns=1,
        ),
        Chart(
            "market_prices",
            "Price pressure",
            "Scarcity rent: what one more unit of each limit would be worth, above its cost, "
            "in the surplus-maximising clearing (the highest over families or regions).",
            tuple(rent_panels),
        ),
    ]


def market_tables(results: ResultSet) -> list[TableSpec]:
    """The year table, and each buyer's fill."""
    y = results.table("years")
    year_rows = tuple(
        (
            int(r["year"]),
            round(float(r["world_supply_h100e"]) / 1e6, 2),
            round(float(r["demand_h100e"]) / 1e6, 2),
            round(float(r["served_h100e"]) / 1e6, 2),
            round(float(r["coverage"]), 3),
            str(r["binding"]) or "-",
            round(float(r["lab_shortfall_h100e"]) / 1e6, 2),
            round(float(r["ai_electricity_twh"]), 1),
        )
        for r in records(y)
    )
    labs = results.table("labs")
    last = int(labs["year"].max()) if not labs.empty else 0
    lab_rows = tuple(
        (
            str(r["lab"]),
            round(float(r["demand_h100e"]) / 1e6, 2),
            round(float(r["served_h100e"]) / 1e6, 2),
            round(float(r["fill"]), 3),
            round(float(r["bid_usd_per_h100e_year"])),
        )
        for r in records(labs[labs["year"] == last])
    )
    return [
        TableSpec(
            "market_years",
            "The market, year by year",
            (
                "year",
                "supply, M H100e",
                "demand, M H100e",
                "served, M H100e",
                "coverage",
                "binding",
                "lab shortfall, M H100e",
                "AI electricity, TWh",
            ),
            year_rows,
        ),
        TableSpec(
            "market_labs",
            f"Every buyer in {last}",
            ("buyer", "demand, M H100e", "served, M H100e", "fill", "bid, USD per H100e-year"),
            lab_rows,
        ),
    ]


def market_content(results: ResultSet) -> ReportContent:
    """Everything the market's report page shows."""
    s = results.summary
    first = s.get("binds_first") or {}
    figures = [
        KeyFigure(
            "first short year",
            str(s.get("first_short_year") or "none"),
            "world supply below all trend demand",
        ),
        KeyFigure(
            "binds first",
            " and ".join(first.get("kinds") or []) or "nothing",
            f"in {first.get('year')}" if first.get("year") else "",
        ),
    ]
    for kind, year in (s.get("first_binding") or {}).items():
        figures.append(KeyFigure(f"{kind} binds from", str(year) if year else "never", ""))
    return ReportContent(
        results=results,
        title=f"Market report: {s.get('market') or results.name}",
        meta=[
            f"lab {s.get('lab', '?')}",
            f"rule {s.get('rule', '?')}",
            f"source {s.get('source', '?')}",
        ],
        summary=Summary(sentences=[str(v) for v in s.get("findings", [])], figures=figures),
        charts=market_charts(results),
        tables=market_tables(results),
        notes=[
            "Compute is in H100-equivalents (dense BF16 FLOP/s relative to an H100 SXM). "
            "Power is facility GW (IT kW x PUE). Data: Epoch AI (CC BY 4.0), IEA, company "
            "reports; every input's source is in the market file.",
        ],
    )
