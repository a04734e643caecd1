"""Small scenarios drawn from a seed, spanning three calendar years (each solves in seconds).

Every scenario has a cloud with reserved and on-demand offers, a second cloud, an owned
campus (build offer, electricity, a power ramp), sites with grid intensities, an
inference product with revenue (pinned to the first cloud), a revenue-less research
fleet, a training run, and finance with a funding round, so that every figure of
docs/glossary.md takes non-trivial values.
"""

from __future__ import annotations

import random
from typing import Any


def generated(seed: int) -> dict[str, Any]:
    """The plain data (as a YAML file would hold) of scenario number ``seed``."""
    rnd = random.Random(seed)
    months = rnd.choice([26, 30, 34])
    start = rnd.choice(["2025-01", "2025-04", "2025-10"])
    peak_b = rnd.choice([2.0e15, 2.5e15])
    return {
        "name": f"generated-{seed}",
        "horizon": {"start": start, "months": months},
        "discount_rate": rnd.choice([0.0, 0.08]),
        "accelerators": {
            "A": {"peak_flops": 9.89e14, "facility_watts": 1400},
            "B": {"peak_flops": peak_b, "facility_watts": 2100, "available_from": "2025-09"},
        },
        "providers": {
            "bigcloud": {"kind": "cloud"},
            "othercloud": {"kind": "cloud"},
            "campus": {"kind": "owned"},
        },
        "sites": {
            "big-east": {
                "provider": "bigcloud",
                "power_mw": rnd.choice([30, 45]),
                "grid_gco2_per_kwh": rnd.choice([350, 416]),
                "offers": [
                    {
                        "accelerator": "A",
                        "pricing": "reserved",
                        "usd_per_hour": round(rnd.uniform(1.8, 2.6), 2),
                        "term_months": rnd.choice([3, 6, 12]),
                        "available": rnd.choice([12000, 18000]),
                    },
                    {
                        "accelerator": "A",
                        "pricing": "on_demand",
                        "usd_per_hour": round(rnd.uniform(6.0, 9.0), 2),
                        "available": 3000,
                    },
                ],
            },
            "other-west": {
                "provider": "othercloud",
                "grid_gco2_per_kwh": rnd.choice([320, 334]),
                "offers": [
                    {
                        "accelerator": "B",
                        "pricing": "reserved",
                        "usd_per_hour": round(rnd.uniform(2.8, 3.6), 2),
                        "term_months": rnd.choice([6, 12]),
                        "lead_months": rnd.choice([2, 4]),
                        "available": {"2025-09": 6000, "2026-06": rnd.choice([12000, 16000])},
                    }
                ],
            },
            "campus-tx": {
                "provider": "campus",
                "power_mw": {"2025-06": 10, "2026-03": rnd.choice([40, 60])},
                "pue": 1.2,
                "electricity_usd_per_mwh": rnd.choice([60, 70]),
                "grid_gco2_per_kwh": 334,
                "offers": [
                    {
                        "accelerator": "B",
                        "pricing": "build",
                        "capex_usd": rnd.choice([70000, 84000]),
                        "opex_usd_per_hour": 0.22,
                        "lifetime_months": 48,
                        "lead_months": rnd.choice([5, 8]),
                        "available": 20000,
                    }
                ],
            },
        },
        "workloads": [
            {
                "name": "api",
                "kind": "inference",
                "tags": ["api"],
                "demand_flops": {"2025-01": 2.0e18, "growth_per_year": rnd.choice([1.8, 2.5])},
                "revenue_usd_per_month": {"2025-01": 1.5e8, "growth_per_year": 1.6},
            },
            {
                "name": "research",
                "kind": "inference",
                "demand_flops": {"2025-01": 1.0e18, "2026-01": rnd.choice([3e18, 6e18])},
                "utilization": 0.4,
            },
            {
                "name": "big-run",
                "kind": "training",
                "flop": rnd.choice([2.0e25, 6.0e25]),
                "window": ["2026-01", "2026-09"],
                "accelerators": ["B"],
            },
        ],
        "contracts": [
            {
                "name": "cloud-deal",
                "counterparty": "bigcloud",
                "clauses": [
                    {"type": "pin", "tags": ["api"]},
                    {"type": "revenue_share", "percent": 20, "tags": ["api"]},
                ],
            }
        ],
        "finance": {
            "cash_usd": rnd.choice([2.0e8, 5.0e8]),
            "other_opex_usd_per_month": {
                "2025-01": rnd.choice([5.0e7, 2.0e8]),
                "growth_per_year": 1.3,
            },
            "funding": [{"month": "2026-01", "usd": rnd.choice([5.0e8, 1.0e9])}],
        },
        "penalties": {"shortfall_usd_per_flop": 2.0e-18},
    }
