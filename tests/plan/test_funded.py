"""Funded plans (issue #20, step 3): hand-worked optima and properties.

One accelerator ``X`` (peak 1e15 FLOP/s, utilization 0.5: 5e17 FLOP/s needs exactly
1,000 accelerators), owned builds at $3,000 each, lifetime 3 months, no lead time, no
opex, paid in full on delivery (cash basis) and charged $1,000 a month (accrual).
Demand 1,000 accelerators in each of the three months 2025-01..03; revenue $1,500 per
accelerator-month served ($1.5M a month in full); no discounting; cash starts at 0 and
the floor is 0. Serving everything costs $3M (accrual) against $4.5M of revenue, but
the $3M is paid in January when only $1.5M comes in: $1.5M must be found.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigawatt.plan import Plan, SolveOptions
from gigawatt.plan.fundedplan import financing_limit_values, funded_plan, with_funded
from gigawatt.plan.planner import plan
from gigawatt.scenario import parse_scenario

REL = 1e-6


def scenario_text(financing: str, *, cash: float = 0.0, floor: float = 0.0) -> str:
    return f"""
name: funded
horizon: {{start: 2025-01, months: 3}}
accelerators:
  X: {{peak_flops: 1.0e15, facility_watts: 1000}}
providers:
  own: {{kind: owned}}
sites:
  s:
    provider: own
    offers:
      - {{accelerator: X, pricing: build, capex_usd: 3000, opex_usd_per_hour: 0,
         lifetime_months: 3, available: 1000}}
workloads:
  - {{name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
     revenue_usd_per_month: 1.5e6}}
finance:
  cash_usd: {cash}
  cash_floor_usd: {floor}
  funded: true
{financing}
"""


LOAN = """\
  debt:
    - {{name: bank, limit_usd: {limit}, rate_per_year: 0.12, fee_percent: {fee},
       tenor_months: 12}}
"""


def loan(limit: float = 1.0e7, fee: float = 0.0) -> str:
    return LOAN.format(limit=limit, fee=fee)


def equity(return_per_year: float) -> str:
    return f"""\
  equity:
    - {{name: round, month: 2025-01, usd: 1.0e7, pre_money_usd: 1.0e8,
       return_per_year: {return_per_year}}}
"""


def solve(text: str) -> Plan:
    return funded_plan(parse_scenario(text), SolveOptions())


def rows(p: Plan, kind: str) -> dict[str, list[float]]:
    t = p.tables["financing"]
    t = t[t["kind"] == kind]
    return {c: t[c].tolist() for c in ("drawn_usd", "repaid_usd", "balance_usd", "cost_usd")}


def test_the_unfunded_plan_serves_everything_and_goes_below_zero() -> None:
    p = plan(parse_scenario(scenario_text(loan()).replace("funded: true", "funded: false")))
    assert p.objective_usd == pytest.approx(3.0e6, rel=REL)
    assert p.summary["min_cash_usd"] == pytest.approx(-1.5e6, rel=REL)
    assert "financing" not in p.tables


def test_one_loan_at_a_stated_rate() -> None:
    # 1%/month, 1% fee. Jan: draw d with 0.99 d = 1.5M -> d = 1,515,151.52 (fee 15,151.52).
    # Feb: interest 1% of d = 15,151.52; the $1.5M of revenue repays 1.5M - 15,151.52,
    # leaving 30,303.03; Mar: interest 303.03 (the March balance costs nothing inside the
    # horizon). Financing cost = 0.02 d + 0.01 (1.01 d - 1.5M) = 30,606.06.
    p = solve(scenario_text(loan(fee=1.0)))
    d = 1.5e6 / 0.99
    cost = 0.0301 * d - 15_000
    assert p.summary["financing_cost_usd"] == pytest.approx(cost, rel=REL)
    assert p.objective_usd == pytest.approx(3.0e6 + cost, rel=REL)
    assert p.summary["lost_revenue_usd"] == pytest.approx(0, abs=1e-3)
    bank = rows(p, "debt")
    assert bank["drawn_usd"][0] == pytest.approx(d, rel=REL)
    assert bank["balance_usd"][:2] == pytest.approx([d, 1.01 * d - 1.5e6], rel=REL)
    assert p.summary["funding_needed_by_year"] == pytest.approx({"2025": d}, rel=REL)
    fin = p.tables["finance"]
    assert fin["cash_usd"].min() >= -1e-3
    # the finance table's cash line is the ledger: start + flows, financing included
    assert fin["financing_usd"].tolist() == pytest.approx(
        [0.99 * d, -(1.5e6 - 0.01 * d) - 0.01 * d, fin["financing_usd"].iloc[2]], rel=REL
    )
    assert p.summary["lost_revenue_to_funding_usd"] == pytest.approx(0, abs=1e-3)


def test_equity_against_a_loan() -> None:
    # The loan (no fee) costs 1% per dollar for the first $1,485,148.51 (repaid in Feb
    # from $1.5M of revenue less 1% interest: 1.01 B <= 1.5M), then 2.01% (a second
    # month of interest). Equity from January to the horizon end (2 months) costs
    # (1 + r)^(1/6) - 1 per dollar.
    b_max = 1.5e6 / 1.01
    # r = 5%: 0.82% a dollar, below the loan's 1%: all equity, no loan
    p = solve(scenario_text(loan() + equity(0.05)))
    assert rows(p, "equity")["drawn_usd"][0] == pytest.approx(1.5e6, rel=REL)
    assert sum(rows(p, "debt")["drawn_usd"]) == pytest.approx(0, abs=1e-3)
    assert p.summary["financing_cost_usd"] == pytest.approx(1.5e6 * (1.05 ** (1 / 6) - 1), rel=REL)
    # r with 1.5% a dollar: between the loan's two rates, so the loan takes what Feb's
    # revenue repays and equity the rest
    r = 1.015**6 - 1
    p = solve(scenario_text(loan() + equity(r)))
    assert sum(rows(p, "debt")["drawn_usd"]) == pytest.approx(b_max, rel=REL)
    assert rows(p, "equity")["drawn_usd"][0] == pytest.approx(1.5e6 - b_max, rel=REL)
    cost = 0.01 * b_max + 0.015 * (1.5e6 - b_max)
    assert p.summary["financing_cost_usd"] == pytest.approx(cost, rel=REL)
    # r = 50%: 6.99% a dollar, dearer than any loan dollar: loan only
    p = solve(scenario_text(loan() + equity(0.5)))
    assert rows(p, "equity")["drawn_usd"][0] == pytest.approx(0, abs=1e-3)
    assert p.summary["financing_cost_usd"] == pytest.approx(15_150, rel=REL)


def test_a_funding_cap_forces_shedding() -> None:
    # Credit line of $600k at 0% (a cash floor of -$600k in effect). Building k in Jan,
    # j in Feb and l in Mar: cash needs k <= 400, j <= 400, l <= k + 400; the objective
    # 4.5M - 1,500 k - 1,000 j - 500 l (accrual cost of the months built in the
    # horizon plus lost revenue) is least at k = 400, j = 400, l = 200: 3.4M, with
    # 1.2M of revenue lost (600 + 200 accelerator-months unserved x $1,500).
    text = scenario_text(loan(limit=6.0e5).replace("0.12", "0"))
    p = solve(text)
    assert p.objective_usd == pytest.approx(3.4e6, rel=REL)
    assert p.summary["lost_revenue_usd"] == pytest.approx(1.2e6, rel=REL)
    assert p.summary["objective_unfunded_usd"] == pytest.approx(3.0e6, rel=REL)
    assert p.summary["lost_revenue_to_funding_usd"] == pytest.approx(1.2e6, rel=REL)
    new = p.tables["capacity"]["new"].tolist()
    assert new == pytest.approx([400, 400, 200], abs=1e-3)
    # the objective falls by $1 per dollar of credit here (4.0M - limit): the dual of
    # the limit, summed over its months, says so
    values = financing_limit_values(p).set_index("kind")
    assert values.loc["debt_limit", "value_usd_per_usd"] == pytest.approx(1.0, rel=1e-6)
    wider = solve(scenario_text(loan(limit=6.1e5).replace("0.12", "0")))
    assert p.objective_usd - wider.objective_usd == pytest.approx(1.0e4, rel=REL)


def test_no_money_at_all_sheds_what_cannot_be_paid() -> None:
    # No instrument: only what revenue pays for is built. Cash: -1,500 k >= 0 -> k = 0;
    # Feb -1,500 j >= 0 -> j = 0; Mar -1,500 l >= 0 -> l = 0: nothing is served.
    p = solve(scenario_text(""))
    assert p.summary["lost_revenue_usd"] == pytest.approx(4.5e6, rel=REL)
    assert p.objective_usd == pytest.approx(4.5e6, rel=REL)
    assert p.summary["financing_cost_usd"] == 0.0


@pytest.mark.parametrize("what", ["floor", "limit", "instrument"])
def test_properties_of_the_optimum(what: str) -> None:
    """Raising the floor never lowers it; more credit or another instrument never raises it."""
    base = loan(limit=6.0e5)
    if what == "floor":
        values = [
            solve(scenario_text(base, cash=2.0e5, floor=f)).objective_usd
            for f in (-1.0e5, 0.0, 1.0e5, 2.0e5)
        ]
        assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(values))
        assert values[-1] > values[0]
    elif what == "limit":
        values = [solve(scenario_text(loan(limit=lim))).objective_usd for lim in (0, 3e5, 6e5, 2e6)]
        assert all(b <= a + 1e-6 * abs(a) for a, b in itertools.pairwise(values))
        assert values[-1] < values[0]
    else:
        one = solve(scenario_text(base)).objective_usd
        two = solve(scenario_text(base + equity(0.3))).objective_usd
        assert two <= one + 1e-6 * one
        assert two < one


def _objective(text: str) -> float:
    return plan(parse_scenario(text), SolveOptions(duals=False)).objective_usd


MONEY = st.floats(0.0, 2.0e6, allow_nan=False)


@settings(max_examples=6, deadline=None)
@given(
    cash=MONEY,
    floors=st.lists(st.floats(-1.0e6, 1.0, allow_nan=False), min_size=2, max_size=2),
    limits=st.lists(MONEY, min_size=2, max_size=2),
    rate=st.floats(0.0, 3.0, allow_nan=False),
)
def test_properties_hold_for_any_numbers(
    cash: float, floors: list[float], limits: list[float], rate: float
) -> None:
    """For any starting cash, floors (at most the cash), credit limits and round return:
    the higher floor never lowers the optimum; more credit or an added round never
    raises it."""
    low, high = sorted(f * cash if f > 0 else f for f in floors)
    small, large = sorted(limits)
    tol = 1e-6 * 4.5e6

    def obj(financing: str, floor: float = 0.0) -> float:
        return _objective(scenario_text(financing, cash=cash, floor=floor))

    assert obj(loan(small), high) >= obj(loan(small), low) - tol
    base = obj(loan(small))
    assert obj(loan(large)) <= base + tol
    assert obj(loan(small) + equity(rate)) <= base + tol


def test_with_funded_needs_a_finance_section() -> None:
    from gigawatt.errors import InputError

    text = scenario_text("").split("finance:")[0]
    with pytest.raises(InputError, match="finance"):
        with_funded(parse_scenario(text))


def vendor(usd_per_gw: float, max_usd: float, return_per_year: float = 0.0) -> str:
    return f"""\
  vendor:
    - {{name: chips, accelerators: [X], usd_per_gw: {usd_per_gw}, max_usd: {max_usd},
       return_per_year: {return_per_year}}}
"""


def test_vendor_financing_per_gw_deployed() -> None:
    # 1,000 accelerators x 1,000 W = 1 MW built in January. At $1.5B per GW the supplier
    # invests $1.5M, exactly January's gap: no loan, no cost (return 0).
    p = solve(scenario_text(loan() + vendor(1.5e9, 1.0e9)))
    assert p.objective_usd == pytest.approx(3.0e6, rel=REL)
    assert rows(p, "vendor")["drawn_usd"][0] == pytest.approx(1.5e6, rel=REL)
    assert sum(rows(p, "debt")["drawn_usd"]) == pytest.approx(0, abs=1e-3)
    # capped at $1M: the loan (1%/month, repaid in February) covers the other $500k
    p = solve(scenario_text(loan() + vendor(1.5e9, 1.0e6)))
    assert rows(p, "vendor")["drawn_usd"][0] == pytest.approx(1.0e6, rel=REL)
    assert rows(p, "debt")["drawn_usd"][0] == pytest.approx(5.0e5, rel=REL)
    assert p.summary["financing_cost_usd"] == pytest.approx(5_000, rel=REL)


RICH = """
name: rich
horizon: {start: 2025-01, months: 8}
discount_rate: 0.1
accelerators:
  X: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  own: {kind: owned}
  cl: {kind: cloud}
sites:
  campus:
    provider: own
    electricity_usd_per_mwh: 50
    offers:
      - {accelerator: X, pricing: build, capex_usd: 2500, opex_usd_per_hour: 0.05,
         lifetime_months: 4, lead_months: 2, deposit_share: 0.3, available: 600}
  cloud:
    provider: cl
    offers:
      - {accelerator: X, pricing: reserved, usd_per_hour: 1.1, term_months: 3,
         payment: prepaid, available: 500}
      - {accelerator: X, pricing: on_demand, usd_per_hour: 1.6, available: 2000}
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: {2025-01: 2.0e17, 2025-03: 6.0e17},
     utilization: 0.5, revenue_usd_per_month: {2025-01: 4.0e5, 2025-03: 1.6e6}}
contracts:
  - name: deal
    counterparty: cl
    clauses:
      - {type: revenue_share, percent: 10, tags: [api], decline_per_year: 0.2}
      - {type: min_spend, usd: 3.0e6, from: 2025-01, until: 2025-06}
finance:
  cash_usd: 2.0e5
  cash_floor_usd: 1.0e5
  funded: true
  other_opex_usd_per_month: 1.0e5
  funding: [{month: 2025-04, usd: 3.0e5}]
  equity:
    - {name: round, month: 2025-02, usd: 5.0e5, pre_money_usd: 1.0e7, return_per_year: 0.2}
  debt:
    - {name: bank, limit_usd: 8.0e5, rate_per_year: 0.1, fee_percent: 0.5, tenor_months: 5}
  vendor:
    - {name: chips, accelerators: [X], usd_per_gw: 2.0e8, max_usd: 1.0e5, return_per_year: 0.1}
"""


def test_the_ledger_is_the_model_cash() -> None:
    """The finance table's cash basis (numpy, plan/cashbasis.py and results) equals the
    model's cash variable (linopy rows of plan/funding.py) every month, in a plan with
    every payment kind: build deposits ahead of delivery, a prepaid term, on-demand,
    electricity, take-or-pay, a declining revenue share, each instrument, other opex and
    a funding event."""
    from gigawatt.plan.inputs import MUSD
    from gigawatt.plan.planner import build
    from gigawatt.plan.results import extract_plan
    from gigawatt.plan.solve import solve_model

    scenario = parse_scenario(RICH)
    options = SolveOptions()
    pm = build(scenario, options)
    outcome = solve_model(pm, options)
    p = extract_plan(pm, outcome)
    model_cash = outcome.primal["cash"] * MUSD
    fin = p.tables["finance"]
    assert fin["cash_usd"].to_numpy() == pytest.approx(model_cash, rel=1e-7, abs=1e-2)
    assert (fin["cash_usd"] >= 1.0e5 - 1e-2).all()
    # the plan uses what the check is about
    cap = p.tables["capacity"]
    assert cap[cap["pricing"] == "build"]["new"].sum() > 0
    assert cap[cap["pricing"] == "reserved"]["new"].sum() > 0
    assert (fin["timing_difference_usd"].abs() > 1).any()
    assert p.tables["financing"]["drawn_usd"].sum() > 0
    # the objective is the accrual one plus the financing cost
    s = p.summary
    assert s["objective_usd"] == pytest.approx(
        s["cost_usd"] + s["lost_revenue_usd"] + s["penalty_usd"] + s["financing_cost_usd"],
        rel=1e-7,
    )


def test_clause_costs_of_a_funded_plan_are_re_solves() -> None:
    """Each clause's cost is the funded optimum with it minus without it (plus the full
    revenue share, :mod:`gigawatt.plan.clauses`), from independent funded solves."""
    import copy

    from gigawatt.plan.clauses import clause_costs
    from gigawatt.scenario.load import scenario_from_data

    scenario = parse_scenario(RICH)
    options = SolveOptions(duals=False)
    costs = clause_costs(scenario, options, processes=1)
    base = plan(scenario, options)
    assert len(costs) == 2
    for c in costs:
        raw = copy.deepcopy(scenario.raw)
        del raw["contracts"][0]["clauses"][c.clause_index]
        without = plan(scenario_from_data(raw, "without"), options)
        expected = (
            base.objective_usd
            + base.summary["revenue_share_potential_usd"]
            - without.objective_usd
            - without.summary["revenue_share_potential_usd"]
        )
        assert c.cost_usd == pytest.approx(expected, rel=1e-6, abs=1.0)
