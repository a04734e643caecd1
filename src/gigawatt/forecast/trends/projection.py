"""The fitted frontier run in a given year, in FLOP and in GW."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigawatt.forecast.trends.base import (
    EPOCH_TRAINING_DURATION_S,
)
from gigawatt.forecast.trends.fit import (
    TrendFit,
)
from gigawatt.forecast.trends.hardware import (
    Accelerator,
    training_power_gw,
)

__all__ = ["RunForecast", "forecast_run"]


@dataclass(frozen=True)
class RunForecast:
    """The fitted frontier run in a year, in FLOP and, given an accelerator, in GW.

    Attributes:
        year: Decimal year (2030.0 is 1 January 2030).
        flop: Fitted training compute, FLOP.
        flop_ci: Bootstrap interval of the fitted line at ``year``.
        confidence: Interval level.
        accelerator: Accelerator for the power conversion, if any.
        mfu: Model FLOP utilisation used.
        duration_s: Training duration used, seconds.
        accelerators: Accelerators needed (``flop / (peak x mfu x duration)``).
        power_gw: All-in facility power, GW.
        power_gw_ci: Interval of the power (from ``flop_ci``).

    """

    year: float
    flop: float
    flop_ci: tuple[float, float]
    confidence: float
    accelerator: Accelerator | None = None
    mfu: float | None = None
    duration_s: float | None = None
    accelerators: float | None = None
    power_gw: float | None = None
    power_gw_ci: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "year": self.year,
            "flop": self.flop,
            "flop_ci": list(self.flop_ci),
            "confidence": self.confidence,
            "accelerator": None if self.accelerator is None else self.accelerator.to_dict(),
            "mfu": self.mfu,
            "duration_s": self.duration_s,
            "accelerators": self.accelerators,
            "power_gw": self.power_gw,
            "power_gw_ci": None if self.power_gw_ci is None else list(self.power_gw_ci),
        }


def forecast_run(
    fit: TrendFit,
    year: float = 2030.0,
    *,
    accelerator: Accelerator | None = None,
    mfu: float = 0.4,
    duration_s: float = EPOCH_TRAINING_DURATION_S,
) -> RunForecast:
    """Return the fitted frontier run at ``year`` and, with an accelerator, its power.

    Args:
        fit: A trend fit.
        year: Decimal year.
        accelerator: Accelerator for the GW conversion (None: FLOP only).
        mfu: Model FLOP utilisation.
        duration_s: Training duration, seconds.

    Returns:
        The forecast.

    Raises:
        TrendsError: If ``mfu`` or ``duration_s`` is out of range.

    """
    log10_mid = float(fit.predict_log10(year))
    lo, hi = fit.line_interval(year)
    flop = 10.0**log10_mid
    flop_ci = (float(10.0 ** lo[0]), float(10.0 ** hi[0]))
    if accelerator is None:
        return RunForecast(year=year, flop=flop, flop_ci=flop_ci, confidence=fit.confidence)
    gw = training_power_gw(
        np.array([flop, *flop_ci]),
        peak_flops=accelerator.peak_flops,
        it_watts=accelerator.it_watts,
        pue=accelerator.pue,
        mfu=mfu,
        duration_s=duration_s,
    )
    return RunForecast(
        year=year,
        flop=flop,
        flop_ci=flop_ci,
        confidence=fit.confidence,
        accelerator=accelerator,
        mfu=mfu,
        duration_s=duration_s,
        accelerators=float(gw[0]) * 1e9 / accelerator.facility_watts,
        power_gw=float(gw[0]),
        power_gw_ci=(float(gw[1]), float(gw[2])),
    )
