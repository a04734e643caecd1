r"""Growth of frontier training compute, fitted to Epoch AI's notable-models data.

Method (what ``gigawatt trends`` reports):

1. Data. Epoch AI's *notable AI models* (shipped in ``gigawatt/data``, CC BY 4.0); a
   model counts when it has both a publication date and a training-compute estimate.
   Dates become decimal years, :math:`t = \text{year} + (\text{day of year} - 1) /
   \text{days in year}`, so ``2030`` means 1 January 2030.
2. Frontier definition (each uses only models published on or before the model's own
   date, so it never looks ahead and back-tests stay honest):

   - ``top-n``: in the top *N* by training compute among all models released up to its
     release date (Epoch's frontier definition uses the top 5 at release);
   - ``record``: larger than every earlier model (a new compute record);
   - ``threshold``: at least *X* FLOP.

   Then keep models published in ``[since, until)`` (default since 2018, as Epoch).
3. Fit. Ordinary least squares of :math:`\log_{10}` FLOP on :math:`t`. Growth per
   year is :math:`10^{b}` for slope :math:`b`; doubling time is
   :math:`12 \log_{10} 2 / b` months.
4. Uncertainty. Non-parametric bootstrap: resample the selected models with
   replacement (seeded :class:`numpy.random.Generator`, 1000 resamples by default,
   vectorised), refit, and take percentile intervals (90% by default, as Epoch reports).
5. Frontier run in a year: the fitted line at that year, with the bootstrap interval of
   the line. With an accelerator of peak :math:`P` FLOP/s, utilisation (MFU) :math:`m`,
   a training duration :math:`D` seconds (default :math:`1.56 \times 10^7` s, Epoch's
   median, about six months) and all-in facility power :math:`W` per accelerator,

   .. math:: \text{GW} = \frac{\text{FLOP}}{P\, m\, D} \cdot \frac{W}{10^9}.

   ``ml_hardware.csv`` gives chip TDP, not facility power; by default
   :math:`W = 2.0 \times \text{TDP}`, the ratio implied by Epoch's GPU-clusters power
   estimates (about 1,430 W per 700 W H100, 2,400 W per 1,200 W GB200), which covers
   servers, network and cooling (PUE).
6. Back-test. Fit on models published up to the end of a cut-off year, predict every
   selected model published after it, and score the mean absolute :math:`\log_{10}`
   error, the bias, and how often the actual value falls in the bootstrap interval of
   the line and in the bootstrap prediction interval (line plus a resampled residual).
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from gigawatt.errors import GigawattError

__all__ = [
    "DEFAULT_FACILITY_OVERHEAD",
    "DEFINITIONS",
    "EPOCH_TRAINING_DURATION_S",
    "Accelerator",
    "Backtest",
    "BacktestYear",
    "Definition",
    "RunForecast",
    "Selection",
    "TrendFit",
    "TrendReport",
    "TrendsError",
    "analyze_trends",
    "backtest",
    "decimal_year",
    "find_accelerator",
    "fit_trend",
    "forecast_run",
    "frontier_mask",
    "load_ml_hardware",
    "load_notable_models",
    "plot_trends",
    "select_models",
    "training_power_gw",
]

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]

Definition: TypeAlias = Literal["top-n", "record", "threshold"]
"""How a model qualifies as frontier: top N at release, record-setter, or above X FLOP."""

DEFINITIONS: tuple[str, ...] = get_args(Definition)

EPOCH_TRAINING_DURATION_S: float = 1.56e7
"""Epoch AI's median training duration for a 2030 frontier run, seconds (~6 months)."""

DEFAULT_FACILITY_OVERHEAD: float = 2.0
"""All-in facility watts per watt of chip TDP (Epoch GPU-clusters power estimates)."""

_NOTABLE = ("epoch-notable-ai-models", "notable_ai_models.csv")
_HARDWARE = ("epoch-ml-hardware", "ml_hardware.csv")
_SOURCE = (
    "Epoch AI, 'Data on AI Models' (notable models), CC BY 4.0, https://epoch.ai/data/ai-models"
)
_PRECISION_COLUMNS = {
    "bf16": "Tensor-FP16/BF16 performance (FLOP/s)",
    "fp8": "FP8 performance (FLOP/s)",
}
_LOG10_2 = math.log10(2.0)


class TrendsError(GigawattError, ValueError):
    """Bad input to a trend fit (empty selection, unknown accelerator, bad option).

    A :class:`ValueError` as well as a :class:`~gigawatt.errors.GigawattError`; the
    message says what is wrong and how to fix it.
    """

    exit_code = 2


# --------------------------------------------------------------------------- data


def _data_file(folder: str, name: str) -> Any:
    return files("gigawatt") / "data" / folder / name


@functools.cache
def _read_notable() -> pd.DataFrame:
    columns = ["Model", "Organization", "Publication date", "Training compute (FLOP)"]
    with _data_file(*_NOTABLE).open("rb") as fh:
        raw = pd.read_csv(fh, usecols=[*columns, "Confidence"])
    dates = pd.to_datetime(raw["Publication date"], errors="coerce", format="%Y-%m-%d")
    flop = pd.to_numeric(raw["Training compute (FLOP)"], errors="coerce")
    ok = dates.notna() & flop.notna() & (flop > 0)
    out = pd.DataFrame(
        {
            "model": raw["Model"].astype(str).str.strip()[ok],
            "organization": raw["Organization"].fillna("").astype(str)[ok],
            "publication_date": dates[ok],
            "year": decimal_year(dates[ok]),
            "training_flop": flop[ok].astype(float),
            "log10_flop": np.log10(flop[ok].astype(float)),
            "confidence": raw["Confidence"].fillna("").astype(str)[ok],
        }
    )
    return out.sort_values(["publication_date", "model"], kind="stable").reset_index(drop=True)


def load_notable_models() -> pd.DataFrame:
    """Return Epoch's notable models that have a publication date and training compute.

    Returns:
        A fresh DataFrame sorted by date, with columns ``model``, ``organization``,
        ``publication_date`` (datetime), ``year`` (decimal year), ``training_flop``,
        ``log10_flop`` and ``confidence``.

    """
    return _read_notable().copy()


@functools.cache
def _read_hardware() -> pd.DataFrame:
    with _data_file(*_HARDWARE).open("rb") as fh:
        frame = pd.read_csv(fh)
    frame["Hardware name"] = frame["Hardware name"].astype(str).str.strip()
    return frame


def load_ml_hardware() -> pd.DataFrame:
    """Return Epoch's ML-hardware table (one row per accelerator, Epoch's column names)."""
    return _read_hardware().copy()


def decimal_year(dates: pd.Series[Any] | pd.DatetimeIndex) -> FloatArray:
    """Convert dates to decimal years: ``year + (day_of_year - 1) / days_in_year``.

    Args:
        dates: Datetime values.

    Returns:
        Float array of decimal years (1 January 2024 is 2024.0).

    """
    index = pd.DatetimeIndex(dates)
    days = np.where(index.is_leap_year, 366.0, 365.0)
    year = index.year.to_numpy(dtype=np.float64)
    day = index.day_of_year.to_numpy(dtype=np.float64)
    return np.asarray(year + (day - 1.0) / days, dtype=np.float64)


# ------------------------------------------------------------------- accelerators


@dataclass(frozen=True)
class Accelerator:
    """An accelerator for the power conversion.

    Attributes:
        name: Name (Epoch's ``Hardware name`` when looked up).
        peak_flops: Peak dense FLOP/s per accelerator at the training precision.
        facility_watts: All-in facility power per accelerator (chip, server, network,
            cooling), watts.
        precision: Precision of ``peak_flops`` (``bf16``, ``fp8`` or ``custom``).
        tdp_watts: Chip TDP when known.
        facility_overhead: ``facility_watts / tdp_watts`` when derived from TDP.

    """

    name: str
    peak_flops: float
    facility_watts: float
    precision: str = "custom"
    tdp_watts: float | None = None
    facility_overhead: float | None = None

    def __post_init__(self) -> None:
        for label, value in (
            ("peak_flops", self.peak_flops),
            ("facility_watts", self.facility_watts),
        ):
            if not (math.isfinite(value) and value > 0):
                raise TrendsError(f"accelerator {self.name!r}: {label} must be > 0 (got {value})")

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "name": self.name,
            "peak_flops": self.peak_flops,
            "facility_watts": self.facility_watts,
            "precision": self.precision,
            "tdp_watts": self.tdp_watts,
            "facility_overhead": self.facility_overhead,
        }


def find_accelerator(
    name: str,
    *,
    precision: Literal["bf16", "fp8"] = "bf16",
    facility_overhead: float = DEFAULT_FACILITY_OVERHEAD,
) -> Accelerator:
    """Look an accelerator up by name in Epoch's ``ml_hardware.csv``.

    Args:
        name: Epoch ``Hardware name``, e.g. ``"NVIDIA GB200"`` (case and surrounding
            blanks ignored).
        precision: Which peak to use: dense ``bf16`` tensor or ``fp8``.
        facility_overhead: All-in facility watts per watt of chip TDP.

    Returns:
        The accelerator, with ``facility_watts = TDP x facility_overhead``.

    Raises:
        TrendsError: If the name is unknown (close names are suggested) or the row lacks
            the peak or the TDP.

    """
    if precision not in _PRECISION_COLUMNS:
        raise TrendsError(
            f"precision must be one of {', '.join(_PRECISION_COLUMNS)} (got {precision!r})"
        )
    if not (math.isfinite(facility_overhead) and facility_overhead >= 1.0):
        raise TrendsError(
            "facility_overhead must be >= 1 (facility watts per chip watt; "
            f"got {facility_overhead})"
        )
    table = _read_hardware()
    names = table["Hardware name"].tolist()
    wanted = name.strip().casefold()
    hits = table[table["Hardware name"].str.casefold() == wanted]
    if hits.empty:
        close = difflib.get_close_matches(name.strip(), names, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise TrendsError(
            f"unknown accelerator {name!r} in Epoch's ml_hardware.csv{hint} "
            "(or give peak FLOP/s and facility watts directly)"
        )
    row = hits.iloc[0]
    peak = float(row[_PRECISION_COLUMNS[precision]])
    tdp = float(row["TDP (W)"])
    label = str(row["Hardware name"])
    if not (math.isfinite(peak) and peak > 0):
        raise TrendsError(
            f"{label} has no {precision} peak in ml_hardware.csv; try the other precision "
            "or give peak FLOP/s directly"
        )
    if not (math.isfinite(tdp) and tdp > 0):
        raise TrendsError(f"{label} has no TDP in ml_hardware.csv; give facility watts directly")
    return Accelerator(
        name=label,
        peak_flops=peak,
        facility_watts=tdp * facility_overhead,
        precision=precision,
        tdp_watts=tdp,
        facility_overhead=facility_overhead,
    )


def training_power_gw(
    flop: float | FloatArray,
    *,
    peak_flops: float,
    facility_watts: float,
    mfu: float,
    duration_s: float = EPOCH_TRAINING_DURATION_S,
) -> FloatArray:
    """Return the facility power (GW) to train ``flop`` in ``duration_s`` seconds.

    ``GW = flop / (peak_flops * mfu * duration_s) * facility_watts / 1e9``.

    Args:
        flop: Training compute, FLOP (scalar or array).
        peak_flops: Peak FLOP/s per accelerator.
        facility_watts: All-in facility watts per accelerator.
        mfu: Model FLOP utilisation, in (0, 1].
        duration_s: Training duration, seconds.

    Returns:
        Power in GW, same shape as ``flop`` (a 0-d array for a scalar).

    Raises:
        TrendsError: If an argument is out of range.

    """
    if not 0 < mfu <= 1:
        raise TrendsError(f"mfu must lie in (0, 1] (got {mfu}); 0.4 is typical for training")
    for label, value in (
        ("peak_flops", peak_flops),
        ("facility_watts", facility_watts),
        ("duration_s", duration_s),
    ):
        if not (math.isfinite(value) and value > 0):
            raise TrendsError(f"{label} must be > 0 (got {value})")
    accelerators = np.asarray(flop, dtype=np.float64) / (peak_flops * mfu * duration_s)
    return np.asarray(accelerators * facility_watts / 1e9, dtype=np.float64)


# ---------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """Which models form the frontier, and over which dates.

    Attributes:
        definition: ``top-n``, ``record`` or ``threshold``.
        top_n: N for ``top-n``.
        threshold_flop: X for ``threshold`` (FLOP).
        since: First decimal year kept (inclusive), or None for all.
        until: Decimal year where the data stop (exclusive), or None for all.

    """

    definition: Definition = "top-n"
    top_n: int = 5
    threshold_flop: float = 1e23
    since: float | None = 2018.0
    until: float | None = None

    def __post_init__(self) -> None:
        if self.definition not in DEFINITIONS:
            raise TrendsError(
                f"unknown definition {self.definition!r}; use one of {', '.join(DEFINITIONS)}"
            )
        if self.top_n < 1:
            raise TrendsError(f"top_n must be >= 1 (got {self.top_n})")
        if not (math.isfinite(self.threshold_flop) and self.threshold_flop > 0):
            raise TrendsError(f"threshold_flop must be > 0 FLOP (got {self.threshold_flop})")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise TrendsError(f"until ({self.until}) must be after since ({self.since})")

    def describe(self) -> str:
        """Return a one-line human description of the selection."""
        if self.definition == "top-n":
            what = f"models in the top {self.top_n} by training compute at their release"
        elif self.definition == "record":
            what = "models that set a training-compute record at their release"
        else:
            what = f"models trained with at least {self.threshold_flop:.3g} FLOP"
        when = []
        if self.since is not None:
            when.append(f"published from {self.since:g}")
        if self.until is not None:
            when.append(f"before {self.until:g}")
        return what + (", " + " and ".join(when) if when else "")

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping (only the parameters the definition uses)."""
        out: dict[str, object] = {"definition": self.definition}
        if self.definition == "top-n":
            out["top_n"] = self.top_n
        if self.definition == "threshold":
            out["threshold_flop"] = self.threshold_flop
        out["since"] = self.since
        out["until"] = self.until
        return out


def frontier_mask(
    years: FloatArray,
    log10_flop: FloatArray,
    definition: Definition,
    *,
    top_n: int = 5,
    threshold_flop: float = 1e23,
) -> BoolArray:
    """Flag frontier models, using only models published on or before each model's date.

    Args:
        years: Decimal publication years.
        log10_flop: log10 of training compute.
        definition: ``top-n``, ``record`` or ``threshold``.
        top_n: N for ``top-n``: fewer than N models published on or before the same date
            have strictly more compute.
        threshold_flop: X for ``threshold``.

    Returns:
        Boolean mask. A ``record`` model beats every earlier model (ties do not count)
        and no model of the same date beats it.

    """
    t = np.asarray(years, dtype=np.float64)
    c = np.asarray(log10_flop, dtype=np.float64)
    if definition == "threshold":
        return np.asarray(c >= math.log10(threshold_flop))
    same_or_before = t[None, :] <= t[:, None]  # [i, j]: model j released by i's date
    bigger = c[None, :] > c[:, None]
    if definition == "top-n":
        return np.asarray((same_or_before & bigger).sum(axis=1) < top_n)
    if definition == "record":
        before = t[None, :] < t[:, None]
        beaten = (before & (c[None, :] >= c[:, None])) | (same_or_before & bigger)
        return np.asarray(~beaten.any(axis=1))
    raise TrendsError(f"unknown definition {definition!r}; use one of {', '.join(DEFINITIONS)}")


def select_models(models: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Return the frontier models of ``selection`` (membership uses the full history).

    Args:
        models: Frame as from :func:`load_notable_models` (needs ``year``, ``log10_flop``).
        selection: Definition and date range.

    Returns:
        The selected rows, sorted by date.

    """
    mask = frontier_mask(
        models["year"].to_numpy(dtype=np.float64),
        models["log10_flop"].to_numpy(dtype=np.float64),
        selection.definition,
        top_n=selection.top_n,
        threshold_flop=selection.threshold_flop,
    )
    year = models["year"].to_numpy(dtype=np.float64)
    if selection.since is not None:
        mask &= year >= selection.since
    if selection.until is not None:
        mask &= year < selection.until
    return models[mask].sort_values("year", kind="stable")


# ---------------------------------------------------------------------------- fit


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


# ----------------------------------------------------------------------- forecast


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
        facility_watts=accelerator.facility_watts,
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
        accelerators=flop / (accelerator.peak_flops * mfu * duration_s),
        power_gw=float(gw[0]),
        power_gw_ci=(float(gw[1]), float(gw[2])),
    )


# ----------------------------------------------------------------------- backtest


@dataclass(frozen=True)
class BacktestYear:
    """Back-test score for the selected models of one calendar year after the cut-off."""

    year: int
    n_models: int
    mean_log10_actual: float
    mean_log10_predicted: float
    mae_log10: float
    coverage_pi: float

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "year": self.year,
            "n_models": self.n_models,
            "mean_log10_actual": self.mean_log10_actual,
            "mean_log10_predicted": self.mean_log10_predicted,
            "mae_log10": self.mae_log10,
            "coverage_pi": self.coverage_pi,
        }


@dataclass(frozen=True)
class Backtest:
    """Fit on data up to a cut-off year; score the prediction of the years after it.

    Attributes:
        cutoff_year: Last calendar year of the training data.
        fit: The fit on the training data.
        n_test: Selected models published after the cut-off year.
        mae_log10: Mean absolute error, log10 FLOP (0.3 is a factor of 2).
        bias_log10: Mean of actual minus predicted log10 FLOP (> 0: trend too low).
        coverage_ci: Share of test models inside the bootstrap interval of the line.
        coverage_pi: Share inside the bootstrap prediction interval (line plus residual),
            to compare with ``fit.confidence``.
        per_year: Scores by calendar year.

    """

    cutoff_year: int
    fit: TrendFit
    n_test: int
    mae_log10: float
    bias_log10: float
    coverage_ci: float
    coverage_pi: float
    per_year: tuple[BacktestYear, ...]

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "cutoff_year": self.cutoff_year,
            "train": {
                "n_models": self.fit.n_models,
                "growth_per_year": self.fit.growth_per_year,
                "growth_per_year_ci": list(self.fit.growth_per_year_ci),
                "doubling_time_months": _json_float(self.fit.doubling_months),
            },
            "n_test": self.n_test,
            "mae_log10": self.mae_log10,
            "bias_log10": self.bias_log10,
            "coverage_ci": self.coverage_ci,
            "coverage_pi": self.coverage_pi,
            "confidence": self.fit.confidence,
            "per_year": [row.to_dict() for row in self.per_year],
        }


def backtest(
    models: pd.DataFrame | None = None,
    selection: Selection | None = None,
    cutoff_year: int = 2022,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.9,
) -> Backtest:
    """Fit on models published up to the end of ``cutoff_year`` and score later ones.

    Frontier membership uses only earlier models, so the test models are those the
    definition would have flagged at their release, and nothing after the cut-off
    leaks into the fit.

    Args:
        models: Frame as from :func:`load_notable_models`; the shipped data if None.
        selection: Frontier definition and dates (its ``until``, if any, bounds the test
            period).
        cutoff_year: Last calendar year of training data.
        n_boot: Bootstrap resamples.
        seed: Seed of the generator (bootstrap and residual draws).
        confidence: Interval level.

    Returns:
        The back-test scores.

    Raises:
        TrendsError: If the training or the test set is empty or too small.

    """
    frame = load_notable_models() if models is None else models
    sel = Selection() if selection is None else selection
    split = float(cutoff_year + 1)
    if sel.since is not None and split <= sel.since:
        raise TrendsError(
            f"back-test cut-off {cutoff_year} is before the data start ({sel.since:g}); "
            "pick a later cut-off year"
        )
    train = Selection(sel.definition, sel.top_n, sel.threshold_flop, sel.since, split)
    fit = fit_trend(frame, train, n_boot=n_boot, seed=seed, confidence=confidence)
    test_sel = Selection(sel.definition, sel.top_n, sel.threshold_flop, split, sel.until)
    test = select_models(frame, test_sel)
    if test.empty:
        raise TrendsError(
            f"no selected models were published after {cutoff_year}; pick an earlier cut-off"
        )
    t = test["year"].to_numpy(dtype=np.float64)
    actual = test["log10_flop"].to_numpy(dtype=np.float64)
    predicted = fit.predict_log10(t)
    error = actual - predicted
    lo_ci, hi_ci = fit.line_interval(t)
    # Prediction interval: each bootstrap line plus a residual resampled from the fit.
    rng = np.random.default_rng([seed, 1])
    lines = fit.boot_log10(t)
    resid = fit.residuals()
    draws = lines + resid[rng.integers(0, resid.size, size=lines.shape)]
    alpha = (1.0 - confidence) / 2.0
    lo_pi, hi_pi = np.quantile(draws, [alpha, 1.0 - alpha], axis=0)
    in_ci = (actual >= lo_ci) & (actual <= hi_ci)
    in_pi = (actual >= lo_pi) & (actual <= hi_pi)
    calendar = np.floor(t).astype(int)
    per_year = tuple(
        BacktestYear(
            year=int(y),
            n_models=int((calendar == y).sum()),
            mean_log10_actual=float(actual[calendar == y].mean()),
            mean_log10_predicted=float(predicted[calendar == y].mean()),
            mae_log10=float(np.abs(error[calendar == y]).mean()),
            coverage_pi=float(in_pi[calendar == y].mean()),
        )
        for y in np.unique(calendar)
    )
    return Backtest(
        cutoff_year=int(cutoff_year),
        fit=fit,
        n_test=int(t.size),
        mae_log10=float(np.abs(error).mean()),
        bias_log10=float(error.mean()),
        coverage_ci=float(in_ci.mean()),
        coverage_pi=float(in_pi.mean()),
        per_year=per_year,
    )


# ------------------------------------------------------------------------- report


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
