"""Compile the forecast's per-cell loops with numba, cached on disk.

:func:`jit` is ``numba.njit(cache=True, nogil=True)`` with its type kept for mypy:

* ``cache=True``: the machine code is written next to the module (``__pycache__``) on
  the first call and loaded by later processes, so only the very first run after an
  install or an edit pays the compilation (a few seconds; see ``benchmarks/README.md``);
* ``nogil=True``: a compiled loop releases the GIL, so forecast worker threads run
  their chunks and band columns in parallel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["jit"]

_F = TypeVar("_F", bound=Callable[..., Any])


def jit(fn: _F) -> _F:
    """``fn`` compiled by numba in nopython mode (cached, releasing the GIL)."""
    return cast(_F, numba.njit(cache=True, nogil=True)(fn))
