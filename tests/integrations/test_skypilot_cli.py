"""``gigawatt skypilot task|check``: from a placement file and from a live broker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from skypilot_fixtures import SCENARIO, placement
from typer.testing import CliRunner

from gigawatt.cli import _register, app

sky = pytest.importorskip("sky")

_register()
runner = CliRunner()
ADMIN = "skypilot-test-admin"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _placement_file(tmp_path: Path, **over: object) -> str:
    path = tmp_path / "placement.json"
    path.write_text(json.dumps(placement(**over)), encoding="utf-8")
    return str(path)


def test_task_from_a_placement_file(tmp_path: Path) -> None:
    out = tmp_path / "job.yaml"
    code, text = _run(
        "skypilot", "task", _placement_file(tmp_path), "--scenario", SCENARIO,
        "--out", str(out), "--run", "python train.py",
    )  # fmt: skip
    assert code == 0, text
    assert f"wrote {out}" in text
    task = sky.Task.from_yaml(str(out))
    (res,) = task.resources
    assert (str(res.cloud), res.region, res.accelerators) == ("Azure", "eastus", {"H100": 8})
    assert task.num_nodes == 2 and task.run == "python train.py"


def test_task_json_and_stdout(tmp_path: Path) -> None:
    src = _placement_file(
        tmp_path, site="abilene", provider="stargate", accelerator="GB200", count=8
    )
    code, text = _run("skypilot", "task", src, "--scenario", SCENARIO, "--out", "-", "--json")
    assert code == 0, text
    data = json.loads(text)
    assert data["path"] is None
    assert data["task"]["resources"]["cloud"] == "kubernetes"
    assert data["task"]["resources"]["accelerators"] == "GB200:4"
    assert data["task"]["num_nodes"] == 2
    code, text = _run("skypilot", "task", src, "--scenario", SCENARIO, "--out", "-")
    assert code == 0 and text.startswith("name: gigawatt-placement-12\n")


def test_task_errors_are_messages(tmp_path: Path) -> None:
    src = _placement_file(tmp_path, status="offered")
    code, text = _run("skypilot", "task", src, "--scenario", SCENARIO)
    assert code == 2 and "is offered, not placed" in text and "Traceback" not in text
    code, text = _run("skypilot", "task", str(tmp_path / "none.json"))
    assert code == 2 and "no such file" in text
    code, text = _run("skypilot", "task", "5", "--url", "http://127.0.0.1:9")
    assert code == 1 and "cannot reach the broker" in text  # a failure of the run


def test_check_allowed_narrowed_rejected(tmp_path: Path) -> None:
    task = tmp_path / "t.yaml"
    task.write_text(
        "resources:\n  accelerators: H100:8\n  labels: {gigawatt-tag-api: 'true'}\nrun: echo\n",
        encoding="utf-8",
    )
    code, text = _run(
        "skypilot", "check", str(task), "--scenario", SCENARIO, "--month", "2026-01", "--json"
    )
    assert code == 0, text
    data = json.loads(text)
    assert data["status"] == "narrowed"
    assert sorted(r["infra"] for r in data["resources"]["any_of"]) == [
        "azure/eastus",
        "azure/westus2",
    ]
    task.write_text(task.read_text().replace("resources:\n", "resources:\n  infra: azure\n"))
    code, text = _run("skypilot", "check", str(task), "--scenario", SCENARIO, "--month", "2026-01")
    assert code == 0 and text.startswith("allowed in 2026-01")
    task.write_text(task.read_text().replace("infra: azure", "infra: oci"))
    code, text = _run("skypilot", "check", str(task), "--scenario", SCENARIO, "--month", "2026-01")
    assert code == 3 and "contract microsoft clause 1 (pin)" in text
    code, text = _run("skypilot", "check", str(task), "--month", "2026-1x")
    assert code == 2 and "--month" in text


# --- against a live broker ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    """``gigawatt serve`` on the test scenario, in a subprocess."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db = f"sqlite:///{tmp_path / 'b.db'}"
    cmd = [sys.executable, "-c", "from gigawatt.cli import main; main()", "serve",
           "--scenario", SCENARIO, "--db", db, "--port", str(port),
           "--now", "2026-01-01T00:00:00Z"]  # fmt: skip
    env = {**os.environ, "GIGAWATT_ADMIN_TOKEN": ADMIN}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"broker exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("broker did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.service
def test_task_of_a_live_placement(broker: str, tmp_path: Path) -> None:
    r = httpx.post(broker + "/v1/tokens", json={"role": "team", "name": "lab"},
                   headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)  # fmt: skip
    assert r.status_code == 201, r.text
    common = ["--url", broker, "--token", r.json()["token"]]
    window = ["--start", "2026-01-05T00:00:00Z", "--end", "2026-01-05T06:00:00Z"]
    code, text = _run("broker", "place", "--accelerator", "H100", "--count", "16",
                      "--tags", "api", *window, *common, "--json")  # fmt: skip
    assert code == 0, text
    placed = json.loads(text)
    # The pin keeps api on azure; azure's only H100 are at azure-east (eastus).
    assert (placed["status"], placed["site"]) == ("placed", "azure-east")
    out = tmp_path / "p.yaml"
    code, text = _run("skypilot", "task", str(placed["id"]), "--scenario", SCENARIO,
                      "--out", str(out), *common)  # fmt: skip
    assert code == 0, text
    task = sky.Task.from_yaml(str(out))
    (res,) = task.resources
    assert (str(res.cloud), res.region, task.num_nodes) == ("Azure", "eastus", 2)
    assert task.envs["GIGAWATT_PLACEMENT_ID"] == str(placed["id"])
    code, text = _run("skypilot", "check", str(out), "--scenario", SCENARIO, "--month", "2026-01")
    assert code == 0 and text.startswith("allowed")
    # frontier GB200: cheapest at abilene, so azure gets the ROFR offer first: not placed yet.
    code, text = _run("broker", "place", "--accelerator", "GB200", "--count", "8",
                      "--tags", "frontier", *window, *common, "--json")  # fmt: skip
    assert code == 0, text
    offered = json.loads(text)
    assert offered["status"] == "offered"
    code, text = _run("skypilot", "task", str(offered["id"]), "--scenario", SCENARIO, *common)
    assert code == 2 and "is offered, not placed" in text
    code, text = _run("skypilot", "task", "999", "--scenario", SCENARIO, *common)
    assert code == 2 and "404" in text


@pytest.mark.service
def test_the_policy_confirms_placement_ids_with_the_broker(
    broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sky.server.requests.request_names import AdminPolicyRequestName

    from gigawatt.integrations.skypilot.policy import (
        BROKER_ENV,
        BROKER_TOKEN_ENV,
        ScenarioPolicy,
        apply_clauses,
        broker_lookup,
    )
    from gigawatt.scenario import load_scenario, parse_month

    r = httpx.post(broker + "/v1/tokens", json={"role": "team", "name": "lab"},
                   headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)  # fmt: skip
    token = r.json()["token"]
    common = ["--url", broker, "--token", token, "--json"]
    window = ["--start", "2026-01-05T00:00:00Z", "--end", "2026-01-05T06:00:00Z"]
    _, text = _run("broker", "place", "--accelerator", "H100", "--count", "16",
                   "--tags", "api", *window, *common)  # fmt: skip
    api = json.loads(text)
    _, text = _run("broker", "place", "--accelerator", "GB200", "--count", "8",
                   "--tags", "frontier", *window, *common)  # fmt: skip
    offered = json.loads(text)
    assert (api["status"], api["provider"], offered["status"]) == ("placed", "azure", "offered")
    scenario, month = load_scenario(SCENARIO), parse_month("2026-01")
    lookup = broker_lookup(broker, token)

    def task(infra: str, tag: str, placement_id: object) -> sky.Task:
        t = sky.Task(name="t", run="echo hi")
        t.update_envs({"GIGAWATT_PLACEMENT_ID": str(placement_id)})
        labels = {f"gigawatt-tag-{tag}": "true"}
        return t.set_resources(sky.Resources(infra=infra, accelerators="H100:8", labels=labels))

    Rejected = sky.exceptions.UserRequestRejectedByPolicy
    allowed = apply_clauses(task("azure", "api", api["id"]), scenario, month, lookup)
    assert [str(x.cloud) for x in allowed.resources] == ["Azure"]
    a, o = api["id"], offered["id"]
    cases = [
        (task("oci", "api", a), f"placement {a} is at azure (azure-east), not on oci"),
        (
            task("oci", "frontier", a),
            f"placement {a} was placed for tags ['api'], not for ['frontier']",
        ),
        (task("oci", "frontier", o), f"placement {o} is offered, not placed"),
        (
            task("oci", "frontier", 999),
            "cannot confirm placement 999 with the broker: broker said 404",
        ),
        (task("oci", "frontier", "x1"), "cannot confirm placement x1 with the broker"),
    ]
    for t, message in cases:
        with pytest.raises(Rejected) as info:
            apply_clauses(t, scenario, month, lookup)
        assert message in str(info.value)
    # Without a broker the id is taken on trust: the ROFR is lifted (the pin still holds).
    trusted = apply_clauses(task("oci", "frontier", offered["id"]), scenario, month)
    assert [str(x.cloud) for x in trusted.resources] == ["OCI"]
    # Configured by environment, the registered policy asks the broker too.
    monkeypatch.setenv(BROKER_ENV, broker)
    monkeypatch.setenv(BROKER_TOKEN_ENV, token)
    policy = type("P", (ScenarioPolicy,), {"scenario_source": SCENARIO, "month": "2026-01"})
    request = sky.UserRequest(
        task=task("oci", "frontier", offered["id"]),
        skypilot_config=sky.Config({}),
        request_name=AdminPolicyRequestName["CLUSTER_LAUNCH"],
    )
    with pytest.raises(Rejected, match="is offered, not placed"):
        policy.validate_and_mutate(request)
