"""Accelerators without a public spec: Epoch's hardware trend, fitted from the shipped data.

The built-in scenarios name accelerator generations that have no public dense BF16 figure
yet (NVIDIA Feynman, AMD MI500, the Broadcom-built OpenAI accelerator). Their peak FLOP/s
is a *trend extrapolation*: an anchor chip with a sourced spec, grown at the rate fitted
here on Epoch AI's ``ml_hardware.csv`` (CC BY 4.0, ``gigawatt/data/epoch-ml-hardware``),
at the anchor's power per package. ``tests/scenario/test_hardware_trend.py`` checks each
such chip of the built-ins against :func:`extrapolated_peak_flops`.

The fit is ordinary least squares of ``ln(metric)`` on the release date in decimal years,
over every accelerator that has the metric's inputs: dense BF16 tensor FLOP/s per TDP watt
(energy efficiency) and dense BF16 FLOP/s per release price in USD (price-performance).
A growth factor is ``exp(slope)`` per year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.data import decimal_year, load_ml_hardware

__all__ = ["HardwareTrend", "extrapolated_peak_flops", "fit_hardware_trend"]

_BF16 = "Tensor-FP16/BF16 performance (FLOP/s)"
_TDP = "TDP (W)"
_PRICE = "Release price (USD)"
_DATE = "Release date"


@dataclass(frozen=True)
class HardwareTrend:
    """Growth factors per year fitted on Epoch's ML-hardware table.

    Attributes:
        flops_per_watt_growth: Dense BF16 FLOP/s per TDP watt, factor per year.
        flops_per_usd_growth: Dense BF16 FLOP/s per release-price USD, factor per year.
        chips_per_watt: Accelerators in the energy-efficiency fit.
        chips_per_usd: Accelerators in the price-performance fit.

    """

    flops_per_watt_growth: float
    flops_per_usd_growth: float
    chips_per_watt: int
    chips_per_usd: int

    @property
    def usd_per_watt_growth(self) -> float:
        """Price per watt of a new chip, factor per year (price-performance / efficiency)."""
        return self.flops_per_watt_growth / self.flops_per_usd_growth


def _growth(years: np.ndarray, values: np.ndarray) -> float:
    slope = float(np.polyfit(years, np.log(values), 1)[0])
    return math.exp(slope)


def fit_hardware_trend() -> HardwareTrend:
    """Fit the energy-efficiency and price-performance trends on the shipped table.

    Returns:
        The growth factors and how many accelerators each fit used.

    """
    table = load_ml_hardware()
    dates = pd.to_datetime(table[_DATE], errors="coerce", format="%Y-%m-%d")
    bf16 = pd.to_numeric(table[_BF16], errors="coerce")
    tdp = pd.to_numeric(table[_TDP], errors="coerce")
    price = pd.to_numeric(table[_PRICE], errors="coerce")
    has_bf16 = dates.notna() & (bf16 > 0)
    per_watt = has_bf16 & (tdp > 0)
    per_usd = has_bf16 & (price > 0)
    years = decimal_year(dates[per_watt])
    watt_growth = _growth(years, (bf16[per_watt] / tdp[per_watt]).to_numpy(dtype=float))
    years = decimal_year(dates[per_usd])
    usd_growth = _growth(years, (bf16[per_usd] / price[per_usd]).to_numpy(dtype=float))
    return HardwareTrend(
        flops_per_watt_growth=watt_growth,
        flops_per_usd_growth=usd_growth,
        chips_per_watt=int(per_watt.sum()),
        chips_per_usd=int(per_usd.sum()),
    )


def _months_between(first: str, last: str) -> int:
    y0, m0 = (int(p) for p in first.split("-"))
    y1, m1 = (int(p) for p in last.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def extrapolated_peak_flops(
    anchor_peak_flops: float, anchor_month: str, month: str, trend: HardwareTrend
) -> float:
    """Peak FLOP/s of a chip first available in ``month`` at the anchor's power.

    Args:
        anchor_peak_flops: Dense BF16 FLOP/s of the sourced anchor chip.
        anchor_month: The anchor's first month, ``YYYY-MM``.
        month: The extrapolated chip's first month, ``YYYY-MM``.
        trend: The fitted trend (:func:`fit_hardware_trend`).

    Returns:
        ``anchor_peak_flops x flops_per_watt_growth ** (years between the months)``.

    """
    years = _months_between(anchor_month, month) / 12.0
    return float(anchor_peak_flops * trend.flops_per_watt_growth**years)
