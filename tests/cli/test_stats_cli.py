"""`confide stats release` and `confide stats budget` as subprocesses, on SQLite and
PostgreSQL. The synthetic records are stored in-process; the commands run as the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from confide.runtime import Confide
from confide.storage import Settings
from tests.cli.test_consent_cli import ok, refused
from tests.stats.helpers import CLINIC, people, spec_text


def _records(settings: Settings) -> None:
    confide = Confide.open(settings)
    try:
        people(
            confide,
            CLINIC,
            [("female", "2016-06-01", 2), ("female", "1990-01-01", 9), ("male", "1985-01-01", 7)],
            "cli",
        )
    finally:
        confide.close()


def test_a_release_writes_csv_json_and_charts(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    _records(settings)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(), encoding="utf-8")
    out = tmp_path / "out"
    printed = ok(settings, database_url, "stats", "release", str(spec), "--out", str(out))
    assert "release test-release: 1 table(s)" in printed
    assert "suppressed" in printed
    assert {p.name for p in out.iterdir()} == {
        "release.json",
        "by-age-and-sex.csv",
        "by-age-and-sex.png",
        "by-age-and-sex.svg",
    }
    document = json.loads((out / "release.json").read_text())
    assert document["protection"] == {"method": "suppression", "k": 5}
    # The same name twice is refused, and says so.
    again = refused(settings, database_url, "stats", "release", str(spec), "--out", str(out))
    assert "already made" in again


def test_dp_budget_is_reported_and_enforced(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    _records(settings)
    dp = {"method": "dp", "epsilon": 1.5, "budget": 2.0}
    for name in ("dp-a", "dp-b"):
        (tmp_path / f"{name}.yaml").write_text(spec_text(release=name, protection=dp))
    ok(settings, database_url, "stats", "release", str(tmp_path / "dp-a.yaml"), "--out",
       str(tmp_path / "a"), "--no-charts")  # fmt: skip
    budget = ok(settings, database_url, "stats", "budget", "test-health")
    assert "ε spent 1.5 of 2 (0.5 left)" in budget
    over = refused(settings, database_url, "stats", "release", str(tmp_path / "dp-b.yaml"),
                   "--out", str(tmp_path / "b"))  # fmt: skip
    assert "only 0.5 is left" in over
    assert not (tmp_path / "b").exists()


def test_bad_specs_are_clear_errors(settings: Settings, database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrelease: [unclosed\n")
    assert "bad.yaml:3:1: this is not valid YAML" in refused(
        settings, database_url, "stats", "release", str(bad), "--out", str(tmp_path / "o")
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump({"version": 1, "release": "x"}))
    assert "malformed" in refused(settings, database_url, "stats", "release", str(wrong),
                                  "--out", str(tmp_path / "o"))  # fmt: skip
    missing = refused(settings, database_url, "stats", "release", str(tmp_path / "none.yaml"),
                      "--out", str(tmp_path / "o"))  # fmt: skip
    assert "cannot read" in missing
    assert "no release" in refused(settings, database_url, "stats", "budget", "nothing-here")
