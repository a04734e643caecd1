"""Fixtures of the SkyPilot integration tests: the small scenario."""

from __future__ import annotations

import pytest
from skypilot_fixtures import SCENARIO

from gigawatt.scenario import Scenario, load_scenario


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return load_scenario(SCENARIO)
