"""Ray, started on demand: a session (local or a cluster) and a streaming map over tasks.

Ray is imported only here and only when a function is called, so that importing
gigawatt never imports Ray. A local Ray is started with ``num_cpus=workers``, no
dashboard and no worker logs on the driver, and shut down when the work is done; a
Ray that is already initialised (a cluster connected earlier, a test fixture) is used
as it is and left running.

Tasks are submitted through a window of as many tasks as the cluster has CPUs, so a
task starts (about) when it is submitted: that bounds the object store, and lets the
driver cancel a task that runs past its wall-clock limit.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from gigawatt.errors import GigawattError, InputError, MissingExtraError

__all__ = ["TaskTimeoutError", "ray_map", "ray_session"]

R = TypeVar("R")


class TaskTimeoutError(GigawattError):
    """A Ray task ran past its wall-clock limit and was cancelled."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingExtraError("Ray", "ray") from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None = None, workers: int | None = None) -> Iterator[int]:
    """Use the running Ray, connect to ``address``, or start a local Ray.

    Args:
        address: A Ray cluster (``ray://host:10001``, ``host:6379`` or ``auto``);
            None starts a local Ray unless one is already initialised.
        workers: CPUs of a local Ray (default: ``os.cpu_count()``); ignored with an
            address.

    Yields:
        The number of CPUs the cluster offers (at least 1).

    Raises:
        GigawattError: Ray is missing, or the cluster cannot be reached.
    """
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        if workers is not None and workers < 1:
            raise InputError(f"--workers must be at least 1 (got {workers})")
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": "ERROR",
        }
        if address is None:
            kwargs["num_cpus"] = workers or os.cpu_count() or 1
        try:
            ray.init(address=address, **kwargs)
        except Exception as exc:  # ConnectionError, RuntimeError, ValueError...
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            raise GigawattError(
                f"could not start or reach {where}: {exc}; check the address "
                "(`ray status` on the head node) or omit --address for a local Ray"
            ) from None
        started = True
    try:
        cpus = int(float(ray.cluster_resources().get("CPU", 1)))
        yield max(1, cpus)
    finally:
        if started:
            ray.shutdown()


def _unwrap(exc: BaseException) -> BaseException:
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else exc


def ray_map(
    fn: Callable[..., R],
    args: Sequence[tuple[Any, ...]],
    *,
    common: tuple[Any, ...] = (),
    address: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    wall_limit_s: float | None = None,
) -> Iterator[tuple[int, R | BaseException]]:
    """Run ``fn(*common, *args[i])`` as Ray tasks; yield ``(i, result)`` as each ends.

    Args:
        fn: An importable (module-level) function; each call takes one CPU.
        args: Per-task arguments.
        common: Leading arguments shared by every task (put in the object store once).
        address: See :func:`ray_session`.
        workers: See :func:`ray_session`.
        progress: Called with (done, total) as each task ends.
        wall_limit_s: Cancel a task still running this long after it was submitted;
            it yields a :class:`TaskTimeoutError`.

    Yields:
        The task's index and its result, or the exception it raised (a task's failure
        never stops the others).

    Raises:
        GigawattError: Ray is missing or the cluster cannot be reached.
    """
    ray = _import_ray()
    total = len(args)
    with ray_session(address, workers) as cpus:
        remote = ray.remote(num_cpus=1, max_retries=0)(fn)
        shared = [ray.put(value) for value in common]
        pending = list(range(total))[::-1]
        running: dict[Any, tuple[int, float]] = {}
        done = 0
        try:
            while pending or running:
                while pending and len(running) < cpus:
                    i = pending.pop()
                    running[remote.remote(*shared, *args[i])] = (i, time.monotonic())
                ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
                for ref in ready:
                    i, _ = running.pop(ref)
                    try:
                        value: R | BaseException = ray.get(ref)
                    except Exception as exc:  # the task raised, or its worker died
                        value = _unwrap(exc)
                    done += 1
                    if progress is not None:
                        progress(done, total)
                    yield i, value
                if wall_limit_s is None:
                    continue
                now = time.monotonic()
                for ref, (i, submitted) in list(running.items()):
                    if now - submitted > wall_limit_s:
                        ray.cancel(ref, force=True)
                        del running[ref]
                        done += 1
                        if progress is not None:
                            progress(done, total)
                        yield (
                            i,
                            TaskTimeoutError(
                                f"task ran over its wall-clock limit of {wall_limit_s:.0f}s "
                                "and was cancelled"
                            ),
                        )
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
