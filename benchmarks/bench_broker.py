"""Broker benchmark: placements per second and latency with 32 clients, SQLite and PostgreSQL.

One command (starts everything it needs, on 127.0.0.1 only)::

    .venv/bin/python benchmarks/bench_broker.py            # 3 runs each, ~3 minutes

For each database it starts ``gigawatt serve`` on the default scenario
(``frontier-lab-2025``, whose contracts apply: a pin, a right of first refusal on every
workload), then 32 closed-loop clients (asyncio, one keep-alive HTTP/1.1 connection each)
send ``POST /v1/placements`` with fresh idempotency keys for a fixed time; a run reports
placements acknowledged per second and p50/p99 latency. Then the same clients send at a
fixed open-loop rate (the target: 1,000/s SQLite, 2,000/s PostgreSQL, or 80% of the
measured maximum if lower) to report p50/p99 at that load. The ledger invariant is checked
after each database's runs. As the reference, ``pgbench`` (its default TPC-B-like script,
32 clients, 2 threads, scale 10) runs on the same PostgreSQL in the same run. Each run
also records the CPU seconds per placement of the server processes, of PostgreSQL's
processes and of the clients (this process), read from ``/proc``: steadier than rates
on a shared machine. Each mode starts with a warm-up that is not measured
(``WARM_UP_S``), and each measured run after ``VACUUM ANALYZE``, as pgbench does before
its runs (``--no-vacuum``: not); a run reports the autovacuum runs and checkpoints that
happened during it, and the disk's flush latency beside PostgreSQL's data is measured
first (:func:`disk_flush`). Medians of the runs go to ``benchmarks/results/broker.json``
(``--only sqlite|postgresql`` runs one database and writes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvloop
from prometheus_client.parser import text_string_to_metric_families

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.broker.ledger import check_ledger
from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.scenario import load_scenario

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "broker.json"
SCENARIO = "frontier-lab-2025"
ADMIN = "bench-admin-" + uuid.uuid4().hex
CLIENTS = 32
WARM_UP_S = 2.0  # load before the measured runs of each mode (closed, open), not measured
WINDOW_START = hour_of("2026-06-01T00:00:00Z")
WINDOW_HOURS = 24 * 30
ACCELERATORS = ("H100", "H200", "GB200")
TAGS: tuple[list[str], ...] = ([], ["api"], ["chatgpt"], ["research"], ["enterprise"])


def _tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of a process and all its descendants (from ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run the load generator on uvloop (the server's loop too): on a 2-core machine the
    clients' own CPU competes with the server, so they should cost as little as they can."""
    return uvloop.run(main)


def _self_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self,
        db_url: str,
        workers: int,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        cmd = [
            sys.executable,
            "-c",
            "from gigawatt.cli import main; main()",
            "serve",
            "--scenario",
            SCENARIO,
            "--db",
            db_url,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--tune",  # the process tuning the figures were taken with
            "--pool-size",
            os.environ.get("BENCH_POOL", "16"),
            # the window is fixed (figures stay comparable): the broker's present is its start
            "--now",
            iso_hour(WINDOW_START),
            *extra,
        ]
        self.proc = subprocess.Popen(
            cmd,
            env={**os.environ, "GIGAWATT_ADMIN_TOKEN": ADMIN, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def token(self, name: str) -> str:
        r = httpx.post(
            self.url + "/v1/tokens",
            json={"role": "team", "name": name},
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=30,
        )
        r.raise_for_status()
        return str(r.json()["token"])

    def histograms(self) -> dict[str, dict[float, float]]:
        """The server's batch histograms from ``/metrics``: cumulative counts per bound.

        Keyed ``operations`` (batch sizes) and ``stage:<name>`` (seconds per stage).
        """
        r = httpx.get(
            self.url + "/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
        )
        r.raise_for_status()
        out: dict[str, dict[float, float]] = {}
        for family in text_string_to_metric_families(r.text):
            if family.name not in ("gigawatt_batch_operations", "gigawatt_batch_stage_seconds"):
                continue
            for sample in family.samples:
                if not sample.name.endswith("_bucket"):
                    continue
                stage = sample.labels.get("stage")
                key = "operations" if stage is None else f"stage:{stage}"
                out.setdefault(key, {})[float(sample.labels["le"])] = sample.value
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _body(rng: random.Random) -> bytes:
    start = WINDOW_START + rng.randrange(WINDOW_HOURS)
    return json.dumps(
        {
            "tags": rng.choice(TAGS),
            "accelerator": rng.choice(ACCELERATORS),
            "count": rng.randint(1, 64),
            "start": iso_hour(start),
            "end": iso_hour(start + rng.randint(1, 8)),
        }
    ).encode()


async def _client(
    port: int,
    token: str,
    seed: int,
    until: float,
    rate_s: float | None,
    lat: list[float],
    statuses: dict[str, int],
) -> None:
    """One keep-alive connection sending placements until ``until`` (monotonic seconds)."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    next_at = time.monotonic() + (rng.random() * rate_s if rate_s else 0.0)
    try:
        while True:
            if rate_s:
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at += rate_s
            now = time.monotonic()
            if now >= until:
                return
            body = _body(rng)
            head = (
                f"POST /v1/placements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            sent = time.monotonic() if not rate_s else max(now, next_at - rate_s)
            writer.write(head.encode() + body)
            # the status line and headers in one read (one await, not one per line)
            header = await reader.readuntil(b"\r\n\r\n")
            at = header.lower().find(b"\r\ncontent-length:")
            length = int(header[at + 17 : header.index(b"\r\n", at + 2)]) if at >= 0 else 0
            payload = await reader.readexactly(length)
            lat.append(time.monotonic() - sent)
            code = header.split(b" ", 2)[1].decode()
            key = code
            if code == "201":
                m = re.search(rb'"status":"(\w+)"', payload)
                key = m.group(1).decode() if m else code
            statuses[key] = statuses.get(key, 0) + 1
    finally:
        writer.close()


async def _load(
    port: int, tokens: list[str], seconds: float, rate_per_s: float | None, seed: int
) -> dict[str, Any]:
    lat: list[float] = []
    statuses: dict[str, int] = {}
    until = time.monotonic() + seconds
    per_client = CLIENTS / rate_per_s if rate_per_s else None
    started = time.monotonic()
    await asyncio.gather(
        *[
            _client(port, tokens[i], seed * 100 + i, until, per_client, lat, statuses)
            for i in range(CLIENTS)
        ]
    )
    elapsed = time.monotonic() - started
    lat.sort()
    return {
        "requests": len(lat),
        "per_second": len(lat) / elapsed,
        "p50_ms": 1000 * lat[len(lat) // 2],
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "statuses": statuses,
        "errors": sum(v for k, v in statuses.items() if k.isdigit() and int(k) >= 400),
    }


_CPU_KEYS = (
    "server_cpu_ms_per_placement",
    "database_cpu_ms_per_placement",
    "clients_cpu_ms_per_placement",
)


def _quantile(buckets: dict[float, float], q: float) -> float:
    """The upper bound of the histogram bucket holding quantile ``q`` (cumulative counts)."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    return next((b for b in bounds if buckets[b] >= q * total), bounds[-1])


def _batches(
    before: dict[str, dict[float, float]], after: dict[str, dict[float, float]]
) -> dict[str, Any]:
    """Batch sizes and seconds per stage during one run (the histograms' difference).

    Quantiles are bucket upper bounds (sizes 1, 2, 4 ... 64; seconds from 0.2 ms).
    """
    out: dict[str, Any] = {}
    for key, counts in after.items():
        diff = {b: n - before.get(key, {}).get(b, 0.0) for b, n in counts.items()}
        if diff[max(diff)] <= 0:
            continue
        scale = 1.0 if key == "operations" else 1000.0
        out[key.removeprefix("stage:")] = {
            "count": diff[max(diff)],
            "p50": scale * _quantile(diff, 0.5),
            "p90": scale * _quantile(diff, 0.9),
            "p99": scale * _quantile(diff, 0.99),
        }
    return out


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _vacuum(db_url: str) -> None:
    """``VACUUM ANALYZE`` the server's database before a run, as pgbench does before each
    of its runs (autovacuum stays on; the runs count what it did meanwhile)."""
    db = Database(db_url, pool_size=1)
    try:
        if db.dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        db.dispose()


_MAINTENANCE = (
    "SELECT (SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) "
    "FROM pg_stat_user_tables), (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)"
)


def _maintenance(db_url: str) -> tuple[int, int]:
    """PostgreSQL: autovacuum and autoanalyze runs on the database so far, and checkpoints."""
    db = Database(db_url, pool_size=1)
    try:
        if db.dialect != "postgresql":
            return (0, 0)
        with db.engine.connect() as conn:
            row = conn.exec_driver_sql(_MAINTENANCE).one()
        return (int(row[0]), int(row[1]))
    finally:
        db.dispose()


def _measured(
    server: Server,
    db_pid: int | None,
    tokens: list[str],
    seconds: float,
    rate: float | None,
    seed: int,
    vacuum: bool = True,
) -> dict[str, Any]:
    """One load run, with the CPU seconds of the server, the database and the clients.

    With ``vacuum`` the server's database is vacuumed first (:func:`_vacuum`). The run
    records the autovacuum runs and checkpoints that happened during it.
    """
    if vacuum:
        _vacuum(server.db_url)
    maintenance = _maintenance(server.db_url)
    histograms = server.histograms()
    before = (_tree_cpu_s(server.proc.pid), _tree_cpu_s(db_pid) if db_pid else 0.0, _self_cpu_s())
    r = _run(_load(server.port, tokens, seconds, rate, seed))
    after = (_tree_cpu_s(server.proc.pid), _tree_cpu_s(db_pid) if db_pid else 0.0, _self_cpu_s())
    r["batches"] = _batches(histograms, server.histograms())
    n = max(1, r["requests"])
    for label, b, a in zip(("server", "database", "clients"), before, after, strict=True):
        r[f"{label}_cpu_ms_per_placement"] = 1000 * (a - b) / n
    r["load_average"] = list(os.getloadavg())
    r["vacuumed_before"] = vacuum
    r["autovacuums"], r["checkpoints"] = (
        a - b for a, b in zip(_maintenance(server.db_url), maintenance, strict=True)
    )
    return r


def _line(r: dict[str, Any]) -> str:
    stages = ", ".join(
        f"{name} {s['p50']:g}/{s['p99']:g}"
        for name, s in r["batches"].items()
        if name != "operations"
    )
    size = r["batches"].get("operations")
    return (
        f"{r['per_second']:.0f}/s p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms; CPU ms per"
        f" placement: server {r['server_cpu_ms_per_placement']:.2f}, database"
        f" {r['database_cpu_ms_per_placement']:.2f},"
        f" clients {r['clients_cpu_ms_per_placement']:.2f};"
        f" load {r['load_average'][0]:.1f}; during it: autovacuum {r['autovacuums']},"
        f" checkpoints {r['checkpoints']}\n    batches"
        + (f" of p50/p90/p99 {size['p50']:g}/{size['p90']:g}/{size['p99']:g} ops" if size else "")
        + f"; stage p50/p99 ms (bucket bounds): {stages}"
    )


def bench_db(
    name: str,
    db_url: str,
    workers: int,
    runs: int,
    seconds: float,
    target: float,
    db_pid: int | None = None,
    vacuum: bool = True,
) -> dict[str, Any]:
    print(f"== {name}: {workers} worker(s)", flush=True)
    server = Server(db_url, workers)
    try:
        tokens = [server.token(f"team-{i}") for i in range(CLIENTS)]
        _run(_load(server.port, tokens, WARM_UP_S, None, 0))  # warm-up, not measured
        closed = []
        for i in range(runs):
            r = _measured(server, db_pid, tokens, seconds, None, i + 1, vacuum)
            closed.append(r)
            print(f"  closed loop run {i + 1}: {_line(r)} {r['statuses']}", flush=True)
        max_rate = _median(closed, "per_second")
        rate = target if target <= 0.8 * max_rate else round(0.8 * max_rate, -1)
        _run(_load(server.port, tokens, WARM_UP_S, rate, 99))  # warm-up at the rate
        opened = []
        for i in range(runs):
            r = _measured(server, db_pid, tokens, seconds, rate, 100 + i, vacuum)
            opened.append(r)
            print(f"  open loop {rate:.0f}/s run {i + 1}: {_line(r)}", flush=True)
    finally:
        server.stop()
    db = Database(db_url, pool_size=1)
    try:
        cat = Catalog.from_scenario(load_scenario(SCENARIO))
        problems = db.transact(lambda c: check_ledger(c, cat), write=False)
    finally:
        db.dispose()
    print(f"  ledger invariant: {'holds' if not problems else problems[:3]}", flush=True)
    return {
        "workers": workers,
        "closed_loop": {
            "placements_per_second": max_rate,
            "p50_ms": _median(closed, "p50_ms"),
            "p99_ms": _median(closed, "p99_ms"),
            **{k: _median(closed, k) for k in _CPU_KEYS},
            "runs": closed,
        },
        "open_loop": {
            "offered_rate_per_second": rate,
            "placements_per_second": _median(opened, "per_second"),
            "p50_ms": _median(opened, "p50_ms"),
            "p99_ms": _median(opened, "p99_ms"),
            **{k: _median(opened, k) for k in _CPU_KEYS},
            "runs": opened,
        },
        "target_per_second": target,
        "ledger_invariant_holds": not problems,
    }


def bench_versus(
    pg: TempPostgres,
    extra: tuple[str, ...],
    runs: int,
    seconds: float,
    db_pid: int | None,
    src: str | None = None,
    vacuum: bool = True,
) -> dict[str, Any]:
    """The PostgreSQL server as it is (A) and with ``extra`` serve options (B), alternating.

    With ``src`` B imports gigawatt from that folder (another checkout's ``src``, e.g.
    main's): the same run then compares two versions of the code.

    Each has a database of its own in the same PostgreSQL (a server with two batches in
    flight needs its database alone); both serve at once and take turns under load: A's
    run, then B's, ``runs`` times closed loop, then as many at the open-loop target.
    """
    what = shlex.join(extra) + (f" from {src}" if src else "")
    print(f"== PostgreSQL: A (as is) against B ({what}), alternating", flush=True)
    db = Database(pg.url, pool_size=1)
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS versus")
            conn.exec_driver_sql("CREATE DATABASE versus")
    finally:
        db.dispose()
    b_env = {"PYTHONPATH": src} if src else {}
    servers = {
        "A": Server(pg.url, 1),
        "B": Server(pg.url.rsplit("/", 1)[0] + "/versus", 1, extra, b_env),
    }
    out: dict[str, Any] = {"extra": list(extra), "src": src}
    try:
        tokens = {k: [s.token(f"team-{i}") for i in range(CLIENTS)] for k, s in servers.items()}
        for mode, rate in (("closed_loop", None), ("open_loop", 2000.0)):
            for k, server in servers.items():  # warm-up, not measured
                _run(_load(server.port, tokens[k], WARM_UP_S, rate, 99))
            got: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
            for i in range(runs):
                for k, server in servers.items():
                    r = _measured(server, db_pid, tokens[k], seconds, rate, 200 + i, vacuum)
                    got[k].append(r)
                    print(f"  {k} {mode} run {i + 1}: {_line(r)}", flush=True)
            for k, rs in got.items():
                out.setdefault(k, {})[mode] = {
                    "placements_per_second": _median(rs, "per_second"),
                    "p50_ms": _median(rs, "p50_ms"),
                    "p99_ms": _median(rs, "p99_ms"),
                    "runs": rs,
                }
    finally:
        for server in servers.values():
            server.stop()
    for mode in ("closed_loop", "open_loop"):
        a, b = out["A"][mode], out["B"][mode]
        print(
            f"  {mode} medians: A {a['placements_per_second']:.0f}/s p99 {a['p99_ms']:.1f} ms; "
            f"B {b['placements_per_second']:.0f}/s p99 {b['p99_ms']:.1f} ms; "
            f"B/A p99 {b['p99_ms'] / a['p99_ms']:.2f}",
            flush=True,
        )
    return out


def disk_flush(folder: Path, flushes: int = 1000) -> dict[str, Any]:
    """Latency of the disk's flush where PostgreSQL writes its WAL, as a commit waits for it.

    ``flushes`` times: write 8 kB (one WAL page) and ``fdatasync`` (PostgreSQL's
    ``wal_sync_method`` on Linux) a file in ``folder``. Every acknowledged placement waits
    for at least one such flush (its batch's commit), and in the window of two usually for
    the flush of the batch before too: a floor under the placement latency.
    """
    path = folder / "bench-flush.tmp"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    page = b"\0" * 8192
    seconds = []
    try:
        for i in range(flushes):
            os.pwrite(fd, page, (i % 64) * 8192)
            started = time.perf_counter()
            os.fdatasync(fd)
            seconds.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    seconds.sort()
    got = {
        "flushes": flushes,
        **{
            f"p{q}_ms": 1000 * seconds[min(flushes - 1, int(flushes * q / 100))]
            for q in (50, 90, 99)
        },
    }
    print(
        f"  disk: fdatasync of 8 kB beside PostgreSQL's data, p50 {got['p50_ms']:.2f}, p90 "
        f"{got['p90_ms']:.2f}, p99 {got['p99_ms']:.2f} ms ({flushes} flushes)",
        flush=True,
    )
    return got


def pgbench(pg: TempPostgres, runs: int, seconds: float) -> dict[str, Any]:
    pg.pgbench("-i", "-q", "-s", "10", "postgres")
    tps = []
    for _ in range(runs):
        out = pg.pgbench("-c", str(CLIENTS), "-j", "2", "-T", str(int(seconds)), "postgres")
        m = re.search(r"tps = ([0-9.]+)", out)
        tps.append(float(m.group(1)) if m else float("nan"))
        print(f"  pgbench TPC-B-like, {CLIENTS} clients: {tps[-1]:.0f} tps", flush=True)
    return {"clients": CLIENTS, "scale": 10, "tps_runs": tps, "tps": statistics.median(tps)}


# One placement's SQL as one pgbench transaction (on resources the scenario does not
# have, so the broker's ledger is untouched): the key's first answer, the candidates'
# booked hours, then the bookings, the row and its audit entry in one statement, the
# sizes of the broker's rows. No batching: one commit per placement.
PLACEMENT_SQL = """\\set r random(1001, 1008)
\\set h random(494520, 495239)
\\set n random(1, 64)
\\set k random(1, 2000000000)
BEGIN;
SELECT id, response, request_digest FROM placements
  WHERE owner_id = 3 AND idem_key = 'k' || :k || '-' || :client_id;
SELECT hour, booked FROM slots WHERE resource = :r AND hour >= :h AND hour < :h + 4;
WITH b AS (INSERT INTO slots (resource, hour, booked)
  SELECT :r, h, :n FROM generate_series(:h, :h + 3) AS h
  ON CONFLICT (resource, hour) DO UPDATE SET booked = slots.booked + excluded.booked
  WHERE slots.booked + excluded.booked <= 1000000000 RETURNING 1),
p AS (INSERT INTO placements (team, owner_id, idem_key, request_digest, status, tags, accelerator,
  count, start_hour, end_hour, single_site, request, offer_resource, site, provider,
  offer_id, clause, reason, response, created_at, updated_at)
  VALUES ('pgbench', 3, 'k' || :k || '-' || :client_id, repeat('d', 64), 'placed', '[]',
  'H100', :n, :h, :h + 4, false, repeat('q', 160), :r, 'site', 'provider', NULL, NULL,
  'cheapest site with room', repeat('a', 330), 0, 0)
  ON CONFLICT (owner_id, idem_key) DO NOTHING RETURNING id)
INSERT INTO audit (at, actor, action, placement_id, offer_id, site, clause, detail)
  SELECT 0, 'pgbench', 'place', p.id, NULL, 'site', NULL, repeat('x', 80) FROM p;
END;
"""


def pgbench_placement(pg: TempPostgres, runs: int, seconds: float) -> dict[str, Any]:
    """pgbench running one placement's SQL per transaction on the broker's tables."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PLACEMENT_SQL)
    os.chmod(f.name, 0o644)
    tps = []
    try:
        for _ in range(runs):
            out = pg.pgbench(
                "-n",
                "-f",
                f.name,
                "-c",
                str(CLIENTS),
                "-j",
                "2",
                "-T",
                str(int(seconds)),
                "postgres",
            )
            m = re.search(r"tps = ([0-9.]+)", out)
            tps.append(float(m.group(1)) if m else float("nan"))
            print(f"  pgbench placement SQL, {CLIENTS} clients: {tps[-1]:.0f} tps", flush=True)
    finally:
        os.unlink(f.name)
    return {
        "clients": CLIENTS,
        "script": PLACEMENT_SQL,
        "tps_runs": tps,
        "tps": statistics.median(tps),
    }


def _postmaster_pid(pg: TempPostgres) -> int | None:
    assert pg.folder is not None
    try:
        return int((pg.folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _summary(name: str, got: dict[str, Any], rate: float, tps: float | None) -> str:
    """One line: closed-loop maximum (and its ratio to pgbench), latency at ``rate``."""
    c, o = got["closed_loop"], got["open_loop"]
    ratio = f", {c['placements_per_second'] / tps:.2f} of pgbench's {tps:.0f} tps" if tps else ""
    return (
        f"{name}: max {c['placements_per_second']:.0f}/s (p50 {c['p50_ms']:.1f} ms, p99 "
        f"{c['p99_ms']:.1f} ms{ratio}); at {rate:.0f}/s: p50 "
        f"{o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--pg-workers", type=int, default=1)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument(
        "--only", choices=["sqlite", "postgresql"], help="one database, results not written"
    )
    parser.add_argument(
        "--versus",
        metavar="SERVE_OPTIONS",
        help="PostgreSQL only: the server as it is against one started with these extra "
        "`gigawatt serve` options (e.g. '--no-pace-batches'), runs alternating, then "
        "pgbench; results not written",
    )
    parser.add_argument(
        "--versus-src",
        metavar="SRC",
        help="with --versus: B imports gigawatt from this folder (e.g. /work/main/src: "
        "main's code against this checkout's in the same run; --versus '' for no options)",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="do not VACUUM ANALYZE the database before each run (pgbench's default is to)",
    )
    args = parser.parse_args()
    vacuum = not args.no_vacuum
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "clients": CLIENTS,
        "scenario": SCENARIO,
        "seconds_per_run": args.seconds,
        "runs": args.runs,
        "statistic": "median of runs",
        "warm_up_seconds": WARM_UP_S,
        "vacuum_before_each_run": vacuum,
        "load_average_at_start": list(os.getloadavg()),
    }
    if args.versus is not None:
        with TempPostgres(fsync=True) as pg:
            assert pg.folder is not None
            disk_flush(pg.folder)
            extra = tuple(shlex.split(args.versus))
            got = bench_versus(
                pg, extra, args.runs, args.seconds, _postmaster_pid(pg), args.versus_src, vacuum
            )
            print("== pgbench on the same PostgreSQL", flush=True)
            tps = pgbench(pg, args.runs, args.seconds)["tps"]
            for k in ("A", "B"):
                print(_summary(k, got[k], 2000.0, tps))
        return
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = bench_db(
                "SQLite",
                f"sqlite:///{tmp}/bench.db",
                args.sqlite_workers,
                args.runs,
                args.seconds,
                1000.0,
                vacuum=vacuum,
            )
    if args.only != "sqlite":
        with TempPostgres(fsync=True) as pg:
            assert pg.folder is not None
            out["disk_flush"] = disk_flush(pg.folder)
            out["postgresql"] = bench_db(
                "PostgreSQL",
                pg.url,
                args.pg_workers,
                args.runs,
                args.seconds,
                2000.0,
                _postmaster_pid(pg),
                vacuum,
            )
            print("== pgbench on the same PostgreSQL", flush=True)
            out["pgbench"] = pgbench(pg, args.runs, args.seconds)
            out["pgbench_placement_sql"] = pgbench_placement(pg, args.runs, args.seconds)
    out["load_average_at_end"] = list(os.getloadavg())
    for name in ("sqlite", "postgresql"):
        if name in out:
            rate = out[name]["open_loop"]["offered_rate_per_second"]
            tps = out["pgbench"]["tps"] if name == "postgresql" else None
            print(_summary(name, out[name], rate, tps))
    if "pgbench" in out:
        out["postgresql_to_pgbench"] = (
            out["postgresql"]["closed_loop"]["placements_per_second"] / out["pgbench"]["tps"]
        )
        out["postgresql_to_pgbench_placement_sql"] = (
            out["postgresql"]["closed_loop"]["placements_per_second"]
            / out["pgbench_placement_sql"]["tps"]
        )
        print(
            f"pgbench: {out['pgbench']['tps']:.0f} tps (TPC-B-like), "
            f"{out['pgbench_placement_sql']['tps']:.0f} tps (placement SQL); PostgreSQL's "
            f"maximum {out['postgresql_to_pgbench']:.2f} and "
            f"{out['postgresql_to_pgbench_placement_sql']:.2f} of them"
        )
    if args.only:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
