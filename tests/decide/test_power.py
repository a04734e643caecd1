"""A commitment made now must fit every future: site power known only in the future.

One January (744 h). 5,000 accelerators of demand (1 MW per thousand); Azure reserves
at $1/hour on a site whose power is 10 MW or 2 MW (equally likely), OCI rents on demand
at $3/hour without a cap; demand unserved loses far more. The stochastic plan can only
reserve what the 2 MW future can power: 2,000, and rents 3,000 on demand in both
futures: 744 x 2,000 + 3 x 744 x 3,000 = $8,184,000. The mean-value plan (6 MW)
reserves all 5,000, which the 2 MW future cannot hold: its cost there is infinite.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from gigawatt.decide import decide
from gigawatt.scenario.load import scenario_from_data

pytestmark = pytest.mark.slow

POWER = "sites.az.power_mw"


def test_the_first_stage_fits_the_tightest_future() -> None:
    data: dict[str, Any] = {
        "name": "power-unknown",
        "horizon": {"start": "2025-01", "months": 1},
        "accelerators": {"H100": {"peak_flops": 1.0e15, "facility_watts": 1000}},
        "providers": {"azure": {"kind": "cloud"}, "oci": {"kind": "cloud"}},
        "sites": {
            "az": {
                "provider": "azure",
                "power_mw": 10,
                "offers": [
                    {
                        "accelerator": "H100",
                        "pricing": "reserved",
                        "usd_per_hour": 1.0,
                        "term_months": 1,
                        "available": 100000,
                    }
                ],
            },
            "oc": {
                "provider": "oci",
                "offers": [
                    {
                        "accelerator": "H100",
                        "pricing": "on_demand",
                        "usd_per_hour": 3.0,
                        "available": 100000,
                    }
                ],
            },
        },
        "workloads": [
            {
                "name": "api",
                "kind": "inference",
                "demand_flops": 2.5e18,
                "utilization": 0.5,
                "revenue_usd_per_month": 1.0e9,
            }
        ],
        "uncertainty": {POWER: {"uniform": {"low": 1, "high": 10}}},
    }
    scenario = scenario_from_data(data, "power-unknown")
    result = decide(scenario, values=[{POWER: 10.0}, {POWER: 2.0}], regret=False)
    s = result.summary
    assert result.commitments["accelerators"].iloc[0] == pytest.approx(2000.0, rel=1e-6)
    assert s["objective_usd"] == pytest.approx(744 * 2000 + 3 * 744 * 3000, rel=1e-6)
    assert s["mean_value_infeasible_futures"] == 1
    assert list(result.futures["mean_value_status"]) == ["optimal", "infeasible"]
    assert math.isinf(s["mean_value_objective_usd"]) and math.isinf(s["vss_usd"])
    assert result.to_json()["vss_usd"] is None  # JSON has no infinity
