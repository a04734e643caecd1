"""Fixtures of the cross-check suite: real runs of the console script, once per session.

Each built-in is planned once (``gigawatt plan NAME --out DIR``, about 20-30 s), the
small generated scenarios once each with ``--json --out DIR``, the comparison of the
two built-ins once (``--no-clauses``) and a serial sweep of the tiny scenario once.
Output is captured as printed to a pipe 80 columns wide.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from crosscheck_generated import generated
from crosscheck_runs import BUILTINS, SEEDS, TINY, Planned, run


@pytest.fixture(scope="session")
def builtin_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Planned]:
    out = {}
    for name in BUILTINS:
        folder = tmp_path_factory.mktemp(name) / "plan"
        text = run("plan", name, "--out", str(folder))
        out[name] = Planned(name, folder, text, None, cash=True)
    return out


@pytest.fixture(scope="session")
def generated_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Planned]:
    out = {}
    for seed in SEEDS:
        base = tmp_path_factory.mktemp(f"generated-{seed}")
        scenario = base / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(generated(seed), sort_keys=False))
        folder = base / "plan"
        data = json.loads(run("plan", str(scenario), "--json", "--out", str(folder)))
        text = run("plan", str(scenario))
        out[f"generated-{seed}"] = Planned(f"generated-{seed}", folder, text, data, cash=True)
    return out


@pytest.fixture(scope="session")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("compare") / "out"
    data = json.loads(run("compare", *BUILTINS, "--no-clauses", "--json", "--out", str(folder)))
    return folder, data


@pytest.fixture(scope="session")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("sweep") / "out"
    data = json.loads(
        run(
            "sweep", str(TINY), "-n", "4", "--seed", "3", "--serial", "--json", "--out", str(folder)
        )
    )
    return folder, data
