"""Every role against every endpoint: allowed, or refused with the status designed.

One fresh broker per (database, role). Each endpoint is tried on objects made for it
alone (a placement of team ``lab`` offered to azure under the right of first refusal,
in an hour of its own, its offer, a token of ``lab``), so that the cells do not depend
on each other. The table must name every operation of the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from broker_support import Api

pytestmark = pytest.mark.service

ROLES = ("anon", "unknown", "revoked", "owner", "rival", "azure", "oci", "admin", "root")
AUTHED = ("owner", "rival", "azure", "oci", "admin", "root")


def _row(default: int, **cells: int) -> dict[str, int]:
    """Statuses per role: 401 without a valid token, ``default`` for the others."""
    out = {role: 401 for role in ("anon", "unknown", "revoked")}
    out |= {role: default for role in AUTHED}
    return out | cells


ADMINS = {"admin": 200, "root": 200}
LAB = {"owner": 200, **ADMINS}  # the owner and the admins; others see nothing of it
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("get", "/v1/placements"): _row(200),
    ("post", "/v1/placements"): _row(201, azure=403, oci=403),
    ("get", "/v1/placements/{placement_id}"): _row(404, **LAB),
    ("delete", "/v1/placements/{placement_id}"): _row(404, **LAB),
    ("get", "/v1/offers"): _row(200),
    ("post", "/v1/offers/{offer_id}/accept"): _row(403, azure=200, **ADMINS),
    ("post", "/v1/offers/{offer_id}/decline"): _row(403, azure=200, **ADMINS),
    ("get", "/v1/capacity"): _row(200),
    ("post", "/v1/tokens"): _row(403, admin=201, root=201),
    ("get", "/v1/tokens"): _row(200),
    ("delete", "/v1/tokens/{token_id}"): _row(404, **LAB),
    ("post", "/v1/sites/{name}/drain"): _row(403, **ADMINS),
    ("get", "/v1/audit"): _row(403, **ADMINS),
    ("get", "/healthz"): {role: 200 for role in ROLES},
    ("get", "/metrics"): _row(403, **ADMINS),
    ("get", "/v1/me"): _row(200),
    ("get", "/v1/capacity/summary"): _row(200),
    ("get", "/v1/recent/placements"): _row(200),
    ("get", "/v1/audit/search"): _row(403, **ADMINS),
    ("get", "/v1/plan/charts"): _row(200, azure=403, oci=403),
}


@dataclass
class World:
    """The broker, the tokens of every role and a fresh-object maker."""

    api: Api
    headers: dict[str, dict[str, str]]
    hour: int = 0

    def placement(self) -> dict[str, Any]:
        """A placement of ``lab`` offered to azure, in an hour no other cell uses."""
        self.hour += 1
        start = f"2026-01-{1 + self.hour // 24:02d}T{self.hour % 24:02d}:00:00Z"
        end = f"2026-01-{1 + (self.hour + 1) // 24:02d}T{(self.hour + 1) % 24:02d}:00:00Z"
        r = self.api.place(
            self.headers["owner"],
            accelerator="GB200",
            count=1,
            tags=["frontier"],
            start=start,
            end=end,
        )
        assert r.status_code == 201 and r.json()["status"] == "offered", r.text
        body: dict[str, Any] = r.json()
        return body

    def owner_token_id(self) -> int:
        r = self.api.c.post(
            "/v1/tokens", json={"role": "team", "name": "lab"}, headers=self.api.admin
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


def _world(api: Api) -> World:
    headers = {
        "anon": {},
        "unknown": {"Authorization": "Bearer gw_not-a-token"},
        "owner": api.token("team", "lab"),
        "rival": api.token("team", "rival"),
        "azure": api.token("provider", "azure-ops", "azure"),
        "oci": api.token("provider", "oci-ops", "oci"),
        "admin": api.token("admin", "ops"),
        "root": api.admin,
    }
    made = api.c.post("/v1/tokens", json={"role": "team", "name": "lab"}, headers=api.admin)
    revoked = api.c.delete(f"/v1/tokens/{made.json()['id']}", headers=api.admin)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    headers["revoked"] = {"Authorization": f"Bearer {made.json()['token']}"}
    return World(api, headers)


Call = Callable[[World, dict[str, str]], Any]
HOURS = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T02:00:00Z"}


def _place(w: World, h: dict[str, str]) -> Any:
    return w.api.place(h, accelerator="H100", count=1)


CALLS: dict[tuple[str, str], Call] = {
    ("get", "/v1/placements"): lambda w, h: w.api.c.get("/v1/placements", headers=h),
    ("post", "/v1/placements"): _place,
    ("get", "/v1/placements/{placement_id}"): lambda w, h: w.api.c.get(
        f"/v1/placements/{w.placement()['id']}", headers=h
    ),
    ("delete", "/v1/placements/{placement_id}"): lambda w, h: w.api.c.delete(
        f"/v1/placements/{w.placement()['id']}", headers=h
    ),
    ("get", "/v1/offers"): lambda w, h: w.api.c.get("/v1/offers", headers=h),
    ("post", "/v1/offers/{offer_id}/accept"): lambda w, h: w.api.c.post(
        f"/v1/offers/{w.placement()['offer_id']}/accept", headers=h
    ),
    ("post", "/v1/offers/{offer_id}/decline"): lambda w, h: w.api.c.post(
        f"/v1/offers/{w.placement()['offer_id']}/decline", headers=h
    ),
    ("get", "/v1/capacity"): lambda w, h: w.api.c.get("/v1/capacity", params=HOURS, headers=h),
    ("post", "/v1/tokens"): lambda w, h: w.api.c.post(
        "/v1/tokens", json={"role": "team", "name": "newcomer"}, headers=h
    ),
    ("get", "/v1/tokens"): lambda w, h: w.api.c.get("/v1/tokens", headers=h),
    ("delete", "/v1/tokens/{token_id}"): lambda w, h: w.api.c.delete(
        f"/v1/tokens/{w.owner_token_id()}", headers=h
    ),
    ("post", "/v1/sites/{name}/drain"): lambda w, h: w.api.c.post(
        "/v1/sites/oci-phoenix/drain", headers=h
    ),
    ("get", "/v1/audit"): lambda w, h: w.api.c.get("/v1/audit", headers=h),
    ("get", "/healthz"): lambda w, h: w.api.c.get("/healthz", headers=h),
    ("get", "/metrics"): lambda w, h: w.api.c.get("/metrics", headers=h),
    ("get", "/v1/me"): lambda w, h: w.api.c.get("/v1/me", headers=h),
    ("get", "/v1/capacity/summary"): lambda w, h: w.api.c.get(
        "/v1/capacity/summary", params={"start": HOURS["start"]}, headers=h
    ),
    ("get", "/v1/recent/placements"): lambda w, h: w.api.c.get("/v1/recent/placements", headers=h),
    ("get", "/v1/audit/search"): lambda w, h: w.api.c.get("/v1/audit/search", headers=h),
    ("get", "/v1/plan/charts"): lambda w, h: w.api.c.get("/v1/plan/charts", headers=h),
}


def test_the_table_names_every_operation(api: Api) -> None:
    schema = api.c.get("/openapi.json").json()
    operations = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert operations == set(EXPECTED) == set(CALLS)
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize("role", ROLES)
def test_role_by_endpoint(api_factory: Callable[..., Api], role: str) -> None:
    w = _world(api_factory())
    got: dict[tuple[str, str], int] = {}
    for op, call in CALLS.items():  # the drain comes late: it moves placements
        got[op] = call(w, w.headers[role]).status_code
    assert got == {op: row[role] for op, row in EXPECTED.items()}
