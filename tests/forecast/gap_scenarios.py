"""A scenario with a structural gap (a step of its own schedules) and a random one.

``chat`` is pinned to provider ``a``, whose 1,000 accelerators grow to 3,000 only in
2026-04; with ``STEP`` chat's demand steps from 500 to 2,000 accelerators' worth in
2026-03, so that month is short in every sample; with ``FLAT`` it never is. ``api``
grows at a sampled rate and outgrows the rest in some samples only.
"""

GAPS = """
name: gaps
horizon: {start: 2026-01, months: 24}
accelerators:
  X: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  a: {kind: cloud}
  b: {kind: cloud}
sites:
  sa:
    provider: a
    offers:
      - {accelerator: X, pricing: on_demand, usd_per_hour: 2,
         available: {2026-01: 1000, 2026-04: 3000}}
  sb:
    provider: b
    offers:
      - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 2000}
workloads:
  - {name: chat, kind: inference, tags: [chat], utilization: 0.5,
     demand_flops: CHAT}
  - {name: api, kind: inference, tags: [api], utilization: 0.5,
     demand_flops: {2026-01: 5.0e17, growth_per_year: 2.0}}
contracts:
  - name: pin
    counterparty: a
    clauses: [{type: pin, tags: [chat]}]
uncertainty:
  workloads.api.demand_flops.growth_per_year: {lognormal: {p50: 2.0, p90: 4.0}}
"""
STEP = "{2026-01: 2.5e17, 2026-03: 1.0e18}"  # 500, then 2,000 accelerators' worth
FLAT = "2.5e17"  # 500 accelerators' worth throughout: no structural gap
