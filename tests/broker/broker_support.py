"""Fixtures of the broker tests: databases (SQLite and a throwaway PostgreSQL), apps, servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gigawatt.broker.pgtemp import TempPostgres, find_pg_bin

HERE = Path(__file__).parent
SCENARIO = str(HERE / "scenario.yaml")
ADMIN = "test-admin-token"
START = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="session")
def pg() -> Iterator[TempPostgres]:
    """One throwaway PostgreSQL per test process (fsync off: the server is what is tested)."""
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing in CI: run .ci/setup-postgres.sh")
        pytest.skip("PostgreSQL binaries not found (run .ci/setup-postgres.sh)")
    server = TempPostgres(fsync=False).start()
    yield server
    server.stop()


def _new_pg_database(pg: TempPostgres) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(
        f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'broker.db'}"
    return _new_pg_database(request.getfixturevalue("pg"))


def make_app(db_url: str, **options: Any) -> Any:
    from gigawatt.broker.app import create_app
    from gigawatt.broker.settings import BrokerSettings

    fast_path = options.pop("fast_path", True)
    options.setdefault("now", START)  # the test scenario's horizon is 2026-01..03
    settings = BrokerSettings(scenario=SCENARIO, db_url=db_url, admin_token=ADMIN, **options)
    return create_app(settings, fast_path=fast_path)


class Api:
    """A TestClient with helpers for tokens and placements."""

    def __init__(self, client: Any) -> None:
        self.c = client
        self.admin = {"Authorization": f"Bearer {ADMIN}"}
        self._n = 0

    def token(self, role: str, name: str, provider: str | None = None) -> dict[str, str]:
        body = {"role": role, "name": name, **({"provider": provider} if provider else {})}
        r = self.c.post("/v1/tokens", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def place(self, headers: dict[str, str], key: str | None = None, **body: Any) -> Any:
        self._n += 1
        body.setdefault("start", START)
        body.setdefault("end", "2026-01-01T04:00:00Z")
        return self.c.post(
            "/v1/placements",
            json=body,
            headers={**headers, "Idempotency-Key": key or f"k{self._n}-{uuid.uuid4().hex}"},
        )

    def ledger_problems(self) -> list[str]:
        from gigawatt.broker.ledger import check_ledger

        ctx = self.c.app.state.broker
        return list(ctx.db.transact(lambda conn: check_ledger(conn, ctx.catalog), write=False))


@pytest.fixture
def api_factory(db_url: str) -> Iterator[Callable[..., Api]]:
    from fastapi.testclient import TestClient

    opened: list[Any] = []

    def make(**options: Any) -> Api:
        client = TestClient(make_app(db_url, **options))
        client.__enter__()
        opened.append(client)
        return Api(client)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``gigawatt serve`` in a subprocess on 127.0.0.1."""

    def __init__(self, db_url: str, *extra: str, scenario: str = SCENARIO) -> None:
        self.db_url = db_url
        self.extra = extra
        self.scenario = scenario
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        cmd = [
            sys.executable,
            "-c",
            "from gigawatt.cli import main; main()",
            "serve",
            "--scenario",
            self.scenario,
            "--db",
            self.db_url,
            "--port",
            str(self.port),
            *(() if "--now" in self.extra else ("--now", START)),
            *self.extra,
        ]
        env = {**os.environ, "GIGAWATT_ADMIN_TOKEN": ADMIN}
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"server exited: {err[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def make(db_url: str, *extra: str, scenario: str = SCENARIO) -> Server:
        s = Server(db_url, *extra, scenario=scenario).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


def ledger_problems(db_url: str) -> list[str]:
    """The ledger invariant checked straight on the database."""
    from gigawatt.broker.catalog import Catalog
    from gigawatt.broker.db import Database
    from gigawatt.broker.ledger import check_ledger
    from gigawatt.scenario import load_scenario

    db = Database(db_url, pool_size=1)
    try:
        cat = Catalog.from_scenario(load_scenario(SCENARIO))
        return list(db.transact(lambda conn: check_ledger(conn, cat), write=False))
    finally:
        db.dispose()


def admin_token(server_url: str, role: str, name: str, provider: str | None = None) -> str:
    body = {"role": role, "name": name, **({"provider": provider} if provider else {})}
    r = httpx.post(
        server_url + "/v1/tokens",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["token"])
