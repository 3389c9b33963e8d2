"""Synthetic clinic records and release specs for the statistics tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from confide.runtime import Confide

CLINIC = "st-marys-clinic"
HOSPITAL = "city-hospital"


def people(confide: Confide, holder: str, rows: list[tuple[str, str, int]], prefix: str) -> None:
    """Store one record per ``(sex, date of birth, how many)`` group: synthetic people."""
    n = 0
    for sex, born, times in rows:
        for _ in range(times):
            n += 1
            confide.vault.put(
                holder=holder,
                subject=f"{prefix}-{n:04d}",
                purpose="care.treatment",
                values={
                    "identity.name": f"Synthetic Person {prefix} {n}",
                    "identity.sex_gender": sex,
                    "identity.date_of_birth": born,
                },
            )


def spec_text(**changes: Any) -> str:
    today = dt.datetime.now(dt.UTC).date()
    spec: dict[str, Any] = {
        "version": 1,
        "release": "test-release",
        "title": "People the surgery reached (synthetic)",
        "dataset": "test-health",
        "source": "records",
        "services": [CLINIC],
        "period": {
            "from": (today - dt.timedelta(days=3)).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
            "by": "year",
        },
        "case_types": ["care"],
        "tables": [
            {"name": "by-age-and-sex", "rows": "age_band", "columns": "sex_gender"},
        ],
        "protection": {"method": "suppression", "k": 5},
    }
    spec.update(changes)
    return yaml.safe_dump(spec, sort_keys=False)
