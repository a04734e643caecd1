"""Compile the forecast's per-cell loops with numba, cached on disk, and say when it does.

:func:`jit` is ``numba.njit(cache=True, nogil=True)`` with its type kept for mypy:

* ``cache=True``: the machine code is written next to the module (``__pycache__``, or
  under ``NUMBA_CACHE_DIR`` when set, or numba's per-user cache when the package is not
  writable) on the first call and loaded by later processes, so only the very first run
  after an install or an edit pays the compilation (a few seconds; see
  ``benchmarks/README.md``);
* ``nogil=True``: a compiled loop releases the GIL, so forecast worker threads run
  their chunks and band columns in parallel.

:func:`compile_notice` tells the caller when a run compiles (a cache miss) and how long
it took, so that the first forecast after an install is never silent
(docs/decisions.md, "Compiled loops").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import numba
from numba.core import event

__all__ = ["COMPILING", "compile_notice", "jit"]

_F = TypeVar("_F", bound=Callable[..., Any])

COMPILING = (
    "compiling the forecast's loops with numba: once after an install or an upgrade, "
    "cached for later runs"
)
"""What :func:`compile_notice` says when a run starts compiling."""


def jit(fn: _F) -> _F:
    """``fn`` compiled by numba in nopython mode (cached, releasing the GIL)."""
    return cast(_F, numba.njit(cache=True, nogil=True)(fn))


class _CompileClock(event.Listener):
    """Counts numba compilations (only cache misses start one) and their wall time."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.seconds = 0.0
        self.compiled = 0
        self._depth = 0
        self._began = 0.0
        self._lock = threading.Lock()

    def on_start(self, event: Any) -> None:
        with self._lock:
            if self.compiled == 0 and self._depth == 0:
                self.say(COMPILING)
            if self._depth == 0:
                self._began = time.perf_counter()
            self._depth += 1
            self.compiled += 1

    def on_end(self, event: Any) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - self._began


@contextmanager
def compile_notice(say: Callable[[str], None]) -> Iterator[None]:
    """Tell ``say`` when code run inside compiles numba loops, and how long that took.

    ``say`` gets :data:`COMPILING` when the first compilation starts and, at the end,
    ``compiled N numba loop(s) in S s``; nothing when every loop came from the cache.
    Compilations overlapping in worker threads count once in the time.
    """
    clock = _CompileClock(say)
    with event.install_listener("numba:compile", clock):
        yield
    if clock.compiled:
        say(f"compiled {clock.compiled} numba loop(s) in {clock.seconds:.1f} s")
