r"""The market's answers, year by year: shares, coverage, what binds, shortfall, prices.

Definitions (one each, used by the tables, the JSON, the report and the tests):

* **world supply, H100e**: the H100e of every accelerator shipped and still in service,
  :math:`\sum_f h_f \sum_{y-L<\tau\le y} S_{f\tau}`; **world power, GW**: the
  energisable facility GW summed over regions.
* **the lab's share on its trend**: its trend demand over world supply (accelerators),
  and its trend demand times the world fleet's facility kW per H100e over world power
  (power). Above 1 means its trend alone asks for more than the world has.
* **coverage**: H100e served over H100e demanded, all buyers; the world is **short**
  when coverage is below 1 by more than 1e-4 (the clearing holds each stage's optimum
  to 1e-6 of a million H100e, so smaller gaps are the solver's, not the world's).
* **binding**: a resource binds in a year when the world is short that year and the
  resource's scarcity rent (the dual of its row in the surplus stage,
  :mod:`gigawatt.market.clearing`) is positive, with supply. (A chip can carry a rent in
  a covered year because it serves later, short years; that is not binding.)
* **the lab's power**: the facility GW the clearing gives the lab, over every region
  (what runs for it, :mod:`gigawatt.market.clearing`'s :math:`\sum_r p_{lry}`).
* **shortfall**: demand minus served, for the lab in the market and for the lab alone
  (every other buyer's demand and contracts set to zero).
* **AI electricity, TWh**: load factor x facility GW powered on, averaged over the year's
  two ends (the end of the year before and its own), x 8.76 TWh per GW-year.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from gigawatt.market.clearing import Clearing, clear
from gigawatt.market.inputs import BUSD, MILLION, MarketInputs, market_inputs
from gigawatt.market.result import MarketResult
from gigawatt.market.schema import Market

__all__ = ["KINDS", "analyze_market", "world_electricity_twh"]

#: Resource row -> the kind of limit it is.
KINDS = {"chips": "chips", "cowos": "packaging", "hbm": "memory", "power": "power"}
#: Model rent units -> USD per natural unit (accelerator, wafer, GB, kW-year).
_RENT_USD = {"chips": 1e3, "cowos": 1e6, "hbm": 1e3, "power": 1e3}
_UNITS = {"chips": "accelerators", "cowos": "wafers", "hbm": "GB", "power": "GW"}
_TWH_PER_GW_YEAR = 8.76
_EPS = 1e-6
#: Coverage below 1 by more than this is a short year.
_SHORT = 1e-4


def world_electricity_twh(inp: MarketInputs, clearing: Clearing, load_factor: float) -> np.ndarray:
    """AI data-centre electricity of each year, TWh (this module's definition)."""
    on_gw = np.einsum("lfy,f->y", clearing.on_m, inp.facility_kw)
    before = np.concatenate([[0.0], on_gw[:-1]])
    return np.asarray(load_factor * (on_gw + before) / 2 * _TWH_PER_GW_YEAR, dtype=float)


def _supply_stock(inp: MarketInputs) -> np.ndarray:
    return np.asarray(np.einsum("yt,ft->fy", inp.window, inp.shipments_m), dtype=float)


def _resources(inp: MarketInputs, clearing: Clearing, short_years: set[int]) -> pd.DataFrame:
    x = clearing.deliveries_m
    rows: list[dict[str, object]] = []

    def add(resource: str, key: str, supply: np.ndarray, used: np.ndarray, scale: float) -> None:
        for i, year in enumerate(inp.years):
            rows.append(
                {
                    "resource": resource,
                    "kind": KINDS[resource],
                    "key": key,
                    "year": year,
                    "unit": _UNITS[resource],
                    "supply": float(supply[i]) * scale,
                    "used": float(used[i]) * scale,
                }
            )

    for j, fam in enumerate(inp.families):
        add("chips", fam, inp.shipments_m[j], x[j], MILLION)
    if inp.cowos_kwafers is not None:
        add(
            "cowos",
            "cowos",
            inp.cowos_kwafers,
            np.einsum("ft,f->t", x, inp.cowos_kwafers_per_m),
            1e3,
        )
    if inp.hbm_pb is not None:
        add("hbm", "hbm", inp.hbm_pb, np.einsum("ft,f->t", x, inp.hbm_pb_per_m), 1e6)
    for k, region in enumerate(inp.regions):
        add("power", region, inp.power_gw[k], clearing.power_gw[:, k, :].sum(axis=0), 1.0)
    frame = pd.DataFrame(rows)
    frame["spare"] = frame["supply"] - frame["used"]
    frame["utilisation"] = np.where(
        frame["supply"] > 0, frame["used"] / frame["supply"].where(frame["supply"] > 0, 1.0), 0.0
    )
    rents = clearing.rents.assign(rent_usd=lambda d: d["rent"] * d["resource"].map(_RENT_USD))
    frame = frame.merge(
        rents[["resource", "key", "year", "rent_usd"]], on=["resource", "key", "year"], how="left"
    )
    # no supply, no market: a family not yet shipping has no price
    frame["rent_usd"] = frame["rent_usd"].fillna(0.0).where(frame["supply"] > 0, 0.0)
    frame["binding"] = (
        (frame["rent_usd"] > _EPS) & (frame["supply"] > 0) & frame["year"].isin(short_years)
    )
    return frame


def _alone(inp: MarketInputs, lab: int, rule: str) -> np.ndarray:
    keep = np.zeros(len(inp.labs), dtype=bool)
    keep[lab] = True
    solo = dataclasses.replace(
        inp,
        demand_m=np.where(keep[:, None], inp.demand_m, 0.0),
        contract_gw=np.where(keep[:, None, None], inp.contract_gw, 0.0),
    )
    return np.asarray(clear(solo, rule).served_m[lab], dtype=float)


def analyze_market(
    market: Market, *, alone: bool = True, lab_bid: Mapping[int, float] | None = None
) -> MarketResult:
    """Clear a market and answer its questions for ``market.lab``.

    Args:
        market: A validated market (:func:`gigawatt.market.load_market`).
        alone: Also clear the market with the lab as the only buyer (its shortfall
            when nobody else bids), one more solve.
        lab_bid: Year -> the lab's bid, USD per H100e-year, in place of the file's
            (:func:`gigawatt.market.labbid.bids_by_year`).

    Raises:
        SolverError: the clearing did not solve.
    """
    inp = market_inputs(market, lab_bid)
    clearing = clear(inp, market.rule)
    lab = inp.labs.index(market.lab)
    stock = _supply_stock(inp)
    supply_h100e = np.einsum("fy,f->y", stock, inp.h100e)
    supply_gw = np.einsum("fy,f->y", stock, inp.facility_kw)
    kw_per_h100e = np.divide(
        supply_gw, supply_h100e, out=np.zeros_like(supply_gw), where=supply_h100e > 0
    )
    world_power = inp.power_gw.sum(axis=0)
    demand, served = inp.demand_m, clearing.served_m
    total_d, total_s = demand.sum(axis=0), served.sum(axis=0)
    coverage = np.divide(total_s, total_d, out=np.ones_like(total_d), where=total_d > 0)
    lab_d, lab_s = demand[lab], served[lab]
    lab_alone = _alone(inp, lab, market.rule) if alone else np.full_like(lab_d, np.nan)
    short = coverage < 1 - _SHORT
    resources = _resources(inp, clearing, {y for y, s in zip(inp.years, short, strict=True) if s})
    binding = resources[resources["binding"]]
    years = pd.DataFrame(
        {
            "year": inp.years,
            "world_supply_h100e": supply_h100e * MILLION,
            "world_power_gw": world_power,
            "demand_h100e": total_d * MILLION,
            "served_h100e": total_s * MILLION,
            "coverage": coverage,
            "short": short,
            "binding": [
                ", ".join(sorted(set(binding.loc[binding["year"] == y, "kind"]))) for y in inp.years
            ],
            "lab_demand_h100e": lab_d * MILLION,
            "lab_served_h100e": lab_s * MILLION,
            "lab_power_gw": clearing.power_gw[lab].sum(axis=0),
            "lab_shortfall_h100e": (lab_d - lab_s) * MILLION,
            "lab_alone_shortfall_h100e": (lab_d - lab_alone) * MILLION,
            "lab_share_accelerators": np.divide(
                lab_d, supply_h100e, out=np.zeros_like(lab_d), where=supply_h100e > 0
            ),
            "lab_share_power": np.divide(
                lab_d * kw_per_h100e, world_power, out=np.zeros_like(lab_d), where=world_power > 0
            ),
            "lab_share_served": np.divide(
                lab_s, total_s, out=np.zeros_like(lab_s), where=total_s > 0
            ),
            "contract_fill": clearing.contract_fill,
            "ai_electricity_twh": world_electricity_twh(inp, clearing, market.load_factor),
        }
    )
    labs = pd.DataFrame(
        [
            {
                "lab": name,
                "year": year,
                "demand_h100e": float(demand[i, t]) * MILLION,
                "served_h100e": float(served[i, t]) * MILLION,
                "shortfall_h100e": float(demand[i, t] - served[i, t]) * MILLION,
                "bid_usd_per_h100e_year": float(inp.bid_busd_per_m[i, t]) * BUSD / MILLION,
            }
            for i, name in enumerate(inp.labs)
            for t, year in enumerate(inp.years)
        ]
    )
    labs["fill"] = np.where(
        labs["demand_h100e"] > 0,
        labs["served_h100e"] / labs["demand_h100e"].where(labs["demand_h100e"] > 0, 1.0),
        1.0,
    )
    first: dict[str, int | None] = {}
    for kind in dict.fromkeys(KINDS.values()):
        hit = binding.loc[binding["kind"] == kind, "year"]
        first[kind] = int(hit.min()) if len(hit) else None
    return MarketResult(
        name=market.name,
        source=market.source,
        lab=market.lab,
        rule=market.rule,
        years=years,
        labs=labs,
        resources=resources,
        first_binding=first,
        record=None if market.record is None else market.record.model_dump(),
    )
