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
after each database's runs. As the reference, ``pgbench`` (TPC-B-like, 32 clients) runs on
the same PostgreSQL in the same run. Medians of the runs go to
``benchmarks/results/broker.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.db import Database
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.broker.ledger import check_ledger
from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "broker.json"
SCENARIO = "frontier-lab-2025"
ADMIN = "bench-admin-" + uuid.uuid4().hex
CLIENTS = 32
WINDOW_START = hour_of("2026-06-01T00:00:00Z")
WINDOW_HOURS = 24 * 30
ACCELERATORS = ("H100", "H200", "GB200")
TAGS = ([], ["api"], ["chatgpt"], ["research"], ["enterprise"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db_url: str, workers: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
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
            "--pool-size",
            os.environ.get("BENCH_POOL", "16"),
        ]
        env = {**os.environ, "GIGAWATT_ADMIN_TOKEN": ADMIN}
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            payload = await reader.readexactly(length)
            lat.append(time.monotonic() - sent)
            code = status_line.split()[1].decode()
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


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def bench_db(
    name: str, db_url: str, workers: int, runs: int, seconds: float, target: float
) -> dict[str, Any]:
    print(f"== {name}: {workers} worker(s)", flush=True)
    server = Server(db_url, workers)
    try:
        tokens = [server.token(f"team-{i}") for i in range(CLIENTS)]
        asyncio.run(_load(server.port, tokens, 1.0, None, 0))  # warm-up
        closed = []
        for i in range(runs):
            r = asyncio.run(_load(server.port, tokens, seconds, None, i + 1))
            closed.append(r)
            print(
                f"  closed loop run {i + 1}: {r['per_second']:.0f}/s p50 {r['p50_ms']:.1f} ms"
                f" p99 {r['p99_ms']:.1f} ms {r['statuses']}",
                flush=True,
            )
        max_rate = _median(closed, "per_second")
        rate = target if target <= 0.8 * max_rate else round(0.8 * max_rate, -1)
        opened = []
        for i in range(runs):
            r = asyncio.run(_load(server.port, tokens, seconds, rate, 100 + i))
            opened.append(r)
            print(
                f"  open loop {rate:.0f}/s run {i + 1}: {r['per_second']:.0f}/s "
                f"p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms",
                flush=True,
            )
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
            "runs": closed,
        },
        "open_loop": {
            "offered_rate_per_second": rate,
            "placements_per_second": _median(opened, "per_second"),
            "p50_ms": _median(opened, "p50_ms"),
            "p99_ms": _median(opened, "p99_ms"),
            "runs": opened,
        },
        "target_per_second": target,
        "ledger_invariant_holds": not problems,
    }


def pgbench(pg: TempPostgres, runs: int, seconds: float) -> dict[str, Any]:
    pg.pgbench("-i", "-q", "-s", "10", "postgres")
    tps = []
    for _ in range(runs):
        out = pg.pgbench("-c", str(CLIENTS), "-j", "2", "-T", str(int(seconds)), "postgres")
        m = re.search(r"tps = ([0-9.]+)", out)
        tps.append(float(m.group(1)) if m else float("nan"))
        print(f"  pgbench TPC-B-like, {CLIENTS} clients: {tps[-1]:.0f} tps", flush=True)
    return {"clients": CLIENTS, "scale": 10, "tps_runs": tps, "tps": statistics.median(tps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    args = parser.parse_args()
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
        "load_average_at_start": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = bench_db(
            "SQLite",
            f"sqlite:///{tmp}/bench.db",
            args.sqlite_workers,
            args.runs,
            args.seconds,
            1000.0,
        )
    with TempPostgres(fsync=True) as pg:
        out["postgresql"] = bench_db(
            "PostgreSQL", pg.url, args.pg_workers, args.runs, args.seconds, 2000.0
        )
        print("== pgbench on the same PostgreSQL", flush=True)
        out["pgbench"] = pgbench(pg, args.runs, args.seconds)
    out["load_average_at_end"] = list(os.getloadavg())
    out["postgresql_to_pgbench"] = (
        out["postgresql"]["closed_loop"]["placements_per_second"] / out["pgbench"]["tps"]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    for name in ("sqlite", "postgresql"):
        c, o = out[name]["closed_loop"], out[name]["open_loop"]
        print(
            f"{name}: max {c['placements_per_second']:.0f}/s (p50 {c['p50_ms']:.1f} ms, p99 "
            f"{c['p99_ms']:.1f} ms); at {o['offered_rate_per_second']:.0f}/s: p50 "
            f"{o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms"
        )
    print(f"pgbench: {out['pgbench']['tps']:.0f} tps; written to {RESULTS}")


if __name__ == "__main__":
    main()
