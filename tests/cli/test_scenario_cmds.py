"""The scenario commands, run through the real ``gigawatt`` console script.

Contract (design + errors.py): bad input exits 2 with ``file:line:col`` and the key path
on stderr and never a traceback; every command takes ``--json`` and then prints one
parseable JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from terminal_support import gigawatt_script

from gigawatt.scenario import DEFAULT_SCENARIO, builtin_names, builtin_text

DESIGN_EXAMPLE = Path(__file__).resolve().parents[1] / "scenario" / "design_example.yaml"


GIGAWATT = gigawatt_script()


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    proc = subprocess.run(
        [GIGAWATT, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
    return proc


def run_json(*args: str, cwd: Path | None = None, code: int = 0) -> Any:
    proc = run(*args, "--json", cwd=cwd)
    assert proc.returncode == code, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    text = DESIGN_EXAMPLE.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    pue: 1.2", "    peu: 1.2").replace(
            "usd_per_hour: 2.4", "usd_per_hour: -2.4"
        ),
        encoding="utf-8",
    )
    return path


# --- validate --------------------------------------------------------------------------


def test_validate_design_example() -> None:
    proc = run("validate", str(DESIGN_EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert "warning" in proc.stderr  # the design example has two warnings


def test_validate_bad_file(bad_file: Path, tmp_path: Path) -> None:
    proc = run("validate", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    err = proc.stderr
    assert "bad.yaml:18:5" in err
    assert "sites.azure-east.peu" in err
    assert "did you mean `pue`?" in err
    assert "bad.yaml:22:48" in err
    assert "sites.azure-east.offers[0].usd_per_hour" in err
    assert "2 error(s)" in err


def test_validate_bad_file_json(bad_file: Path) -> None:
    data = run_json("validate", str(bad_file), code=2)
    assert data["valid"] is False
    (entry,) = data["files"]
    assert entry["file"] == str(bad_file)
    assert entry["valid"] is False
    errors = [p for p in entry["problems"] if p["severity"] == "error"]
    located = {(p["line"], p["column"], p["key_path"]) for p in errors}
    assert (18, 5, "sites.azure-east.peu") in located
    assert (22, 48, "sites.azure-east.offers[0].usd_per_hour") in located
    for p in errors:
        assert p["file"] == str(bad_file)
        assert set(p) >= {"file", "line", "column", "key_path", "message", "hint", "severity"}


def test_validate_good_file_json() -> None:
    data = run_json("validate", str(DESIGN_EXAMPLE))
    assert data["valid"] is True
    (entry,) = data["files"]
    assert entry["valid"] is True
    # a tag no workload carries warns; a contract running past the horizon is a note
    assert {p["severity"] for p in entry["problems"]} == {"warning", "note"}


def test_validate_several_files(bad_file: Path) -> None:
    proc = run("validate", str(DESIGN_EXAMPLE), str(bad_file))
    assert proc.returncode == 2
    assert str(DESIGN_EXAMPLE) in proc.stdout
    assert f"{bad_file}:18:5" in proc.stderr
    data = run_json("validate", str(DESIGN_EXAMPLE), str(bad_file), code=2)
    assert [f["valid"] for f in data["files"]] == [True, False]


@pytest.mark.parametrize("name", builtin_names())
def test_validate_builtin_by_name(name: str) -> None:
    proc = run("validate", name)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "content, where",
    [
        ("name: x\nhorizon: {start: 2025-01, months: 72\nfoo: 1\n", ":3:"),
        ("", ":1:1"),
        ("- a\n- b\n", ":1:1"),
        ("name: a\nname: b\n", ":2:1"),
    ],
    ids=["yaml-syntax", "empty", "list", "duplicate-key"],
)
def test_validate_malformed(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(content, encoding="utf-8")
    proc = run("validate", str(path))
    assert proc.returncode == 2
    assert f"{path}{where}" in proc.stderr


def test_validate_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("name: x\nhorizon: {start: 2025-01, months: 72\nfoo: 1\n", encoding="utf-8")
    data = run_json("validate", str(path), code=2)
    assert data["valid"] is False
    (problem,) = data["files"][0]["problems"]
    assert (problem["file"], problem["line"]) == (str(path), 3)
    assert "YAML" in problem["message"]


def test_validate_missing_file(tmp_path: Path) -> None:
    proc = run("validate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert "not found" in proc.stderr


def test_validate_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    proc = run("validate", str(path))
    assert proc.returncode == 2
    assert "UTF-8" in proc.stderr


# --- scenarios -------------------------------------------------------------------------


def test_scenarios() -> None:
    proc = run("scenarios")
    assert proc.returncode == 0, proc.stderr
    assert DEFAULT_SCENARIO in proc.stdout


def test_scenarios_json() -> None:
    data = run_json("scenarios")
    names = [row["name"] for row in data["scenarios"]]
    assert names == builtin_names()
    assert DEFAULT_SCENARIO in names
    assert all(
        isinstance(row["description"], str) and row["description"] for row in data["scenarios"]
    )


# --- init ------------------------------------------------------------------------------


def test_init_then_validate(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    proc = run("init", DEFAULT_SCENARIO, str(target))
    assert proc.returncode == 0, proc.stderr
    assert target.read_text(encoding="utf-8") == builtin_text(DEFAULT_SCENARIO)
    proc = run("validate", str(target))
    assert proc.returncode == 0, proc.stderr
    data = run_json("validate", str(target))
    assert data["valid"] is True


def test_init_default_path_and_directory(tmp_path: Path) -> None:
    proc = run("init", DEFAULT_SCENARIO, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / f"{DEFAULT_SCENARIO}.yaml").is_file()
    sub = tmp_path / "sub"
    sub.mkdir()
    proc = run("init", DEFAULT_SCENARIO, str(sub))
    assert proc.returncode == 0, proc.stderr
    assert (sub / f"{DEFAULT_SCENARIO}.yaml").is_file()


def test_init_does_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    proc = run("init", DEFAULT_SCENARIO, str(target))
    assert proc.returncode == 2
    assert "--force" in proc.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"
    proc = run("init", DEFAULT_SCENARIO, str(target), "--force")
    assert proc.returncode == 0, proc.stderr
    assert target.read_text(encoding="utf-8") == builtin_text(DEFAULT_SCENARIO)


def test_init_json(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    data = run_json("init", DEFAULT_SCENARIO, str(target))
    assert data == {"written": str(target), "scenario": DEFAULT_SCENARIO}


def test_init_unknown_builtin(tmp_path: Path) -> None:
    proc = run("init", "no-such-scenario", str(tmp_path / "x.yaml"))
    assert proc.returncode == 2
    assert "no-such-scenario" in proc.stderr
    assert DEFAULT_SCENARIO in proc.stderr  # lists the built-ins
    assert not (tmp_path / "x.yaml").exists()
    data = run_json("init", "no-such-scenario", str(tmp_path / "x.yaml"), code=2)
    assert data["status"] == "error"


# --- show ------------------------------------------------------------------------------


def test_show_default() -> None:
    proc = run("show")
    assert proc.returncode == 0, proc.stderr
    assert DEFAULT_SCENARIO in proc.stdout


def test_show_default_json() -> None:
    data = run_json("show")
    assert data["name"] == DEFAULT_SCENARIO
    assert data["horizon"]["months"] >= 1
    assert data["sites"] and data["workloads"]


def test_show_file_json() -> None:
    data = run_json("show", str(DESIGN_EXAMPLE))
    assert data["name"] == "frontier-lab-2025"
    assert data["horizon"] == {"start": "2025-01", "end": "2030-12", "months": 72}
    assert data["providers"] == {"azure": "cloud", "oci": "cloud", "stargate": "owned"}
    assert {s["name"] for s in data["sites"]} == {"azure-east", "abilene"}
    assert [w["name"] for w in data["workloads"]] == ["partner-api", "frontier-2026"]
    assert [c["name"] for c in data["contracts"]] == ["microsoft-2025", "oracle-2025"]


def test_show_file_text() -> None:
    proc = run("show", str(DESIGN_EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    for word in ("frontier-lab-2025", "azure-east", "abilene", "partner-api", "min spend $250.0B"):
        assert word in proc.stdout


def test_show_bad_file(bad_file: Path) -> None:
    proc = run("show", str(bad_file))
    assert proc.returncode == 2
    assert f"{bad_file}:18:5" in proc.stderr
    assert "sites.azure-east.peu" in proc.stderr
    data = run_json("show", str(bad_file), code=2)
    assert data["status"] == "error"
    paths = {p["key_path"] for p in data["problems"]}
    assert "sites.azure-east.peu" in paths


# --- schema ----------------------------------------------------------------------------


def test_schema_text() -> None:
    """The reference lists every key path in full, even when piped (80 columns)."""
    proc = run("schema")
    assert proc.returncode == 0, proc.stderr
    for word in (
        "horizon.start",
        "discount_rate",
        "sites.<name>.offers[].usd_per_hour",
        "workloads[].revenue_usd_per_month",
        "contracts[].clauses[].percent",
        "penalties.shortfall_usd_per_flop",
        "FLOP/s",
        "USD per hour",
        # the financing entries (issue #20) each with its unit
        "finance.vendor[].usd_per_gw  (float, required, USD per GW)",
        "finance.debt[].rate_per_year  (float, required, fraction per year)",
        "finance.debt[].fee_percent  (float, default 0.0, %)",
        "finance.equity[].return_per_year  (float, required, fraction per year)",
        "contracts[].clauses[].decline_per_year  (float, default 0.0, fraction per year)",
        "contracts[].clauses[].cap_usd  (float, default none, USD)",
    ):
        assert word in proc.stdout, word


@pytest.fixture(scope="module")
def schema_json() -> dict[str, Any]:
    data: dict[str, Any] = run_json("schema")
    return data


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return out + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(schema: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = schema
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _named_values(node: dict[str, Any]) -> Any:
    """Schema of the values of a mapping keyed by names."""
    if isinstance(node.get("additionalProperties"), dict):
        return node["additionalProperties"]
    (value,) = node["patternProperties"].values()
    return value


def test_schema_json_is_a_json_schema(schema_json: dict[str, Any]) -> None:
    schema = schema_json
    assert schema.get("type") == "object"
    props = schema["properties"]
    assert {
        "name",
        "as_of",
        "horizon",
        "discount_rate",
        "accelerators",
        "providers",
        "sites",
        "workloads",
        "contracts",
        "finance",
        "penalties",
        "supply_limits",
        "uncertainty",
    } == set(props)
    assert set(schema["required"]) == {
        "name",
        "horizon",
        "accelerators",
        "providers",
        "sites",
        "workloads",
    }
    assert schema.get("additionalProperties") is False
    for ref in _refs(schema):
        target = _resolve(schema, ref)
        assert isinstance(target, dict), ref
    # Every object model forbids unknown keys, as the loader does.
    for name, model in schema.get("$defs", {}).items():
        if model.get("type") == "object" and "properties" in model:
            assert model.get("additionalProperties") is False, name
    # Month pattern and a site's offers are described.
    site = _resolve(schema, _named_values(props["sites"])["$ref"])
    assert "offers" in site["properties"]
    text = json.dumps(schema)
    assert "usd_per_hour" in text
    assert r"^\\d{4}-(0[1-9]|1[0-2])$" in text


def _instance_errors(schema: dict[str, Any], node: Any, value: Any, path: str) -> list[str]:
    """A tiny JSON Schema checker (enough for this schema: $ref, anyOf, oneOf, type...)."""
    if "$ref" in node:
        return _instance_errors(schema, _resolve(schema, node["$ref"]), value, path)
    for key in ("anyOf", "oneOf"):
        if key in node:
            if "discriminator" in node and isinstance(value, dict):
                prop = node["discriminator"]["propertyName"]
                mapping = node["discriminator"].get("mapping", {})
                if value.get(prop) in mapping:
                    return _instance_errors(schema, {"$ref": mapping[value[prop]]}, value, path)
            options = [_instance_errors(schema, o, value, path) for o in node[key]]
            if all(options):
                return [f"{path}: no option of {key} matches: {options}"]
            return []
    errors: list[str] = []
    t = node.get("type")
    types: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "number": (int, float),
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    if t is not None:
        allowed = t if isinstance(t, list) else [t]
        if not any(
            isinstance(value, types[a])
            and not (a in ("number", "integer") and isinstance(value, bool))
            for a in allowed
        ):
            return [f"{path}: {value!r} is not {t}"]
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{path}: {value!r} not in {node['enum']}")
    if "const" in node and value != node["const"]:
        errors.append(f"{path}: {value!r} != {node['const']!r}")
    if "pattern" in node and isinstance(value, str) and not re.search(node["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {node['pattern']}")
    if isinstance(value, dict):
        props = node.get("properties", {})
        for req in node.get("required", []):
            if req not in value:
                errors.append(f"{path}.{req}: missing")
        for k, v in value.items():
            if k in props:
                errors += _instance_errors(schema, props[k], v, f"{path}.{k}")
            elif any(re.search(pat, k) for pat in node.get("patternProperties", {})):
                for pat, sub in node["patternProperties"].items():
                    if re.search(pat, k):
                        errors += _instance_errors(schema, sub, v, f"{path}.{k}")
            elif isinstance(node.get("additionalProperties"), dict):
                errors += _instance_errors(schema, node["additionalProperties"], v, f"{path}.{k}")
            elif node.get("additionalProperties") is False:
                errors.append(f"{path}.{k}: not allowed")
    if isinstance(value, list):
        if isinstance(node.get("items"), dict):
            for i, v in enumerate(value):
                errors += _instance_errors(schema, node["items"], v, f"{path}[{i}]")
        for i, (sub, v) in enumerate(zip(node.get("prefixItems", []), value, strict=False)):
            errors += _instance_errors(schema, sub, v, f"{path}[{i}]")
    return errors


def test_schema_json_accepts_the_design_example(schema_json: dict[str, Any]) -> None:
    from ruamel.yaml import YAML

    schema = schema_json
    data = YAML(typ="safe", pure=True).load(DESIGN_EXAMPLE.read_text(encoding="utf-8"))

    def plain(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, list):
            return [plain(v) for v in x]
        return x

    assert _instance_errors(schema, schema, plain(data), "") == []
    # ... and the checker is not vacuous:
    broken = plain(data)
    broken["sites"]["abilene"]["peu"] = 1.2
    broken["horizon"]["start"] = "2025-13"
    errors = _instance_errors(schema, schema, broken, "")
    assert any("peu" in e for e in errors) and any("2025-13" in e for e in errors), errors


# --- every command -----------------------------------------------------------------------


def test_every_command_takes_json() -> None:
    """Every registered command (scenario, plan, trends, ...) has a --json option."""
    import typer

    from gigawatt.cli import _register, app

    _register()
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert {"scenarios", "init", "validate", "show", "schema"} <= set(commands)
    missing = [
        name
        for name, command in commands.items()
        if not any("--json" in getattr(p, "opts", []) for p in command.params)
    ]
    assert missing == []


def test_help_lists_the_scenario_commands() -> None:
    proc = run("--help")
    assert proc.returncode == 0, proc.stderr
    for name in ("scenarios", "init", "validate", "show", "schema"):
        assert name in proc.stdout


def test_no_arguments_shows_help() -> None:
    proc = run()
    assert "Usage" in proc.stdout + proc.stderr
    assert proc.returncode in (0, 2)


def test_unknown_command_is_usage_error() -> None:
    proc = run("frobnicate")
    assert proc.returncode == 2
