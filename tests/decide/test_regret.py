"""Regret of a min-spend commitment, worked by hand.

One January (744 hours); N accelerators of demand, served on OCI at $1/hour or on
Azure at $2/hour; a take-or-pay of U = $2,976,000 with Azure. Moving an accelerator
from OCI to Azure costs $744 more and cuts the shortfall by $1,488, so with the clause
the plan moves min(N, U / 1,488) to Azure: the clause costs U - 744 N when N < 2,000,
and U / 2 from there on. Its regret in a future is that cost (it is never negative).
"""

from __future__ import annotations

from typing import Any

import pytest

from gigawatt.decide import decide
from gigawatt.scenario.load import scenario_from_data

pytestmark = pytest.mark.slow

U = 2_976_000.0
DEMAND = "workloads.api.demand_flops"


def _offer(usd_per_hour: float) -> dict[str, Any]:
    return {
        "accelerator": "H100",
        "pricing": "on_demand",
        "usd_per_hour": usd_per_hour,
        "available": 100000,
    }


def test_regret_of_a_take_or_pay() -> None:
    data: dict[str, Any] = {
        "name": "take-or-pay",
        "horizon": {"start": "2025-01", "months": 1},
        "accelerators": {"H100": {"peak_flops": 1.0e15, "facility_watts": 1000}},
        "providers": {"azure": {"kind": "cloud"}, "oci": {"kind": "cloud"}},
        "sites": {
            "az": {"provider": "azure", "offers": [_offer(2.0)]},
            "oc": {"provider": "oci", "offers": [_offer(1.0)]},
        },
        "workloads": [
            {
                "name": "api",
                "kind": "inference",
                "demand_flops": 1.0e18,
                "utilization": 0.5,
                "revenue_usd_per_month": 1.0e9,
            }
        ],
        "contracts": [
            {"name": "ms", "counterparty": "azure", "clauses": [{"type": "min_spend", "usd": U}]}
        ],
        "uncertainty": {DEMAND: {"uniform": {"low": 1.0e17, "high": 4.0e18}}},
    }
    scenario = scenario_from_data(data, "take-or-pay")
    levels = [1000.0, 4000.0]  # accelerators of demand (x 5e14 FLOP/s)
    values = [{DEMAND: n * 5e14} for n in levels]
    result = decide(scenario, values=values, weights=[0.25, 0.75])
    rows = result.tables["regret"]
    assert list(rows["future"]) == [0, 1] and set(rows["contract"]) == {"ms"}
    expected = [U - 744.0 * 1000, U / 2]
    assert list(rows["regret_usd"]) == pytest.approx(expected, rel=1e-6)
    (summary,) = result.summary["regret"]
    assert summary["counterparty"] == "azure"
    assert summary["expected_regret_usd"] == pytest.approx(0.25 * expected[0] + 0.75 * expected[1])
    assert summary["max_regret_usd"] == pytest.approx(expected[0])
    assert summary["probability_of_regret"] == pytest.approx(1.0)
    assert result.commitments.empty  # on-demand only: nothing to sign now
