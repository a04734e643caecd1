"""Trend fits of frontier training compute on the shipped Epoch AI data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from gigawatt.forecast.trends import (
    DEFAULT_FACILITY_OVERHEAD,
    DEFAULT_PUE,
    EPOCH_TRAINING_DURATION_S,
    Accelerator,
    Selection,
    TrendsError,
    analyze_trends,
    backtest,
    find_accelerator,
    fit_trend,
    forecast_run,
    frontier_mask,
    load_ml_hardware,
    load_notable_models,
    training_power_gw,
)

# --------------------------------------------------------------- shipped data


def test_shipped_data_loads_with_licence_notes() -> None:
    models = load_notable_models()
    # The README of the shipped snapshot says 529 rows have both compute and date.
    assert len(models) == 529
    assert models["year"].is_monotonic_increasing
    assert np.all(np.isfinite(models["log10_flop"]))
    assert "NVIDIA GB200" in set(load_ml_hardware()["Hardware name"])
    data = Path(__file__).resolve().parents[2] / "src" / "gigawatt" / "data"
    for folder in ("epoch-notable-ai-models", "epoch-ml-hardware"):
        assert "CC BY 4.0" in (data / folder / "README.md").read_text(encoding="utf-8")


def test_frontier_growth_matches_epoch_published_rate() -> None:
    """Top-5-at-release frontier since 2018 against Epoch's published 4-5x per year.

    Epoch AI ("Training compute of frontier AI models grows by 4-5x per year", 2024)
    reports 4-5x/yr for frontier models (about 4x/yr for the frontier since 2018, about
    5x/yr for frontier LLMs). We accept a point estimate in [3.5, 6.0], i.e. Epoch's range
    widened by a factor of about 1.15 on each side (0.06 dex/yr on the slope), and require
    the 90% bootstrap interval to overlap [4, 5]. The margin covers (a) sampling error:
    the 90% bootstrap interval of this ~50-model fit spans about +-10% around the point
    estimate, and (b) data vintage: Epoch's fit stopped in May 2024, this snapshot runs
    to mid-2025 and lacks compute estimates for most 2026 closed models. Pipeline errors
    (wrong definition, wrong time unit, natural instead of base-10 logs) move the figure
    far outside this band (e.g. the >=1e23 FLOP threshold set gives ~2x/yr).
    """
    fit = fit_trend(selection=Selection("top-n", top_n=5, since=2018.0), n_boot=1000, seed=0)
    assert 3.5 <= fit.growth_per_year <= 6.0
    lo, hi = fit.growth_per_year_ci
    assert lo <= 5.0 and hi >= 4.0
    assert fit.n_models >= 30
    assert "OLS" in fit.method and "top 5" in fit.method and "bootstrap" in fit.method
    # Doubling time agrees with the growth rate: 12 log(2) / log(growth) months.
    expected = 12 * math.log(2) / math.log(fit.growth_per_year)
    assert fit.doubling_months == pytest.approx(expected, rel=1e-12)


def test_record_setters_also_in_epoch_range() -> None:
    fit = fit_trend(selection=Selection("record", since=2018.0), n_boot=500, seed=0)
    assert 3.5 <= fit.growth_per_year <= 6.0


def test_threshold_definition_selects_only_large_models() -> None:
    sel = Selection("threshold", threshold_flop=1e24, since=2018.0)
    fit = fit_trend(selection=sel, n_boot=200, seed=0)
    assert np.all(fit.log10_flop >= 24.0)
    assert fit.selection.to_dict()["threshold_flop"] == 1e24


# ------------------------------------------------------------------- synthetic


def _frame(years: list[float], flop: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": [f"m{i}" for i in range(len(years))],
            "publication_date": pd.to_datetime([f"{int(y)}-07-01" for y in years]),
            "year": np.asarray(years, dtype=float),
            "training_flop": np.asarray(flop, dtype=float),
            "log10_flop": np.log10(np.asarray(flop, dtype=float)),
        }
    )


def _ols_reference(x: list[float], y: list[float]) -> tuple[float, float]:
    """Slow textbook OLS in pure Python: slope and intercept."""
    n = len(x)
    mx = sum(x) / n
    my = sum(y) / n
    sxy = sum((xi - mx) * (yi - my) for xi, yi in zip(x, y, strict=True))
    sxx = sum((xi - mx) ** 2 for xi in x)
    slope = sxy / sxx
    return slope, my - slope * mx


ALL = Selection("threshold", threshold_flop=1.0, since=None)


def test_ols_matches_pure_python_reference() -> None:
    years = [2015.0, 2016.5, 2017.25, 2019.0, 2020.75, 2021.1, 2023.9]
    flop = [3e20, 1e21, 8e21, 2e22, 4e23, 2e23, 5e24]
    fit = fit_trend(_frame(years, flop), ALL, n_boot=50, seed=0)
    slope, intercept = _ols_reference(years, [math.log10(f) for f in flop])
    assert fit.slope == pytest.approx(slope, rel=1e-12)
    assert float(fit.predict_log10(2030.0)) == pytest.approx(intercept + slope * 2030.0, rel=1e-12)
    assert fit.growth_per_year == pytest.approx(10**slope, rel=1e-12)


def test_exact_line_is_recovered() -> None:
    years = [2018.0 + 0.5 * i for i in range(10)]
    flop = [1e22 * 4.0 ** (y - 2018.0) for y in years]
    fit = fit_trend(_frame(years, flop), ALL, n_boot=100, seed=0)
    assert fit.growth_per_year == pytest.approx(4.0, rel=1e-9)
    assert fit.doubling_months == pytest.approx(6.0, rel=1e-9)
    assert fit.r_squared == pytest.approx(1.0)
    lo, hi = fit.growth_per_year_ci
    assert lo == pytest.approx(4.0, rel=1e-9) and hi == pytest.approx(4.0, rel=1e-9)


def test_bootstrap_matches_a_slow_loop_and_is_seeded() -> None:
    rng = np.random.default_rng(42)
    years = list(np.sort(rng.uniform(2015, 2025, 25)))
    flop = [10 ** (22 + 0.6 * (y - 2015) + rng.normal(0, 0.4)) for y in years]
    frame = _frame(years, flop)
    fit = fit_trend(frame, ALL, n_boot=300, seed=9)
    # Same draws, one resample at a time, fitted with np.polyfit.
    x = np.asarray(years)
    y = np.log10(np.asarray(flop))
    idx = np.random.default_rng(9).integers(0, x.size, size=(300, x.size))
    slow = np.array([np.polyfit(x[i], y[i], 1)[0] for i in idx])
    np.testing.assert_allclose(fit.boot_slopes, slow, rtol=1e-9)
    lo, hi = fit.growth_per_year_ci
    assert lo <= fit.growth_per_year <= hi
    again = fit_trend(frame, ALL, n_boot=300, seed=9)
    assert again.growth_per_year_ci == fit.growth_per_year_ci
    other = fit_trend(frame, ALL, n_boot=300, seed=10)
    assert other.growth_per_year_ci != fit.growth_per_year_ci


def test_shipped_ci_contains_point_and_is_deterministic() -> None:
    a = fit_trend(n_boot=1000, seed=0)
    b = fit_trend(n_boot=1000, seed=0)
    lo, hi = a.growth_per_year_ci
    assert lo < a.growth_per_year < hi
    assert a.growth_per_year_ci == b.growth_per_year_ci
    d_lo, d_hi = a.doubling_months_ci
    assert d_lo < a.doubling_months < d_hi


def test_frontier_definitions_on_a_tiny_history() -> None:
    years = np.array([2000.0, 2001.0, 2002.0, 2003.0, 2003.0, 2004.0])
    log10 = np.array([20.0, 19.0, 21.0, 21.0, 20.5, 22.0])
    # Top 2 at release among models released on or before the same date.
    assert frontier_mask(years, log10, "top-n", top_n=2).tolist() == [
        True,
        True,
        True,
        True,
        False,
        True,
    ]
    # Records: a tie with an earlier model is not a record.
    assert frontier_mask(years, log10, "record").tolist() == [True, False, True, False, False, True]
    assert frontier_mask(years, log10, "threshold", threshold_flop=1e21).tolist() == [
        False,
        False,
        True,
        True,
        False,
        True,
    ]


def test_selection_errors_are_helpful() -> None:
    with pytest.raises(ValueError, match="only 0 model"):
        fit_trend(selection=Selection("threshold", threshold_flop=1e40))
    with pytest.raises(TrendsError, match="unknown definition"):
        Selection("biggest")  # type: ignore[arg-type]
    with pytest.raises(TrendsError, match="top_n"):
        Selection(top_n=0)


# -------------------------------------------------------------------- backtest


def test_backtest_returns_finite_scores() -> None:
    bt = backtest(None, Selection(), 2022, n_boot=500, seed=0)
    assert bt.fit.last_date <= "2022-12-31"
    assert bt.n_test > 0
    assert all(row.year >= 2023 for row in bt.per_year)
    assert sum(row.n_models for row in bt.per_year) == bt.n_test
    for value in (bt.mae_log10, bt.bias_log10, bt.coverage_ci, bt.coverage_pi):
        assert math.isfinite(value)
    assert 0.0 <= bt.coverage_ci <= 1.0 and 0.0 <= bt.coverage_pi <= 1.0
    # Frontier compute is predictable to within about a factor of 3 (0.5 dex) on average.
    assert bt.mae_log10 < 0.5
    json.dumps(bt.to_dict(), allow_nan=False)


def test_backtest_on_exact_line_scores_zero() -> None:
    years = [2010.0 + 0.5 * i for i in range(20)]
    flop = [1e20 * 3.0 ** (y - 2010.0) for y in years]
    bt = backtest(_frame(years, flop), ALL, 2015, n_boot=100, seed=0)
    assert bt.mae_log10 == pytest.approx(0.0, abs=1e-9)
    assert bt.n_test == sum(y >= 2016 for y in years)


def test_backtest_cutoff_after_data_raises() -> None:
    with pytest.raises(ValueError, match="no selected models"):
        backtest(None, Selection(), 2030, n_boot=50)


# ------------------------------------------------------------------------ power


def test_power_conversion_by_hand() -> None:
    # 1e27 FLOP / (1e15 FLOP/s x 0.5 x 1e7 s) = 2e5 accelerators; x 1,600 W x 1.25 = 0.4 GW.
    gw = training_power_gw(
        1e27, peak_flops=1e15, it_watts=1600.0, pue=1.25, mfu=0.5, duration_s=1e7
    )
    assert float(gw) == pytest.approx(0.4, rel=1e-12)
    with pytest.raises(ValueError, match="mfu"):
        training_power_gw(1e27, peak_flops=1e15, it_watts=2000.0, pue=1.0, mfu=1.5)
    with pytest.raises(ValueError, match="pue"):
        training_power_gw(1e27, peak_flops=1e15, it_watts=2000.0, pue=0.9, mfu=0.4)


def test_accelerator_lookup_and_forecast_power() -> None:
    acc = find_accelerator("nvidia gb200")
    assert acc.name == "NVIDIA GB200"
    assert acc.peak_flops == 2.5e15  # dense BF16 per GPU in Epoch's table
    assert acc.tdp_watts == 1200.0
    assert acc.facility_watts == pytest.approx(1200.0 * DEFAULT_FACILITY_OVERHEAD, rel=1e-12)
    assert acc.pue == DEFAULT_PUE  # PUE once: IT watts = TDP x overhead / PUE
    assert acc.it_watts == pytest.approx(1200.0 * DEFAULT_FACILITY_OVERHEAD / DEFAULT_PUE)
    fit = fit_trend(n_boot=200, seed=0)
    run = forecast_run(fit, 2030.0, accelerator=acc, mfu=0.4)
    hand = run.flop / (2.5e15 * 0.4 * EPOCH_TRAINING_DURATION_S) * 2400.0 / 1e9
    assert run.power_gw == pytest.approx(hand, rel=1e-12)
    assert run.accelerators == pytest.approx(run.flop / (2.5e15 * 0.4 * EPOCH_TRAINING_DURATION_S))
    assert run.power_gw is not None and run.power_gw_ci is not None
    assert run.power_gw_ci[0] < run.power_gw < run.power_gw_ci[1]
    assert run.flop_ci[0] < run.flop < run.flop_ci[1]
    assert run.flop == pytest.approx(10 ** float(fit.predict_log10(2030.0)))


def test_unknown_accelerator_suggests_names() -> None:
    with pytest.raises(ValueError, match="did you mean 'NVIDIA GB200'"):
        find_accelerator("NVIDIA GB2000")


def test_custom_accelerator() -> None:
    acc = Accelerator(name="x", peak_flops=1e15, it_watts=800.0, pue=1.25)
    fit = fit_trend(n_boot=100, seed=0)
    run = forecast_run(fit, 2028.0, accelerator=acc, mfu=0.5, duration_s=1e7)
    assert run.accelerators == pytest.approx(run.flop / (1e15 * 0.5 * 1e7))
    assert run.accelerators is not None
    assert run.power_gw == pytest.approx(run.accelerators * 1000.0 / 1e9)


# ----------------------------------------------------------------------- report


def test_report_is_json_ready() -> None:
    report = analyze_trends(n_boot=200, seed=0)
    data = report.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "CC BY 4.0" in text
    fit = data["fit"]
    assert isinstance(fit, dict) and fit["definition"] == "top-n"
    assert data["backtest"] is not None


def _cli() -> typer.Typer:
    from gigawatt.cli.trends import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app


def test_cli_json_and_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "trend.png"
    result = CliRunner().invoke(
        _cli(), ["trends", "--json", "--samples", "200", "--plot", str(png)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert 3.5 <= data["fit"]["growth_per_year"] <= 6.0
    assert data["forecast"]["accelerator"]["name"] == "NVIDIA GB200"
    assert png.stat().st_size > 10_000


def test_cli_table_and_errors() -> None:
    runner = CliRunner()
    ok = runner.invoke(_cli(), ["trends", "--definition", "record", "--samples", "100"])
    assert ok.exit_code == 0, ok.output
    assert "growth per year" in ok.stdout
    bad = runner.invoke(_cli(), ["trends", "--accelerator", "NVIDIA GB2000", "--samples", "50"])
    assert bad.exit_code == 2
    assert "did you mean" in bad.output
