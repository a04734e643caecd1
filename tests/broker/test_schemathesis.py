"""schemathesis against the published OpenAPI schema, with every check it has.

Every operation of the schema gets a bounded number of generated cases, valid
(positive) and invalid (negative), sent with an admin token to the application on SQLite
and on PostgreSQL; every answer is checked by all of schemathesis's checks (no server
error, statuses, content types, headers and bodies as documented, invalid data refused,
valid data accepted, authentication not ignored, ...) and every error has the broker's
error body.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from broker_support import ADMIN, make_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import FailureGroup
from schemathesis.config import SchemathesisConfig

pytestmark = [pytest.mark.service, pytest.mark.slow]

AUTH = {"Authorization": f"Bearer {ADMIN}"}
# A request the schema allows may still name what the scenario lacks (an accelerator, a
# provider), lie outside its horizon or before the present, or end before it starts
# across two fields: the broker refuses those with 422 (docs/decisions.md, Broker), so
# 422 is an expected answer to schema-valid data besides schemathesis's defaults.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
EXAMPLES_PER_OPERATION = int(os.environ.get("GIGAWATT_SCHEMATHESIS_EXAMPLES", "40"))


def test_no_server_error(db_url: str) -> None:
    app = make_app(db_url)
    failures: list[str] = []
    with TestClient(app):  # the lifespan (offer expiry) runs as in a server
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
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
                # A query parameter with an empty list of values is not sent at all, so
                # the request is not the invalid one schemathesis meant: skip it.
                assume(not any(v == [] for v in (case.query or {}).values()))
                nonlocal calls
                calls += 1
                response = case.call(headers=AUTH)
                where = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
                try:
                    case.validate_response(response, headers=AUTH)  # every check there is
                except FailureGroup as exc:  # one line per failure
                    found = exc.exceptions
                    failures.extend(
                        f"{where} -> {response.status_code} {response.text[:200]}: "
                        f"{type(f).__name__}: {str(f).splitlines()[0][:200]}"
                        for f in found
                    )
                if response.status_code >= 400:
                    body = response.json()
                    if set(body.get("error", {})) != {"code", "message", "field"}:
                        failures.append(f"{where}: bad error body {body}")

            try:
                check()
            except Unsatisfiable:  # nothing invalid to send (e.g. no parameters at all)
                assert mode is GenerationMode.NEGATIVE
    for line in failures:
        print(line)
    assert failures == []
    assert calls >= 400
