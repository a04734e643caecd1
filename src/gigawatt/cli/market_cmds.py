"""The ``market`` command: can anyone supply the lab? Every lab's demand against the world."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import console, print_json, print_year_tables, say, status, styled

if TYPE_CHECKING:
    import pandas as pd

    from gigawatt.market.result import MarketResult
    from gigawatt.market.uncertainty import MarketUncertainty

__all__ = ["market", "register"]


def _m(value: float) -> str:
    return f"{value / 1e6:,.1f}M"


def print_market(result: MarketResult) -> None:
    """The market's findings and its year tables on the terminal."""
    for i, sentence in enumerate(result.findings()):
        say(styled(sentence, "bold") if i == 0 else sentence)
    y = result.years
    years = [str(v) for v in y["year"]]
    rows = [
        ["world supply, H100e", *[_m(v) for v in y["world_supply_h100e"]]],
        ["world AI power, GW", *[f"{v:,.1f}" for v in y["world_power_gw"]]],
        ["demand, H100e", *[_m(v) for v in y["demand_h100e"]]],
        ["served, H100e", *[_m(v) for v in y["served_h100e"]]],
        ["coverage", *[f"{v:.0%}" for v in y["coverage"]]],
        ["binding", *[v or "-" for v in y["binding"]]],
        ["AI electricity, TWh", *[f"{v:,.0f}" for v in y["ai_electricity_twh"]]],
    ]
    print_year_tables("The world market", ["", *years], rows)
    lab = [
        ["trend demand, H100e", *[_m(v) for v in y["lab_demand_h100e"]]],
        ["served, H100e", *[_m(v) for v in y["lab_served_h100e"]]],
        ["shortfall, H100e", *[_m(v) for v in y["lab_shortfall_h100e"]]],
        ["shortfall alone, H100e", *[_m(v) for v in y["lab_alone_shortfall_h100e"]]],
        ["share of accelerators", *[f"{v:.0%}" for v in y["lab_share_accelerators"]]],
        ["share of AI power", *[f"{v:.0%}" for v in y["lab_share_power"]]],
        ["share of served", *[f"{v:.0%}" for v in y["lab_share_served"]]],
        ["contracts met", *[f"{v:.0%}" for v in y["contract_fill"]]],
    ]
    print_year_tables(f"The lab: {result.lab}", ["", *years], lab)
    r = result.resources
    rent = r.groupby(["kind", "year"])["rent_usd"].max().unstack("year").fillna(0.0)
    units = {
        "chips": "USD/accelerator",
        "packaging": "USD/wafer",
        "memory": "USD/GB",
        "power": "USD/kW-yr",
    }
    prices = [
        [f"{kind} ({units.get(str(kind), '')})", *[f"{v:,.0f}" for v in rent.loc[kind]]]
        for kind in rent.index
    ]
    print_year_tables(
        "Price pressure: highest scarcity rent", ["", *[str(c) for c in rent.columns]], prices
    )


def print_market_uncertainty(sampled: MarketUncertainty) -> None:
    """P(world short), P(lab short) and P(each limit binds) per year."""
    t = sampled.years
    kinds = [c.removeprefix("p_binds_") for c in t.columns if c.startswith("p_binds_")]
    print_year_tables(
        f"The world market: {len(sampled.draws)} samples of "
        f"{len(sampled.draws.columns)} uncertain inputs",
        ["", *[str(v) for v in t["year"]]],
        [
            ["P(world short)", *[f"{v:.0%}" for v in t["p_world_short"]]],
            ["P(lab short)", *[f"{v:.0%}" for v in t["p_lab_short"]]],
            *[[f"P({k} binds)", *[f"{v:.0%}" for v in t[f"p_binds_{k}"]]] for k in kinds],
        ],
    )


def print_lab_bid(result: MarketResult) -> None:
    """The lab's bid from its plan beside the market's prices."""
    assert result.lab_bid is not None
    bid = result.lab_bid.set_index("year")
    labs = result.labs[result.labs["lab"] == result.lab].set_index("year")
    power = result.resources[result.resources["kind"] == "power"].groupby("year")["rent_usd"].max()
    years = [int(v) for v in result.years["year"]]

    def cell(table: pd.Series, year: int, scale: float = 1.0) -> str:
        return f"{table[year] * scale:,.0f}" if year in table.index else "-"

    rows = [
        ["bid used, USD/H100e-yr", *[cell(labs["bid_usd_per_h100e_year"], y) for y in years]],
        ["plan's value, USD/H100e-yr", *[cell(bid["usd_per_h100e_year"], y) for y in years]],
        ["plan's value, USD/MW-yr", *[cell(bid["usd_per_mw_year"], y) for y in years]],
        ["market power rent, USD/MW-yr", *[cell(power, y, 1e3) for y in years]],
    ]
    print_year_tables(
        f"The lab's bid from its plan ({result.bid_source}; other years: the file's)",
        ["", *[str(y) for y in years]],
        rows,
    )


@guarded
def market(
    file: Annotated[
        str | None, typer.Argument(help="A market file or built-in name (default market-2025).")
    ] = None,
    rule: Annotated[
        str | None, typer.Option(help="Override the market's rule: pro_rata or price.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write market.json, tables and report.html into this folder."),
    ] = None,
    show: Annotated[bool, typer.Option("--show", help="Print the market's YAML and stop.")] = False,
    samples: Annotated[
        int,
        typer.Option(
            "--samples",
            help="Also clear N samples of the market's `uncertainty:` inputs: P(world short).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the samples.")] = 0,
    lab_bid_from_plan: Annotated[
        Path | None,
        typer.Option(
            "--lab-bid-from-plan",
            help="Take the lab's bid per year from a solved plan's shadow prices "
            "(a `gigawatt plan --out DIR` folder); bids decide under --rule price.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Clear every lab's demand against the world's chips, packaging, memory and power."""
    from gigawatt.market import analyze_market, load_market, market_text
    from gigawatt.market.labbid import bids_by_year

    if show:
        console.print(market_text(file)[0], end="")
        return
    source = load_market(file)
    if rule is not None:
        source = source.with_rule(rule)
    bid = None
    if lab_bid_from_plan is not None:
        from gigawatt.market.labbid import lab_bid_from_plan as bid_of
        from gigawatt.plan import Plan

        bid = bid_of(Plan.load(lab_bid_from_plan))
    with status("Clearing the market...") if not as_json else contextlib.nullcontext():
        result = analyze_market(source, lab_bid=None if bid is None else bids_by_year(bid))
    if bid is not None:
        result.lab_bid, result.bid_source = bid, str(lab_bid_from_plan)
    sampled = None
    if samples > 0:
        from gigawatt.market.uncertainty import sample_market

        with status(f"Clearing {samples} samples...") if not as_json else contextlib.nullcontext():
            sampled = sample_market(
                source, samples, seed, lab_bid=None if bid is None else bids_by_year(bid)
            )
    html = None
    if out is not None:
        from gigawatt.report import write_report

        result.save(out)
        html = write_report(out).html
    if as_json:
        data = result.to_dict()
        data["report"] = None if html is None else str(html)
        data["uncertainty"] = None if sampled is None else sampled.to_dict()
        print_json(data)
        return
    print_market(result)
    if result.lab_bid is not None:
        print_lab_bid(result)
    if sampled is not None:
        print_market_uncertainty(sampled)
    if html is not None:
        say(f"wrote {html}")


def register(app: typer.Typer) -> None:
    """Add the ``market`` command to the application."""
    app.command()(market)
