"""The command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from confide.demo.scenarios import SCENARIOS
from confide.policy import baseline_path

REQUEST = {
    "requester": {"org": "city-police", "sector": "law_enforcement", "role": "officer"},
    "action": "read",
    "purpose": "criminal_investigation.victim_support",
    "record": {"holder": "st-marys-clinic", "sector": "health", "subject": "opaque-id"},
    "fields": ["identity.name", "contact.phone", "immigration.status"],
    "context": {"legal_basis": None, "consent": None, "offence": None},
}


def confide(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confide", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_policy_check_accepts_the_baseline() -> None:
    result = confide("policy", "check", str(baseline_path()))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout
    assert "13 organisations" in result.stdout
    assert "sha256:" in result.stdout


def test_policy_check_lists_every_error_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nname: x\norganisations:\n  - {id: a, sector: helth}\n"
        "  - {id: b, sector: health, colour: red}\n"
    )
    result = confide("policy", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:4:" in result.stderr and "unknown sector 'helth'" in result.stderr
    assert f"{bad}:5:" in result.stderr and "unknown key 'colour'" in result.stderr


def test_policy_check_names_the_chain(tmp_path: Path) -> None:
    from tests.scenarios.test_policy_scenarios import CHAIN

    chain = tmp_path / "chain.yaml"
    chain.write_text(CHAIN)
    result = confide("policy", "check", str(chain))
    assert result.returncode == 1
    assert "[I10]" in result.stderr
    assert "st-marys-clinic → city-council → enforcement-liaison" in result.stderr


def test_decide_reads_a_file_and_prints_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(REQUEST))
    result = confide("decide", "--policy", str(baseline_path()), str(path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"decision", "fields", "reasons", "rules", "policy"}
    assert answer["decision"] == "deny"
    assert answer["fields"] == []
    assert "I2" in answer["rules"]
    assert answer["policy"].startswith("sha256:")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.number)
def test_decide_from_stdin_matches_every_scenario(scenario: object) -> None:
    from confide.demo.scenarios import Scenario

    assert isinstance(scenario, Scenario)
    result = confide(
        "decide", "--policy", str(baseline_path()), "-", stdin=json.dumps(scenario.request)
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decision"] == scenario.expected
    if scenario.expected == "permit":
        assert tuple(answer["fields"]) == scenario.fields


def test_decide_denies_a_request_that_is_not_json() -> None:
    result = confide("decide", "--policy", str(baseline_path()), "-", stdin="{not json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["decision"] == "deny"
    assert "not valid JSON" in result.stderr


def test_decide_with_a_broken_policy_fails_loudly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\n")
    result = confide("decide", "--policy", str(bad), "-", stdin=json.dumps(REQUEST))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "missing required key 'name'" in result.stderr


def test_explain_shows_rules_and_invariants(tmp_path: Path) -> None:
    request = dict(REQUEST)
    request["requester"] = {"org": "city-hospital", "role": "clinician"}
    request["purpose"] = "care.emergency"
    request["fields"] = ["identity.name", "health.allergies", "immigration.status"]
    result = confide("policy", "explain", "--policy", str(baseline_path()), "-",
                     stdin=json.dumps(request))  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "PERMIT" in out
    assert "emergency-care-between-health-services" in out
    assert "Withheld: immigration.status" in out
    assert "Invariant I2" in out


def test_policy_init_writes_a_policy_that_checks(tmp_path: Path) -> None:
    result = confide("policy", "init", str(tmp_path / "city"))
    assert result.returncode == 0, result.stderr
    written = tmp_path / "city" / "policy.yaml"
    assert written.read_text() == baseline_path().read_text()
    assert confide("policy", "check", str(written)).returncode == 0
    again = confide("policy", "init", str(tmp_path / "city"))
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_demo_prints_every_scenario_and_the_credentials(tmp_path: Path) -> None:
    result = confide("demo", "--no-serve", "--home", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    for scenario in SCENARIOS:
        assert scenario.title[:20] in result.stdout
    assert f"All {len(SCENARIOS)} scenarios decided as the firewall promises." in result.stdout
    assert "demo-clinician" in result.stdout
    assert "/staff/sign-in" in result.stdout
    again = confide("demo", "--no-serve", "--home", str(tmp_path / "demo"))
    assert again.returncode == 0, again.stderr
    assert "demo-clinician" in again.stdout  # the same accounts, printed again
    # A synthetic resident with consents and a referral, and her access code to see them.
    assert "demo-resident-001: access code" in again.stdout
