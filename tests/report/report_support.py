"""A tiny solved plan (three providers, every pricing kind, a min-spend shortfall, power
duals, lost revenue, funding) and its report, built once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gigawatt.plan import plan
from gigawatt.plan.clauses import ClauseCost
from gigawatt.report import Report, save_clause_costs, save_commitments, write_report
from gigawatt.scenario import Scenario, parse_scenario

TINY = """
name: tiny-lab
horizon: {start: 2025-01, months: 24}
discount_rate: 0.08
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
  GB200: {peak_flops: 2.5e15, facility_watts: 2000, available_from: 2025-06}
providers:
  azure: {kind: cloud}
  oci: {kind: cloud}
  campus: {kind: owned}
sites:
  az-east:
    provider: azure
    power_mw: 3
    offers:
      - {accelerator: H100, pricing: reserved, usd_per_hour: 2.0, term_months: 6,
         available: 2500}
      - {accelerator: H100, pricing: on_demand, usd_per_hour: 3.5, available: 1000}
  oci-west:
    provider: oci
    power_mw: {2025-01: 1, 2025-09: 4}
    offers:
      - {accelerator: GB200, pricing: on_demand, usd_per_hour: 4.0, available: 2000}
  home:
    provider: campus
    power_mw: {2025-06: 2, 2026-01: 6}
    electricity_usd_per_mwh: 60
    grid_gco2_per_kwh: 300
    pue: 1.2
    offers:
      - {accelerator: GB200, pricing: build, capex_usd: 40000, opex_usd_per_hour: 0.2,
         lifetime_months: 48, lead_months: 6, available: 2500}
workloads:
  - {name: api, kind: inference, tags: [api], utilization: 0.5,
     demand_flops: {2025-01: 1.0e18, growth_per_year: 3.0},
     revenue_usd_per_month: {2025-01: 1.0e7, growth_per_year: 2.0}}
  - {name: chat, kind: inference, tags: [chat], utilization: 0.5,
     demand_flops: {2025-01: 5.0e17, growth_per_year: 4.0},
     revenue_usd_per_month: {2025-01: 5.0e6, growth_per_year: 2.0}}
  - {name: big-run, kind: training, flop: 2.0e24, window: [2025-09, 2026-03], mfu: 0.4}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
      - {type: revenue_share, percent: 20, tags: [api]}
      - {type: min_spend, usd: 6.0e7, from: 2025-01, until: 2025-12}
finance:
  cash_usd: 5.0e7
  other_opex_usd_per_month: 1.2e7
  funding: [{month: 2025-06, usd: 1.0e8}, {month: 2026-03, usd: 5.0e7}]
uncertainty:
  workloads.api.demand_flops.growth_per_year: {lognormal: {p50: 3.0, p90: 5.0}}
  workloads.chat.revenue_usd_per_month.growth_per_year: {lognormal: {p50: 2.0, p90: 3.0}}
"""

#: Clause costs as `gigawatt clauses` would give them (numbers made up, shapes real).
CLAUSES = [
    ("pin", 4.0e6),
    ("revenue_share", 2.5e7),
    ("min_spend", -1.0e6),
]


@dataclass(frozen=True)
class BuiltForecast:
    """A forecast directory and the report written from it."""

    forecast_dir: Path
    report: Report
    html: Path
    png_dir: Path


@dataclass(frozen=True)
class BuiltSweep:
    """A sweep directory (``gigawatt sweep --out``) and its report."""

    directory: Path
    report: Report
    html: Path


@dataclass(frozen=True)
class BuiltComparison:
    """A comparison directory (``gigawatt compare --out``) and its report."""

    directory: Path
    report: Report
    html: Path
    png_dir: Path


# Azure sells 600,000 accelerators at $3/h, OCI two million at $2/h; the lab needs a
# million in December 2025 and January 2026 (744 h each) and starts with $5B of cash.
WORLD = """
name: {name}
horizon: {{start: 2025-12, months: 2}}
accelerators:
  H100: {{peak_flops: 1.0e15, facility_watts: 1000}}
providers:
  azure: {{kind: cloud}}
  oci: {{kind: cloud}}
sites:
  azure-east:
    provider: azure
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: 3, available: 600000}}]
  oci-phoenix:
    provider: oci
    offers: [{{accelerator: H100, pricing: on_demand, usd_per_hour: 2, available: 2000000}}]
workloads:
  - {{name: chat, kind: inference, demand_flops: 5.0e20, utilization: 0.5}}
contracts:
  - name: microsoft
    counterparty: azure
    clauses: [{clause}]
finance: {{cash_usd: 5.0e9}}
"""
JAN_TERMS = WORLD.format(name="jan-terms", clause="{type: right_of_first_refusal}")
OCT_TERMS = WORLD.format(name="oct-terms", clause="{type: min_spend, usd: 1.0e9, from: 2026-01}")


@dataclass(frozen=True)
class Built:
    """The plan directory, its scenario and the report written from it."""

    plan_dir: Path
    scenario: Scenario
    report: Report
    html: Path
    png_dir: Path
    export_dir: Path


def clause_cost_objects() -> list[ClauseCost]:
    return [
        ClauseCost("ms", i, kind, "azure", cost, 1e8, 1e8 - cost, 0.0, 0.0, "optimal")
        for i, (kind, cost) in enumerate(CLAUSES)
    ]


@pytest.fixture(scope="session")
def tiny_scenario() -> Scenario:
    return parse_scenario(TINY, "tiny.yaml")


@pytest.fixture(scope="session")
def bare_plan_dir(tmp_path_factory: pytest.TempPathFactory, tiny_scenario: Scenario) -> Path:
    """The plan as ``gigawatt plan --out`` writes it: tables and summary only."""
    out = tmp_path_factory.mktemp("bare-plan")
    plan(tiny_scenario).save(out)
    return out


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory, tiny_scenario: Scenario, bare_plan_dir: Path
) -> Built:
    root = tmp_path_factory.mktemp("report")
    plan_dir = root / "plan"
    plan_dir.mkdir()
    for f in bare_plan_dir.iterdir():
        (plan_dir / f.name).write_bytes(f.read_bytes())
    save_clause_costs(clause_cost_objects(), plan_dir)
    save_commitments(tiny_scenario, plan_dir)
    report = write_report(
        plan_dir,
        root / "out" / "report.html",
        png_dir=root / "png",
        export_dir=root / "export",
    )
    return Built(
        plan_dir, tiny_scenario, report, root / "out" / "report.html", root / "png", root / "export"
    )


@pytest.fixture(scope="session")
def forecast_dir(tmp_path_factory: pytest.TempPathFactory, tiny_scenario: Scenario) -> Path:
    from gigawatt.forecast.montecarlo import run_forecast

    out = tmp_path_factory.mktemp("forecast")
    run_forecast(tiny_scenario, samples=500, seed=7).save(out)
    return out


@pytest.fixture(scope="session")
def built_forecast(
    tmp_path_factory: pytest.TempPathFactory, tiny_scenario: Scenario, forecast_dir: Path
) -> BuiltForecast:
    root = tmp_path_factory.mktemp("forecast-report")
    report = write_report(
        forecast_dir, root / "forecast.html", png_dir=root / "png", scenario=tiny_scenario
    )
    return BuiltForecast(forecast_dir, report, root / "forecast.html", root / "png")


@pytest.fixture(scope="session")
def built_comparison(tmp_path_factory: pytest.TempPathFactory) -> BuiltComparison:
    from gigawatt.compare import compare

    root = tmp_path_factory.mktemp("comparison")
    scenarios = [parse_scenario(JAN_TERMS, "jan.yaml"), parse_scenario(OCT_TERMS, "oct.yaml")]
    compare(scenarios, processes=1).save(root / "cmp")
    report = write_report(root / "cmp", png_dir=root / "png")
    return BuiltComparison(root / "cmp", report, root / "cmp" / "report.html", root / "png")


@pytest.fixture(scope="session")
def built_sweep(tmp_path_factory: pytest.TempPathFactory, tiny_scenario: Scenario) -> BuiltSweep:
    from gigawatt.sweep import run_sweep

    root = tmp_path_factory.mktemp("sweep")
    run_sweep(tiny_scenario, samples=6, seed=3, clauses=True).save(root / "sweep")
    report = write_report(root / "sweep")
    return BuiltSweep(root / "sweep", report, root / "sweep" / "report.html")
