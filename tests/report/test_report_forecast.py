"""Forecast reports: detection, fan charts, the probability headline, PNGs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_support import BuiltForecast

from gigawatt.report import PNG_SIZE, detect_kind, load_results, write_report
from gigawatt.report.forecast_view import p_cash_negative_before


def test_a_forecast_is_detected(forecast_dir: Path, tmp_path: Path, bare_plan_dir: Path) -> None:
    assert detect_kind(bare_plan_dir) == "plan"
    assert detect_kind(forecast_dir) == "forecast"
    assert load_results(forecast_dir).kind == "forecast"
    # a summary without "kind": a forecast by its bands.parquet (and no capacity.parquet)
    copy = tmp_path / "fc"
    shutil.copytree(forecast_dir, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary.pop("kind", None)
    (copy / "summary.json").write_text(json.dumps(summary))
    assert detect_kind(copy) == "forecast"


def test_forecast_report_charts_and_headline(built_forecast: BuiltForecast) -> None:
    report = built_forecast.report
    assert report.kind == "forecast"
    assert report.charts == ["fan_power", "fan_gap", "fan_money", "fan_cash", "sensitivity"]
    first, *rest = report.summary.sentences
    assert re.match(r"By 2026 the median forecast needs [\d.,]+ MW \(5-95%: ", first), first
    assert any(re.match(r"P\(cash < 0 before 2027\) = \d+%\.", s) for s in rest), rest
    page = built_forecast.html.read_text(encoding="utf-8")
    for chart in report.charts:
        assert f'id="plot-{chart}"' in page
    assert "+$100M" in page  # the funding event of 2025-06 on the cash fan
    assert report.missing == []


def test_forecast_pngs(built_forecast: BuiltForecast) -> None:
    assert [p.name for p in built_forecast.report.pngs] == [
        f"{c}.png" for c in built_forecast.report.charts
    ]
    for path in built_forecast.report.pngs:
        with Image.open(path) as image:
            assert image.size == PNG_SIZE
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert float((pixels < 200).mean()) > 0.02, path.name


def test_cash_probability_before_a_year(forecast_dir: Path, tmp_path: Path) -> None:
    results = load_results(forecast_dir)
    probs = results.tables["probabilities"]
    whole = p_cash_negative_before(results, 2027)
    assert whole == (pytest.approx(results.summary["p_cash_negative_any_month"]), True)
    if "p_cash_negative_by_month" in probs:  # the cumulative column makes any year exact
        by_2026 = probs[probs["month"] < "2026-01"]["p_cash_negative_by_month"].iloc[-1]
        assert p_cash_negative_before(results, 2026) == (pytest.approx(by_2026), True)
    # from monthly probabilities alone, a year inside the horizon gets a lower bound
    copy = tmp_path / "fc"
    shutil.copytree(forecast_dir, copy)
    probs.drop(columns=["p_cash_negative_by_month"], errors="ignore").to_parquet(
        copy / "probabilities.parquet", index=False
    )
    bound = p_cash_negative_before(load_results(copy), 2026)
    assert bound is not None and bound[1] is False
    assert bound[0] == pytest.approx(probs[probs["month"] < "2026-01"]["p_cash_negative"].max())
    report = write_report(copy, tmp_path / "r.html", cash_year=2026, html=False)
    assert any(s.startswith("P(cash < 0 before 2026) >= ") for s in report.summary.sentences)
    assert any("lower bound" in m for m in report.missing)
