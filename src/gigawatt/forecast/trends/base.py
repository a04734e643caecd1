"""Types, constants and the error of the trend fits."""

from __future__ import annotations

import math
from typing import Literal, TypeAlias, get_args

import numpy as np
from numpy.typing import NDArray

from gigawatt.errors import GigawattError
from gigawatt.forecast.trends.defaults import (
    DEFAULT_FACILITY_OVERHEAD,
    DEFAULT_PUE,
    EPOCH_TRAINING_DURATION_S,
)

__all__ = [
    "DEFAULT_FACILITY_OVERHEAD",
    "DEFAULT_PUE",
    "DEFINITIONS",
    "EPOCH_TRAINING_DURATION_S",
    "Definition",
    "TrendsError",
]

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]

Definition: TypeAlias = Literal["top-n", "record", "threshold"]
"""How a model qualifies as frontier: top N at release, record-setter, or above X FLOP."""

DEFINITIONS: tuple[str, ...] = get_args(Definition)

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
