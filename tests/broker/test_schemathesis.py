"""schemathesis against the published OpenAPI schema: no input produces a server error.

Every operation of the schema gets a bounded number of generated cases, valid
(positive) and invalid (negative), sent with an admin token to the application on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from broker_support import ADMIN, make_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

pytestmark = [pytest.mark.service, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 40


def test_no_server_error(db_url: str) -> None:
    app = make_app(db_url)
    failures: list[str] = []
    with TestClient(app):  # the lifespan (offer expiry) runs as in a server
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 11

        calls = 0
        for operation, mode in [(op, m) for op in operations for m in GenerationMode]:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN}"}
                nonlocal calls
                calls += 1
                response = case.call()
                where = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:300]}")
                elif response.status_code >= 400:
                    body = response.json()
                    if set(body.get("error", {})) != {"code", "message", "field"}:
                        failures.append(f"{where}: bad error body {body}")

            try:
                check()
            except Unsatisfiable:  # nothing invalid to send (e.g. no parameters at all)
                assert mode is GenerationMode.NEGATIVE
    assert failures == []
    assert calls >= 400
