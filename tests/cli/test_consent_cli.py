"""`confide consent …`, `confide referral …` and `confide agreement …` as subprocesses, on
SQLite and PostgreSQL.

The deployment and the refuge's records are set up in-process (the ``settings`` fixture,
``vault.put``); every command under test runs as the real CLI in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from confide.runtime import Confide
from confide.storage import Settings

RESIDENT = "resident-test-0001"
SHELTER = "safe-harbour-shelter"
CLINIC = "st-marys-clinic"
CASE = {
    "identity.name": "Test Resident One",
    "contact.phone": "0000 000 1234",
    "health.condition": "synthetic condition",
    "case.risk": "synthetic risk note",
}


def run(settings: Settings, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFIDE_HOME": str(settings.home), "CONFIDE_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "confide", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def ok(settings: Settings, url: str, *args: str) -> str:
    result = run(settings, url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def data(settings: Settings, url: str, *args: str) -> Any:
    return json.loads(ok(settings, url, *args, "--json"))


def refused(settings: Settings, url: str, *args: str) -> str:
    """The command fails with a message and no traceback; returns its stderr."""
    result = run(settings, url, *args)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()
    return result.stderr


def shelter_case(settings: Settings) -> None:
    confide = Confide.open(settings)
    try:
        confide.vault.put(
            holder=SHELTER, subject=RESIDENT, purpose="safeguarding.adult", values=CASE
        )
    finally:
        confide.close()


def give(settings: Settings, url: str, *categories: str, extra: tuple[str, ...] = ()) -> Any:
    """The resident's consent that the refuge may refer her to the surgery (her receipt)."""
    flags = [arg for c in categories for arg in ("--category", c)]
    return data(settings, url, "consent", "give", "--holder", SHELTER, "--to", CLINIC,
                "--purpose", "care.treatment", "--subject", RESIDENT, *flags, *extra)  # fmt: skip


def offer(settings: Settings, url: str, consent: str, *extra: str) -> str:
    referral = data(settings, url, "referral", "offer", "--from", SHELTER, "--to", CLINIC,
                    "--consent", consent, *extra)  # fmt: skip
    assert referral["state"] == "offered"
    return str(referral["id"])


def agreement_file(tmp_path: Path, name: str, body: str) -> Path:
    today = dt.datetime.now(dt.UTC).date()
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        body
        + f"owner: dpo@example.org\nexpires: {today + dt.timedelta(days=365)}\n"
        + f"review: {today + dt.timedelta(days=180)}\n",
        "utf-8",
    )
    return path


def test_consent_given_listed_receipted_and_withdrawn(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    shelter_case(settings)
    url = database_url
    given = give(settings, url, "identity", "health")
    assert given["format"] == "confide-consent-receipt/1"
    assert given["state"] == "active"
    assert (given["from"]["id"], given["to"]["id"]) == (SHELTER, CLINIC)
    assert "identity.name" in given["categories"]
    assert "immigration enforcement" in given["text"]
    consent = given["consent"]

    assert consent in [c["id"] for c in data(settings, url, "consent", "list", "--org", CLINIC)]
    assert consent in ok(settings, url, "consent", "list", "--subject", RESIDENT)
    assert data(settings, url, "consent", "list", "--subject", "resident-test-0002") == []

    target = tmp_path / "receipt.json"
    ok(settings, url, "consent", "receipt", consent, "--org", CLINIC, "--out", str(target))
    kept = json.loads(target.read_text("utf-8"))
    assert kept["consent"] == consent
    assert kept["text_sha256"] == given["text_sha256"]

    referral = offer(settings, url, consent)
    ok(settings, url, "referral", "accept", referral, "--org", CLINIC)
    assert "Test Resident One" in ok(settings, url, "referral", "read", referral, "--org", CLINIC)

    assert "withdrew" in ok(settings, url, "consent", "withdraw", consent, "--org", SHELTER)
    shown = data(settings, url, "consent", "show", consent, "--org", CLINIC)
    assert (shown["state"], shown["withdrawn_by"]) == ("withdrawn", "staff")
    # From the withdrawal on, a read under it is a logged deny: no value, exit 1.
    denied = run(settings, url, "referral", "read", referral, "--org", CLINIC)
    assert denied.returncode == 1
    assert "deny" in denied.stdout
    assert "Test Resident One" not in denied.stdout
    assert "denied" in denied.stderr
    assert "Traceback" not in denied.stderr


def test_referral_offered_accepted_read_completed_or_declined(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    shelter_case(settings)
    url = database_url
    words = tmp_path / "shown.txt"
    words.write_text("I agree that the refuge may refer me to the surgery (synthetic).\n", "utf-8")
    given = give(settings, url, "identity", "health", extra=("--text-file", str(words)))
    assert given["text"] == "I agree that the refuge may refer me to the surgery (synthetic)."
    consent = given["consent"]

    referral = offer(settings, url, consent, "--category", "identity.name")
    waiting = data(settings, url, "referral", "list", "--org", CLINIC, "--state", "offered")
    assert [r["id"] for r in waiting] == [referral]
    wrong = refused(settings, url, "referral", "accept", referral, "--org", SHELTER)
    assert "only the receiving service" in wrong
    assert "is accepted" in ok(settings, url, "referral", "accept", referral, "--org", CLINIC)
    reads = data(settings, url, "referral", "read", referral, "--org", CLINIC)
    assert reads
    assert all(r["decision"] == "permit" for r in reads)
    assert reads[0]["values"] == {"identity.name": "Test Resident One"}  # only what it lists
    ok(settings, url, "referral", "complete", referral, "--org", CLINIC)
    assert data(settings, url, "referral", "show", referral, "--org", SHELTER)["state"] == (
        "completed"
    )
    after = run(settings, url, "referral", "read", referral, "--org", CLINIC)
    assert after.returncode == 1
    assert "Test Resident One" not in after.stdout

    second = offer(settings, url, consent)
    assert "is declined" in ok(settings, url, "referral", "decline", second, "--org", CLINIC)
    final = refused(settings, url, "referral", "withdraw", second, "--org", SHELTER)
    assert "declined; it cannot become withdrawn" in final
    assert "expired 0 referral(s)" in ok(settings, url, "referral", "expire")


def test_agreement_proposed_checked_activated_and_retired(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    url = database_url
    consent = ("consent", "give", "--holder", CLINIC, "--to", "city-council", "--purpose",
               "housing.support", "--category", "identity.name", "--subject", RESIDENT)  # fmt: skip
    assert "no agreement or rule lets city-council" in refused(settings, url, *consent)
    spec = agreement_file(
        tmp_path,
        "housing",
        "id: clinic-to-council-housing-test\n"
        "description: With the patient's consent, the surgery supports a housing request.\n"
        f"from: {CLINIC}\nto: city-council\npurposes: [housing.support]\n"
        "categories: [identity.name, contact.phone]\nwhen: consent\n",
    )
    proposed = data(settings, url, "agreement", "propose", str(spec))
    assert (proposed["id"], proposed["state"]) == ("clinic-to-council-housing-test", "proposed")
    assert "can be activated" in ok(settings, url, "agreement", "check", proposed["id"])
    assert "is active" in ok(settings, url, "agreement", "activate", proposed["id"])
    active = data(settings, url, "agreement", "list", "--state", "active")
    assert [a["id"] for a in active] == [proposed["id"]]
    # The policy in force now lets a consent open the flow, in the next process too.
    assert "consent" in ok(settings, url, *consent)
    assert "is retired" in ok(settings, url, "agreement", "retire", proposed["id"])
    assert data(settings, url, "agreement", "show", proposed["id"])["state"] == "retired"


def test_agreement_to_enforcement_or_from_a_closed_service_is_refused(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    url = database_url
    to_enforcement = agreement_file(
        tmp_path,
        "enforcement",
        f"id: clinic-to-authority-test\nfrom: {CLINIC}\nto: national-immigration-authority\n"
        "purposes: [care.treatment]\ncategories: [identity.name]\n",
    )
    proposed = run(settings, url, "agreement", "propose", str(to_enforcement))
    if proposed.returncode == 0:  # names are checked at proposal, invariants at activation
        stderr = refused(settings, url, "agreement", "activate", "clinic-to-authority-test")
    else:
        stderr = proposed.stderr
    assert "Traceback" not in stderr
    assert "national-immigration-authority" in stderr
    assert "[I1]" in stderr or "(I1" in stderr

    from_closed = agreement_file(
        tmp_path,
        "closed",
        f"id: point-to-clinic-test\nfrom: red-cross-point\nto: {CLINIC}\n"
        "purposes: [care.treatment]\ncategories: [identity.name, health]\n",
    )
    ok(settings, url, "agreement", "propose", str(from_closed))
    problems = refused(settings, url, "agreement", "check", "point-to-clinic-test")
    assert "red-cross-point is a closed service" in problems
    stderr = refused(settings, url, "agreement", "activate", "point-to-clinic-test")
    assert "[I10]" in stderr
    assert "red-cross-point" in stderr
    assert data(settings, url, "agreement", "list", "--state", "active") == []


def test_bad_input_is_a_clear_error_without_a_traceback(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    url = database_url
    give = ("consent", "give", "--to", CLINIC, "--purpose", "care.treatment",
            "--subject", RESIDENT)  # fmt: skip
    assert "'nowhere-clinic' is not in the policy" in refused(
        settings, url, *give, "--holder", "nowhere-clinic", "--category", "identity"
    )
    assert "unknown data category 'identity.shoe'" in refused(
        settings, url, *give, "--holder", SHELTER, "--category", "identity.shoe"
    )
    assert "'nowhere-clinic' is not in the policy" in refused(
        settings, url, "consent", "list", "--org", "nowhere-clinic"
    )
    assert "--org ORG" in refused(settings, url, "consent", "list")
    missing = "00000000-0000-0000-0000-000000000000"
    assert "no consent" in refused(settings, url, "consent", "show", missing, "--org", CLINIC)
    assert "no referral" in refused(settings, url, "referral", "accept", missing, "--org", CLINIC)
    assert "--state is one of" in refused(
        settings, url, "referral", "list", "--org", CLINIC, "--state", "lost"
    )
    assert "no agreement" in refused(settings, url, "agreement", "activate", "no-such-agreement")

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\nfrom: x\n", "utf-8")
    assert "not valid YAML" in refused(settings, url, "agreement", "propose", str(broken))
    listed = tmp_path / "list.yaml"
    listed.write_text("- id: a\n", "utf-8")
    assert "YAML mapping" in refused(settings, url, "agreement", "propose", str(listed))
    unowned = tmp_path / "unowned.yaml"
    unowned.write_text(
        f"id: no-owner-test\nfrom: {CLINIC}\nto: city-hospital\npurposes: [care.treatment]\n"
        "categories: [identity.name]\n",
        "utf-8",
    )
    assert "needs owner" in refused(settings, url, "agreement", "propose", str(unowned))
