"""Run one function over the futures, in this process or as Ray tasks (the sweep's machinery).

Both runners call the same module-level function with the same arguments and return
the results in the futures' order, so that serial and Ray runs give the same numbers.
A task that fails raises here, with the future named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from gigawatt.errors import GigawattError

__all__ = ["Backend", "map_futures"]

Backend = Literal["serial", "ray"]
R = TypeVar("R")


def map_futures(
    fn: Callable[..., R],
    args: Sequence[tuple[Any, ...]],
    *,
    common: tuple[Any, ...],
    backend: Backend,
    what: str,
) -> list[R]:
    """``[fn(*common, *args[i]) for i]``, serially or as Ray tasks.

    With ``ray``, a Ray session must be open (:func:`gigawatt.raytools.ray_session`)
    or one is started for the call.

    Raises:
        GigawattError: a call failed (the first failure, with its future).
    """
    if backend == "serial":
        return [fn(*common, *a) for a in args]
    from gigawatt.raytools import ray_map

    out: dict[int, R] = {}
    for i, value in ray_map(fn, args, common=common):
        if isinstance(value, GigawattError):
            raise GigawattError(f"{what}, future {i}: {value}") from value
        if isinstance(value, BaseException):
            raise GigawattError(f"{what}, future {i}, failed on Ray: {value}") from value
        out[i] = value
    return [out[i] for i in range(len(args))]
