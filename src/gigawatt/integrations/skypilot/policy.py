"""A SkyPilot admin policy that applies a scenario's contract clauses to every request.

Register it in SkyPilot's config (``~/.sky/config.yaml`` or the API server's)::

    admin_policy: gigawatt.integrations.skypilot.ScenarioPolicy

For each task of a request, its workload tags are read from ``gigawatt-tag-<tag>``
labels of its resources, and for each resources option:

* it names a cloud: :func:`~gigawatt.integrations.skypilot.clauses.check_location`
  decides; a forbidden request raises ``sky.exceptions.UserRequestRejectedByPolicy``
  with the contract and clause named;
* it names no cloud: :func:`~gigawatt.integrations.skypilot.clauses.narrow` replaces it
  by copies on the allowed clouds (``any_of``), or, under a right of first refusal, by
  the counterparty's clouds first and then the rest (``ordered``).

A task carrying ``GIGAWATT_PLACEMENT_ID`` (written by ``gigawatt skypilot task``) comes
from a broker placement, on which the broker already ran the right of first refusal:
such a task may name a cloud other than the counterparty's. With a broker configured
(``broker_url``/``broker_token``, else ``GIGAWATT_SKYPILOT_BROKER`` and
``GIGAWATT_SKYPILOT_BROKER_TOKEN``) the policy asks it, and the placement must exist, be
placed, and be at a provider of the cloud the task names; without one it takes the id
on trust. Pins and exclusivity apply either way.

The scenario is the class attribute ``scenario_source``, else the environment variable
``GIGAWATT_SKYPILOT_SCENARIO``, else the built-in default (a path or a built-in name).
The month is ``month`` (``YYYY-MM``), else ``GIGAWATT_SKYPILOT_MONTH``, else the current
UTC month. Subclass to fix either::

    class LabPolicy(ScenarioPolicy):
        scenario_source = "/etc/gigawatt/lab.yaml"

Controller requests (``jobs.launch_controller``, ``serve.launch_controller``) pass
unchanged: they run no workload.

Importing this module imports SkyPilot (``pip install 'gigawatt[skypilot]'``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import sky
from sky import exceptions as sky_exceptions
from sky.server.requests import request_names

from gigawatt.errors import GigawattError, InputError
from gigawatt.integrations.skypilot.clauses import Narrowing, Rejection, check_location, narrow
from gigawatt.integrations.skypilot.mapping import normalize_cloud, providers_at
from gigawatt.integrations.skypilot.task import PLACEMENT_ENV, tags_from_labels
from gigawatt.scenario.load import DEFAULT_SCENARIO, load_scenario
from gigawatt.scenario.timeline import Month, parse_month

if TYPE_CHECKING:
    from gigawatt.scenario.schema import Scenario

__all__ = [
    "BROKER_ENV",
    "BROKER_TOKEN_ENV",
    "MONTH_ENV",
    "SCENARIO_ENV",
    "PlacementLookup",
    "ScenarioPolicy",
    "apply_clauses",
    "broker_lookup",
    "check_task_file",
]

SCENARIO_ENV = "GIGAWATT_SKYPILOT_SCENARIO"
MONTH_ENV = "GIGAWATT_SKYPILOT_MONTH"
BROKER_ENV = "GIGAWATT_SKYPILOT_BROKER"
BROKER_TOKEN_ENV = "GIGAWATT_SKYPILOT_BROKER_TOKEN"

#: Placement id -> the broker's record of it (raises GigawattError when it cannot say).
PlacementLookup = Callable[[str], dict[str, Any]]
_CONTROLLERS = frozenset(
    {
        request_names.AdminPolicyRequestName.JOBS_LAUNCH_CONTROLLER,
        request_names.AdminPolicyRequestName.SERVE_LAUNCH_CONTROLLER,
    }
)


@functools.lru_cache(maxsize=8)
def _load(source: str, mtime_ns: int) -> Scenario:
    del mtime_ns  # part of the cache key: an edited file is read again
    return load_scenario(source)


def _scenario(source: str) -> Scenario:
    path = Path(source)
    mtime_ns = path.stat().st_mtime_ns if path.is_file() else 0
    return _load(source, mtime_ns)


def _reject(message: str) -> sky_exceptions.UserRequestRejectedByPolicy:
    return sky_exceptions.UserRequestRejectedByPolicy(f"gigawatt policy: {message}")


def _expand(resources: sky.Resources, how: Narrowing) -> tuple[list[sky.Resources], bool]:
    """Copies of ``resources`` on the narrowed locations, and whether their order matters."""
    if how.unchanged:
        return [resources], False
    out = [resources.copy(infra=loc.infra) for loc in how.first]
    if how.then is None:
        out.append(resources)
    else:
        out += [resources.copy(infra=loc.infra) for loc in how.then]
    return out, bool(how.first)


def _key(resources: sky.Resources) -> str:
    """Identity of a resources option by value (``sky.Resources`` compares by identity)."""
    return json.dumps(resources.to_yaml_config(), sort_keys=True, default=str)


def broker_lookup(url: str, token: str | None) -> PlacementLookup:
    """A :data:`PlacementLookup` asking the broker at ``url`` (``GET /v1/placements/{id}``)."""

    def lookup(placement_id: str) -> dict[str, Any]:
        from gigawatt.broker.client import BrokerClient

        if not placement_id.isdigit():
            raise InputError(f"{PLACEMENT_ENV}={placement_id!r} is not a placement id")
        with BrokerClient(url, token, timeout_s=10.0) as client:
            return client.placement(int(placement_id))

    return lookup


def _check_placement(
    record: dict[str, Any],
    placement_id: str,
    scenario: Scenario,
    tags: list[str],
    cloud: str,
    region: str | None,
) -> str | None:
    """Why the broker's placement does not cover a request on ``cloud``, or None."""
    if record.get("status") != "placed":
        return f"placement {placement_id} is {record.get('status')}, not placed"
    extra = sorted(set(tags) - set(record.get("tags") or []))
    if extra:
        return (
            f"placement {placement_id} was placed for tags {sorted(record.get('tags') or [])}, "
            f"not for {extra}: place the workload with its own tags"
        )
    if record.get("provider") not in providers_at(scenario, cloud, region):
        at = cloud if region is None else f"{cloud}/{region}"
        return (
            f"placement {placement_id} is at {record.get('provider')} "
            f"({record.get('site')}), not on {at}"
        )
    return None


def apply_clauses(
    task: sky.Task, scenario: Scenario, month: Month, lookup: PlacementLookup | None = None
) -> sky.Task:
    """Check a task against the scenario's clauses in a month; narrow it when it names no cloud.

    Args:
        task: The task (changed in place when narrowed).
        scenario: The scenario whose contracts apply.
        month: The month the clauses are read at.
        lookup: How to verify the task's placement id with the broker; None takes it on
            trust.

    Raises:
        sky.exceptions.UserRequestRejectedByPolicy: a clause forbids where it asks to run,
            or the broker does not confirm the task's placement.
    """
    options = list(task.resources)
    tags = sorted({t for r in options for t in tags_from_labels(r.labels)})
    placement_id = str(task.envs.get(PLACEMENT_ENV) or "")
    placed = bool(placement_id)
    record: dict[str, Any] | None = None
    if placed and lookup is not None:
        try:
            record = lookup(placement_id)
        except GigawattError as exc:
            raise _reject(
                f"cannot confirm placement {placement_id} with the broker: {exc}"
            ) from None
    out: list[sky.Resources] = []
    ordered = isinstance(task.resources, list)
    for r in options:
        if r.cloud is not None:
            if record is not None:
                why = _check_placement(
                    record, placement_id, scenario, tags, normalize_cloud(str(r.cloud)), r.region
                )
                if why is not None:
                    raise _reject(why)
            found = check_location(
                scenario, tags, normalize_cloud(str(r.cloud)), r.region, month, placed=placed
            )
            if found is not None:
                raise _reject(str(found))
            out.append(r)
            continue
        how = narrow(scenario, tags, month)
        if isinstance(how, Rejection):
            raise _reject(str(how))
        copies, in_order = _expand(r, how)
        seen = {_key(o) for o in out}
        out += [c for c in copies if _key(c) not in seen]
        ordered = ordered or in_order
    if [_key(o) for o in out] != [_key(o) for o in options] or ordered != isinstance(
        task.resources, list
    ):
        task.set_resources(out if ordered else set(out))
    return task


def _resources_yaml(task: sky.Task) -> Any:
    return task.to_yaml_config().get("resources")


def check_task_file(path: str | Path, scenario: Scenario, month: Month) -> dict[str, Any]:
    """What the policy does to a SkyPilot task file: allowed, narrowed or rejected.

    Returns:
        ``{"status", "month", "message", "resources"}``: ``resources`` is the task's
        resources after the policy (before it when rejected), as in a task file.

    Raises:
        GigawattError: the file is not a SkyPilot task.
    """
    try:
        task = sky.Task.from_yaml(str(path))
    except Exception as exc:  # SkyPilot raises several types for a bad file
        raise InputError(f"{path}: not a SkyPilot task file ({exc})") from None
    before = _resources_yaml(task)
    try:
        after = _resources_yaml(apply_clauses(task, scenario, month))
    except sky_exceptions.UserRequestRejectedByPolicy as exc:
        return {"status": "rejected", "month": str(month), "message": str(exc), "resources": before}
    changed = after != before
    return {
        "status": "narrowed" if changed else "allowed",
        "month": str(month),
        "message": "no cloud named: resources narrowed by the clauses" if changed else "",
        "resources": after,
    }


class ScenarioPolicy(sky.AdminPolicy):
    """Applies a gigawatt scenario's pins, exclusivity and ROFR to SkyPilot requests."""

    #: Scenario file or built-in name; ``None``: ``GIGAWATT_SKYPILOT_SCENARIO`` or default.
    scenario_source: ClassVar[str | None] = None
    #: Month the clauses are read at (``YYYY-MM``); ``None``: env or the current month.
    month: ClassVar[str | None] = None
    #: Broker that confirms placement ids; ``None``: ``GIGAWATT_SKYPILOT_BROKER`` or none.
    broker_url: ClassVar[str | None] = None
    #: Token for it; ``None``: ``GIGAWATT_SKYPILOT_BROKER_TOKEN``.
    broker_token: ClassVar[str | None] = None

    @classmethod
    def lookup(cls) -> PlacementLookup | None:
        """How placement ids are confirmed: the configured broker, or None (on trust)."""
        url = cls.broker_url or os.environ.get(BROKER_ENV)
        if not url:
            return None
        return broker_lookup(url, cls.broker_token or os.environ.get(BROKER_TOKEN_ENV))

    @classmethod
    def scenario(cls) -> Scenario:
        """The scenario in force (cached until its file changes)."""
        source = cls.scenario_source or os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO
        try:
            return _scenario(source)
        except (GigawattError, OSError) as exc:
            raise _reject(
                f"cannot load scenario {source!r} ({exc}); set {SCENARIO_ENV} to a scenario "
                "file or built-in name"
            ) from None

    @classmethod
    def current_month(cls) -> Month:
        """The month the clauses are read at."""
        text = cls.month or os.environ.get(MONTH_ENV)
        if text:
            try:
                return parse_month(text)
            except ValueError as exc:
                raise _reject(f"{MONTH_ENV}: {exc}") from None
        now = dt.datetime.now(dt.UTC)
        return Month.of(now.year, now.month)

    @classmethod
    def validate_and_mutate(cls, user_request: sky.UserRequest) -> sky.MutatedUserRequest:
        """Reject a request a clause forbids; narrow one that names no cloud."""
        task = user_request.task
        if user_request.request_name not in _CONTROLLERS:
            task = apply_clauses(task, cls.scenario(), cls.current_month(), cls.lookup())
        return sky.MutatedUserRequest(task=task, skypilot_config=user_request.skypilot_config)
