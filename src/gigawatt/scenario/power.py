"""The power convention: FLOP delivered by an accelerator, and the power of a training run.

One definition, used by the planner (``gigawatt plan``: the FLOP an accelerator-month
delivers to a run, the facility megawatts it draws) and by the trend forecast
(``gigawatt trends``: the power of the frontier run of a year), so that the two compute a
run's power the same way (docs/glossary.md, "Training runs"):

* **precision**: ``peak_flops`` is the accelerator's dense peak FLOP/s *at the precision
  the run trains in* (BF16 in the built-in scenarios and by default in ``trends``; FP8
  doubles it on the chips that support it);
* **utilisation**: a run delivers ``mfu`` (model FLOP utilisation) of that peak, so one
  accelerator delivers ``peak_flops x mfu`` FLOP/s, and ``peak_flops x mfu x seconds``
  FLOP over ``seconds``;
* **watts**: an accelerator's ``it_watts`` are IT watts (chip, host, network and storage
  share, before facility overhead); the site's PUE turns them into facility watts,
  exactly once: ``facility W = it_watts x pue``;
* **FLOP/s per watt** of a run is therefore ``peak_flops x mfu / (it_watts x pue)``.

A run of ``flop`` FLOP over ``duration_s`` seconds needs
``flop / (peak_flops x mfu x duration_s)`` accelerators, drawing
``accelerators x it_watts x pue`` facility watts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "H100_PEAK_FLOPS",
    "RunCase",
    "RunPower",
    "delivered_flops",
    "facility_watts",
    "power_factors",
    "run_power",
]


#: Dense BF16 peak of one H100 SXM (989.4 TFLOP/s, NVIDIA datasheet; facts.md D.1): one
#: H100-equivalent (H100e), as Epoch AI counts compute.
H100_PEAK_FLOPS = 9.89e14


def _positive(label: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{label} must be a finite number > 0 (got {value})")


def facility_watts(it_watts: float, pue: float) -> float:
    """Facility watts of one accelerator: IT watts x PUE (the one place PUE is applied).

    Raises:
        ValueError: ``it_watts`` not > 0 or ``pue`` below 1.
    """
    _positive("it_watts", it_watts)
    if not (math.isfinite(pue) and pue >= 1.0):
        raise ValueError(f"pue must be >= 1 (facility watts per IT watt; got {pue})")
    return it_watts * pue


def delivered_flops(peak_flops: float, mfu: float) -> float:
    """FLOP/s one accelerator delivers to a run: its dense peak at the run's precision x MFU.

    Raises:
        ValueError: ``peak_flops`` not > 0 or ``mfu`` outside (0, 1].
    """
    _positive("peak_flops", peak_flops)
    if not (math.isfinite(mfu) and 0 < mfu <= 1):
        raise ValueError(f"mfu must lie in (0, 1] (got {mfu}); 0.4 is typical for training")
    return peak_flops * mfu


@dataclass(frozen=True)
class RunPower:
    """What a training run needs at a constant rate over its duration.

    Attributes:
        accelerators: Accelerators running throughout (``flop / (peak x mfu x duration)``).
        it_gw: Their IT power, GW.
        facility_gw: Their facility power (IT x PUE), GW: *the* power of the run.
        flops_per_watt: Delivered FLOP/s per facility watt (``peak x mfu / (it W x pue)``).
    """

    accelerators: float
    it_gw: float
    facility_gw: float
    flops_per_watt: float


def run_power(
    flop: float,
    duration_s: float,
    *,
    peak_flops: float,
    mfu: float,
    it_watts: float,
    pue: float,
) -> RunPower:
    """The accelerators and power a run of ``flop`` FLOP needs over ``duration_s`` seconds.

    Args:
        flop: Training compute, FLOP.
        duration_s: Time the run trains, seconds.
        peak_flops: Dense peak FLOP/s of one accelerator at the run's precision.
        mfu: Model FLOP utilisation, in (0, 1].
        it_watts: IT watts of one accelerator (before facility overhead).
        pue: Facility watts per IT watt (>= 1), applied once.

    Returns:
        The run's accelerators and power (module docstring for the convention).

    Raises:
        ValueError: An argument out of range (the message names it).
    """
    _positive("flop", flop)
    _positive("duration_s", duration_s)
    per_accelerator = delivered_flops(peak_flops, mfu)
    watts = facility_watts(it_watts, pue)
    accelerators = flop / (per_accelerator * duration_s)
    return RunPower(
        accelerators=accelerators,
        it_gw=accelerators * it_watts / 1e9,
        facility_gw=accelerators * watts / 1e9,
        flops_per_watt=per_accelerator / watts,
    )


@dataclass(frozen=True)
class RunCase:
    """A run as :func:`run_power` sees it: FLOP, seconds and FLOP/s per facility watt.

    Attributes:
        label: What the run is (``gigawatt trends 2030``, ``plan: frontier-2030``).
        flop: Training compute, FLOP.
        duration_s: Seconds it trains at the rate its power is measured at.
        flops_per_watt: Delivered FLOP/s per facility watt (``peak x mfu / (it W x pue)``).
    """

    label: str
    flop: float
    duration_s: float
    flops_per_watt: float

    @property
    def facility_gw(self) -> float:
        """Its power: ``flop / duration_s / flops_per_watt``, GW."""
        return self.flop / self.duration_s / self.flops_per_watt / 1e9


def power_factors(a: RunCase, b: RunCase) -> list[tuple[str, float]]:
    """Why ``a`` draws more (or less) power than ``b``: the ratio, factor by factor.

    ``a.facility_gw / b.facility_gw`` is exactly the product of the factors: the ratio of
    FLOP, the inverse ratio of durations, and the inverse ratio of FLOP/s per watt (the
    hardware, its precision, the MFU and the PUE together).
    """
    return [
        ("FLOP", a.flop / b.flop),
        ("duration", b.duration_s / a.duration_s),
        ("FLOP/s per watt", b.flops_per_watt / a.flops_per_watt),
    ]
