"""Accelerators from Epoch's hardware table, and the power of a training run."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gigawatt.forecast.trends.base import (
    _PRECISION_COLUMNS,
    DEFAULT_FACILITY_OVERHEAD,
    EPOCH_TRAINING_DURATION_S,
    FloatArray,
    TrendsError,
)
from gigawatt.forecast.trends.data import (
    _read_hardware,
)

__all__ = ["Accelerator", "find_accelerator", "training_power_gw"]


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
