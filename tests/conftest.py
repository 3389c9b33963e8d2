"""Shared fixtures. Storage fixtures (SQLite and PostgreSQL) join here with the vault."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import confide.policy as policy_api
from confide.policy import CompiledPolicy

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def baseline() -> CompiledPolicy:
    return policy_api.load(policy_api.baseline_path())
