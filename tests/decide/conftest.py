"""Fixtures of the decision tests: the newsvendor scenario, worked by hand in its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.scenario import Scenario, load_scenario

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def newsvendor() -> Scenario:
    return load_scenario(HERE / "newsvendor.yaml")
