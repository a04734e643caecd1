"""Scenario providers and sites to SkyPilot clouds and regions (no SkyPilot needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gigawatt.integrations.skypilot.mapping import (
    SKYPILOT_CLOUDS,
    Location,
    cloud_of,
    locations,
    providers_at,
    region_of,
    skypilot_accelerator,
)
from gigawatt.scenario import Scenario, load_scenario


def test_cloud_defaults_and_overrides(scenario: Scenario) -> None:
    assert {p: cloud_of(scenario, p) for p in scenario.providers} == {
        "azure": "azure",
        "oci": "oci",
        "lambda-cloud": "lambda",  # skypilot: {cloud: lambda}
        "coreweave": "kubernetes",  # not a SkyPilot cloud: reached through Kubernetes
        "stargate": "kubernetes",
    }


def test_regions(scenario: Scenario) -> None:
    assert {s: region_of(scenario, s) for s in scenario.sites} == {
        "azure-east": "eastus",
        "azure-west": "westus2",
        "oci-phoenix": None,
        "lambda-texas": None,
        "cw-plano": "cw-plano",  # kubernetes: context named like the site
        "abilene": "abilene",
    }
    assert locations(scenario, "azure") == [
        Location("azure", "eastus", "azure"),
        Location("azure", "westus2", "azure"),
    ]
    assert [loc.infra for loc in locations(scenario, "oci")] == ["oci"]
    assert [loc.infra for loc in locations(scenario, "stargate")] == ["kubernetes/abilene"]


@pytest.mark.parametrize(
    ("cloud", "region", "expected"),
    [
        ("azure", "eastus", ["azure"]),
        ("Azure", "northeurope", ["azure"]),  # another Azure region is still Azure
        ("kubernetes", "abilene", ["stargate"]),
        ("k8s", "cw-plano", ["coreweave"]),
        ("kubernetes", "somewhere", ["coreweave", "stargate"]),  # ambiguous: both must allow
        ("kubernetes", None, ["coreweave", "stargate"]),
        ("lambda", None, ["lambda-cloud"]),
        ("gcp", "us-central1", ["skypilot:gcp"]),  # outside the scenario
    ],
)
def test_providers_at(
    scenario: Scenario, cloud: str, region: str | None, expected: list[str]
) -> None:
    assert providers_at(scenario, cloud, region) == expected


def test_builtin_scenario_maps_to_skypilot_clouds() -> None:
    s = load_scenario()
    clouds = {p: cloud_of(s, p) for p in s.providers}
    assert clouds == {
        "azure": "azure",
        "oci": "oci",
        "aws": "aws",
        "google": "gcp",
        "stargate": "kubernetes",
        "programmes": "kubernetes",
        "coreweave": "kubernetes",
        "cerebras": "kubernetes",
    }
    assert set(clouds.values()) <= SKYPILOT_CLOUDS
    assert region_of(s, "stargate-milam") == "stargate-milam"
    assert region_of(s, "stargate-abilene") is None  # Oracle's (oci): any region
    assert region_of(s, "azure-fleet") is None


def test_skypilot_cloud_list_matches_installed_skypilot() -> None:
    registry = pytest.importorskip("sky.utils.registry")
    assert set(registry.CLOUD_REGISTRY.keys()) == SKYPILOT_CLOUDS


@pytest.mark.parametrize(
    ("name", "expected"),
    [("h100", "H100"), ("H100", "H100"), ("gb200", "GB200"), ("mi300x", "MI300X"),
     ("a100-80gb", "A100-80GB"), ("VR200", "VR200"), ("gaudi3", "Gaudi3")],
)  # fmt: skip
def test_accelerator_names(name: str, expected: str) -> None:
    assert skypilot_accelerator(name) == expected


def test_importing_the_integration_does_not_import_skypilot() -> None:
    code = (
        "import sys, gigawatt, gigawatt.cli, gigawatt.integrations.skypilot as g\n"
        "from gigawatt.cli import _register; _register()\n"
        "assert 'sky' not in sys.modules, 'sky imported'\n"
        "g.ScenarioPolicy\n"
        "assert 'sky' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
