"""The Monte Carlo forecast: equal to a slow per-sample loop, deterministic, located errors.

Monte Carlo tolerances follow tests/forecast/test_distributions.py: the true p-quantile
lies between the empirical (p - 5 se) and (p + 5 se) quantiles, se = sqrt(p (1-p) / n),
except with probability ~6e-7; a probability estimated from n samples is within
5 sqrt(p (1 - p) / n) of the truth with the same confidence.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from slow_reference import slow_forecast

from gigawatt.errors import ScenarioError
from gigawatt.forecast import Forecast, ForecastModel, buffers, run_forecast
from gigawatt.forecast.sampling import BLOCK_SAMPLES, parse_uncertainty
from gigawatt.scenario import load_scenario, parse_scenario

SMALL = """
name: small
horizon: {start: 2025-11, months: 14}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1500}
  GB200: {peak_flops: 2.5e15, facility_watts: 2100, available_from: 2026-02}
providers:
  azure: {kind: cloud}
  oci: {kind: cloud}
  own: {kind: owned}
sites:
  az:
    provider: azure
    power_mw: {2025-11: 30, 2026-06: 60}
    offers:
      - {accelerator: H100, pricing: reserved, usd_per_hour: 2.0, term_months: 12,
         available: {2025-11: 10000, 2026-03: 20000}}
      - {accelerator: H100, pricing: on_demand, usd_per_hour: 6.0, available: 5000}
      - {accelerator: GB200, pricing: reserved, usd_per_hour: 3.5, term_months: 12,
         lead_months: 2, available: 8000}
  oc:
    provider: oci
    offers:
      - {accelerator: GB200, pricing: reserved, usd_per_hour: 3.0, term_months: 12,
         available: {2026-01: 6000}}
  camp:
    provider: own
    power_mw: {2026-01: 10, 2026-04: 40}
    pue: 1.2
    electricity_usd_per_mwh: 70
    offers:
      - {accelerator: GB200, pricing: build, capex_usd: 60000, opex_usd_per_hour: 0.2,
         lifetime_months: 60, lead_months: 3, available: {2026-02: 12000}}
workloads:
  - {name: api, kind: inference, tags: [api], utilization: 0.4,
     demand_flops: {2025-11: 3.0e18, 2026-04: 5.0e18, growth_per_year: 2.0},
     revenue_usd_per_month: {2025-11: 2.0e8, growth_per_year: 1.8}}
  - {name: chat, kind: inference, tags: [chat], utilization: 0.35,
     demand_flops: {2025-11: 4.0e18, growth_per_year: 3.0},
     revenue_usd_per_month: {2025-11: 3.0e8, growth_per_year: 2.0}}
  - {name: research, kind: inference, tags: [research], demand_flops: 2.0e18,
     utilization: 0.4}
  - {name: run-a, kind: training, flop: 2.0e25, window: [2026-01, 2026-06], mfu: 0.4,
     accelerators: [GB200]}
  - {name: run-b, kind: training, flop: 1.0e25, window: [2026-05, 2026-12],
     accelerators: [GB200]}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
      - {type: right_of_first_refusal, tags: [chat], from: 2026-01, until: 2026-08}
      - {type: revenue_share, percent: 20, tags: [api, chat]}
      - {type: min_spend, usd: 5.0e8, from: 2026-01, until: 2027-06}
  - name: or
    counterparty: oci
    clauses:
      - {type: min_spend, usd: 1.0e8, from: 2026-01, until: 2026-06}
finance:
  cash_usd: 1.0e9
  other_opex_usd_per_month: {2025-11: 5.0e8, growth_per_year: 1.5}
  funding: [{month: 2026-03, usd: 1.0e9}]
uncertainty:
  workloads.chat.demand_flops.growth_per_year: {lognormal: {p50: 3.0, p90: 5.0}}
  workloads.api.demand_flops.2026-04: {normal: {mean: 5.0e18, sd: 2.0e18}}
  sites.az.power_mw.2026-06: {triangular: {low: 30, mode: 55, high: 60}}
  sites.az.offers[1].available: {uniform: {low: 0, high: 10000}}
  workloads.research.utilization: {uniform: {low: 0.2, high: 0.6}}
  workloads.run-a.mfu: {uniform: {low: 0.3, high: 0.5}}
  workloads.run-b.flop: {lognormal: {p50: 1.0e25, p90: 2.0e25}}
  finance.cash_usd: {normal: {mean: 1.0e9, sd: 5.0e8}}
  finance.funding[0].usd: {uniform: {low: 0, high: 2.0e9}}
  finance.other_opex_usd_per_month.growth_per_year: {uniform: {low: 1.0, high: 2.0}}
  contracts.ms.clauses[2].percent: {uniform: {low: 10, high: 30}}
  contracts.ms.clauses[3].usd: {uniform: {low: 1.0e8, high: 1.0e9}}
  workloads.chat.revenue_usd_per_month.growth_per_year: {lognormal: {p50: 2.0, p90: 2.5}}
PRICES
  rank_correlation:
    - {between: [workloads.chat.demand_flops.growth_per_year,
                 workloads.chat.revenue_usd_per_month.growth_per_year], rho: 0.7}
"""

# Sampled prices re-rank the offers per sample (the gathered merit-order path).
PRICES = """\
  sites.oc.offers[0].usd_per_hour: {uniform: {low: 1.0, high: 12.0}}
  sites.camp.electricity_usd_per_mwh: {triangular: {low: 40, mode: 70, high: 200}}
  sites.camp.offers[0].capex_usd: {uniform: {low: 3.0e4, high: 4.0e5}}"""


def small(prices: bool = True) -> str:
    return SMALL.replace("PRICES", PRICES if prices else "")


def fast_outputs(scenario, samples: int, seed: int, chunk: int) -> dict[str, np.ndarray]:
    model = ForecastModel(scenario)
    parts: dict[str, list[np.ndarray]] = {}
    t = scenario.timeline.n_months
    for a in range(0, samples, chunk):
        b = min(a + chunk, samples)
        out = model.evaluate(a, b, seed)
        for name, values in out.quantities.items():
            parts.setdefault(name, []).append(np.broadcast_to(values, (t, b - a)).T)
        twh = out.quantities["demand_mw"] * scenario.timeline.hours[:, None] / 1e6
        parts.setdefault("demand_twh", []).append(np.broadcast_to(twh, (t, b - a)).T)
        parts.setdefault("gap_total_flop", []).append(out.gap_total_flop)
        if out.cash_final_usd is not None and out.funding_needed_usd is not None:
            parts.setdefault("cash_final_usd", []).append(out.cash_final_usd)
            parts.setdefault("funding_needed_usd", []).append(out.funding_needed_usd)
    return {k: np.concatenate(v) for k, v in parts.items()}


def assert_same(fast: dict[str, np.ndarray], slow: dict[str, np.ndarray]) -> None:
    # the per-workload class gaps are checked through the summary (test_structural.py)
    slow = {k: v for k, v in slow.items() if not k.startswith("workload_")}
    assert set(fast) == set(slow)
    for name, expected in slow.items():
        scale = float(np.max(np.abs(expected))) or 1.0
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9 * scale, err_msg=name)


@pytest.mark.parametrize("prices", [True, False], ids=["sampled-prices", "fixed-prices"])
def test_equal_to_slow_per_sample_loop(prices: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from gigawatt.forecast import merit

    static_flags: list[bool] = []
    rank_order = merit.rank_order

    def recording(key: np.ndarray) -> tuple[np.ndarray, bool]:
        order, static = rank_order(key)
        static_flags.append(static)
        return order, static

    monkeypatch.setattr(merit, "rank_order", recording)
    scenario = parse_scenario(small(prices))
    slow = slow_forecast(scenario, 40, seed=3)
    assert_same(fast_outputs(scenario, 40, seed=3, chunk=16), slow)
    # sampled prices re-rank offers per sample: the per-sample-rank path must have run
    assert (not all(static_flags)) == prices
    # the case is not trivial: shortfalls, min-spend and negative cash all happen
    assert (slow["gap_flops"] > 0).any() and (slow["gap_flops"] == 0).any()
    assert (slow["cash_usd"] < 0).any()


def test_sampled_prices_reorder_offers() -> None:
    """The gathered path really runs: per-sample orders differ within a chunk."""
    model = ForecastModel(parse_scenario(small(True)))
    from gigawatt.forecast.values import ChunkValues

    unc = model.uncertainty
    values = ChunkValues(model.timeline, unc.parameters, unc.draw(0, 64, 3), 64)
    key = model.supply.costs(values).rank_key
    orders = {tuple(np.argsort(row, kind="stable")) for row in key}
    assert len(orders) > 1


def test_builtin_equal_to_slow_loop() -> None:
    scenario = load_scenario("frontier-lab-2025-10")
    slow = slow_forecast(scenario, 6, seed=11)
    assert_same(fast_outputs(scenario, 6, seed=11, chunk=4), slow)


def test_bands_and_probabilities_match_slow_loop() -> None:
    scenario = parse_scenario(small(True))
    n = 60
    slow = slow_forecast(scenario, n, seed=5)
    result = run_forecast(scenario, samples=n, seed=5, chunk=25)
    for quantity in ("demand_flops", "gap_flops", "cash_usd", "demand_twh", "spend_usd"):
        band = result.band(quantity)
        expected = np.quantile(slow[quantity], [0.05, 0.5, 0.95], axis=0)
        for i, col in enumerate(("p5", "p50", "p95")):
            scale = float(np.max(np.abs(expected[i]))) or 1.0
            np.testing.assert_allclose(band[col], expected[i], rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(band["mean"], slow[quantity].mean(axis=0), rtol=1e-6)
    prob = result.probabilities
    short = (slow["gap_flops"] > 1e-9 * slow["demand_flops"]).mean(axis=0)
    np.testing.assert_array_equal(prob["p_demand_exceeds_supply"], short)
    np.testing.assert_array_equal(prob["p_cash_negative"], (slow["cash_usd"] < 0).mean(axis=0))
    so_far = np.maximum.accumulate(slow["cash_usd"] < 0, axis=1).mean(axis=0)
    np.testing.assert_allclose(prob["p_cash_negative_by_month"], so_far, rtol=1e-12)
    short_so_far = np.maximum.accumulate(
        slow["gap_flops"] > 1e-9 * slow["demand_flops"], axis=1
    ).mean(axis=0)
    np.testing.assert_allclose(prob["p_demand_exceeds_supply_by_month"], short_so_far, rtol=1e-12)
    assert result.summary["p_cash_negative_any_month"] == pytest.approx(so_far[-1])
    funding = result.summary["funding_needed_usd"]
    p50, p90 = np.quantile(slow["funding_needed_usd"], [0.5, 0.9])
    assert funding["p50"] == pytest.approx(p50, rel=1e-6)
    assert funding["p90"] == pytest.approx(p90, rel=1e-6)


def test_deterministic_and_independent_of_chunk_size() -> None:
    scenario = parse_scenario(small(True))
    runs = [run_forecast(scenario, samples=300, seed=9, chunk=c) for c in (300, 64, 7)]
    again = run_forecast(scenario, samples=300, seed=9, chunk=300)
    threaded = run_forecast(scenario, samples=300, seed=9, chunk=50, workers=2)
    for other in [*runs[1:], again, threaded]:
        for name, table in runs[0].tables.items():
            pd.testing.assert_frame_equal(table, other.tables[name], check_exact=True)
        for key in ("funding_needed_usd", "sensitivity", "p_cash_negative_any_month"):
            assert runs[0].summary[key] == other.summary[key]
    different = run_forecast(scenario, samples=300, seed=10)
    assert not different.bands["p50"].equals(runs[0].bands["p50"])


def test_draws_do_not_depend_on_blocks_or_chunks() -> None:
    unc = parse_uncertainty(parse_scenario(small(True)))
    whole = unc.draw(0, BLOCK_SAMPLES + 100, seed=2)
    pieces = [
        unc.draw(a, min(a + 999, BLOCK_SAMPLES + 100), seed=2)
        for a in range(0, BLOCK_SAMPLES + 100, 999)
    ]
    for name, values in whole.items():
        np.testing.assert_array_equal(values, np.concatenate([p[name] for p in pieces]))


LOGNORMAL = """
name: growth
horizon: {start: 2025-01, months: 25}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  az: {kind: cloud}
sites:
  az: {provider: az, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2,
       available: 1.0e9}]}
workloads:
  - {name: api, kind: inference, utilization: 0.5,
     demand_flops: {2025-01: 1.0e18, growth_per_year: 2.0}}
uncertainty:
  workloads.api.demand_flops.growth_per_year: {lognormal: {p50: 2.0, p90: 3.0}}
"""


def test_lognormal_growth_gives_analytic_demand_quantiles() -> None:
    """Demand at month m is 1e18 g^(m/12): its quantiles are those of g, transformed."""
    n = 20_000
    result = run_forecast(parse_scenario(LOGNORMAL), samples=n, seed=1)
    band = result.band("demand_flops")
    z90 = 1.2815515655446004
    sigma = math.log(3.0 / 2.0) / z90
    for month, m in (("2026-01", 12), ("2027-01", 24)):
        for col, p in (("p50", 0.5), ("p95", 0.95), ("p5", 0.05)):
            z = {0.5: 0.0, 0.95: 1.6448536269514722, 0.05: -1.6448536269514722}[p]
            g = math.exp(math.log(2.0) + sigma * z)
            expected = 1e18 * g ** (m / 12)
            se = math.sqrt(p * (1 - p) / n)
            lo_g = math.exp(math.log(2.0) + sigma * _ndtri(p - 5 * se))
            hi_g = math.exp(math.log(2.0) + sigma * _ndtri(p + 5 * se))
            got = band.loc[month, col]
            assert 1e18 * lo_g ** (m / 12) <= got <= 1e18 * hi_g ** (m / 12), (month, col)
            assert got == pytest.approx(expected, rel=0.05)
    # accelerators = demand / (peak x utilization); MW = accelerators x 1 kW
    acc = result.band("demand_accelerators").loc["2026-01", "p50"]
    assert acc == pytest.approx(band.loc["2026-01", "p50"] / (1e15 * 0.5), rel=1e-6)
    mw = result.band("demand_mw").loc["2026-01", "p50"]
    assert mw == pytest.approx(acc * 1000 / 1e6, rel=1e-6)
    twh = result.band("demand_twh").loc["2026-01", "p50"]
    assert twh == pytest.approx(mw * 744 / 1e6, rel=1e-6)


def _ndtri(p: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(p))


CASH = """
name: burn
horizon: {start: 2025-01, months: 10}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  az: {kind: cloud}
sites:
  az: {provider: az, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2,
       available: 10}]}
workloads:
  - {name: api, kind: inference, demand_flops: 0}
finance:
  cash_usd: 100
  other_opex_usd_per_month: 10
uncertainty:
  finance.other_opex_usd_per_month: {uniform: {low: 0, high: 20}}
"""


def test_cash_probability_and_funding_on_a_hand_built_case() -> None:
    """Cash after k months is 100 - k x, x ~ U(0, 20): P(cash < 0) = (20 - 100/k) / 20
    for k > 5, and the funding needed is max(0, 10 x - 100): p50 = 0, p90 = 80."""
    n = 40_000
    result = run_forecast(parse_scenario(CASH), samples=n, seed=4)
    prob = result.probabilities.set_index("month")["p_cash_negative"]
    for k in range(1, 11):
        p = max(0.0, (20 - 100 / k) / 20)
        tol = 5 * math.sqrt(p * (1 - p) / n) + 1e-12
        assert abs(prob.iloc[k - 1] - p) <= tol, k
    funding = result.summary["funding_needed_usd"]
    assert funding["p50"] == 0.0
    se = math.sqrt(0.9 * 0.1 / n)
    # p90 of 10x - 100 with x ~ U(0, 20): 10 x 20 x (0.9 +- 5 se) - 100
    assert 200 * (0.9 - 5 * se) - 100 <= funding["p90"] <= 200 * (0.9 + 5 * se) - 100
    assert result.summary["p_cash_negative_any_month"] == pytest.approx(0.5, abs=5 * 0.5 / 200)
    top = result.summary["sensitivity"]["cash_final_usd"][0]
    assert top["parameter"] == "finance.other_opex_usd_per_month"
    assert top["spearman"] == pytest.approx(-1.0)


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_bad_key_path_is_a_located_error() -> None:
    text = LOGNORMAL.replace(
        "workloads.api.demand_flops.growth_per_year:", "workloads.apx.demand_flops.growth_per_year:"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "growth.yaml")
    (problem,) = [p for p in info.value.problems if p.severity == "error"]
    assert problem.location.key_path == "uncertainty.workloads.apx.demand_flops.growth_per_year"
    assert problem.location.line == _line_of(text, "workloads.apx")
    assert "no item named 'apx'" in problem.message


def test_path_that_cannot_be_sampled_is_a_located_error(tmp_path: Path) -> None:
    f = tmp_path / "growth.yaml"
    text = LOGNORMAL.replace(
        "uncertainty:\n", "uncertainty:\n  horizon.months: {uniform: {low: 10, high: 20}}\n"
    )
    f.write_text(text)
    scenario = load_scenario(f)
    with pytest.raises(ScenarioError) as info:
        run_forecast(scenario, samples=10)
    (problem,) = info.value.problems
    assert problem.location.key_path == "uncertainty.horizon.months"
    assert problem.location.file == str(f)
    assert problem.location.line == _line_of(text, "horizon.months:")
    assert "cannot be sampled" in problem.message


def test_histogram_bands_when_over_the_memory_budget() -> None:
    scenario = parse_scenario(small(False))
    exact = run_forecast(scenario, samples=2000, seed=1)
    approx = run_forecast(scenario, samples=2000, seed=1, memory_mb=0.1)
    assert exact.summary["quantile_method"] == "exact"
    assert approx.summary["quantile_method"] == "histogram"
    pd.testing.assert_frame_equal(exact.probabilities, approx.probabilities)
    for q in ("demand_flops", "cash_usd", "gap_flops"):
        e, a = exact.band(q), approx.band(q)
        width = (e["p95"] - e["p5"]).abs().max() / 4096 * 40 + 1e-6
        for col in ("p5", "p25", "p50", "p75", "p95"):
            assert (e[col] - a[col]).abs().max() <= width, (q, col)
        np.testing.assert_allclose(a["mean"], e["mean"], rtol=1e-5, atol=1e-3)


def test_save_and_load(tmp_path: Path) -> None:
    result = run_forecast(parse_scenario(small(False)), samples=200, seed=2)
    result.save(tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").is_file()
    again = Forecast.load(tmp_path / "out")
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name])
    assert again.summary["samples"] == 200


def test_no_uncertainty_and_no_finance() -> None:
    text = LOGNORMAL.split("uncertainty:")[0]
    result = run_forecast(parse_scenario(text), samples=50, seed=0)
    band = result.band("demand_flops")
    assert (band["p5"] == band["p95"]).all()
    assert "cash_usd" not in set(result.bands["quantity"])
    assert result.summary["funding_needed_usd"] is None
    assert result.probabilities["p_cash_negative"].isna().all()


def test_inconsistent_rank_correlations_are_located() -> None:
    text = LOGNORMAL.replace(
        "uncertainty:\n",
        "uncertainty:\n"
        "  workloads.api.utilization: {uniform: {low: 0.3, high: 0.6}}\n"
        "  workloads.api.demand_flops.2025-01: {uniform: {low: 1.0e18, high: 2.0e18}}\n",
    ) + (
        "  rank_correlation:\n"
        "    - {between: [workloads.api.utilization, workloads.api.demand_flops.2025-01], "
        "rho: 0.9}\n"
        "    - {between: [workloads.api.demand_flops.2025-01, "
        "workloads.api.demand_flops.growth_per_year], rho: 0.9}\n"
        "    - {between: [workloads.api.utilization, workloads.api.demand_flops.growth_per_year], "
        "rho: -0.9}\n"
    )
    with pytest.raises(ScenarioError) as info:
        run_forecast(parse_scenario(text), samples=10)
    (problem,) = info.value.problems
    assert problem.location.key_path == "uncertainty.rank_correlation"
    assert "positive definite" in problem.message


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"samples": 0}, "--samples"),
        ({"seed": -1}, "--seed"),
        ({"chunk": 0}, "--chunk"),
        ({"workers": 0}, "--workers"),
    ],
)
def test_bad_arguments(kwargs: dict[str, int], fragment: str) -> None:
    from gigawatt.errors import GigawattError

    with pytest.raises(GigawattError, match=fragment):
        run_forecast(parse_scenario(LOGNORMAL), **kwargs)


def test_reused_band_buffers_do_not_change_results() -> None:
    """A run on buffers left by another run (another seed) equals a run on fresh memory."""
    scenario = parse_scenario(small(True))
    buffers.release()
    fresh = run_forecast(scenario, samples=500, seed=3, chunk=64)
    assert buffers.pooled_bytes() > 0  # the run gave its stores back
    run_forecast(scenario, samples=500, seed=4, chunk=64)  # leaves other values behind
    reused = run_forecast(scenario, samples=500, seed=3, chunk=64, workers=2)
    for name, table in fresh.tables.items():
        pd.testing.assert_frame_equal(table, reused.tables[name], check_exact=True)
    assert fresh.summary["funding_needed_usd"] == reused.summary["funding_needed_usd"]
