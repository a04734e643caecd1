"""SkyPilot integration (``pip install 'gigawatt[skypilot]'``).

* :func:`task_config` / :func:`dump_task`: a SkyPilot task running a broker placement
  (``gigawatt skypilot task PLACEMENT``); these need no SkyPilot.
* :class:`ScenarioPolicy`: a ``sky.AdminPolicy`` applying a scenario's clauses to every
  SkyPilot request (``admin_policy: gigawatt.integrations.skypilot.ScenarioPolicy``). It is
  loaded on first access, so importing this package does not import SkyPilot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gigawatt.integrations.skypilot.clauses import (
    Narrowing,
    Rejection,
    check_location,
    clause_name,
    narrow,
)
from gigawatt.integrations.skypilot.mapping import (
    Location,
    cloud_of,
    locations,
    providers_at,
    region_of,
    skypilot_accelerator,
)
from gigawatt.integrations.skypilot.task import (
    PlacementError,
    dump_task,
    read_placement,
    tags_from_labels,
    task_config,
)

if TYPE_CHECKING:
    from gigawatt.integrations.skypilot.policy import ScenarioPolicy

__all__ = [
    "Location",
    "Narrowing",
    "PlacementError",
    "Rejection",
    "ScenarioPolicy",
    "check_location",
    "clause_name",
    "cloud_of",
    "dump_task",
    "locations",
    "narrow",
    "providers_at",
    "read_placement",
    "region_of",
    "skypilot_accelerator",
    "tags_from_labels",
    "task_config",
]


def __getattr__(name: str) -> Any:
    if name == "ScenarioPolicy":
        from gigawatt.integrations.skypilot.policy import ScenarioPolicy

        return ScenarioPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
