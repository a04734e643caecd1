"""One small world under several agreements, for the compare and history tests.

Azure sells 600,000 accelerators at $3/h, OCI two million (at $2/h unless told); the lab
needs a million (5e20 FLOP/s at 50% of 1e15) in December 2025 (744 h) and January 2026
(744 h). The agreement with Azure is the clause given.
"""

from __future__ import annotations

__all__ = ["HOURS", "agreement"]

HOURS = 744

_WORLD = """
name: {name}
{as_of}horizon: {{start: 2025-12, months: 2}}
accelerators:
  H100: {{peak_flops: 1.0e15, it_watts: 1000}}
providers:
  azure: {{kind: cloud}}
  oci: {{kind: cloud}}
sites:
  azure-east:
    provider: azure
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: 3, available: 600000}}]
  oci-phoenix:
    provider: oci
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: {oci}, available: 2000000}}]
workloads:
  - {{name: chat, kind: inference, demand_flops: 5.0e20, utilization: 0.5}}
contracts:
  - name: {contract}
    counterparty: azure
    clauses: [{clause}]
"""


def agreement(
    name: str,
    clause: str,
    *,
    as_of: str | None = None,
    oci_usd_per_hour: float = 2,
    contract: str = "microsoft",
) -> str:
    """The world's YAML under one clause with Azure (``as_of`` left out when None)."""
    return _WORLD.format(
        name=name,
        as_of="" if as_of is None else f"as_of: {as_of}\n",
        oci=f"{oci_usd_per_hour:g}",
        contract=contract,
        clause=clause,
    )
