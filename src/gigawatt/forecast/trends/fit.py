"""Least-squares fit of log10 FLOP on the date, with a bootstrap interval."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.base import (
    _LOG10_2,
    FloatArray,
    TrendsError,
)
from gigawatt.forecast.trends.data import (
    load_notable_models,
)
from gigawatt.forecast.trends.selection import (
    Selection,
    select_models,
)

__all__ = ["TrendFit", "fit_trend"]


def _interval(values: FloatArray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.nanquantile(values, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _doubling_months(slope: float) -> float:
    return 12.0 * _LOG10_2 / slope if slope > 0 else math.inf


def _json_float(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _bootstrap(
    x: FloatArray, y: FloatArray, n_boot: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return slopes, mean x and mean y of ``n_boot`` resampled OLS fits (vectorised)."""
    n = x.size
    slopes = np.empty(n_boot)
    xbars = np.empty(n_boot)
    ybars = np.empty(n_boot)
    rows = max(1, 4_000_000 // n)  # keep each chunk's index matrix small
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        idx = rng.integers(0, n, size=(stop - start, n))
        xs, ys = x[idx], y[idx]
        xm = xs.mean(axis=1)
        ym = ys.mean(axis=1)
        dx = xs - xm[:, None]
        sxx = np.einsum("ij,ij->i", dx, dx)
        sxy = np.einsum("ij,ij->i", dx, ys - ym[:, None])
        slope = np.full(stop - start, np.nan)
        np.divide(sxy, sxx, out=slope, where=sxx > 1e-12)
        slopes[start:stop], xbars[start:stop], ybars[start:stop] = slope, xm, ym
    return slopes, xbars, ybars


@dataclass(frozen=True)
class TrendFit:
    """An OLS trend of log10(training FLOP) on decimal year, with bootstrap intervals.

    The line is ``log10_flop(t) = log10_at_ref + slope * (t - ref_year)``.

    Attributes:
        selection: Which models were fitted.
        n_models: Number of models fitted.
        first_date: Earliest publication date fitted (ISO).
        last_date: Latest publication date fitted (ISO).
        slope: Fitted slope, log10 FLOP per year.
        ref_year: Mean decimal year of the fitted models.
        log10_at_ref: Fitted log10 FLOP at ``ref_year``.
        growth_per_year: ``10 ** slope``.
        growth_per_year_ci: Bootstrap percentile interval of the growth.
        doubling_months: ``12 log10(2) / slope`` (inf if not growing).
        doubling_months_ci: Bootstrap interval of the doubling time.
        r_squared: Coefficient of determination.
        residual_sd_log10: Residual standard deviation (ddof 2), log10 FLOP.
        confidence: Interval level, e.g. 0.9.
        n_bootstrap: Resamples drawn.
        seed: Seed of the bootstrap generator.

    """

    selection: Selection
    n_models: int
    first_date: str
    last_date: str
    slope: float
    ref_year: float
    log10_at_ref: float
    growth_per_year: float
    growth_per_year_ci: tuple[float, float]
    doubling_months: float
    doubling_months_ci: tuple[float, float]
    r_squared: float
    residual_sd_log10: float
    confidence: float
    n_bootstrap: int
    seed: int
    models: tuple[str, ...] = field(repr=False, compare=False, default=())
    years: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))
    log10_flop: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))
    boot_slopes: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))
    boot_xbar: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))
    boot_ybar: FloatArray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))

    @property
    def method(self) -> str:
        """Describe how the fit was made, in one sentence."""
        return (
            f"OLS of log10(training FLOP) on decimal publication year over {self.n_models} "
            f"{self.selection.describe()} (Epoch AI notable models); "
            f"{self.confidence:.0%} percentile interval from {self.n_bootstrap} bootstrap "
            f"resamples of models (seed {self.seed})"
        )

    def predict_log10(self, years: FloatArray | float) -> FloatArray:
        """Return the fitted log10 FLOP at decimal ``years``."""
        t = np.asarray(years, dtype=np.float64)
        return np.asarray(self.log10_at_ref + self.slope * (t - self.ref_year))

    def boot_log10(self, years: FloatArray | float) -> FloatArray:
        """Return bootstrap lines at ``years``: shape ``(n_valid_resamples, len(years))``."""
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        ok = np.isfinite(self.boot_slopes)
        s, xb, yb = self.boot_slopes[ok], self.boot_xbar[ok], self.boot_ybar[ok]
        return np.asarray(yb[:, None] + s[:, None] * (t[None, :] - xb[:, None]))

    def line_interval(self, years: FloatArray | float) -> tuple[FloatArray, FloatArray]:
        """Return the bootstrap interval (low, high) of the fitted log10 FLOP at ``years``."""
        alpha = (1.0 - self.confidence) / 2.0
        lo, hi = np.quantile(self.boot_log10(years), [alpha, 1.0 - alpha], axis=0)
        return np.asarray(lo), np.asarray(hi)

    def residuals(self) -> FloatArray:
        """Return the fitted models' residuals, log10 FLOP."""
        return np.asarray(self.log10_flop - self.predict_log10(self.years))

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping (no arrays)."""
        return {
            **self.selection.to_dict(),
            "method": self.method,
            "n_models": self.n_models,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "slope_log10_per_year": self.slope,
            "ref_year": self.ref_year,
            "log10_flop_at_ref_year": self.log10_at_ref,
            "growth_per_year": self.growth_per_year,
            "growth_per_year_ci": list(self.growth_per_year_ci),
            "doubling_time_months": _json_float(self.doubling_months),
            "doubling_time_months_ci": [_json_float(v) for v in self.doubling_months_ci],
            "r_squared": self.r_squared,
            "residual_sd_log10": self.residual_sd_log10,
            "confidence": self.confidence,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
        }


def _check_fit_options(n_boot: int, confidence: float) -> None:
    if n_boot < 10:
        raise TrendsError(f"n_boot must be >= 10 resamples (got {n_boot}); 1000 is the default")
    if not 0 < confidence < 1:
        raise TrendsError(f"confidence must lie in (0, 1) (got {confidence}); e.g. 0.9")


def fit_trend(
    models: pd.DataFrame | None = None,
    selection: Selection | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.9,
) -> TrendFit:
    """Fit the growth of training compute for a frontier selection.

    Args:
        models: Frame as from :func:`load_notable_models`; the shipped data if None.
        selection: Frontier definition and dates; ``Selection()`` (top 5 since 2018) if None.
        n_boot: Bootstrap resamples.
        seed: Seed of the bootstrap's :class:`numpy.random.Generator`.
        confidence: Level of the percentile intervals.

    Returns:
        The fit.

    Raises:
        TrendsError: If fewer than 3 models (or fewer than 2 distinct dates) are selected,
            or an option is out of range.

    """
    _check_fit_options(n_boot, confidence)
    frame = load_notable_models() if models is None else models
    sel = Selection() if selection is None else selection
    chosen = select_models(frame, sel)
    x = chosen["year"].to_numpy(dtype=np.float64)
    y = chosen["log10_flop"].to_numpy(dtype=np.float64)
    if x.size < 3 or np.unique(x).size < 2:
        raise TrendsError(
            f"only {x.size} model(s) match ({sel.describe()}); need at least 3 on 2 dates: "
            "start earlier (--since), raise --top-n or lower --threshold"
        )
    xbar, ybar = float(x.mean()), float(y.mean())
    dx = x - xbar
    slope = float(dx @ (y - ybar) / (dx @ dx))
    resid = y - (ybar + slope * dx)
    sst = float(((y - ybar) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / sst if sst > 0 else 1.0
    rng = np.random.default_rng(seed)
    slopes, xbars, ybars = _bootstrap(x, y, n_boot, rng)
    s_lo, s_hi = _interval(slopes, confidence)
    dates = pd.DatetimeIndex(chosen["publication_date"])
    return TrendFit(
        selection=sel,
        n_models=int(x.size),
        first_date=dates.min().date().isoformat(),
        last_date=dates.max().date().isoformat(),
        slope=slope,
        ref_year=xbar,
        log10_at_ref=ybar,
        growth_per_year=10.0**slope,
        growth_per_year_ci=(10.0**s_lo, 10.0**s_hi),
        doubling_months=_doubling_months(slope),
        doubling_months_ci=(_doubling_months(s_hi), _doubling_months(s_lo)),
        r_squared=r2,
        residual_sd_log10=float(math.sqrt(float(resid @ resid) / max(1, x.size - 2))),
        confidence=confidence,
        n_bootstrap=n_boot,
        seed=seed,
        models=tuple(chosen["model"].astype(str)),
        years=x,
        log10_flop=y,
        boot_slopes=slopes,
        boot_xbar=xbars,
        boot_ybar=ybars,
    )
