"""SkyPilot task files from broker placements (no SkyPilot import needed to write them).

A placed placement of ``count`` accelerators at a site becomes::

    name: gigawatt-placement-<id>
    num_nodes: count / per_node                # 1 when count <= per_node
    resources:
      cloud: <cloud of the site's provider>
      region: <site region>                    # left out when the site has none
      accelerators: "<SkyPilot name>:<min(count, per_node)>"
      labels: {gigawatt-tag-<tag>: "true", ..., gigawatt-placement: "<id>"}
    envs: {GIGAWATT_PLACEMENT_ID, GIGAWATT_PLACEMENT_START, GIGAWATT_PLACEMENT_END,
           GIGAWATT_SITE}
    run: <--run, or a placeholder that echoes the placement>

``per_node`` defaults to 4 for GB200, GB300 and VR200 (four GPUs to a compute tray)
and 8 otherwise (an HGX server); a count above it must be a multiple of it.

Tags become one label each (``gigawatt-tag-api: "true"``): label keys of that form are
valid on every cloud SkyPilot labels, while a list in one value is not (GCP forbids
commas). :func:`tags_from_labels` reads them back.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from gigawatt.errors import GigawattError
from gigawatt.integrations.skypilot.mapping import cloud_of, region_of, skypilot_accelerator
from gigawatt.scenario.schema import Scenario

__all__ = [
    "PLACEMENT_ENV",
    "PLACEMENT_LABEL",
    "TAG_LABEL_PREFIX",
    "PlacementError",
    "dump_task",
    "load_placement",
    "read_placement",
    "tags_from_labels",
    "task_config",
]

TAG_LABEL_PREFIX = "gigawatt-tag-"
PLACEMENT_LABEL = "gigawatt-placement"
PLACEMENT_ENV = "GIGAWATT_PLACEMENT_ID"
_TRAY_OF_4 = frozenset({"GB200", "GB300", "VR200"})
_REQUIRED = ("id", "status", "site", "provider", "accelerator", "count", "start", "end")


class PlacementError(GigawattError):
    """A placement cannot become a SkyPilot task (unreadable, not placed, or uneven)."""

    exit_code = 2


def read_placement(path: str | Path) -> dict[str, Any]:
    """A placement from a JSON file, as ``gigawatt broker place --json`` prints it.

    Raises:
        PlacementError: the file is missing or is not one placement object.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlacementError(
            f"{p}: no such file; give a placement id with --url, or a JSON file written "
            "by `gigawatt broker place --json`"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlacementError(f"{p}: not a placement JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise PlacementError(f"{p}: expected one placement object, got {type(data).__name__}")
    return data


def load_placement(spec: str, *, url: str, token: str | None) -> dict[str, Any]:
    """A placement from a JSON file, or by id from the broker at ``url``.

    ``spec`` is a file when such a file exists or it is not a number; else an id.

    Raises:
        PlacementError: an unreadable file.
        gigawatt.broker.client.BrokerClientError: the broker refused or was not reached.
    """
    if Path(spec).exists() or not spec.isdigit():
        return read_placement(spec)
    from gigawatt.broker.client import BrokerClient

    with BrokerClient(url, token) as client:
        return client.placement(int(spec))


def _check(placement: dict[str, Any]) -> None:
    missing = [k for k in _REQUIRED if k not in placement]
    if missing:
        raise PlacementError(
            f"placement lacks {', '.join(missing)}; give the object that "
            "`gigawatt broker place --json` prints"
        )
    if placement["status"] != "placed":
        raise PlacementError(
            f"placement {placement['id']} is {placement['status']}, not placed; only placed "
            "placements have a site to launch on (an offered one waits for the counterparty)"
        )


def _nodes(count: int, per_node: int, pid: object) -> tuple[int, int]:
    """(num_nodes, accelerators per node) for ``count`` accelerators, ``per_node`` a node."""
    if per_node < 1:
        raise PlacementError(f"--per-node must be at least 1, got {per_node}")
    if count <= per_node:
        return 1, count
    if count % per_node:
        raise PlacementError(
            f"placement {pid} holds {count} accelerators, not a multiple of {per_node} per "
            f"node; pass --per-node with a divisor of {count}"
        )
    return count // per_node, per_node


def task_config(
    scenario: Scenario,
    placement: dict[str, Any],
    *,
    run: str | None = None,
    per_node: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The SkyPilot task (as YAML-ready data) running a placement (module docstring).

    Raises:
        PlacementError: not placed, fields missing, a site the scenario lacks, or a
            count that does not split into nodes of ``per_node``.
    """
    _check(placement)
    pid, site = placement["id"], str(placement["site"])
    if site not in scenario.sites:
        raise PlacementError(
            f"placement {pid} is at site {site!r}, which scenario {scenario.name} lacks; "
            "pass the scenario the broker serves (--scenario)"
        )
    accelerator = skypilot_accelerator(str(placement["accelerator"]))
    if per_node is None:
        per_node = 4 if accelerator in _TRAY_OF_4 else 8
    nodes, each = _nodes(int(placement["count"]), per_node, pid)
    resources: dict[str, Any] = {"cloud": cloud_of(scenario, scenario.sites[site].provider)}
    region = region_of(scenario, site)
    if region is not None:
        resources["region"] = region
    resources["accelerators"] = f"{accelerator}:{each}"
    labels = {f"{TAG_LABEL_PREFIX}{t}": "true" for t in placement.get("tags") or []}
    labels[PLACEMENT_LABEL] = str(pid)
    resources["labels"] = labels
    return {
        "name": name or f"gigawatt-placement-{pid}",
        "num_nodes": nodes,
        "resources": resources,
        "envs": {
            PLACEMENT_ENV: str(pid),
            "GIGAWATT_PLACEMENT_START": str(placement["start"]),
            "GIGAWATT_PLACEMENT_END": str(placement["end"]),
            "GIGAWATT_SITE": site,
        },
        "run": run
        or (
            'echo "gigawatt placement $GIGAWATT_PLACEMENT_ID at $GIGAWATT_SITE from '
            '$GIGAWATT_PLACEMENT_START to $GIGAWATT_PLACEMENT_END: replace this run command"'
        ),
    }


def dump_task(config: dict[str, Any]) -> str:
    """YAML text of a task config, keys in the order given."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(config, out)
    return out.getvalue()


def tags_from_labels(labels: dict[str, str] | None) -> list[str]:
    """Workload tags carried by ``gigawatt-tag-<tag>`` labels, sorted."""
    return sorted(
        k[len(TAG_LABEL_PREFIX) :]
        for k, v in (labels or {}).items()
        if k.startswith(TAG_LABEL_PREFIX) and str(v).lower() not in ("false", "0", "")
    )
