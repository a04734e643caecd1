"""Golden tests: tiny scenarios whose optimum is worked out by hand.

Every scenario uses one accelerator type ``X`` (peak 1e15 FLOP/s, 1000 W facility
power), so that:

* inference at ``utilization: 0.5`` delivers 5e14 FLOP/s per accelerator, and a demand
  of 5e17 FLOP/s needs exactly 1000 accelerators;
* training at ``mfu: 0.5`` delivers 5e14 FLOP/s per accelerator, i.e. per
  accelerator-month 5e14 x hours x 3600 FLOP (February 2025: 1.2096e21 FLOP).

Calendar hours: January 744, February 672 (696 in 2024), March 744, April 720.
Discounting uses ``discount_rate: 1`` where it matters, so month m weighs
``2 ** (-m / 12)``.

The arithmetic of each optimum is written next to its assertion. The semantics are
those of ``shared/design.md`` ("Semantics the tests pin down") and ``docs/decisions.md``.
"""

from __future__ import annotations

import functools
import textwrap

import pytest

from gigawatt.errors import InfeasibleError
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.scenario import parse_scenario

REL = 1e-6
JAN, FEB, MAR, APR, FEB_2024 = 744, 672, 744, 720, 696
SECONDS_FEB = FEB * 3600  # 2_419_200
FLOP_PER_ACC_FEB = 5e14 * SECONDS_FEB  # 1.2096e21 FLOP per accelerator-month (Feb 2025)


def d(m: int) -> float:
    """Discount weight of month m with ``discount_rate: 1``."""
    return float(2.0 ** (-m / 12))


HEADER = """\
name: golden
horizon: {{start: {start}, months: {months}}}
discount_rate: {rate}
accelerators:
  X: {{peak_flops: 1.0e15, facility_watts: 1000}}
"""


def scenario(body: str, *, start: str = "2025-02", months: int = 1, rate: float = 0) -> str:
    """A golden scenario: the common header plus ``body`` (providers, sites, ...)."""
    return HEADER.format(start=start, months=months, rate=rate) + textwrap.dedent(body)


@functools.cache
def _solve_default(text: str) -> Plan:
    return plan(parse_scenario(text))


def solve(text: str, **options: object) -> Plan:
    """Plan a scenario; default-option plans are cached (tests only read them)."""
    if not options:
        return _solve_default(text)
    return plan(parse_scenario(text), SolveOptions(**options))  # type: ignore[arg-type]


def used(p: Plan, **where: str) -> float:
    """Accelerators in the allocation table, summed over rows matching ``where``."""
    df = p.tables["allocation"]
    for col, value in where.items():
        df = df[df[col] == value]
    return float(df["accelerators"].sum())


def spend(p: Plan, **where: str) -> float:
    """Nominal USD in the spend table, summed over rows matching ``where``."""
    df = p.tables["spend"]
    for col, value in where.items():
        df = df[df[col] == value]
    return float(df["usd"].sum())


def capacity(p: Plan, offer: str, month: str, column: str = "installed") -> float:
    df = p.tables["capacity"]
    row = df[(df["offer"] == offer) & (df["month"] == month)]
    assert len(row) == 1
    return float(row[column].iloc[0])


def approx(x: float) -> object:
    return pytest.approx(x, rel=REL, abs=1e-3)


# --------------------------------------------------------------------------- scenarios
# Every scenario is registered here so that the accounting identity is checked on all.

SCENARIOS: dict[str, str] = {}


def register(name: str, text: str) -> str:
    SCENARIOS[name] = text
    return text


CLOUD_ONE = """\
providers:
  cl: {kind: cloud}
sites:
  a:
    provider: cl
    offers:
      - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
"""

INFER_1000 = """\
workloads:
  - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
"""

ON_DEMAND = register(
    "on_demand",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        """
    ),
)


def test_on_demand_pays_for_what_is_used() -> None:
    # 1000 accelerators x 2 USD/h x 672 h (Feb 2025) = 1,344,000 USD; 10000 are
    # available but only the 1000 used are paid for.
    p = solve(ON_DEMAND)
    assert p.status == "optimal"
    assert p.summary["objective_usd"] == approx(1_344_000)
    assert p.summary["cost_usd"] == approx(1_344_000)
    assert used(p, workload="api") == approx(1000)
    assert capacity(p, "a/0", "2025-02") == approx(1000)
    assert spend(p, kind="rent") == approx(1_344_000)


HOURS = {"2025-01": JAN, "2025-02": FEB, "2024-02": FEB_2024, "2025-03": MAR, "2025-04": APR}


def _calendar(month: str) -> str:
    # 1000 accelerator-months of training in that month: 1000 x 5e14 x hours x 3600 FLOP
    flop = 1000 * 5e14 * HOURS[month] * 3600
    return register(
        f"hours_{month}",
        scenario(
            CLOUD_ONE
            + INFER_1000
            + f"  - {{name: run, kind: training, flop: {flop:.6e}, window: [{month}, {month}],"
            " mfu: 0.5}\n",
            start=month,
        ),
    )


@pytest.mark.parametrize("month", sorted(HOURS))
def test_calendar_hours(month: str) -> None:
    # One month horizon at 1 USD/h: inference needs 1000 accelerators, and a training
    # run of 1000 x 5e14 x hours x 3600 FLOP needs exactly 1000 more (seconds of the
    # calendar month). Objective = 2000 x hours (744 Jan, 672 Feb 2025, 696 Feb 2024,
    # 744 Mar, 720 Apr).
    hours = HOURS[month]
    p = solve(_calendar(month))
    assert p.summary["objective_usd"] == approx(2000 * hours)
    assert used(p, workload="api") == approx(1000)
    assert used(p, workload="run") == approx(1000)
    assert p.summary["shortfall_flop"]["run"] == pytest.approx(0, abs=1e12)


RESERVED = register(
    "reserved",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1.2, available: 10000}
              - {accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 2,
                 available: 10000}
        workloads:
          - name: api
            kind: inference
            utilization: 0.5
            demand_flops: {2025-01: 5.0e17, 2025-02: 0, 2025-03: 5.0e17}
        """,
        start="2025-01",
        months=3,
    ),
)


def test_reserved_term_paid_in_full_and_cut_at_horizon_end() -> None:
    # 1000 accelerators in January and March, none in February; horizon Jan..Mar.
    # January: a 2-month reservation costs 1 x (744 + 672) = 1416 per accelerator
    #   (it runs on through February), on demand 1.2 x 744 = 892.8 -> on demand.
    # March: the reservation is cut at the horizon end, so it costs 1 x 744 = 744
    #   per accelerator < on demand 892.8 -> reserved.
    # Objective = 1000 x 892.8 + 1000 x 744 = 892,800 + 744,000 = 1,636,800.
    p = solve(RESERVED)
    assert p.summary["objective_usd"] == approx(1_636_800)
    assert used(p, offer="a/0", month="2025-01") == approx(1000)
    assert used(p, offer="a/1", month="2025-03") == approx(1000)
    assert capacity(p, "a/1", "2025-01") == approx(0)
    assert capacity(p, "a/1", "2025-02") == approx(0)
    assert capacity(p, "a/1", "2025-03") == approx(1000)
    assert capacity(p, "a/1", "2025-03", "new") == approx(1000)


RESERVED_HELD = register(
    "reserved_held",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 3, available: 10000}
              - {accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 3,
                 available: 10000}
        workloads:
          - name: api
            kind: inference
            utilization: 0.5
            demand_flops: {2025-01: 5.0e17, 2025-02: 0}
        """,
        start="2025-01",
        months=2,
    ),
)


def test_reserved_capacity_is_paid_while_held_even_when_idle() -> None:
    # 1000 accelerators in January only; horizon Jan..Feb.
    # Reserved (term 3, cut to Jan+Feb): 1 x (744 + 672) = 1416 per accelerator;
    # on demand 3 x 744 = 2232 -> reserve, and pay February although it is idle.
    # Objective = 1000 x 1416 = 1,416,000.
    p = solve(RESERVED_HELD)
    assert p.summary["objective_usd"] == approx(1_416_000)
    assert capacity(p, "a/1", "2025-02") == approx(1000)
    assert capacity(p, "a/1", "2025-02", "used") == approx(0)
    assert spend(p, offer="a/1", month="2025-02") == approx(672_000)


BUILD = register(
    "build",
    scenario(
        """\
        providers:
          lab: {kind: owned}
          cl: {kind: cloud}
        sites:
          home:
            provider: lab
            pue: 1.5
            electricity_usd_per_mwh: 100
            offers:
              - {accelerator: X, pricing: build, capex_usd: 6000, lifetime_months: 60,
                 opex_usd_per_hour: 0.5, available: 10000}
          rent:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 10, available: 10000}
        workloads:
          - name: api
            kind: inference
            utilization: 0.5
            demand_flops: {2025-01: 5.0e17, 2025-02: 0}
        """,
        start="2025-01",
        months=2,
    ),
)


def test_build_capex_opex_and_electricity() -> None:
    # 1000 accelerators in January only; horizon Jan..Feb.
    # Built capacity stays for its lifetime (60 months), so it exists in both months.
    # Per accelerator:
    #   capex straight-line 6000 / 60 = 100 USD per month it exists: Jan + Feb = 200
    #   opex 0.5 USD/h while it exists: 0.5 x 744 + 0.5 x 672 = 372 + 336 = 708
    #   electricity (owned site) on use only: 1000 W x 1.5 PUE = 1.5 kW
    #     x 744 h = 1.116 MWh x 100 USD/MWh = 111.6 in January, 0 in February
    #   total 200 + 708 + 111.6 = 1019.6  <  cloud 10 x 744 = 7440.
    # Objective = 1000 x 1019.6 = 1,019,600.
    p = solve(BUILD)
    assert p.summary["objective_usd"] == approx(1_019_600)
    assert used(p, site="home", month="2025-01") == approx(1000)
    assert spend(p, kind="capex", month="2025-01") == approx(100_000)
    assert spend(p, kind="capex", month="2025-02") == approx(100_000)
    assert spend(p, kind="opex", month="2025-01") == approx(372_000)
    assert spend(p, kind="opex", month="2025-02") == approx(336_000)
    assert spend(p, kind="electricity", month="2025-01") == approx(111_600)
    assert spend(p, kind="electricity", month="2025-02") == approx(0)
    power = p.tables["power"]
    jan = power[(power["site"] == "home") & (power["month"] == "2025-01")]
    assert float(jan["energy_mwh"].iloc[0]) == approx(1116)


CLOUD_NO_ELECTRICITY = register(
    "cloud_no_electricity",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            pue: 1.5
            electricity_usd_per_mwh: 1000
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        """
    ),
)


def test_no_electricity_charge_on_cloud_sites() -> None:
    # Cloud prices include power: 1000 x 1 USD/h x 672 h = 672,000, nothing more
    # (electricity would add 1.5 kW x 672 h x 1000 USD/MWh = 1008 USD per accelerator).
    p = solve(CLOUD_NO_ELECTRICITY)
    assert p.summary["objective_usd"] == approx(672_000)
    assert spend(p, kind="electricity") == approx(0)
    power = p.tables["power"]
    assert float(power["energy_mwh"].sum()) == approx(1.5 * 672)  # energy is still counted


BUILD_LEAD = register(
    "build_lead",
    scenario(
        """\
        providers:
          lab: {kind: owned}
          cl: {kind: cloud}
        sites:
          home:
            provider: lab
            offers:
              - {accelerator: X, pricing: build, capex_usd: 1200, lifetime_months: 12,
                 opex_usd_per_hour: 1, lead_months: 2, available: 10000}
          rent:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 5, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        """,
        start="2025-01",
        months=3,
    ),
)


def test_build_lead_months_delay_capacity() -> None:
    # Build exists from horizon start + 2 = March. 1000 accelerators every month.
    # Jan: cloud 5 x 744 = 3720; Feb: cloud 5 x 672 = 3360;
    # Mar: build 1200/12 + 1 x 744 = 844 (< 3720).
    # Objective = 1000 x (3720 + 3360 + 844) = 7,924,000.
    p = solve(BUILD_LEAD)
    assert p.summary["objective_usd"] == approx(7_924_000)
    assert capacity(p, "home/0", "2025-01") == approx(0)
    assert capacity(p, "home/0", "2025-02") == approx(0)
    assert capacity(p, "home/0", "2025-03") == approx(1000)
    assert used(p, site="rent", month="2025-01") == approx(1000)
    assert used(p, site="rent", month="2025-02") == approx(1000)
    assert used(p, site="home", month="2025-03") == approx(1000)


RENTED_LEAD_OFFERS = {
    "on_demand": "{accelerator: X, pricing: on_demand, usd_per_hour: 1, lead_months: 1, "
    "available: 10000}",
    "reserved": "{accelerator: X, pricing: reserved, usd_per_hour: 1, term_months: 1, "
    "lead_months: 1, available: 10000}",
}


def _rented_lead(pricing: str) -> str:
    offer = RENTED_LEAD_OFFERS[pricing]
    return register(
        f"rented_lead_{pricing}",
        scenario(
            f"""\
            providers:
              cl: {{kind: cloud}}
            sites:
              cheap:
                provider: cl
                offers:
                  - {offer}
              dear:
                provider: cl
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 3, available: 10000}}
            workloads:
              - {{name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}}
            """,
            start="2025-01",
            months=2,
        ),
    )


@pytest.mark.parametrize("pricing", sorted(RENTED_LEAD_OFFERS))
def test_lead_months_delay_rented_offers(pricing: str) -> None:
    # The cheap offer (1 USD/h) only exists from February; the other costs 3 USD/h.
    # Jan: 1000 x 3 x 744 = 2,232,000; Feb: 1000 x 1 x 672 = 672,000.
    # Objective = 2,904,000.
    p = solve(_rented_lead(pricing))
    assert p.summary["objective_usd"] == approx(2_904_000)
    assert used(p, site="dear", month="2025-01") == approx(1000)
    assert used(p, site="cheap", month="2025-01") == approx(0)
    assert used(p, site="cheap", month="2025-02") == approx(1000)


POWER = register(
    "power",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            power_mw: 1.2
            pue: 1.5
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
          b:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        """
    ),
)


def test_power_cap_with_pue() -> None:
    # Site a: 1000 W x PUE 1.5 = 1.5 kW per accelerator; cap 1.2 MW -> 800 accelerators.
    # 800 at a: 800 x 1 x 672 = 537,600; 200 at b: 200 x 2 x 672 = 268,800.
    # Objective = 806,400.
    p = solve(POWER)
    assert p.summary["objective_usd"] == approx(806_400)
    assert used(p, site="a") == approx(800)
    assert used(p, site="b") == approx(200)
    power = p.tables["power"]
    a = power[power["site"] == "a"]
    assert float(a["installed_mw"].iloc[0]) == approx(1.2)
    assert float(a["cap_mw"].iloc[0]) == approx(1.2)
    # One more MW at a lets 1 / 0.0015 = 666.67 accelerators move from b to a, each
    # saving (2 - 1) x 672 = 672 USD: 666.67 x 672 = 448,000 USD per MW-month.
    duals = p.tables["duals"]
    mw = duals[(duals["kind"] == "power") & (duals["site"] == "a")]
    assert float(mw["value_usd"].iloc[0]) == approx(448_000)


def _two_site_training(single_site: bool) -> str:
    return register(
        f"training_single_site_{single_site}",
        scenario(
            f"""\
            providers:
              cl: {{kind: cloud}}
            sites:
              a:
                provider: cl
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 600}}
              b:
                provider: cl
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 1000}}
            workloads:
              - {{name: run, kind: training, flop: 1.2096e24, window: [2025-02, 2025-02],
                 mfu: 0.5, single_site: {str(single_site).lower()}}}
            """
        ),
    )


def test_training_split_across_sites_when_allowed() -> None:
    # 1.2096e24 FLOP / 1.2096e21 FLOP per accelerator-month = 1000 accelerator-months.
    # Split: 600 at a (1 USD/h) + 400 at b (2 USD/h):
    # 600 x 672 + 400 x 2 x 672 = 403,200 + 537,600 = 940,800.
    p = solve(_two_site_training(False))
    assert p.summary["objective_usd"] == approx(940_800)
    assert used(p, site="a") == approx(600)
    assert used(p, site="b") == approx(400)


def test_single_site_training_picks_one_site() -> None:
    # Same run, single_site: a alone has only 600 accelerators (400 short would cost
    # 400 x 1.2096e21 x 1e-15 = 483,840,000), so all 1000 go to b:
    # 1000 x 2 x 672 = 1,344,000.
    p = solve(_two_site_training(True))
    assert p.summary["objective_usd"] == approx(1_344_000)
    assert used(p, site="a") == approx(0)
    assert used(p, site="b") == approx(1000)
    assert p.summary["shortfall_flop"]["run"] == pytest.approx(0, abs=1e12)


DISCOUNT = register(
    "discount",
    scenario(CLOUD_ONE + INFER_1000, start="2025-01", months=3, rate=1),
)


def test_discounting_weights_month_m_by_one_plus_r_to_minus_m_over_12() -> None:
    # r = 1: weights 1, 2^(-1/12), 2^(-2/12). 1000 accelerators at 1 USD/h each month.
    # Objective = 744,000 + 672,000 x 2^(-1/12) + 744,000 x 2^(-2/12).
    expected = 744_000 + 672_000 * d(1) + 744_000 * d(2)
    p = solve(DISCOUNT)
    assert p.summary["objective_usd"] == approx(expected)
    assert p.summary["cost_usd"] == approx(expected)
    assert p.summary["spend_usd_nominal"] == approx(744_000 + 672_000 + 744_000)
    rent = p.tables["spend"].set_index("month")["usd_discounted"]
    assert float(rent["2025-02"]) == approx(672_000 * d(1))


SHORTFALL_DISCOUNTED = register(
    "shortfall_discounted",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 10, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
             revenue_usd_per_month: 100000}
          - {name: batch, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        penalties:
          shortfall_usd_per_flop: 2.0e-19
        """,
        start="2025-01",
        months=2,
        rate=1,
    ),
)


def test_lost_revenue_and_inference_penalty_are_discounted() -> None:
    # Serving costs 10 USD/h: 7440 (Jan) / 6720 (Feb) per accelerator, far above what is
    # lost by not serving (100 revenue, or 5e14 x hours x 3600 x 2e-19 = 267.84 Jan /
    # 241.92 Feb penalty per accelerator-month), so nothing is served. r = 1.
    # api loses 100,000 a month; batch pays 1000 x 267.84 = 267,840 (Jan) and
    # 1000 x 241.92 = 241,920 (Feb).
    # Objective = 100,000 + 267,840 + (100,000 + 241,920) x 2^(-1/12).
    p = solve(SHORTFALL_DISCOUNTED)
    assert p.summary["objective_usd"] == approx(367_840 + 341_920 * d(1))
    assert p.summary["lost_revenue_usd"] == approx(100_000 * (1 + d(1)))
    assert p.summary["penalty_usd"] == approx(267_840 + 241_920 * d(1))
    assert p.summary["cost_usd"] == approx(0)
    assert used(p) == approx(0)


LOST_REVENUE = register(
    "lost_revenue",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          cheap:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 0.5, available: 400}
          dear:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
             revenue_usd_per_month: 400000}
        """
    ),
)


def test_lost_revenue_when_serving_is_unprofitable() -> None:
    # Revenue 400,000 for 1000 accelerators' worth of demand: 400 USD per accelerator.
    # cheap: 0.5 x 672 = 336 < 400 -> serve with all 400 cheap accelerators;
    # dear: 1 x 672 = 672 > 400 -> leave the other 600 unserved (60% of demand).
    # Objective = 400 x 336 + 0.6 x 400,000 = 134,400 + 240,000 = 374,400.
    p = solve(LOST_REVENUE)
    assert p.summary["objective_usd"] == approx(374_400)
    assert p.summary["cost_usd"] == approx(134_400)
    assert p.summary["lost_revenue_usd"] == approx(240_000)
    assert p.summary["penalty_usd"] == approx(0)
    assert used(p, site="cheap") == approx(400)
    assert used(p, site="dear") == approx(0)
    short = p.tables["shortfall"].iloc[0]
    assert float(short["unserved"]) == approx(3e17)
    assert float(short["served_fraction"]) == approx(0.4)
    # 3e17 FLOP/s x 2,419,200 s = 7.2576e23 FLOP short
    assert p.summary["shortfall_flop"]["api"] == pytest.approx(7.2576e23, rel=REL)
    fin = p.tables["finance"].iloc[0]
    assert float(fin["revenue_usd"]) == approx(160_000)


REVENUE_SHARE_CLAUSES = {
    "one_clause_50": "[{type: revenue_share, percent: 50, tags: [api]}]",
    "two_clauses_20_30": "[{type: revenue_share, percent: 20, tags: [api]},"
    " {type: revenue_share, percent: 30, tags: [api]}]",
    "one_clause_30": "[{type: revenue_share, percent: 30, tags: [api]}]",
}


def _revenue_share(case: str) -> str:
    clauses = REVENUE_SHARE_CLAUSES[case]
    return register(
        f"revenue_share_{case}",
        scenario(
            f"""\
            providers:
              cl: {{kind: cloud}}
            sites:
              a:
                provider: cl
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 0.7, available: 10000}}
            workloads:
              - {{name: api, kind: inference, tags: [api], demand_flops: 5.0e17,
                 utilization: 0.5, revenue_usd_per_month: 800000}}
              - {{name: chat, kind: inference, tags: [chat], demand_flops: 5.0e17,
                 utilization: 0.5, revenue_usd_per_month: 800000}}
            contracts:
              - name: deal
                counterparty: cl
                clauses: {clauses}
            """
        ),
    )


@pytest.mark.parametrize("case", ["one_clause_50", "two_clauses_20_30"])
def test_revenue_share_makes_covered_product_unprofitable(case: str) -> None:
    # Serving costs 0.7 x 672 = 470.4 USD per accelerator; revenue is 800 per accelerator.
    # api keeps 50% (one clause, or 20% + 30% added up): 400 < 470.4 -> not served,
    #   lost net revenue 800,000 x 0.5 = 400,000.
    # chat is not covered: 800 > 470.4 -> served, 1000 x 470.4 = 470,400.
    # Objective = 400,000 + 470,400 = 870,400.
    p = solve(_revenue_share(case))
    assert p.summary["objective_usd"] == approx(870_400)
    assert p.summary["lost_revenue_usd"] == approx(400_000)
    assert p.summary["cost_usd"] == approx(470_400)
    assert used(p, workload="api") == approx(0)
    assert used(p, workload="chat") == approx(1000)
    fin = p.tables["finance"].iloc[0]
    assert float(fin["revenue_share_usd"]) == approx(0)


def test_revenue_share_small_enough_to_keep_serving() -> None:
    # A 30% share leaves 560 > 470.4 per accelerator: both products are served.
    # Objective = 2 x 470,400 = 940,800; the share paid is 30% x 800,000 = 240,000.
    p = solve(_revenue_share("one_clause_30"))
    assert p.summary["objective_usd"] == approx(940_800)
    assert p.summary["lost_revenue_usd"] == approx(0)
    assert used(p, workload="api") == approx(1000)
    fin = p.tables["finance"].iloc[0]
    assert float(fin["revenue_usd"]) == approx(1_600_000)
    assert float(fin["revenue_share_usd"]) == approx(240_000)


INFERENCE_PENALTY = register(
    "inference_penalty",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          cheap:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 0.25, available: 300}
          dear:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
        workloads:
          - {name: batch, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        penalties:
          shortfall_usd_per_flop: 2.0e-19
        """
    ),
)


def test_inference_without_revenue_is_penalised_per_flop_short() -> None:
    # One accelerator-month serves 5e14 x 2,419,200 = 1.2096e21 FLOP; short, it costs
    # 1.2096e21 x 2e-19 = 241.92 USD.
    # cheap: 0.25 x 672 = 168 < 241.92 -> use all 300; dear: 672 > 241.92 -> not used.
    # Objective = 300 x 168 + 700 x 241.92 = 50,400 + 169,344 = 219,744.
    p = solve(INFERENCE_PENALTY)
    assert p.summary["objective_usd"] == approx(219_744)
    assert p.summary["penalty_usd"] == approx(169_344)
    assert p.summary["lost_revenue_usd"] == approx(0)
    assert used(p, site="cheap") == approx(300)
    assert used(p, site="dear") == approx(0)
    assert p.summary["shortfall_flop"]["batch"] == pytest.approx(700 * FLOP_PER_ACC_FEB, rel=REL)


POWER_SHORT = """\
providers:
  cl: {kind: cloud}
sites:
  a:
    provider: cl
    power_mw: 0.8
    offers:
      - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
workloads:
  - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
"""
DEFAULT_PENALTY = register("default_penalty", scenario(POWER_SHORT))


def test_default_penalty_is_1e_15_per_flop() -> None:
    # Power 0.8 MW / 1 kW = 800 accelerators; 200 short for a month.
    # 200 x 1.2096e21 FLOP x 1e-15 USD/FLOP = 241,920,000; cost 800 x 672 = 537,600.
    # Objective = 242,457,600.
    p = solve(DEFAULT_PENALTY)
    assert p.summary["objective_usd"] == approx(242_457_600)
    assert p.summary["penalty_usd"] == approx(241_920_000)
    assert used(p) == approx(800)


def test_strict_demand_on_impossible_scenario_raises_infeasible() -> None:
    # Same scenario with shortfall forbidden: 1000 accelerators needed, 800 fit.
    with pytest.raises(InfeasibleError) as info:
        solve(DEFAULT_PENALTY, allow_shortfall=False)
    conflicts = info.value.conflicts
    assert conflicts, "the infeasibility must name the conflicting scenario terms"
    # Any irreducible conflicting set must hold both the demand and the power cap.
    text = " | ".join(conflicts)
    assert "site a power in 2025-02" in text
    assert "workload api inference demand in 2025-02" in text


TRAINING_SHORT = register(
    "training_short",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 600}
        workloads:
          - {name: run, kind: training, flop: 1.2096e24, window: [2025-02, 2025-02],
             mfu: 0.5}
        penalties:
          shortfall_usd_per_flop: 1.0e-18
        """
    ),
)


def test_training_shortfall_penalty() -> None:
    # Needs 1000 accelerator-months; only 600 exist. A missing accelerator-month costs
    # 1.2096e21 x 1e-18 = 1209.6 > 672 of rent, so all 600 are used.
    # Short 400 x 1.2096e21 = 4.8384e23 FLOP -> penalty 483,840.
    # Objective = 600 x 672 + 483,840 = 403,200 + 483,840 = 887,040.
    p = solve(TRAINING_SHORT)
    assert p.summary["objective_usd"] == approx(887_040)
    assert p.summary["penalty_usd"] == approx(483_840)
    assert p.summary["shortfall_flop"]["run"] == pytest.approx(4.8384e23, rel=REL)
    assert used(p, workload="run") == approx(600)


TRAINING_SHORT_DISCOUNTED = register(
    "training_short_discounted",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 300}
        workloads:
          - {name: run, kind: training, flop: 1.2096e24, window: [2025-01, 2025-02],
             mfu: 0.5}
        penalties:
          shortfall_usd_per_flop: 1.0e-18
        """,
        start="2025-01",
        months=3,
        rate=1,
    ),
)


def test_training_shortfall_is_discounted_at_the_end_of_its_window() -> None:
    # Window Jan..Feb, 300 accelerators a month, r = 1.
    # Delivered: 300 x 5e14 x 744 x 3600 = 4.0176e23 (Jan) + 300 x 1.2096e21 = 3.6288e23
    # (Feb) = 7.6464e23; short 1.2096e24 - 7.6464e23 = 4.4496e23 FLOP -> 444,960 USD,
    # paid in February (the window's last month), weight 2^(-1/12).
    # Rent: 300 x 744 (Jan) + 300 x 672 x 2^(-1/12) (Feb). (Training always beats the
    # penalty: 1339.2 x 2^(-1/12) > 744 in Jan, 1209.6 > 672 in Feb.)
    # Objective = 223,200 + (201,600 + 444,960) x 2^(-1/12).
    p = solve(TRAINING_SHORT_DISCOUNTED)
    assert p.summary["objective_usd"] == approx(223_200 + (201_600 + 444_960) * d(1))
    assert p.summary["penalty_usd"] == approx(444_960 * d(1))
    assert p.summary["shortfall_flop"]["run"] == pytest.approx(4.4496e23, rel=REL)
    assert used(p, month="2025-01") == approx(300)
    assert used(p, month="2025-02") == approx(300)
    assert used(p, month="2025-03") == approx(0)


WORKLOAD_VALUES = register(
    "workload_values",
    scenario(
        CLOUD_ONE.replace("available: 10000", "available: 1000")
        + """\
workloads:
  - {name: research, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
     shortfall_usd_per_flop: {2025-02: 3.0e-18, 2025-03: 1.0e-19}}
  - {name: batch, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
penalties:
  shortfall_usd_per_flop: 1.0e-18
""",
        months=2,
    ),
)


def test_a_workload_s_own_shortfall_value_ranks_it_month_by_month() -> None:
    # 1000 accelerators exist; each workload needs all 1000 (5e17 / 5e14).
    # Feb (672 h): an accelerator-month serves 5e14 x 672 x 3600 = 1.2096e21 FLOP, worth
    # 3e-18 x 1.2096e21 = 3628.8 to research (its own value), 1e-18 x 1.2096e21 = 1209.6 to
    # batch (the scenario's penalty), rent 672: research takes all 1000, batch pays
    # 1000 x 1209.6 = 1,209,600.
    # Mar (744 h): 1.3392e21 FLOP per accelerator-month, worth 1e-19 x 1.3392e21 = 133.92 to
    # research (< 744 of rent: not served even with room) and 1339.2 to batch: batch takes
    # all 1000, research pays 1000 x 133.92 = 133,920.
    # Objective = 672,000 + 744,000 + 1,209,600 + 133,920 = 2,759,520.
    p = solve(WORKLOAD_VALUES)
    assert used(p, workload="research", month="2025-02") == approx(1000)
    assert used(p, workload="batch", month="2025-02") == approx(0)
    assert used(p, workload="research", month="2025-03") == approx(0)
    assert used(p, workload="batch", month="2025-03") == approx(1000)
    assert p.summary["penalty_usd"] == approx(1_209_600 + 133_920)
    assert p.summary["objective_usd"] == approx(2_759_520)


TRAINING_OWN_VALUE = register(
    "training_own_value",
    TRAINING_SHORT.replace("mfu: 0.5}", "mfu: 0.5,\n     shortfall_usd_per_flop: 5.0e-19}"),
)


def test_a_training_run_s_own_value_overrides_the_penalty() -> None:
    # As test_training_shortfall_penalty, but the run's FLOP is worth 5e-19 (the scenario's
    # penalty 1e-18 is not used): an accelerator-month delivers 1.2096e21 FLOP worth
    # 604.8 < 672 of rent, so nothing is used and the whole run is short:
    # 1.2096e24 x 5e-19 = 604,800 = the objective.
    assert "shortfall_usd_per_flop: 5.0e-19" in TRAINING_OWN_VALUE
    p = solve(TRAINING_OWN_VALUE)
    assert used(p, workload="run") == approx(0)
    assert p.summary["penalty_usd"] == approx(604_800)
    assert p.summary["objective_usd"] == approx(604_800)


TWO_CLOUDS = """\
providers:
  azure: {{kind: cloud}}
  oci: {{kind: cloud}}
sites:
  az:
    provider: azure
    offers:
      - {{accelerator: X, pricing: on_demand, usd_per_hour: {az_price}, available: 10000}}
  oc:
    provider: oci
    offers:
      - {{accelerator: X, pricing: on_demand, usd_per_hour: {oc_price}, available: 10000}}
"""

PIN = register(
    "pin",
    scenario(
        TWO_CLOUDS.format(az_price=2, oc_price=1)
        + """\
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: 5.0e17, utilization: 0.5}
  - {name: chat, kind: inference, tags: [chat], demand_flops: 5.0e17, utilization: 0.5}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
"""
    ),
)


def test_pin_keeps_covered_workload_on_counterparty() -> None:
    # api is pinned to azure (2 USD/h): 1000 x 2 x 672 = 1,344,000.
    # chat is not covered and takes oci (1 USD/h): 1000 x 672 = 672,000.
    # Objective = 2,016,000.
    p = solve(PIN)
    assert p.summary["objective_usd"] == approx(2_016_000)
    assert used(p, workload="api", provider="azure") == approx(1000)
    assert used(p, workload="api", provider="oci") == approx(0)
    assert used(p, workload="chat", provider="oci") == approx(1000)


EXCLUSIVE = register(
    "exclusive",
    scenario(
        TWO_CLOUDS.format(az_price=2, oc_price=1)
        + INFER_1000
        + """\
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: exclusive, from: 2025-02, until: 2025-02}
""",
        start="2025-01",
        months=2,
    ),
)


def test_exclusive_inside_its_window_only() -> None:
    # Exclusivity (all workloads) to azure in February only.
    # Jan: oci 1000 x 1 x 744 = 744,000; Feb: azure 1000 x 2 x 672 = 1,344,000.
    # Objective = 2,088,000.
    p = solve(EXCLUSIVE)
    assert p.summary["objective_usd"] == approx(2_088_000)
    assert used(p, provider="oci", month="2025-01") == approx(1000)
    assert used(p, provider="azure", month="2025-01") == approx(0)
    assert used(p, provider="azure", month="2025-02") == approx(1000)
    assert used(p, provider="oci", month="2025-02") == approx(0)


ROFR_CASES = {
    # id: (azure site extra line, azure available)
    "600_available": ("", 600),
    "power_for_600": ("power_mw: 0.6", 1000),
}


def _rofr(demand: str, case: str) -> str:
    az_site, az_avail = ROFR_CASES[case]
    return register(
        f"rofr_{demand}_{case}",
        scenario(
            f"""\
            providers:
              azure: {{kind: cloud}}
              oci: {{kind: cloud}}
            sites:
              az:
                provider: azure
                {az_site}
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 2,
                     available: {az_avail}}}
              oc:
                provider: oci
                offers:
                  - {{accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}}
            workloads:
              - {{name: api, kind: inference, demand_flops: {demand}, utilization: 0.5}}
            contracts:
              - name: ms
                counterparty: azure
                clauses:
                  - {{type: right_of_first_refusal}}
            """
        ),
    )


@pytest.mark.parametrize("case", sorted(ROFR_CASES))
def test_right_of_first_refusal_fills_counterparty_first(case: str) -> None:
    # azure 2 USD/h can give 600 accelerators (available 600, or available 1000 with
    # power 0.6 MW / 1 kW = 600); oci 1 USD/h. 1000 needed: oci may be used only once
    # azure's 600 are all taken.
    # Objective = 600 x 2 x 672 + 400 x 1 x 672 = 806,400 + 268,800 = 1,075,200
    # (without the clause: 1000 x 672 = 672,000).
    p = solve(_rofr("5.0e17", case))
    assert p.summary["objective_usd"] == approx(1_075_200)
    assert used(p, provider="azure") == approx(600)
    assert used(p, provider="oci") == approx(400)


def test_right_of_first_refusal_demand_fits_at_counterparty() -> None:
    # 500 accelerators needed (demand 2.5e17): azure has 600, so oci may not be used
    # (it would need all 600 azure taken first, costing more).
    # Objective = 500 x 2 x 672 = 672,000 (without the clause: 336,000).
    p = solve(_rofr("2.5e17", "600_available"))
    assert p.summary["objective_usd"] == approx(672_000)
    assert used(p, provider="azure") == approx(500)
    assert used(p, provider="oci") == approx(0)


ROFR_WINDOW = register(
    "rofr_window_tags",
    scenario(
        """\
        providers:
          azure: {kind: cloud}
          oci: {kind: cloud}
        sites:
          az:
            provider: azure
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 600}
          oc:
            provider: oci
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
        workloads:
          - {name: api, kind: inference, tags: [api], demand_flops: 2.5e17, utilization: 0.5}
          - {name: chat, kind: inference, tags: [chat], demand_flops: 2.5e17, utilization: 0.5}
        contracts:
          - name: ms
            counterparty: azure
            clauses:
              - {type: right_of_first_refusal, tags: [api], from: 2025-02}
        """,
        start="2025-01",
        months=2,
    ),
)


def test_right_of_first_refusal_respects_tags_and_window() -> None:
    # 500 accelerators each for api (covered) and chat (not covered); azure 2 USD/h
    # (600 available), oci 1 USD/h.
    # Jan (before the window): all 1000 on oci: 1000 x 744 = 744,000.
    # Feb: api may go to oci only if azure's 600 are all taken (by anyone):
    #   (a) api 500 on azure, chat 500 on oci: 500 x 1344 + 500 x 672 = 1,008,000;
    #   (b) fill azure's 600, 400 on oci: 600 x 1344 + 400 x 672 = 1,075,200 -> (a).
    # Objective = 744,000 + 1,008,000 = 1,752,000.
    p = solve(ROFR_WINDOW)
    assert p.summary["objective_usd"] == approx(1_752_000)
    assert used(p, provider="oci", month="2025-01") == approx(1000)
    assert used(p, workload="api", provider="azure", month="2025-02") == approx(500)
    assert used(p, workload="chat", provider="oci", month="2025-02") == approx(500)


MIN_SPEND = register(
    "min_spend",
    scenario(
        TWO_CLOUDS.format(az_price=1, oc_price=1.5)
        + INFER_1000
        + """\
contracts:
  - name: oracle
    counterparty: oci
    clauses:
      - {type: min_spend, usd: 504000}
"""
    ),
)


def test_min_spend_take_or_pay() -> None:
    # azure 1 x 672 = 672 per accelerator, oci 1.5 x 672 = 1008; 1000 needed; oci
    # commitment 504,000 (take-or-pay). With x on oci:
    #   x <= 500: 672 (1000 - x) + 504,000 = 1,176,000 - 672 x (oci spend is sunk)
    #   x >= 500: 672 (1000 - x) + 1008 x = 672,000 + 336 x
    # Minimum at x = 504,000 / 1008 = 500: objective 840,000, no shortfall.
    p = solve(MIN_SPEND)
    assert p.summary["objective_usd"] == approx(840_000)
    assert used(p, provider="oci") == approx(500)
    assert used(p, provider="azure") == approx(500)
    assert spend(p, kind="min_spend_shortfall") == approx(0)
    assert spend(p, provider="oci") == approx(504_000)


MIN_SPEND_WINDOWS = {
    "runs_past_end": "from: 2025-01, until: 2025-06",
    "starts_before_start": "from: 2024-11, until: 2025-04",
}


def _min_spend_prorated(case: str) -> str:
    return register(
        f"min_spend_prorated_{case}",
        scenario(
            TWO_CLOUDS.format(az_price=0.5, oc_price=1)
            + f"""\
workloads:
  - name: api
    kind: inference
    utilization: 0.5
    demand_flops: {{2025-01: 5.0e17, 2025-02: 0}}
contracts:
  - name: oracle
    counterparty: oci
    clauses:
      - {{type: min_spend, usd: 6000000, {MIN_SPEND_WINDOWS[case]}}}
""",
            start="2025-01",
            months=2,
        ),
    )


@pytest.mark.parametrize("case", sorted(MIN_SPEND_WINDOWS))
def test_min_spend_prorated_when_window_runs_past_horizon(case: str) -> None:
    # Horizon Jan..Feb 2025; the 6-month window has 2 months inside: commitment
    # 6,000,000 x 2/6 = 2,000,000. 1000 accelerators in January only.
    # oci spend (1 x 744 = 744 per accelerator) is sunk in the commitment, so all 1000
    # go to oci although azure costs 0.5/h: oci 744,000 + shortfall 1,256,000 paid in
    # February (last window month inside the horizon). Objective = 2,000,000.
    p = solve(_min_spend_prorated(case))
    assert p.summary["objective_usd"] == approx(2_000_000)
    assert used(p, provider="oci") == approx(1000)
    assert spend(p, kind="min_spend_shortfall") == approx(1_256_000)
    assert spend(p, kind="min_spend_shortfall", month="2025-02") == approx(1_256_000)
    assert p.summary["warnings"], "a clause window outside the horizon warns"


MIN_SPEND_DISCOUNTED = register(
    "min_spend_discounted",
    scenario(
        """\
        providers:
          azure: {kind: cloud}
          oci: {kind: cloud}
        sites:
          az:
            provider: azure
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        contracts:
          - name: oracle
            counterparty: oci
            clauses:
              - {type: min_spend, usd: 1000000, from: 2025-01, until: 2025-02}
        """,
        start="2025-01",
        months=3,
        rate=1,
    ),
)


def test_min_spend_shortfall_is_discounted_in_the_last_window_month() -> None:
    # oci sells nothing: the whole 1,000,000 is paid in February, weight 2^(-1/12).
    # azure rent: 744,000 + 672,000 x 2^(-1/12) + 744,000 x 2^(-2/12).
    rent = 744_000 + 672_000 * d(1) + 744_000 * d(2)
    p = solve(MIN_SPEND_DISCOUNTED)
    assert p.summary["objective_usd"] == approx(rent + 1_000_000 * d(1))
    assert p.summary["cost_usd"] == approx(rent + 1_000_000 * d(1))
    assert spend(p, kind="min_spend_shortfall", month="2025-02") == approx(1_000_000)


DUALS = register(
    "duals",
    scenario(
        """\
        providers:
          cl: {kind: cloud}
        sites:
          a:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 1, available: 600}
          b:
            provider: cl
            offers:
              - {accelerator: X, pricing: on_demand, usd_per_hour: 2, available: 10000}
        workloads:
          - {name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5}
        """,
        start="2025-01",
        months=2,
        rate=1,
    ),
)


def test_duals_value_one_more_accelerator_of_a_binding_offer() -> None:
    # a (1 USD/h) is full at 600; b (2 USD/h) supplies the other 400 each month.
    # One more accelerator at a replaces one at b: saves (2 - 1) x hours, discounted.
    # Jan: 744 x 1 = 744 USD; Feb: 672 x 2^(-1/12) USD per accelerator-month.
    # b is not binding: 0.
    p = solve(DUALS)
    rent = 600 * 744 + 400 * 2 * 744 + (600 * 672 + 400 * 2 * 672) * d(1)
    assert p.summary["objective_usd"] == approx(rent)
    duals = p.tables["duals"]
    acc = duals[duals["kind"] == "accelerator"].set_index(["offer", "month"])["value_usd"]
    assert float(acc[("a/0", "2025-01")]) == approx(744)
    assert float(acc[("a/0", "2025-02")]) == approx(672 * d(1))
    assert float(acc[("b/0", "2025-01")]) == approx(0)
    assert float(acc[("b/0", "2025-02")]) == approx(0)


# ----------------------------------------------------------------- accounting identity

# Register the parametrised variants too, so that the identity runs on every scenario.
for _month in HOURS:
    _calendar(_month)
for _pricing in RENTED_LEAD_OFFERS:
    _rented_lead(_pricing)
for _single in (False, True):
    _two_site_training(_single)
for _case in REVENUE_SHARE_CLAUSES:
    _revenue_share(_case)
for _case in ROFR_CASES:
    _rofr("5.0e17", _case)
_rofr("2.5e17", "600_available")
for _case in MIN_SPEND_WINDOWS:
    _min_spend_prorated(_case)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_objective_is_cost_plus_lost_revenue_plus_penalty(name: str) -> None:
    p = solve(SCENARIOS[name])
    s = p.summary
    assert s["objective_usd"] == pytest.approx(
        s["cost_usd"] + s["lost_revenue_usd"] + s["penalty_usd"], rel=1e-9, abs=1e-3
    )
