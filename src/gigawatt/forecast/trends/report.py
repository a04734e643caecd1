"""Everything ``gigawatt trends`` reports, and its plot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gigawatt.forecast.trends.backtesting import (
    Backtest,
    backtest,
)
from gigawatt.forecast.trends.base import (
    _SOURCE,
    EPOCH_TRAINING_DURATION_S,
    TrendsError,
)
from gigawatt.forecast.trends.data import (
    load_notable_models,
)
from gigawatt.forecast.trends.fit import (
    TrendFit,
    fit_trend,
)
from gigawatt.forecast.trends.hardware import (
    Accelerator,
    find_accelerator,
)
from gigawatt.forecast.trends.projection import (
    RunForecast,
    forecast_run,
)
from gigawatt.forecast.trends.selection import (
    Selection,
)

__all__ = ["TrendReport", "analyze_trends", "plot_trends"]


@dataclass(frozen=True)
class TrendReport:
    """Everything ``gigawatt trends`` prints: fit, forecast and optional back-test."""

    fit: TrendFit
    forecast: RunForecast
    backtest: Backtest | None
    source: str = _SOURCE

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "source": self.source,
            "fit": self.fit.to_dict(),
            "forecast": self.forecast.to_dict(),
            "backtest": None if self.backtest is None else self.backtest.to_dict(),
        }


def analyze_trends(
    selection: Selection | None = None,
    *,
    year: float = 2030.0,
    accelerator: str | Accelerator | None = "NVIDIA GB200",
    mfu: float = 0.4,
    duration_s: float = EPOCH_TRAINING_DURATION_S,
    backtest_cutoff: int | None = 2022,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.9,
    models: pd.DataFrame | None = None,
) -> TrendReport:
    """Fit the trend, forecast the frontier run in ``year`` and back-test the method.

    Args:
        selection: Frontier definition and dates (top 5 since 2018 if None).
        year: Decimal year of the forecast run.
        accelerator: Epoch hardware name, an :class:`Accelerator`, or None for FLOP only.
        mfu: Model FLOP utilisation for the GW conversion.
        duration_s: Training duration, seconds.
        backtest_cutoff: Last year of back-test training data, or None to skip.
        n_boot: Bootstrap resamples.
        seed: Seed of the generators.
        confidence: Interval level.
        models: Model frame (the shipped data if None).

    Returns:
        The report.

    Raises:
        TrendsError: On any bad option or empty selection.

    """
    frame = load_notable_models() if models is None else models
    sel = Selection() if selection is None else selection
    fit = fit_trend(frame, sel, n_boot=n_boot, seed=seed, confidence=confidence)
    acc = find_accelerator(accelerator) if isinstance(accelerator, str) else accelerator
    run = forecast_run(fit, year, accelerator=acc, mfu=mfu, duration_s=duration_s)
    test = None
    if backtest_cutoff is not None:
        test = backtest(
            frame, sel, backtest_cutoff, n_boot=n_boot, seed=seed, confidence=confidence
        )
    return TrendReport(fit=fit, forecast=run, backtest=test)


def plot_trends(
    report: TrendReport, path: str | Path, *, models: pd.DataFrame | None = None
) -> Path:
    """Draw the data, the fit with its interval, the forecast and the back-test to a PNG.

    Args:
        report: From :func:`analyze_trends`.
        path: Output file (PNG; the suffix picks the format).
        models: Model frame for the grey background points (the shipped data if None).

    Returns:
        The path written.

    Raises:
        TrendsError: If matplotlib is not installed.

    """
    try:
        # A bare Figure renders through the Agg canvas and leaves pyplot's global state
        # (and any interactive backend) alone.
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise TrendsError("--plot needs matplotlib: pip install matplotlib") from None
    frame = load_notable_models() if models is None else models
    fit, run = report.fit, report.forecast
    start = fit.years.min() if fit.years.size else 2018.0
    background = frame[frame["year"] >= start - 3]
    fig = Figure(figsize=(9, 5.5))
    ax = fig.subplots()
    ax.scatter(
        background["year"], background["training_flop"], s=8, c="0.8", label="notable models"
    )
    ax.scatter(fit.years, 10.0**fit.log10_flop, s=18, c="tab:blue", label=fit.selection.describe())
    grid = np.linspace(start, run.year, 200)
    lo, hi = fit.line_interval(grid)
    ax.plot(
        grid,
        10.0 ** fit.predict_log10(grid),
        c="tab:blue",
        label=f"fit: {fit.growth_per_year:.2f}x/yr "
        f"({fit.growth_per_year_ci[0]:.2f}-{fit.growth_per_year_ci[1]:.2f})",
    )
    ax.fill_between(grid, 10.0**lo, 10.0**hi, color="tab:blue", alpha=0.2)
    err = [[run.flop - run.flop_ci[0]], [run.flop_ci[1] - run.flop]]
    label = f"{run.year:g}: {run.flop:.2g} FLOP"
    if run.power_gw is not None and run.accelerator is not None:
        label += f" = {run.power_gw:.2g} GW on {run.accelerator.name}"
    ax.errorbar([run.year], [run.flop], yerr=err, fmt="o", c="tab:red", capsize=4, label=label)
    if report.backtest is not None:
        bt = report.backtest
        grid_bt = np.linspace(bt.fit.years.min(), run.year, 200)
        ax.plot(
            grid_bt,
            10.0 ** bt.fit.predict_log10(grid_bt),
            "--",
            c="tab:orange",
            label=f"back-test fit to {bt.cutoff_year}: {bt.fit.growth_per_year:.2f}x/yr, "
            f"MAE {bt.mae_log10:.2f} dex",
        )
    ax.set_yscale("log")
    ax.set_xlabel("publication date (year)")
    ax.set_ylabel("training compute (FLOP)")
    ax.set_title("Frontier training compute (data: Epoch AI, CC BY 4.0)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    out = Path(path)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    return out
