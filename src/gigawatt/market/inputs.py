"""A market's numbers as arrays, in the clearing model's units.

Units inside the model (so that coefficients stay near 1): accelerators and H100e in
millions, power in GW, CoWoS in thousands of wafers, HBM in PB (1e6 GB), money in $B.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigawatt.market.schema import Market
from gigawatt.market.series import series_values

__all__ = ["MarketInputs", "market_inputs"]

MILLION = 1e6
#: USD per $B.
BUSD = 1e9

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MarketInputs:
    """Arrays of one market (rows in the order of the name lists)."""

    years: list[int]
    labs: list[str]
    families: list[str]
    regions: list[str]
    shipments_m: Array  # (family, year) million accelerators
    h100e: Array  # (family,) H100e per accelerator
    facility_kw: Array  # (family,) facility kW per accelerator (it_kw x pue)
    cowos_kwafers_per_m: Array  # (family,) thousand wafers per million accelerators
    hbm_pb_per_m: Array  # (family,) PB per million accelerators
    capex_busd_per_m_year: Array  # (family,) $B per million accelerators per year in service
    cowos_kwafers: Array | None  # (year,)
    hbm_pb: Array | None  # (year,)
    power_gw: Array  # (region, year)
    power_busd_per_gw: Array  # (region,)
    demand_m: Array  # (lab, year) million H100e
    bid_busd_per_m: Array  # (lab, year) $B per million H100e-year
    allowed_family: npt.NDArray[np.bool_]  # (lab, family)
    allowed_region: npt.NDArray[np.bool_]  # (lab, region)
    contract_gw: Array  # (lab, family, year) contracted facility GW installed
    lifetime_years: int

    @property
    def window(self) -> Array:
        """``window[y, tau]`` = 1 when an accelerator delivered in ``tau`` serves in ``y``."""
        n = len(self.years)
        y = np.arange(n)[:, None]
        tau = np.arange(n)[None, :]
        return ((tau <= y) & (tau > y - self.lifetime_years)).astype(float)


def market_inputs(market: Market, lab_bid: Mapping[int, float] | None = None) -> MarketInputs:
    """The arrays of a validated market.

    Args:
        market: The market.
        lab_bid: Year -> the lab's (``market.lab``) bid in USD per H100e-year, in place of
            the file's in those years (:mod:`gigawatt.market.labbid`).
    """
    years = market.year_list
    labs, families, regions = list(market.labs), list(market.families), list(market.regions)
    fams = [market.families[f] for f in families]
    upstream = market.upstream
    contract = np.zeros((len(labs), len(families), len(years)))
    for c in market.contracts:
        contract[labs.index(c.lab), families.index(c.family)] += series_values(c.power_gw, years)
    return MarketInputs(
        years=years,
        labs=labs,
        families=families,
        regions=regions,
        shipments_m=np.array([series_values(f.shipments, years) for f in fams]) / MILLION,
        h100e=np.array([f.h100e for f in fams]),
        facility_kw=np.array([f.it_kw * market.pue for f in fams]),
        cowos_kwafers_per_m=np.array([f.cowos_wafers_per_unit * MILLION / 1e3 for f in fams]),
        hbm_pb_per_m=np.array([f.hbm_gb * MILLION / 1e6 for f in fams]),
        capex_busd_per_m_year=np.array(
            [f.usd_per_unit * MILLION / BUSD / market.lifetime_years for f in fams]
        ),
        cowos_kwafers=None
        if upstream.cowos_wafers is None
        else series_values(upstream.cowos_wafers, years) / 1e3,
        hbm_pb=None if upstream.hbm_gb is None else series_values(upstream.hbm_gb, years) / 1e6,
        power_gw=np.array([series_values(market.regions[r].power_gw, years) for r in regions]),
        power_busd_per_gw=np.array([market.regions[r].usd_per_gw_year / BUSD for r in regions]),
        demand_m=np.array([series_values(market.labs[lab].h100e, years) for lab in labs]) / MILLION,
        bid_busd_per_m=np.array(
            [
                [
                    (lab_bid or {}).get(year, market.labs[lab].usd_per_h100e_year)
                    if lab == market.lab
                    else market.labs[lab].usd_per_h100e_year
                    for year in years
                ]
                for lab in labs
            ]
        )
        * MILLION
        / BUSD,
        allowed_family=np.array(
            [
                [(lab.families is None or f in lab.families) for f in families]
                for lab in market.labs.values()
            ]
        ),
        allowed_region=np.array(
            [
                [(lab.regions is None or r in lab.regions) for r in regions]
                for lab in market.labs.values()
            ]
        ),
        contract_gw=contract,
        lifetime_years=market.lifetime_years,
    )
