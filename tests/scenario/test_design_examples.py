"""Every example of the design validates, with the meaning the design gives it.

``design_example.yaml`` is the design's full example (shared/design.md, "The scenario
file"), kept verbatim; the smaller fragments below exercise the defaults and the
variants the design names but the full example does not use (on_demand, neocloud,
exclusive, constant schedules, the other distributions).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from gigawatt.scenario import (
    DEFAULT_SCENARIO,
    BuildOffer,
    ExclusiveClause,
    InferenceWorkload,
    MinSpendClause,
    Month,
    OnDemandOffer,
    PinClause,
    ReservedOffer,
    RevenueShareClause,
    RightOfFirstRefusalClause,
    Scenario,
    TrainingWorkload,
    builtin_names,
    load_scenario,
    parse_month,
    parse_scenario,
)

HERE = Path(__file__).parent
EXAMPLE = HERE / "design_example.yaml"
DESIGN_MD = Path("/work/shared/design.md")


def m(text: str) -> Month:
    return parse_month(text)


@pytest.fixture(scope="module")
def example() -> Scenario:
    return load_scenario(EXAMPLE)


def test_example_file_is_the_design_text() -> None:
    """The fixture is the design's example, verbatim (skipped when the design is absent)."""
    if not DESIGN_MD.is_file():
        pytest.skip("shared/design.md not available")
    design = DESIGN_MD.read_text(encoding="utf-8")
    start = design.index("    name: frontier-lab-2025\n")
    end = design.index("\nDefaults not shown above")
    block = textwrap.dedent(design[start:end]).strip()
    assert EXAMPLE.read_text(encoding="utf-8").strip() == block


def test_example_loads(example: Scenario) -> None:
    assert example.name == "frontier-lab-2025"
    assert example.source == str(EXAMPLE)
    assert example.timeline.start == m("2025-01")
    assert example.timeline.n_months == 72
    assert example.timeline.end == m("2030-12")
    assert example.discount_rate == pytest.approx(0.08)


def test_example_accelerators_and_providers(example: Scenario) -> None:
    h100, gb200 = example.accelerators["H100"], example.accelerators["GB200"]
    assert h100.peak_flops == pytest.approx(9.89e14)
    assert h100.facility_watts == 1400
    assert h100.available_from is None  # default: the horizon start
    assert gb200.available_from == m("2025-06")
    assert {k: p.kind for k, p in example.providers.items()} == {
        "azure": "cloud",
        "oci": "cloud",
        "stargate": "owned",
    }


def test_example_sites_and_offers(example: Scenario) -> None:
    east = example.sites["azure-east"]
    assert east.provider == "azure"
    assert east.power_mw is not None and east.power_mw.at(m("2029-07")) == 1500
    assert east.pue == pytest.approx(1.2)
    assert east.electricity_usd_per_mwh == 0
    assert east.grid_gco2_per_kwh == 380
    (offer,) = east.offers
    assert isinstance(offer, ReservedOffer)
    assert (offer.accelerator, offer.usd_per_hour, offer.term_months, offer.lead_months) == (
        "H100",
        2.4,
        12,
        2,
    )
    assert offer.available.at(m("2025-01")) == 300000

    abilene = example.sites["abilene"]
    assert abilene.pue == 1.0  # default
    assert abilene.grid_gco2_per_kwh == 0  # default
    assert abilene.power_mw is not None
    assert abilene.power_mw.at(m("2025-01")) == 200
    assert abilene.power_mw.at(m("2026-05")) == 200
    assert abilene.power_mw.at(m("2026-06")) == 1200
    assert abilene.power_mw.at(m("2030-12")) == 1200
    (build,) = abilene.offers
    assert isinstance(build, BuildOffer)
    assert build.capex_usd == 65000
    assert build.opex_usd_per_hour == pytest.approx(0.25)
    assert build.lifetime_months == 60
    assert build.lead_months == 12
    assert build.available.at(m("2025-12")) == 0  # before the first key: 0
    assert build.available.at(m("2026-01")) == 400000


def test_example_workloads(example: Scenario) -> None:
    api = example.workload("partner-api")
    assert isinstance(api, InferenceWorkload)
    assert api.tags == ["api"]
    assert api.utilization == pytest.approx(0.35)
    assert api.accelerators is None  # default: any
    assert api.demand_flops.at(m("2025-01")) == pytest.approx(4.0e20)
    assert api.demand_flops.at(m("2026-01")) == pytest.approx(4.0e20 * 2.5)
    assert api.demand_flops.at(m("2025-07")) == pytest.approx(4.0e20 * math.sqrt(2.5))
    assert api.revenue_usd_per_month is not None
    assert api.revenue_usd_per_month.at(m("2027-01")) == pytest.approx(2.5e8 * 2.2**2)

    run = example.workload("frontier-2026")
    assert isinstance(run, TrainingWorkload)
    assert run.flop == pytest.approx(3.0e27)
    assert run.window == (m("2026-01"), m("2026-09"))
    assert run.mfu == pytest.approx(0.40)
    assert run.single_site is True
    assert run.accelerators == ["GB200"]
    assert run.tags == []


def test_example_contracts(example: Scenario) -> None:
    ms, oracle = example.contracts
    assert (ms.name, ms.counterparty) == ("microsoft-2025", "azure")
    pin, rofr, share, spend = ms.clauses
    assert isinstance(pin, PinClause) and pin.tags == ["api"]
    assert isinstance(rofr, RightOfFirstRefusalClause)
    assert rofr.tags is None and rofr.from_ is None and rofr.until is None
    assert isinstance(share, RevenueShareClause)
    assert share.percent == 20 and share.tags == ["api", "chatgpt"]
    assert isinstance(spend, MinSpendClause)
    assert spend.usd == pytest.approx(2.5e11)
    assert (spend.from_, spend.until) == (m("2025-11"), m("2030-12"))
    (o,) = oracle.clauses
    assert isinstance(o, MinSpendClause)
    assert (o.from_, o.until) == (m("2027-01"), m("2031-12"))
    assert o.usd == pytest.approx(3.0e11)


def test_example_finance_penalties_uncertainty(example: Scenario) -> None:
    f = example.finance
    assert f is not None
    assert f.cash_usd == pytest.approx(1.0e10)
    assert f.other_opex_usd_per_month.at(m("2026-01")) == pytest.approx(5.0e8 * 1.5)
    (funding,) = f.funding
    assert funding.month == m("2025-03")
    assert funding.usd == pytest.approx(4.0e10)
    assert example.penalties.shortfall_usd_per_flop == pytest.approx(1.0e-15)
    assert example.uncertainty == {
        "workloads.partner-api.demand_flops.growth_per_year": {
            "lognormal": {"p50": 2.5, "p90": 4.0}
        }
    }


def test_example_warnings(example: Scenario) -> None:
    """Valid, with a warning (a tag no workload has) and a note (a min_spend past the end)."""
    by_path = {p.location.key_path: p for p in example.warnings}
    tag = by_path["contracts[0].clauses[2].tags[1]"]
    assert tag.severity == "warning"
    assert "chatgpt" in tag.message
    assert (tag.location.line, tag.location.column) == (53, 56)
    oracle = by_path["contracts[1].clauses[0].until"]
    assert oracle.severity == "note"  # a contract longer than the plan (issue #19)
    assert "48/60" in oracle.message  # prorated straight-line (decisions.md)
    assert (oracle.location.line, oracle.location.column) == (58, 55)


def test_example_parses_from_text_too() -> None:
    s = parse_scenario(EXAMPLE.read_text(encoding="utf-8"), "x.yaml")
    assert s.source == "x.yaml"
    assert len(s.workloads) == 2


# --- smaller fragments of the design ---------------------------------------------------

MINIMAL = """\
name: tiny
horizon: {start: 2025-01, months: 12}
accelerators:
  H100: {peak_flops: 9.89e14, facility_watts: 1400}
providers:
  lambda: {kind: neocloud}
sites:
  lambda-tx:
    provider: lambda
    offers:
      - {accelerator: H100, pricing: on_demand, usd_per_hour: 2.99, available: 1000}
workloads:
  - name: chat
    kind: inference
    demand_flops: 1.0e18
  - name: small-run
    kind: training
    flop: 1e24
    window: [2025-03, 2025-06]
"""


def test_minimal_fragment_and_defaults() -> None:
    s = parse_scenario(MINIMAL, "tiny.yaml")
    assert s.discount_rate == 0
    assert s.contracts == []
    assert s.finance is None
    assert s.penalties.shortfall_usd_per_flop == pytest.approx(1e-15)
    assert s.uncertainty == {}
    site = s.sites["lambda-tx"]
    assert site.power_mw is None
    assert site.pue == 1.0
    assert site.electricity_usd_per_mwh == 0
    assert site.grid_gco2_per_kwh == 0
    (offer,) = site.offers
    assert isinstance(offer, OnDemandOffer)
    assert offer.lead_months == 0
    assert offer.available.is_constant and offer.available.at(m("2025-07")) == 1000
    chat, run = s.workloads
    assert isinstance(chat, InferenceWorkload)
    assert chat.tags == [] and chat.revenue_usd_per_month is None
    assert chat.utilization == pytest.approx(0.35)
    assert chat.accelerators is None
    assert isinstance(run, TrainingWorkload)
    assert run.flop == 1e24  # YAML 1.2: '1e24' (no dot) is a number
    assert run.mfu == pytest.approx(0.40)
    assert run.single_site is True
    assert s.warnings == []


@pytest.mark.parametrize(
    "schedule, month, expected",
    [
        ("1500", "2030-12", 1500.0),
        ("{2025-01: 200, 2026-06: 1200}", "2026-05", 200.0),
        ("{2025-01: 200, 2026-06: 1200}", "2026-06", 1200.0),
        ("{2025-06: 200}", "2025-05", 0.0),
        ("{2025-01: 100, growth_per_year: 2.0}", "2026-01", 200.0),
        ("{2025-01: 100, growth_per_year: 2.0}", "2027-01", 400.0),
        ("{growth_per_year: 2.0, 2025-01: 100}", "2026-01", 200.0),
        ("{'2025-01': 100}", "2025-01", 100.0),
        ("2.5e3", "2025-01", 2500.0),
        ("{2025-01: 2.5e3}", "2025-01", 2500.0),
    ],
)
def test_schedule_fragments(schedule: str, month: str, expected: float) -> None:
    text = MINIMAL.replace("available: 1000", f"available: {schedule}")
    s = parse_scenario(text, "tiny.yaml")
    assert s.sites["lambda-tx"].offers[0].available.at(m(month)) == pytest.approx(expected)


def test_clause_fragments() -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        contracts:
          - name: lambda-deal
            counterparty: lambda
            clauses:
              - {type: exclusive}
              - {type: pin, tags: [api], from: 2025-02}
              - {type: right_of_first_refusal, until: 2025-06}
              - {type: revenue_share, percent: 0}
              - {type: revenue_share, percent: 100, tags: [api]}
              - {type: min_spend, usd: 2.5e11}
        """
    ).replace("    demand_flops: 1.0e18", "    tags: [api]\n    demand_flops: 1.0e18")
    s = parse_scenario(text, "tiny.yaml")
    ex, pin, rofr, share0, share100, spend = s.contracts[0].clauses
    assert isinstance(ex, ExclusiveClause) and ex.tags is None
    assert isinstance(pin, PinClause) and pin.from_ == m("2025-02") and pin.until is None
    assert isinstance(rofr, RightOfFirstRefusalClause) and rofr.until == m("2025-06")
    assert isinstance(share0, RevenueShareClause) and share0.percent == 0
    assert isinstance(share100, RevenueShareClause) and share100.percent == 100
    assert isinstance(spend, MinSpendClause) and spend.usd == pytest.approx(2.5e11)
    assert [p for p in s.warnings if p.severity == "error"] == []


def test_partial_clause_window_is_a_note() -> None:
    """decisions.md: a clause window partly outside the horizon is accepted with a note."""
    text = MINIMAL + textwrap.dedent(
        """\
        contracts:
          - name: lambda-deal
            counterparty: lambda
            clauses:
              - {type: min_spend, usd: 1.0e9, from: 2024-07, until: 2025-06}
        """
    )
    s = parse_scenario(text, "tiny.yaml")
    (w,) = s.warnings
    assert w.severity == "note"
    assert w.location.key_path == "contracts[0].clauses[0].from"
    assert "6/12" in w.message


@pytest.mark.parametrize(
    "spec",
    [
        "{lognormal: {p50: 2.5, p90: 4.0}}",
        "{normal: {mean: 1.0e18, sd: 1.0e17}}",
        "{normal: {p50: 1.0e18, p90: 1.3e18}}",
        "{uniform: {low: 0.3, high: 0.5}}",
        "{triangular: {low: 0.2, mode: 0.4, high: 0.6}}",
    ],
)
def test_uncertainty_fragments(spec: str) -> None:
    text = MINIMAL + f"uncertainty:\n  workloads.chat.demand_flops: {spec}\n"
    s = parse_scenario(text, "tiny.yaml")
    assert list(s.uncertainty) == ["workloads.chat.demand_flops"]


def test_uncertainty_index_paths_and_rank_correlation() -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        uncertainty:
          sites.lambda-tx.offers[0].usd_per_hour: {uniform: {low: 2.0, high: 4.0}}
          workloads.small-run.flop: {lognormal: {p50: 1.0e24, p90: 3.0e24}}
          rank_correlation:
            - between:
                - sites.lambda-tx.offers[0].usd_per_hour
                - workloads.small-run.flop
              rho: 0.5
        """
    )
    s = parse_scenario(text, "tiny.yaml")
    assert "rank_correlation" in s.uncertainty


# --- built-in scenarios ----------------------------------------------------------------


def test_default_builtin_is_present() -> None:
    assert DEFAULT_SCENARIO == "frontier-lab-2025"
    assert DEFAULT_SCENARIO in builtin_names()


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_loads(name: str) -> None:
    s = load_scenario(name)
    assert isinstance(s, Scenario)
    assert name in s.source
    assert [p for p in s.warnings if p.severity == "error"] == []


def test_load_default_scenario() -> None:
    s = load_scenario()
    assert DEFAULT_SCENARIO in s.source
