"""The hardware trend behind the built-ins' later accelerators and Azure's price years.

The fit (:mod:`gigawatt.forecast.hardware_trend`) is checked against an independent
least-squares computation on the CSV read with the standard library; the built-ins'
trend-extrapolated chips and Azure's yearly prices are checked against the fit, so a
number typed in a scenario file cannot drift from the data it claims to come from.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from importlib.resources import files

import pytest

from gigawatt.forecast.hardware_trend import (
    HardwareTrend,
    extrapolated_peak_flops,
    fit_hardware_trend,
)
from gigawatt.scenario import load_scenario
from gigawatt.scenario.schema import ReservedOffer

BUILTINS = ("frontier-lab-2025", "frontier-lab-2025-10", "frontier-lab-2026-04")
#: chip without a public spec -> the sourced chip it is extrapolated from
TREND_CHIPS = {"FEYNMAN": "VR300", "MI500": "MI450", "XPU": "GB300"}


def _decimal_year(text: str) -> float:
    day = dt.date.fromisoformat(text)
    start = dt.date(day.year, 1, 1)
    days = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / days


def _ols_growth(points: list[tuple[float, float]]) -> float:
    """exp(slope) of the least-squares line of ln(value) on year, by the normal equations."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(math.log(y) for _, y in points) / n
    sxy = sum((x - mean_x) * (math.log(y) - mean_y) for x, y in points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    return math.exp(sxy / sxx)


def _reference() -> tuple[float, float, int, int]:
    path = files("gigawatt") / "data" / "epoch-ml-hardware" / "ml_hardware.csv"
    per_watt: list[tuple[float, float]] = []
    per_usd: list[tuple[float, float]] = []
    with path.open("r", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            date = row["Release date"].strip()
            bf16 = float(row["Tensor-FP16/BF16 performance (FLOP/s)"] or "nan")
            if not date or not bf16 > 0:
                continue
            year = _decimal_year(date)
            tdp = float(row["TDP (W)"] or "nan")
            price = float(row["Release price (USD)"] or "nan")
            if tdp > 0:
                per_watt.append((year, bf16 / tdp))
            if price > 0:
                per_usd.append((year, bf16 / price))
    return _ols_growth(per_watt), _ols_growth(per_usd), len(per_watt), len(per_usd)


@pytest.fixture(scope="module")
def trend() -> HardwareTrend:
    return fit_hardware_trend()


def test_fit_equals_an_independent_least_squares(trend: HardwareTrend) -> None:
    per_watt, per_usd, n_watt, n_usd = _reference()
    assert trend.flops_per_watt_growth == pytest.approx(per_watt, rel=1e-9)
    assert trend.flops_per_usd_growth == pytest.approx(per_usd, rel=1e-9)
    assert (trend.chips_per_watt, trend.chips_per_usd) == (n_watt, n_usd)
    # the figures the scenario comments quote (docs/decisions.md)
    assert round(trend.flops_per_watt_growth, 2) == 1.19
    assert round(trend.flops_per_usd_growth, 4) == 1.2155


def test_extrapolation_compounds_by_years() -> None:
    flat = HardwareTrend(2.0, 1.0, 2, 2)
    assert extrapolated_peak_flops(1e15, "2027-07", "2028-07", flat) == pytest.approx(2e15)
    half = extrapolated_peak_flops(1e15, "2027-07", "2028-01", flat)
    assert half == pytest.approx(1e15 * math.sqrt(2.0))


@pytest.mark.parametrize("name", BUILTINS)
def test_trend_chips_follow_the_fit(name: str, trend: HardwareTrend) -> None:
    """Feynman, MI500 and the Broadcom XPU: the anchor's FLOP/s grown by the fitted rate."""
    accs = load_scenario(name).accelerators
    for chip, anchor in TREND_CHIPS.items():
        a, c = accs[anchor], accs[chip]
        assert a.available_from is not None and c.available_from is not None
        want = extrapolated_peak_flops(
            a.peak_flops, str(a.available_from), str(c.available_from), trend
        )
        assert c.peak_flops == pytest.approx(want, rel=0.01), chip
        assert c.it_watts == a.it_watts, chip


@pytest.mark.parametrize("name", BUILTINS)
def test_azure_prices_fall_by_year_of_age(name: str, trend: HardwareTrend) -> None:
    """An Azure generation priced by year of age is one offer per price year: year k costs
    p0 / 1.2155^k, and a year's availability ends when the next year's begins."""
    scenario = load_scenario(name)
    checked = 0
    for site_name, site in scenario.sites.items():
        if site.provider != "azure":
            continue
        by_chip: dict[str, list[ReservedOffer]] = {}
        for offer in site.offers:
            if isinstance(offer, ReservedOffer):
                by_chip.setdefault(offer.accelerator, []).append(offer)
        for chip, years in by_chip.items():
            if len(years) < 2:
                continue
            years.sort(key=lambda o: o.available.steps[0][0])
            first = years[0].usd_per_hour
            for k, offer in enumerate(years):
                want = first / trend.flops_per_usd_growth**k
                assert offer.usd_per_hour == pytest.approx(want, abs=0.006), (site_name, chip, k)
                if k + 1 < len(years):
                    nxt = years[k + 1].available.steps[0][0]
                    assert offer.available.at(nxt) == 0.0, (site_name, chip, k)
                    assert offer.available.steps[-1][0] == nxt
            checked += 1
    assert checked >= 2  # the fleet's H100, Fairwater's GB300
