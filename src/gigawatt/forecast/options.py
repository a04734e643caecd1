"""Options of a forecast run: their defaults and their checks, without the numerics.

The command line reads the defaults here to show them in ``gigawatt forecast --help``
without loading the Monte Carlo code (numba, scipy).
"""

from __future__ import annotations

from gigawatt.errors import InputError

__all__ = ["DEFAULT_CHUNK", "DEFAULT_MEMORY_MB", "check_options"]

DEFAULT_CHUNK = 2048
"""Samples evaluated at once (memory and speed, not the results)."""
DEFAULT_MEMORY_MB = 1024
"""Budget of the exact band stores; above it bands come from histograms."""


def check_options(*, samples: int, seed: int, chunk: int, memory_mb: float, workers: int) -> None:
    """Refuse run options out of range.

    Raises:
        InputError: naming the option and the value given.
    """
    if samples < 1:
        raise InputError(f"--samples must be at least 1 (got {samples})")
    if seed < 0:
        raise InputError(f"--seed must be a non-negative integer (got {seed})")
    if chunk < 1:
        raise InputError(f"--chunk must be at least 1 (got {chunk})")
    if memory_mb <= 0:
        raise InputError(f"the memory budget must be positive (got {memory_mb} MB)")
    if workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
