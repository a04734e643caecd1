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
    DEFAULT_PUE,
    EPOCH_TRAINING_DURATION_S,
    FloatArray,
    TrendsError,
)
from gigawatt.forecast.trends.data import (
    _read_hardware,
)
from gigawatt.scenario.power import delivered_flops, facility_watts, run_power

__all__ = ["Accelerator", "find_accelerator", "training_power_gw"]


@dataclass(frozen=True)
class Accelerator:
    """An accelerator for the power conversion, in the planner's power convention.

    Watts are IT watts times a PUE applied once, as in a scenario
    (:mod:`gigawatt.scenario.power`): ``facility_watts = it_watts x pue``.

    Attributes:
        name: Name (Epoch's ``Hardware name`` when looked up).
        peak_flops: Peak dense FLOP/s per accelerator at the training precision.
        it_watts: IT watts per accelerator (chip, server and network share).
        pue: Facility watts per IT watt (cooling and power distribution).
        precision: Precision of ``peak_flops`` (``bf16``, ``fp8`` or ``custom``).
        tdp_watts: Chip TDP when known.
        facility_overhead: ``facility_watts / tdp_watts`` when derived from TDP.

    """

    name: str
    peak_flops: float
    it_watts: float
    pue: float = DEFAULT_PUE
    precision: str = "custom"
    tdp_watts: float | None = None
    facility_overhead: float | None = None

    def __post_init__(self) -> None:
        try:
            delivered_flops(self.peak_flops, 1.0)
            facility_watts(self.it_watts, self.pue)
        except ValueError as exc:
            raise TrendsError(f"accelerator {self.name!r}: {exc}") from None

    @property
    def facility_watts(self) -> float:
        """All-in facility watts per accelerator: ``it_watts x pue``."""
        return facility_watts(self.it_watts, self.pue)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping."""
        return {
            "name": self.name,
            "peak_flops": self.peak_flops,
            "it_watts": self.it_watts,
            "pue": self.pue,
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
    pue: float = DEFAULT_PUE,
) -> Accelerator:
    """Look an accelerator up by name in Epoch's ``ml_hardware.csv``.

    Args:
        name: Epoch ``Hardware name``, e.g. ``"NVIDIA GB200"`` (case and surrounding
            blanks ignored).
        precision: Which peak to use: dense ``bf16`` tensor or ``fp8``.
        facility_overhead: All-in facility watts per watt of chip TDP.
        pue: The part of ``facility_overhead`` that is facility overhead (PUE); the rest
            is the server and network share of the IT watts.

    Returns:
        The accelerator, with ``it_watts = TDP x facility_overhead / pue``, so that
        ``facility_watts = TDP x facility_overhead``.

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
        it_watts=tdp * facility_overhead / pue,
        pue=pue,
        precision=precision,
        tdp_watts=tdp,
        facility_overhead=facility_overhead,
    )


def training_power_gw(
    flop: float | FloatArray,
    *,
    peak_flops: float,
    it_watts: float,
    pue: float,
    mfu: float,
    duration_s: float = EPOCH_TRAINING_DURATION_S,
) -> FloatArray:
    """Return the facility power (GW) to train ``flop`` in ``duration_s`` seconds.

    :func:`gigawatt.scenario.power.run_power` for each value of ``flop``:
    ``GW = flop / (peak_flops x mfu x duration_s) x it_watts x pue / 1e9``.

    Args:
        flop: Training compute, FLOP (scalar or array).
        peak_flops: Peak dense FLOP/s per accelerator at the training precision.
        it_watts: IT watts per accelerator.
        pue: Facility watts per IT watt.
        mfu: Model FLOP utilisation, in (0, 1].
        duration_s: Training duration, seconds.

    Returns:
        Power in GW, same shape as ``flop`` (a 0-d array for a scalar).

    Raises:
        TrendsError: If an argument is out of range.

    """
    values = np.asarray(flop, dtype=np.float64)
    try:
        gw = [
            run_power(
                float(f),
                duration_s,
                peak_flops=peak_flops,
                mfu=mfu,
                it_watts=it_watts,
                pue=pue,
            ).facility_gw
            for f in values.reshape(-1)
        ]
    except ValueError as exc:
        raise TrendsError(str(exc)) from None
    return np.asarray(gw, dtype=np.float64).reshape(values.shape)
