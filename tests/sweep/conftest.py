"""Fixtures of the sweep tests: the tiny scenario and a real local Ray with 2 CPUs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sweep_helpers import TINY

from gigawatt.scenario import Scenario, load_scenario


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """A real local Ray with 2 CPUs, started once per module; yields its GCS address."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()
