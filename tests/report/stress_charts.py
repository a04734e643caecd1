"""Charts built from generated results shaped like the default scenario's, where labels
used to collide (issue #19): funding rounds three months apart on the cash chart,
long clause names on the comparison's clause costs, a 400-sample sweep's histograms.
The real chart builders draw them; only the tables they read are generated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gigawatt.report.charts import Chart, color_map
from gigawatt.report.compare_view import _clause_chart
from gigawatt.report.data import ResultSet
from gigawatt.report.html import render_html
from gigawatt.report.plan_value_charts import cash_chart
from gigawatt.report.summary import Summary
from gigawatt.report.sweep_charts import sweep_charts

MONTHS = [f"{y}-{m:02d}" for y in range(2025, 2031) for m in range(1, 13)]
#: The default scenario's funding rounds (frontier-lab-2025.yaml).
FUNDING = {"2025-03": 1.0e10, "2025-12": 3.0e10, "2026-03": 7.5e10}
CLAUSES = [
    ("microsoft-2025-01", 0, "pin", 4.1e9),
    ("microsoft-2025-01", 1, "right_of_first_refusal", 2.3e10),
    ("microsoft-2025-01", 2, "revenue_share", 6.4e10),
    ("oracle-stargate-2025", 0, "min_spend", -1.2e9),
    ("coreweave-2025-03", 0, "take_or_pay", 8.0e8),
]


def _cash() -> Chart:
    n = len(MONTHS)
    t = np.arange(n, dtype=float)
    revenue = 5e8 * 1.05**t
    spend = 9e8 * 1.055**t
    funding = np.array([FUNDING.get(m, 0.0) for m in MONTHS])
    cash = 1e10 + np.cumsum(revenue - spend - 3e8 + funding)
    finance = pd.DataFrame(
        {
            "month": MONTHS,
            "cash_usd": cash,
            "funding_usd": funding,
            "revenue_usd": revenue,
            "revenue_share_usd": 0.2 * revenue,
            "compute_spend_usd": spend,
            "compute_paid_usd": spend,
            "min_spend_shortfall_usd": np.zeros(n),
            "other_opex_usd": np.full(n, 3e8),
            "financing_usd": np.zeros(n),
        }
    )
    results = ResultSet(
        Path("generated"), "plan", {"min_cash_usd": float(cash.min())}, {"finance": finance}
    )
    chart = cash_chart(results)
    assert chart is not None
    return chart


def _comparison() -> list[Chart]:
    rows = [
        {
            "scenario": scenario,
            "contract": contract,
            "clause_index": index,
            "type": kind,
            "cost_usd": cost * factor,
        }
        for scenario, factor in (("frontier-lab-2025", 1.0), ("frontier-lab-2025-10", 0.7))
        for contract, index, kind, cost in CLAUSES
    ]
    results = ResultSet(Path("generated"), "plan", {}, {"clauses": pd.DataFrame(rows)})
    scenarios = ["frontier-lab-2025", "frontier-lab-2025-10"]
    chart = _clause_chart(results, scenarios, color_map(scenarios, first=scenarios[0]))
    return [] if chart is None else [chart]


def _sweep() -> list[Chart]:
    rng = np.random.default_rng(19)
    n = 400
    cost = rng.lognormal(np.log(3.1e11), 0.25, n)
    samples = pd.DataFrame(
        {
            "sample": np.arange(n),
            "status": ["optimal"] * n,
            "cost_usd": cost,
            "objective_usd": cost * rng.uniform(1.0, 1.4, n),
            "shortfall_flop": rng.lognormal(np.log(3.7e29), 0.6, n),
            "lost_revenue_usd": rng.lognormal(np.log(2.4e10), 0.5, n),
        }
    )
    results = ResultSet(Path("generated"), "plan", {}, {"samples": samples})
    return [c for c in sweep_charts(results) if c.id in ("sweep_cost", "sweep_shortfall")]


def stress_charts() -> list[Chart]:
    """The charts whose labels used to collide, drawn from generated results."""
    charts = [_cash(), *_comparison(), *_sweep()]
    assert {c.id for c in charts} == {"cash", "compare_clauses", "sweep_cost", "sweep_shortfall"}
    return charts


def write_stress_page(path: Path) -> Path:
    """The stress charts on one report page."""
    page = render_html(
        title="Charts where labels used to collide",
        meta=["generated"],
        summary=Summary(["Generated results shaped like the default scenario's."]),
        charts=stress_charts(),
        tables=[],
    )
    path.write_text(page, encoding="utf-8")
    return path
