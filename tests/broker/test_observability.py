"""``/metrics`` in Prometheus' format (one registry per app) and request ids.

The oracle of every gauge and counter is what the API itself says: the answers the test
received, ``GET /v1/offers?status=pending`` and ``GET /v1/capacity`` for the current hour.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

from broker_support import START, Api
from prometheus_client.parser import text_string_to_metric_families

from gigawatt.broker.requestid import REQUEST_ID, JsonLogFormatter


def _samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = api.c.get("/metrics", headers=api.admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_what_the_api_answered(api_factory: Callable[..., Api]) -> None:
    api = api_factory()
    team = api.token("team", "lab")
    statuses = []
    for count, tags in ((10, []), (20, ["api"]), (5, ["chatgpt"]), (100_000, [])):
        r = api.place(team, count=count, accelerator="H100", tags=tags)
        assert r.status_code == 201, r.text
        statuses.append(r.json()["status"])
    again = api.place(team, key="same", count=1, accelerator="H100")
    assert api.place(team, key="same", count=1, accelerator="H100").status_code == 201
    assert api.place(team, key="same", count=2, accelerator="H100").status_code == 409
    statuses.append(again.json()["status"])
    got = _samples(api)
    for outcome in ("placed", "offered", "rejected"):
        assert got.get(("gigawatt_placements_total", (("outcome", outcome),)), 0) == (
            statuses.count(outcome)
        )
    assert got[("gigawatt_placements_total", (("outcome", "replayed"),))] == 1
    assert got[("gigawatt_placements_total", (("outcome", "refused"),))] == 1
    # Every committed batch is one observation: at least one per placement that ran.
    assert got[("gigawatt_batch_operations_count", ())] >= 1
    assert got[("gigawatt_batch_operations_sum", ())] >= len(statuses) + 1
    assert (
        got[("gigawatt_batch_commit_seconds_count", ())]
        == (got[("gigawatt_batch_operations_count", ())])
    )
    assert got[("gigawatt_batch_reruns_total", ())] == 0

    # Each committed batch times its stages: every batch ends with its commit; the
    # batches of placements read and decide, the token's batch ran another kind.
    def stage(name: str) -> float:
        return got.get(("gigawatt_batch_stage_seconds_count", (("stage", name),)), 0)

    assert stage("commit") == got[("gigawatt_batch_operations_count", ())]
    assert stage("answer") == stage("commit")
    assert stage("read") == stage("decide") >= 4
    assert stage("other") >= 1
    azure = api.token("provider", "azure-ops", "azure")
    pending = api.c.get("/v1/offers?status=pending", headers=azure).json()
    assert got[("gigawatt_offers_pending", ())] == len(pending) == statuses.count("offered")
    rows = api.c.get(f"/v1/capacity?start={START}&end=2026-01-01T01:00:00Z", headers=team).json()
    booked: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["site"], row["accelerator"])
        booked[key] = booked.get(key, 0) + row["booked"]
    for (site, accelerator), n in booked.items():
        labels = (("accelerator", accelerator), ("site", site))
        assert got[("gigawatt_site_booked_accelerators", labels)] == n
    assert sum(booked.values()) > 0


def test_metrics_are_the_admins_and_each_app_has_its_own(
    api_factory: Callable[..., Api],
) -> None:
    first = api_factory()
    team = first.token("team", "lab")
    assert first.c.get("/metrics", headers=team).status_code == 403
    assert first.c.get("/metrics").status_code == 401
    assert first.place(team, count=1, accelerator="H100").status_code == 201
    assert _samples(first)[("gigawatt_placements_total", (("outcome", "placed"),))] == 1
    second = api_factory(fast_path=False)  # another app in this process: its own registry
    got = _samples(second)
    assert got.get(("gigawatt_placements_total", (("outcome", "placed"),)), 0) == 0


def test_every_answer_carries_its_request_id(api: Api) -> None:
    team = api.token("team", "lab")
    given = api.c.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    made = api.c.get("/v1/placements", headers=team).headers["x-request-id"]
    assert len(made) == 32 and int(made, 16) >= 0
    placed = api.c.post(  # the placement shortcut answers it too
        "/v1/placements",
        json={"accelerator": "H100", "count": 1, "start": START, "end": "2026-01-01T01:00:00Z"},
        headers={**team, "Idempotency-Key": "rid", "X-Request-ID": "place-1"},
    )
    assert placed.status_code == 201 and placed.headers["x-request-id"] == "place-1"
    bad = api.c.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["x-request-id"]
    assert bad != "<script>" and len(bad) == 32


def test_log_lines_are_json_with_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("gigawatt.broker.test-observability")
    logger.addHandler(handler)
    logger.propagate = False
    token = REQUEST_ID.set("abc")
    try:
        logger.warning("batch run again: %s", "x", extra={"event": "batch_rerun", "cause": "x"})
    finally:
        REQUEST_ID.reset(token)
        logger.removeHandler(handler)
    line: dict[str, Any] = json.loads(stream.getvalue())
    assert line["request_id"] == "abc" and line["event"] == "batch_rerun"
    assert line["message"] == "batch run again: x" and line["level"] == "WARNING"
