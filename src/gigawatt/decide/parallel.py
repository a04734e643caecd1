"""Run work over the futures, in this process or on Ray (the sweep's machinery).

Two shapes of work:

* :func:`map_futures`: one stateless call per future (``fn(*common, *args[i])``), in
  order here or as Ray tasks (:func:`gigawatt.raytools.ray_map`); for solves done once
  per future (the mean-value plan's evaluation, the wait-and-see plans).
* :class:`FuturePool`: each future's model built **once** and solved many times
  (progressive hedging). Serially the pool holds the models; on Ray it starts one
  actor per CPU of the cluster (at most one per future), each holding the models of
  its futures (future ``i`` on actor ``i mod k``), so an iteration sends only the
  hedging terms and gets back the first stages. Both give the same solves in the
  futures' order.

A call that fails raises here, with the future named.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from gigawatt.decide.metrics import Risk
from gigawatt.decide.subproblem import FutureModel, FutureSolve, Prices, Values, future_model
from gigawatt.errors import GigawattError
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario.yamlmarks import PathItem
from gigawatt.sweep.scenarios import SampleSpec

__all__ = ["Backend", "FutureHost", "FuturePool", "Request", "Shape", "map_futures"]

Backend = Literal["serial", "ray"]
R = TypeVar("R")
Request = tuple[Values | None, Prices | None]
"""What to solve a future with: (first stage fixed, hedging terms); see FutureModel.solve."""


def _ray() -> Any:
    """The Ray module (imported only when a Ray pool is used)."""
    return importlib.import_module("ray")


def _raise_failure(value: object, what: str, i: int) -> None:
    if isinstance(value, GigawattError):
        raise GigawattError(f"{what}, future {i}: {value}") from value
    if isinstance(value, BaseException):
        raise GigawattError(f"{what}, future {i}, failed on Ray: {value}") from value


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
        _raise_failure(value, what, i)
        out[i] = value  # type: ignore[assignment]  # ray_map yields fn results as object
    return [out[i] for i in range(len(args))]


@dataclass(frozen=True)
class Shape:
    """What progressive hedging needs to know of one future's model.

    Attributes:
        binary: Whether each first-stage variable is binary.
        has_binaries: Whether the model has any binary variable.
        cost_musd: The cost of a unit of ``new`` (:func:`commitment_cost_musd`).
    """

    binary: dict[str, bool]
    has_binaries: bool
    cost_musd: npt.NDArray[np.float64]


class FutureHost:
    """The models of some futures, built on first use and kept (a Ray actor's state)."""

    def __init__(
        self,
        raw: dict[str, Any],
        source: str,
        paths: dict[str, tuple[PathItem, ...]],
        options: SolveOptions,
        decision_month: int,
        risk: Risk,
    ) -> None:
        """Hold what building a future's model takes; build nothing yet."""
        self.common = (raw, source, paths)
        self.options = options
        self.decision_month = decision_month
        self.risk = risk
        self.models: dict[int, FutureModel] = {}
        self.builds = 0

    def model(self, spec: SampleSpec) -> FutureModel:
        """Future ``spec.index``'s model, built the first time it is asked for."""
        if spec.index not in self.models:
            self.models[spec.index] = future_model(
                *self.common, spec, self.options, self.decision_month, self.risk
            )
            self.builds += 1
        return self.models[spec.index]

    def solve(self, spec: SampleSpec, request: Request) -> FutureSolve | GigawattError:
        """Solve one future (a failure is returned, to be raised by the driver)."""
        try:
            return self.model(spec).solve(*request)
        except GigawattError as exc:
            return exc

    def shape(self, spec: SampleSpec) -> Shape:
        """What progressive hedging needs to know of one future's model."""
        model = self.model(spec)
        return Shape(model.binary, model.has_binaries, model.commitment_cost_musd())

    def built(self) -> int:
        """How many models this host has built."""
        return self.builds


class FuturePool:
    """Each future's model built once and solved on request, here or in Ray actors."""

    def __init__(
        self,
        raw: dict[str, Any],
        source: str,
        paths: dict[str, tuple[PathItem, ...]],
        specs: Sequence[SampleSpec],
        options: SolveOptions,
        decision_month: int,
        risk: Risk,
        backend: Backend,
    ) -> None:
        """Start the hosts (one here, or one Ray actor per CPU, at most one per future)."""
        self.specs = list(specs)
        args = (raw, source, paths, options, decision_month, risk)
        self.backend = backend
        if backend == "serial":
            self.local: FutureHost | None = FutureHost(*args)
            self.actors: list[Any] = []
            return
        ray = _ray()  # the caller opened a Ray session (decide does)

        cpus = max(1, int(float(ray.cluster_resources().get("CPU", 1))))
        remote = ray.remote(num_cpus=1, max_restarts=0)(FutureHost)
        shared = [ray.put(a) for a in args]
        self.local = None
        self.actors = [remote.remote(*shared) for _ in range(min(cpus, len(self.specs)))]

    def _call(self, method: str, per_future: Sequence[tuple[Any, ...]], what: str) -> list[Any]:
        if self.local is not None:
            results = [getattr(self.local, method)(*a) for a in per_future]
        else:
            ray = _ray()

            k = len(self.actors)
            refs = [
                getattr(self.actors[i % k], method).remote(*a) for i, a in enumerate(per_future)
            ]
            results = []
            for ref in refs:
                try:
                    results.append(ray.get(ref))
                except Exception as exc:  # the actor died
                    results.append(getattr(exc, "cause", None) or exc)
        for i, value in enumerate(results):
            _raise_failure(value, what, self.specs[i].index)
        return results

    def solve(self, requests: Sequence[Request], what: str) -> list[FutureSolve]:
        """Solve every future with its request, in the futures' order.

        Raises:
            GigawattError: a solve failed (not an infeasible one: that is a status).
        """
        return self._call("solve", list(zip(self.specs, requests, strict=True)), what)

    def shapes(self) -> list[Shape]:
        """Each future's :class:`Shape`."""
        return self._call("shape", [(s,) for s in self.specs], "build")

    def builds(self) -> int:
        """Models built so far over all hosts (one per future when each is built once)."""
        if self.local is not None:
            return self.local.built()
        ray = _ray()

        return int(sum(ray.get([a.built.remote() for a in self.actors])))

    def close(self) -> None:
        """Stop the actors (a serial pool has none)."""
        if self.actors:
            ray = _ray()

            for actor in self.actors:
                ray.kill(actor)
            self.actors = []
