"""The broker's decisions and API behaviour, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from broker_support import START, Api

pytestmark = pytest.mark.service


def _team(api: Api, name: str = "research") -> dict[str, str]:
    return api.token("team", name)


def test_cheapest_site_then_next_when_full(api: Api) -> None:
    team = _team(api)
    sites = []
    for _ in range(4):
        r = api.place(team, accelerator="H100", count=100)
        assert r.status_code == 201, r.text
        sites.append((r.json()["status"], r.json()["site"]))
    assert sites == [
        ("placed", "abilene"),
        ("placed", "oci-phoenix"),
        ("placed", "azure-east"),
        ("rejected", None),
    ]
    assert (
        "no allowed site has room" in api.place(team, accelerator="H100", count=1).json()["reason"]
    )
    assert api.ledger_problems() == []


def test_site_power_is_shared_by_its_offers(api: Api) -> None:
    team = _team(api)
    assert api.place(team, accelerator="GB200", count=100).json()["site"] == "abilene"
    r = api.place(team, accelerator="H100", count=1).json()
    assert r["site"] == "oci-phoenix"  # abilene's 0.21 MW are taken by the GB200
    rows = api.c.get(
        "/v1/capacity",
        params={"site": "abilene", "start": START, "end": "2026-01-01T01:00:00Z"},
        headers=team,
    ).json()
    assert {(x["accelerator"], x["capacity"], x["booked"]) for x in rows} == {
        ("GB200", 100, 100),
        ("H100", 100, 0),
    }


def test_pin_keeps_api_on_azure_and_is_cited(api: Api) -> None:
    team = _team(api)
    r = api.place(team, accelerator="H100", count=10, tags=["api"]).json()
    assert (r["status"], r["site"], r["clause"]) == ("placed", "azure-east", "microsoft[0] pin")
    r = api.place(team, accelerator="GB200", count=55, tags=["api"]).json()
    assert r["status"] == "rejected" and r["clause"] == "microsoft[0] pin"  # only abilene could
    assert api.place(team, accelerator="H100", count=90, tags=["api"]).json()["status"] == "placed"
    r = api.place(team, accelerator="H100", count=10, tags=["api"]).json()
    assert r["status"] == "rejected" and "no room" in r["reason"] and r["clause"]
    audit = api.c.get("/v1/audit", headers=api.admin).json()
    assert {a["clause"] for a in audit if a["action"] == "place"} == {"microsoft[0] pin"}


def test_capacity_changes_at_month_boundary(api: Api) -> None:
    team = _team(api)
    body = {"accelerator": "GB200", "count": 50, "tags": ["api"]}
    r = api.place(team, start="2026-01-31T22:00:00Z", end="2026-02-01T02:00:00Z", **body).json()
    assert r["status"] == "rejected"  # azure GB200: 40 in January, 60 from February
    r = api.place(team, start="2026-02-01T00:00:00Z", end="2026-02-01T02:00:00Z", **body).json()
    assert (r["status"], r["site"]) == ("placed", "azure-east")


def test_flops_choose_the_cheapest_accelerator(api: Api) -> None:
    team = _team(api)
    r = api.place(team, flops=2.5e16, utilization=1.0).json()
    assert (r["status"], r["accelerator"], r["count"], r["site"]) == (
        "placed",
        "GB200",
        10,
        "abilene",
    )


def test_idempotency(api: Api) -> None:
    team, other = _team(api), _team(api, "product")
    first = api.place(team, key="same", accelerator="H100", count=5)
    again = api.place(team, key="same", accelerator="H100", count=5)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotency-Replayed"] == "true"
    clash = api.place(team, key="same", accelerator="H100", count=6)
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "idempotency_key_reused"
    assert (
        api.place(other, key="same", accelerator="H100", count=6).json()["id"] != first.json()["id"]
    )
    listed = api.c.get("/v1/placements", headers=team).json()
    assert [p["id"] for p in listed] == [first.json()["id"]]


def test_release_frees_capacity(api: Api) -> None:
    team, other = _team(api), _team(api, "product")
    provider = api.token("provider", "stargate-ops", "stargate")
    pid = api.place(team, accelerator="H100", count=100).json()["id"]
    assert api.place(team, accelerator="H100", count=100).json()["site"] == "oci-phoenix"
    assert api.c.delete(f"/v1/placements/{pid}", headers=other).status_code == 404
    assert api.c.delete(f"/v1/placements/{pid}", headers=provider).status_code == 404
    r = api.c.delete(f"/v1/placements/{pid}", headers=team)
    assert r.status_code == 200 and r.json()["status"] == "released"
    # a retried release (its first answer lost, e.g. to a crash) answers the same
    again = api.c.delete(f"/v1/placements/{pid}", headers=team)
    assert again.status_code == 200 and again.json() == r.json()
    assert api.place(team, accelerator="H100", count=100).json()["site"] == "abilene"
    # the capacity was freed once: after azure-east, a fifth placement of 100 finds no room
    assert api.place(team, accelerator="H100", count=100).json()["site"] == "azure-east"
    rejected = api.place(team, accelerator="H100", count=100).json()
    assert rejected["status"] == "rejected"
    # what never held capacity still cannot be released
    gone = api.c.delete(f"/v1/placements/{rejected['id']}", headers=team)
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "not_holding"
    assert api.ledger_problems() == []


def test_roles(api: Api) -> None:
    team = _team(api)
    provider = api.token("provider", "azure-ops", "azure")
    assert api.c.get("/v1/placements").status_code == 401
    r = api.c.get("/v1/placements", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unknown_token"
    assert (
        api.c.post("/v1/tokens", json={"role": "team", "name": "x"}, headers=team).status_code
        == 403
    )
    assert api.place(provider, accelerator="H100", count=1).status_code == 403
    assert api.c.get("/v1/audit", headers=team).status_code == 403
    assert api.c.post("/v1/sites/abilene/drain", headers=team).status_code == 403
    bad = api.c.post(
        "/v1/tokens",
        json={"role": "provider", "name": "x", "provider": "nobody"},
        headers=api.admin,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "provider"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2026-01-01T00:30:00Z"}, "start"),
        ({"start": "2026-01-01T00:00:00"}, "start"),
        ({"start": "2026-01-01T00:00:00+01:00"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"end": START}, None),
        ({"flops": 1e16}, None),
        ({"count": None}, None),
        ({"accelerator": None}, None),
        ({"accelerator": "TPU"}, "accelerator"),
        ({"start": "2025-12-31T00:00:00Z"}, "start"),
        ({"end": "2026-05-01T00:00:00Z"}, "end"),
        ({"count": 0}, "count"),
        ({"count": "many"}, "count"),
        ({"tags": ["bad tag"]}, "tags.0"),
        ({"tags": ["t"] * 17}, "tags"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_placements_get_a_clear_422(api: Api, change: dict[str, object], field: str) -> None:
    team = _team(api)
    body = {"accelerator": "H100", "count": 1, "start": START, "end": "2026-01-01T01:00:00Z"}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    r = api.c.post("/v1/placements", json=body, headers={**team, "Idempotency-Key": "k"})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] and err["message"] and err["field"] == field


def test_other_bad_requests(api_factory) -> None:  # type: ignore[no-untyped-def]
    api = api_factory(max_placement_hours=24, max_body_bytes=2048, max_capacity_rows=1000)
    team = _team(api)
    body = {"accelerator": "H100", "count": 1, "start": START, "end": "2026-01-03T00:00:00Z"}
    r = api.c.post("/v1/placements", json=body, headers={**team, "Idempotency-Key": "k"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_long"
    r = api.c.post("/v1/placements", json=body, headers=team)
    assert r.status_code == 422 and r.json()["error"]["field"] == "Idempotency-Key"
    r = api.c.post(
        "/v1/placements",
        content=b"{not json",
        headers={**team, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "error" in r.json()
    r = api.c.post("/v1/placements", content=b"x" * 5000, headers={**team, "Idempotency-Key": "k"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    for path in (
        "/v1/placements/0",
        "/v1/placements/abc",
        "/v1/placements?limit=0",
        "/v1/offers?status=weird",
        "/v1/nothing",
    ):
        r = api.c.get(path, headers=team)
        assert 400 <= r.status_code < 500 and "error" in r.json(), path
    assert api.c.put("/v1/placements", headers=team).status_code == 405
    r = api.c.get(
        "/v1/capacity", params={"start": START, "end": "2026-03-01T00:00:00Z"}, headers=team
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "range_too_large"
    r = api.c.get(
        "/v1/capacity", params={"site": "mars", "start": START, "end": START}, headers=team
    )
    assert r.status_code == 404


def test_drain_replaces_or_displaces(api: Api) -> None:
    team = _team(api)
    ids = [api.place(team, accelerator="GB200", count=40).json()["id"] for _ in range(2)]
    ids.append(api.place(team, accelerator="H100", count=20).json()["id"])
    assert api.place(team, accelerator="H100", count=100).json()["site"] == "oci-phoenix"
    r = api.c.post("/v1/sites/abilene/drain", headers=api.admin)
    assert r.status_code == 200, r.text
    out = r.json()
    moved = {p["id"]: p["site"] for p in out["replaced"]}
    # GB200: 50 at oci, 40 at azure; H100: oci is full, azure has 100.
    assert moved == {ids[0]: "oci-phoenix", ids[1]: "azure-east", ids[2]: "azure-east"}
    assert out["displaced"] == []
    assert api.place(team, accelerator="GB200", count=40).json()["status"] == "rejected"
    r = api.c.post("/v1/sites/abilene/drain", headers=api.admin).json()
    assert r["newly_drained"] is False and r["replaced"] == []
    assert api.c.post("/v1/sites/mars/drain", headers=api.admin).status_code == 404
    rows = api.c.get(
        "/v1/capacity",
        params={"site": "abilene", "start": START, "end": "2026-01-01T01:00:00Z"},
        headers=team,
    ).json()
    assert {(x["capacity"], x["booked"]) for x in rows} == {(0, 0)}
    assert api.ledger_problems() == []


def test_drain_reports_displaced(api: Api) -> None:
    team = _team(api)
    a = api.place(team, accelerator="H100", count=100).json()
    b = api.place(team, accelerator="H100", count=100).json()
    c = api.place(team, accelerator="H100", count=100).json()
    assert [a["site"], b["site"], c["site"]] == ["abilene", "oci-phoenix", "azure-east"]
    out = api.c.post("/v1/sites/oci-phoenix/drain", headers=api.admin).json()
    assert [p["id"] for p in out["displaced"]] == [b["id"]]
    assert out["displaced"][0]["status"] == "displaced"
    assert api.c.get(f"/v1/placements/{b['id']}", headers=team).json()["status"] == "displaced"
    audit = api.c.get("/v1/audit", headers=api.admin).json()
    assert [x["action"] for x in audit][-2:] == ["drain", "displace"]
    assert api.ledger_problems() == []


def test_health_and_openapi(api: Api) -> None:
    assert api.c.get("/healthz").json()["status"] == "ok"
    paths = api.c.get("/openapi.json").json()["paths"]
    for p in (
        "/v1/placements",
        "/v1/placements/{placement_id}",
        "/v1/offers",
        "/v1/offers/{offer_id}/accept",
        "/v1/capacity",
        "/v1/sites/{name}/drain",
        "/v1/audit",
        "/v1/tokens",
        "/healthz",
    ):
        assert p in paths
