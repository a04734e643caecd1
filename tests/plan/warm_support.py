"""A small scenario shared by the warm clause-cost tests and the solve-run tests."""

from __future__ import annotations

SCENARIO = """
name: warm
horizon: {start: 2025-01, months: 3}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
  B200: {peak_flops: 2.0e15, facility_watts: 1500}
providers:
  azure: {kind: cloud}
  oci: {kind: cloud}
sites:
  az: {provider: azure, power_mw: 2.0, offers: [
       {accelerator: H100, pricing: on_demand, usd_per_hour: 2, available: 600},
       {accelerator: B200, pricing: reserved, usd_per_hour: 3, term_months: 2,
        available: 300}]}
  oc: {provider: oci, offers: [
       {accelerator: H100, pricing: on_demand, usd_per_hour: 1, available: 10000},
       {accelerator: B200, pricing: on_demand, usd_per_hour: 1.8, available: 10000}]}
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: 3.0e17, utilization: 0.5,
     revenue_usd_per_month: 1.0e7}
  - {name: chat, kind: inference, tags: [chat], demand_flops: 6.0e17, utilization: 0.5,
     revenue_usd_per_month: 4.0e6}
  - {name: run, kind: training, flop: 4.0e24, window: [2025-01, 2025-03], mfu: 0.4,
     accelerators: [B200]}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
      - {type: right_of_first_refusal}
      - {type: revenue_share, percent: 20, tags: [api, chat]}
      - {type: min_spend, usd: 3.0e6}
  - name: oracle
    counterparty: oci
    clauses:
      - {type: exclusive, tags: [chat], until: 2025-01}
"""
