"""Scenario names to SkyPilot names: providers to clouds, sites to regions, accelerators.

A provider's cloud is its ``skypilot.cloud`` key; without one, the provider name when it
is a SkyPilot cloud or a known alias (``google`` = ``gcp``, ``oracle`` = ``oci``...),
else ``kubernetes`` (owned campuses and GPU clouds reached through Kubernetes, such as
CoreWeave). A site's region is its ``skypilot.region`` key; without one, any region of
the cloud, except on ``kubernetes`` where it is the context named like the site.

Nothing here imports SkyPilot.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigawatt.scenario.schema import Scenario

__all__ = [
    "KUBERNETES",
    "SKYPILOT_CLOUDS",
    "Location",
    "cloud_of",
    "locations",
    "normalize_cloud",
    "outside",
    "providers_at",
    "region_of",
    "skypilot_accelerator",
]

#: Cloud names of SkyPilot 0.14 (``sky.utils.registry.CLOUD_REGISTRY``).
SKYPILOT_CLOUDS = frozenset(
    {
        "aws",
        "azure",
        "cudo",
        "do",
        "fluidstack",
        "gcp",
        "hyperbolic",
        "ibm",
        "kubernetes",
        "lambda",
        "mithril",
        "nebius",
        "oci",
        "paperspace",
        "primeintellect",
        "runpod",
        "scp",
        "seeweb",
        "shadeform",
        "slurm",
        "ssh",
        "vast",
        "verda",
        "vsphere",
        "yotta",
    }
)
KUBERNETES = "kubernetes"

_CLOUD_ALIASES = {
    "amazon": "aws",
    "google": "gcp",
    "microsoft": "azure",
    "oracle": "oci",
    "lambdalabs": "lambda",
    "lambda-labs": "lambda",
    "digitalocean": "do",
    "k8s": KUBERNETES,
}

# Scenario accelerator name (lower case) -> SkyPilot accelerator name.
_ACCELERATORS = {
    "a100": "A100",
    "a100-80gb": "A100-80GB",
    "h100": "H100",
    "h100-mega": "H100-MEGA",
    "h200": "H200",
    "b200": "B200",
    "b300": "B300",
    "gb200": "GB200",
    "gb300": "GB300",
    "l4": "L4",
    "l40s": "L40S",
    "mi300x": "MI300X",
    "mi325x": "MI325X",
    "mi355x": "MI355X",
    "gaudi3": "Gaudi3",
}


def normalize_cloud(name: str) -> str:
    """SkyPilot's name of a cloud name or alias, lower case (``k8s`` -> ``kubernetes``)."""
    lower = name.strip().lower()
    return _CLOUD_ALIASES.get(lower, lower)


def cloud_of(scenario: Scenario, provider: str) -> str:
    """The SkyPilot cloud of a scenario provider (see the module docstring).

    Raises:
        KeyError: no such provider in the scenario.
    """
    p = scenario.providers[provider]
    if p.skypilot is not None:
        return normalize_cloud(p.skypilot.cloud)
    name = normalize_cloud(provider)
    return name if name in SKYPILOT_CLOUDS else KUBERNETES


def region_of(scenario: Scenario, site: str) -> str | None:
    """The SkyPilot region of a site, ``None`` for any region of its cloud.

    Raises:
        KeyError: no such site in the scenario.
    """
    s = scenario.sites[site]
    if s.skypilot is not None:
        return s.skypilot.region
    return site if cloud_of(scenario, s.provider) == KUBERNETES else None


@dataclass(frozen=True, order=True)
class Location:
    """A SkyPilot cloud and region (``None``: any region) holding a provider's capacity."""

    cloud: str
    region: str | None
    provider: str

    @property
    def infra(self) -> str:
        """SkyPilot's ``infra`` string, ``cloud`` or ``cloud/region``."""
        return self.cloud if self.region is None else f"{self.cloud}/{self.region}"


def locations(scenario: Scenario, provider: str) -> list[Location]:
    """Where a provider's sites are in SkyPilot, without repeats, sorted.

    One ``Location`` per distinct region of its sites; a single any-region location when
    one of its sites has no region (or it has no site).
    """
    cloud = cloud_of(scenario, provider)
    regions = [
        region_of(scenario, name) for name, s in scenario.sites.items() if s.provider == provider
    ]
    if not regions or None in regions:
        return [Location(cloud, None, provider)]
    return sorted({Location(cloud, r, provider) for r in regions if r is not None})


def outside(cloud: str) -> str:
    """The provider name standing for a cloud that no scenario provider maps to.

    It contains ``:``, which scenario names cannot, so no contract names it as counterparty.
    """
    return f"skypilot:{normalize_cloud(cloud)}"


def providers_at(scenario: Scenario, cloud: str, region: str | None) -> list[str]:
    """Scenario providers whose capacity a SkyPilot cloud and region may be, sorted.

    The providers whose cloud is ``cloud``; when several share it (say two campuses on
    ``kubernetes``), those with a site in ``region`` or in any region, if ``region``
    singles some out. A cloud that no provider maps to yields ``[outside(cloud)]``.
    """
    cloud = normalize_cloud(cloud)
    found = sorted(p for p in scenario.providers if cloud_of(scenario, p) == cloud)
    if not found:
        return [outside(cloud)]
    if len(found) > 1 and region is not None:
        here = [
            p for p in found if any(loc.region in (None, region) for loc in locations(scenario, p))
        ]
        return here or found
    return found


def skypilot_accelerator(name: str) -> str:
    """SkyPilot's name of a scenario accelerator (``h100`` -> ``H100``; unknown: upper case)."""
    return _ACCELERATORS.get(name.lower(), name.upper())
