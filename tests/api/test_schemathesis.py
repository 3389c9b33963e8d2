"""Schemathesis over the OpenAPI document: generated requests to every documented operation,
with and without a token, find no server error and no response that breaks the documented
schema (SQLite, in-process)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from confide.api.app import create_app
from confide.runtime import Confide, init
from confide.service.tokens import issue
from confide.storage import Settings

#: No 5xx, responses that match their documented schema, status code and content type.
#: ("Schema-valid data must be accepted" is left out: an unknown taxonomy name is valid JSON
#: for the schema and rightly refused with 422, since the taxonomy is data, not an enum.)
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    home: Path = tmp_path_factory.mktemp("schemathesis") / "home"
    config = Settings.resolve(home=home, database_url=f"sqlite:///{home / 'confide.db'}")
    init(config)
    confide = Confide.open(config)
    token, _ = issue(
        confide.db,
        confide.policy,
        "st-marys-clinic",
        "schemathesis",
        ["care", "service", "subject"],
        ["clinician", "admin", "dpo", "receptionist"],
        dt.timedelta(days=1),
        "tests",
    )
    confide.vault.put(
        holder="st-marys-clinic",
        subject="fuzz-0001",
        purpose="care.treatment",
        values={"identity.name": "Fuzz Synthetic"},
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(confide)), token
    confide.close()


def test_no_server_error_and_no_schema_violation(deployment: tuple[Any, str]) -> None:
    schema, token = deployment
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15  # every documented operation is exercised
    statuses: dict[int, int] = {}

    def run(operation: Any, headers: dict[str, str]) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        check()

    for operation in operations:
        run(operation, {})
        run(operation, {"Authorization": f"Bearer {token}"})
    # The token reached past authentication: some calls were answered, not only 401s.
    assert any(200 <= status < 300 for status in statuses)
    assert any(status in (403, 404, 422) for status in statuses)
    assert not any(status >= 500 for status in statuses)
