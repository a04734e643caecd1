"""The admin policy on real SkyPilot requests (``sky.Task``, ``sky.Resources``,
``sky.UserRequest``), allowed, narrowed and rejected cases; no cloud is contacted.

Expected outcomes are worked by hand from tests/integrations/scenario.yaml (its header
lists the clauses); a grid test checks the policy against ``rules.may_use`` everywhere.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from skypilot_fixtures import SCENARIO, placement

from gigawatt.integrations.skypilot import check_location, providers_at
from gigawatt.integrations.skypilot.task import dump_task, task_config
from gigawatt.scenario import Scenario, parse_month
from gigawatt.scenario.rules import may_use

sky = pytest.importorskip("sky")
from sky.server.requests.request_names import AdminPolicyRequestName  # noqa: E402

from gigawatt.integrations.skypilot.policy import (  # noqa: E402
    MONTH_ENV,
    SCENARIO_ENV,
    ScenarioPolicy,
    check_task_file,
)

Rejected = sky.exceptions.UserRequestRejectedByPolicy


def _policy(month: str) -> type[ScenarioPolicy]:
    return type("TestPolicy", (ScenarioPolicy,), {"scenario_source": SCENARIO, "month": month})


def _task(infra: str | None, *tags: str, placement_id: str | None = None) -> sky.Task:
    labels = {f"gigawatt-tag-{t}": "true" for t in tags}
    task = sky.Task(name="t", run="echo hi")
    if placement_id is not None:
        task.update_envs({"GIGAWATT_PLACEMENT_ID": placement_id})
    return task.set_resources(sky.Resources(infra=infra, accelerators="H100:8", labels=labels))


def _request(task: sky.Task, name: str = "CLUSTER_LAUNCH") -> sky.UserRequest:
    return sky.UserRequest(
        task=task,
        skypilot_config=sky.Config({"jobs": {"controller": {}}}),
        request_name=AdminPolicyRequestName[name],
    )


def _run(month: str, task: sky.Task, name: str = "CLUSTER_LAUNCH") -> sky.MutatedUserRequest:
    return _policy(month).validate_and_mutate(_request(task, name))


def _where(task: sky.Task) -> list[str]:
    """Each resources option as ``cloud/region`` (``*`` = none), in the task's order."""
    out = [r.infra.to_str() if r.cloud is not None else "*" for r in task.resources]
    return out if isinstance(task.resources, list) else sorted(out)


# --- named clouds: allowed or rejected ----------------------------------------------------


@pytest.mark.parametrize(
    ("month", "infra", "tags"),
    [
        ("2026-01", "azure/eastus", ["api"]),
        ("2026-01", "azure/northeurope", ["api"]),  # any Azure region is Azure's capacity
        ("2026-01", "azure", ["frontier"]),  # ROFR counterparty itself
        ("2026-03", "oci", ["frontier"]),  # ROFR ended 2026-02
        ("2026-01", "aws", ["batch"]),  # exclusivity starts 2026-02
        ("2026-02", "kubernetes/cw-plano", ["batch"]),
        ("2026-02", "gcp", []),  # untagged: no clause covers it
        ("2026-02", "kubernetes/abilene", ["secret"]),  # pinned to stargate until 2026-02
    ],
)
def test_allowed_unchanged(month: str, infra: str, tags: list[str]) -> None:
    task = _task(infra, *tags)
    before = task.to_yaml_config()
    out = _run(month, task)
    assert out.task.to_yaml_config() == before
    assert out.skypilot_config == {"jobs": {"controller": {}}}


@pytest.mark.parametrize(
    ("month", "infra", "tags", "message"),
    [
        ("2026-01", "oci", ["api"],
         "contract microsoft clause 1 (pin): workloads tagged 'api' may only run on azure in "
         "2026-01, not on oci"),
        ("2026-01", "kubernetes/abilene", ["api", "research"],
         "contract microsoft clause 1 (pin): workloads tagged 'api'"),
        ("2026-02", "kubernetes/abilene", ["batch"],
         "contract coreweave-deal clause 1 (exclusive): workloads tagged 'batch' may only run "
         "on kubernetes (coreweave) in 2026-02, not on kubernetes/abilene"),
        ("2026-02", "lambda", ["batch"], "contract coreweave-deal clause 1 (exclusive)"),
        ("2026-02", "kubernetes", ["batch"], "contract coreweave-deal clause 1 (exclusive)"),
        ("2026-01", "gcp", ["secret"], "contract stargate-deal clause 1 (pin)"),
        ("2026-03", "kubernetes/abilene", ["secret"], "contract microsoft clause 3 (pin)"),
        ("2026-01", "oci", ["frontier"],
         "contract microsoft clause 2 (right_of_first_refusal): azure has first refusal on "
         "workloads tagged 'frontier' in 2026-01, so oci needs a broker placement"),
    ],
)  # fmt: skip
def test_rejected_naming_the_clause(month: str, infra: str, tags: list[str], message: str) -> None:
    with pytest.raises(Rejected) as info:
        _run(month, _task(infra, *tags))
    assert message in str(info.value)


def test_rofr_is_the_brokers_job_for_a_placement() -> None:
    # The broker offered it to azure first; the task of the placement may go elsewhere ...
    assert _where(_run("2026-01", _task("oci", "frontier", placement_id="7")).task) == ["oci"]
    # ... but a placement id does not lift a pin.
    with pytest.raises(Rejected, match=r"contract microsoft clause 1 \(pin\)"):
        _run("2026-01", _task("oci", "api", placement_id="7"))


# --- no cloud named: narrowed -------------------------------------------------------------


def test_pinned_task_is_narrowed_to_the_counterparty() -> None:
    out = _run("2026-01", _task(None, "api")).task
    assert isinstance(out.resources, set)  # any_of: no preference between Azure regions
    assert _where(out) == ["azure/eastus", "azure/westus2"]
    assert all(r.accelerators == {"H100": 8} for r in out.resources)
    assert all(r.labels == {"gigawatt-tag-api": "true"} for r in out.resources)
    assert "any_of" in out.to_yaml_config()["resources"]


def test_exclusive_task_is_narrowed_to_the_coreweave_context() -> None:
    assert _where(_run("2026-02", _task(None, "batch")).task) == ["kubernetes/cw-plano"]
    assert _where(_run("2026-01", _task(None, "batch")).task) == ["*"]  # not yet exclusive


def test_rofr_task_tries_the_counterparty_first() -> None:
    out = _run("2026-01", _task(None, "frontier")).task
    assert isinstance(out.resources, list)  # ordered: azure first, then anywhere
    assert _where(out) == ["azure/eastus", "azure/westus2", "*"]
    assert "ordered" in out.to_yaml_config()["resources"]
    assert _where(_run("2026-03", _task(None, "frontier")).task) == ["*"]


def test_no_cloud_left_is_rejected() -> None:
    with pytest.raises(Rejected, match=r"contract microsoft clause 3 \(pin\).*no cloud is left"):
        _run("2026-03", _task(None, "secret"))


def test_untagged_task_is_left_alone() -> None:
    task = _task(None)
    before = task.to_yaml_config()
    assert _run("2026-01", task).task.to_yaml_config() == before


def test_each_option_of_any_of_is_checked() -> None:
    task = sky.Task(run="x").set_resources(
        {
            sky.Resources(infra="azure", accelerators="H100:8", labels={"gigawatt-tag-api": "1"}),
            sky.Resources(infra="oci", accelerators="H100:8"),  # tags come from every option
        }
    )
    with pytest.raises(Rejected, match="not on oci"):
        _run("2026-01", task)


def test_controllers_pass_unchanged() -> None:
    out = _run("2026-01", _task("oci", "api"), name="JOBS_LAUNCH_CONTROLLER")
    assert _where(out.task) == ["oci"]


# --- configuration and SkyPilot's own machinery -------------------------------------------


def test_scenario_and_month_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCENARIO_ENV, SCENARIO)
    monkeypatch.setenv(MONTH_ENV, "2026-02")
    assert ScenarioPolicy.scenario().name == "skypilot-test"
    assert str(ScenarioPolicy.current_month()) == "2026-02"
    monkeypatch.setenv(MONTH_ENV, "2026-13")
    with pytest.raises(Rejected, match="GIGAWATT_SKYPILOT_MONTH"):
        ScenarioPolicy.current_month()
    monkeypatch.setenv(SCENARIO_ENV, "/no/such/scenario.yaml")
    with pytest.raises(Rejected, match="cannot load scenario"):
        ScenarioPolicy.scenario()


def test_default_scenario_pins_the_api_to_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCENARIO_ENV, raising=False)
    monkeypatch.setenv(MONTH_ENV, "2026-06")
    with pytest.raises(Rejected, match=r"contract microsoft-2025-01 clause 1 \(pin\)"):
        ScenarioPolicy.validate_and_mutate(_request(_task("oci", "api")))


def test_registered_in_skypilot_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """SkyPilot loads the class from its config key and applies it as on ``sky launch``."""
    from sky import skypilot_config
    from sky.utils import admin_policy_utils, config_utils

    monkeypatch.setenv(SCENARIO_ENV, SCENARIO)
    monkeypatch.setenv(MONTH_ENV, "2026-01")
    config = config_utils.Config({"admin_policy": "gigawatt.integrations.skypilot.ScenarioPolicy"})
    with skypilot_config.replace_skypilot_config_in_process(config):
        dag, _ = admin_policy_utils.apply(_task(None, "api"), AdminPolicyRequestName.CLUSTER_LAUNCH)
        assert _where(dag.tasks[0]) == ["azure/eastus", "azure/westus2"]
        with pytest.raises(Rejected, match=r"contract microsoft clause 1 \(pin\)"):
            admin_policy_utils.apply(_task("oci", "api"), AdminPolicyRequestName.CLUSTER_LAUNCH)


def test_generated_task_passes_the_policy(scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(dump_task(task_config(scenario, placement(tags=["api"]))), encoding="utf-8")
    assert check_task_file(path, scenario, parse_month("2026-01"))["status"] == "allowed"
    moved = placement(tags=["api"], site="oci-phoenix", provider="oci")
    path.write_text(dump_task(task_config(scenario, moved)), encoding="utf-8")
    result = check_task_file(path, scenario, parse_month("2026-01"))
    assert result["status"] == "rejected" and "clause 1 (pin)" in result["message"]


def test_pins_agree_with_the_shared_rules_everywhere(scenario: Scenario) -> None:
    """Named cloud, placement given (ROFR out of the way): allowed iff ``may_use`` allows
    every provider the cloud may be, for every tag set, cloud and month."""
    tag_sets = [list(c) for n in range(3) for c in itertools.combinations(
        ["api", "frontier", "batch", "secret", "other"], n)]  # fmt: skip
    clouds = [("azure", "eastus"), ("oci", None), ("lambda", None), ("kubernetes", "abilene"),
              ("kubernetes", "cw-plano"), ("kubernetes", None), ("gcp", None)]  # fmt: skip
    checked = 0
    for month in scenario.timeline.months:
        for tags in tag_sets:
            for cloud, region in clouds:
                expected = all(
                    may_use(scenario, tags, p, month)[0]
                    for p in providers_at(scenario, cloud, region)
                )
                got = check_location(scenario, tags, cloud, region, month, placed=True)
                assert (got is None) == expected, (month, tags, cloud, region, got)
                checked += 1
    assert checked == 4 * 16 * 7


@pytest.mark.parametrize(("month", "tags"), [("2026-01", ["frontier"]), ("2026-01", ["api"])])
def test_applying_twice_changes_nothing_more(month: str, tags: list[str]) -> None:
    """SkyPilot may apply a policy on the client and again on the API server."""
    once = _run(month, _task(None, *tags)).task
    first = once.to_yaml_config()
    assert _run(month, once).task.to_yaml_config() == first
