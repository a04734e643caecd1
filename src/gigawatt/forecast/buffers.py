"""Band-store memory kept for the next run of the process (first-touch costs once).

A 100,000 x 120 forecast stores about 0.5 GB of float32 values. Memory a process
touches for the first time is page-faulted in by the kernel: on the benchmark machine
that costs 0.2 s per 0.5 GB with 4 KiB pages, and between 0.06 s and 1 s with the
transparent huge pages numpy asks for (the kernel may have to compact memory to find
2 MiB pages). So:

* store buffers are anonymous mappings that opt out of huge pages
  (``MADV_NOHUGEPAGE``): a predictable first touch;
* when a run ends its buffers go back to a small pool (:func:`give`) and the next run
  of the same process takes them (:func:`take`), already faulted in; the pool holds at
  most :data:`POOL_BYTES` (oldest dropped first), and :func:`release` empties it.

Buffers handed out are never shared: :func:`take` removes a buffer from the pool under a
lock, so concurrent runs in threads each get their own.
"""

from __future__ import annotations

import mmap
import threading

import numpy as np
from numpy.typing import NDArray

__all__ = ["POOL_BYTES", "give", "pooled_bytes", "release", "take"]

F32 = NDArray[np.float32]
POOL_BYTES = 1 << 30
"""Most memory the pool keeps between runs (1 GiB, the default exact-band budget)."""

_lock = threading.Lock()
_pool: list[F32] = []


def _fresh(rows: int, columns: int) -> F32:
    size = max(4 * rows * columns, 1)
    try:
        memory = mmap.mmap(-1, size)
        if hasattr(memory, "madvise") and hasattr(mmap, "MADV_NOHUGEPAGE"):
            memory.madvise(mmap.MADV_NOHUGEPAGE)
    except (OSError, ValueError):
        return np.empty((rows, columns), dtype=np.float32)
    flat = np.frombuffer(memory, dtype=np.float32, count=rows * columns)
    return flat.reshape(rows, columns)


def take(rows: int, columns: int) -> F32:
    """A ``[rows, columns]`` float32 buffer (contents undefined), reused when possible."""
    with _lock:
        for i, buffer in enumerate(_pool):
            if buffer.shape == (rows, columns):
                return _pool.pop(i)
    return _fresh(rows, columns)


def give(buffer: F32) -> None:
    """Return a buffer from :func:`take` for a later run.

    The oldest buffers are dropped first when the pool would exceed :data:`POOL_BYTES`.
    """
    with _lock:
        _pool.append(buffer)
        while sum(b.nbytes for b in _pool) > POOL_BYTES:
            _pool.pop(0)


def pooled_bytes() -> int:
    """Bytes the pool holds."""
    with _lock:
        return sum(b.nbytes for b in _pool)


def release() -> None:
    """Empty the pool (the memory goes back to the system once no array uses it)."""
    with _lock:
        _pool.clear()
