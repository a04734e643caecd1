"""Small markets written as YAML text for the clearing tests."""

from __future__ import annotations

import textwrap

from gigawatt.market import Market, parse_market

__all__ = ["one_resource_market", "one_resource_text"]


def one_resource_market(**kwargs: object) -> Market:
    """:func:`one_resource_text`, parsed."""
    return parse_market(one_resource_text(**kwargs), "two-labs.yaml")  # type: ignore[arg-type]


def one_resource_text(
    *,
    supply: float,
    demand_a: float,
    demand_b: float,
    bid_a: float = 20000,
    bid_b: float = 20000,
    rule: str = "pro_rata",
    contract_a_gw: float | None = None,
    power_gw: float = 1000.0,
) -> str:
    """Two labs, one family of 1-H100e, 1-kW (IT, pue 1) accelerators, one year, one region.

    ``supply`` and the demands are in millions; ``power_gw`` and the contract in GW.

    Power is ample unless ``power_gw`` is small; there is no packaging or memory limit.
    """
    contract = ""
    if contract_a_gw is not None:
        contract = f"""
        contracts:
          - name: a-deal
            lab: a
            family: chip
            power_gw: {{values: {{2025: {contract_a_gw}}}, source: [t]}}
        """
    text = textwrap.dedent(
        f"""
        name: two-labs
        years: [2025, 2025]
        lab: a
        rule: {rule}
        lifetime_years: 1
        pue: 1.0
        load_factor: 1.0
        sources:
          t: {{title: hand-worked test, confidence: A}}
        families:
          chip:
            vendor: v
            h100e: 1.0
            it_kw: 1.0
            cowos_wafers_per_unit: 0
            hbm_gb: 0
            usd_per_unit: 0
            source: [t]
            shipments: {{values: {{2025: {supply * 1e6}}}, source: [t]}}
        regions:
          r:
            power_gw: {{values: {{2025: {power_gw}}}, source: [t]}}
            usd_per_gw_year: 0
        labs:
          a:
            h100e: {{values: {{2025: {demand_a * 1e6}}}, source: [t]}}
            usd_per_h100e_year: {bid_a}
          b:
            h100e: {{values: {{2025: {demand_b * 1e6}}}, source: [t]}}
            usd_per_h100e_year: {bid_b}
        """
    ) + textwrap.dedent(contract)
    return text
