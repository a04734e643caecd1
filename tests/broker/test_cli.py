"""``gigawatt broker place|list|offers|token`` against a live server, and ``serve`` errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import typer
from broker_support import ADMIN, admin_token
from typer.testing import CliRunner

from gigawatt.cli import _register, app
from gigawatt.cli.token_cmds import parse_ttl_seconds

pytestmark = pytest.mark.service

_register()
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_place_list_offers(tmp_path: Path, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(f"sqlite:///{tmp_path / 'cli.db'}")
    team = admin_token(server.url, "team", "cli-team")
    azure = admin_token(server.url, "provider", "azure-ops", "azure")
    oci = admin_token(server.url, "provider", "oci-ops", "oci")
    common = ["--url", server.url]
    code, out = _run(
        "broker",
        "place",
        "--accelerator",
        "GB200",
        "--count",
        "5",
        "--tags",
        "frontier",
        "--start",
        "2026-01-01T00:00:00Z",
        "--end",
        "2026-01-01T02:00:00Z",
        "--idempotency-key",
        "a",
        *common,
        "--token",
        team,
        "--json",
    )
    assert code == 0, out
    placed = json.loads(out)
    assert placed["status"] == "offered"
    code, out = _run("broker", "list", *common, "--token", team, "--json")
    assert code == 0 and [p["id"] for p in json.loads(out)["placements"]] == [placed["id"]]
    code, out = _run("broker", "offers", "--status", "pending", *common, "--token", azure, "--json")
    assert code == 0 and [o["site"] for o in json.loads(out)["offers"]] == ["azure-east"]
    code, out = _run("broker", "offers", *common, "--token", azure)
    assert code == 0 and "Offers" in out
    code, out = _run(
        "broker", "offers", "--accept", str(placed["offer_id"]), *common, "--token", oci
    )
    assert code == 2 and "403" in out
    code, out = _run(
        "broker", "offers", "--accept", str(placed["offer_id"]), *common, "--token", azure, "--json"
    )
    assert code == 0 and json.loads(out)["offers"][0]["status"] == "accepted"
    code, out = _run("broker", "list", "--status", "placed", *common, "--token", team, "--json")
    assert code == 0 and json.loads(out)["placements"][0]["site"] == "azure-east"
    code, out = _run("broker", "list", *common, "--token", team)
    assert code == 0 and "Placements" in out
    code, out = _run(
        "broker",
        "place",
        "--accelerator",
        "H100",
        "--count",
        "1",
        "--start",
        "2026-01-01T00:30:00Z",
        "--end",
        "2026-01-01T02:00:00Z",
        *common,
        "--token",
        team,
    )
    assert code == 2 and "whole hour" in out and "Traceback" not in out


def test_unreachable_broker_exits_1() -> None:
    # docs/decisions.md: an unreachable broker is a failure of the run (1), not bad input.
    # The port stays bound but never listens, so no other test's server can take it.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        code, out = _run("broker", "list", "--url", f"http://127.0.0.1:{port}", "--token", "x")
    assert code == 1 and "cannot reach the broker" in out and "Traceback" not in out


def test_rejected_placement_exits_1_with_the_reason(tmp_path: Path, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(f"sqlite:///{tmp_path / 'rejected.db'}")
    team = admin_token(server.url, "team", "cli-team")
    ask = [
        "broker",
        "place",
        "--accelerator",
        "H100",
        "--start",
        "2026-01-01T00:00:00Z",
        "--end",
        "2026-01-01T02:00:00Z",
        "--url",
        server.url,
        "--token",
        team,
    ]
    # no H100 offer of the test scenario holds more than 100 accelerators
    code, out = _run(*ask, "--count", "1000")
    assert code == 1, out
    assert "placement rejected: no offer can ever hold 1000 H100" in out
    code, out = _run(*ask, "--count", "1000", "--json")
    assert code == 1, out
    answer = json.loads(out)
    assert answer["status"] == "rejected" and "no offer can ever hold" in answer["reason"]
    code, out = _run(*ask, "--count", "10", "--json")
    assert code == 0 and json.loads(out)["status"] == "placed", out


def test_serve_with_a_bad_scenario_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    code, out = _run("serve", "--scenario", str(bad), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "Traceback" not in out


def test_create_list_use_revoke(tmp_path: Path, server_factory: Any) -> None:
    server = server_factory(f"sqlite:///{tmp_path / 'tokens.db'}")
    common = ["--url", server.url]
    code, out = _run(
        "broker", "token", "create", "--role", "team", "--name", "lab", "--ttl", "12h",
        *common, "--token", ADMIN, "--json",
    )  # fmt: skip
    assert code == 0, out
    made = json.loads(out)
    assert (made["role"], made["name"], made["state"]) == ("team", "lab", "active")
    assert made["token"].startswith("gw_") and made["expires_at"] is not None
    code, out = _run(
        "broker", "token", "create", "--role", "provider", "--name", "azure-ops",
        "--provider", "azure", *common, "--token", ADMIN,
    )  # fmt: skip
    assert code == 0 and "shown once" in out and "gw_" in out, out
    code, out = _run("broker", "token", "list", *common, "--token", ADMIN, "--json")
    listed = json.loads(out)["tokens"]
    assert code == 0 and [(t["name"], t["state"]) for t in listed] == [
        ("lab", "active"),
        ("azure-ops", "active"),
    ]
    assert "gw_" not in out
    code, out = _run("broker", "token", "list", *common, "--token", made["token"], "--json")
    assert code == 0 and [t["id"] for t in json.loads(out)["tokens"]] == [made["id"]]
    code, out = _run("broker", "token", "list", *common, "--token", ADMIN)
    assert code == 0 and "Tokens" in out and "azure-ops" in out
    place = [
        "broker", "place", "--accelerator", "H100", "--count", "1",
        "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-01T01:00:00Z", *common,
    ]  # fmt: skip
    code, out = _run(*place, "--token", made["token"], "--json")
    assert code == 0 and json.loads(out)["status"] == "placed", out
    code, out = _run(
        "broker", "token", "revoke", str(made["id"]), *common, "--token", ADMIN, "--json"
    )
    assert code == 0 and json.loads(out)["state"] == "revoked"
    code, out = _run(*place, "--token", made["token"])
    assert code == 2 and "401" in out and "revoked" in out and "Traceback" not in out
    code, out = _run("broker", "token", "revoke", str(made["id"]), *common, "--token", ADMIN)
    assert code == 0 and "Revoked" in out  # again: the same answer


def test_refusals_are_clean_errors(tmp_path: Path, server_factory: Any) -> None:
    server = server_factory(f"sqlite:///{tmp_path / 'tokens.db'}")
    common = ["--url", server.url, "--token", ADMIN]
    code, out = _run("broker", "token", "create", "--role", "team", "--name", "admin", *common)
    assert code == 2 and "reserved" in out and "Traceback" not in out
    code, out = _run(
        "broker", "token", "create", "--role", "team", "--name", "x", "--ttl", "soon", *common
    )
    assert code == 2 and "not a duration" in out and "Traceback" not in out
    code, out = _run("broker", "token", "revoke", "12345", *common, "--json")
    assert code == 2 and "404" in out and "no_token" in out


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800)]
)
def test_ttl_units(text: str, seconds: int) -> None:
    assert parse_ttl_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "1.5h", "-3d", "12y", "h"])
def test_bad_ttls(text: str) -> None:
    with pytest.raises(typer.BadParameter, match="not a duration"):
        parse_ttl_seconds(text)
