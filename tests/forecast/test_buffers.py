"""The band-store buffer pool of gigawatt.forecast.buffers."""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.forecast import buffers


def test_take_reuses_a_given_buffer_of_the_same_shape_only() -> None:
    buffers.release()
    a = buffers.take(3, 5)
    a[:] = 2.0  # writable
    assert a.dtype == np.float32 and a.shape == (3, 5)
    buffers.give(a)
    assert buffers.pooled_bytes() == a.nbytes
    other = buffers.take(5, 3)
    assert other is not a  # another shape: fresh memory
    assert buffers.take(3, 5) is a  # taken out of the pool: not handed out twice
    assert buffers.take(3, 5) is not a
    assert buffers.pooled_bytes() == 0


def test_pool_keeps_at_most_pool_bytes_dropping_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    buffers.release()
    monkeypatch.setattr(buffers, "POOL_BYTES", 2 * 4 * 10)
    first, second, third = (buffers.take(1, 10) for _ in range(3))
    for b in (first, second, third):
        buffers.give(b)
    assert buffers.pooled_bytes() == 80
    assert buffers.take(1, 10) is second
    assert buffers.take(1, 10) is third
    buffers.release()
