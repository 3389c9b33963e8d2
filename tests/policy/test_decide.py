"""The decision function: fail closed (I5), identical denials (I6), warrants (I4), the
person's own rights (I7), reserved contexts and agreement expiry."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from typing import Any

import pytest

import confide.policy as policy_api
from confide.demo.scenarios import SCENARIOS, WARRANT
from confide.policy import CompiledPolicy, ConsentScope, DecisionRequest, parse_request
from confide.policy import compile as compile_module


def request(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "requester": {"org": "city-hospital", "sector": "health", "role": "clinician"},
        "action": "read",
        "purpose": "care.emergency",
        "record": {"holder": "st-marys-clinic", "sector": "health", "subject": "subject-0001"},
        "fields": ["identity.name", "health.allergies"],
        "context": {"legal_basis": None, "consent": None, "offence": None},
    }
    for dotted, value in changes.items():
        target = base
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return base


def test_the_reference_request_is_permitted(baseline: CompiledPolicy) -> None:
    d = baseline.decide(request())
    assert d.decision == "permit"
    assert d.fields == ("identity.name", "health.allergies")
    assert d.rules == ("emergency-care-between-health-services",)
    assert set(d.to_json()) == {"decision", "fields", "reasons", "rules", "policy"}
    assert d.policy == baseline.hash


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"requester__org": "unknown-org"},
            "requester organisation 'unknown-org' is not in the policy",
        ),
        (
            {"record__holder": "unknown-org"},
            "holder organisation 'unknown-org' is not in the policy",
        ),
        ({"requester__role": "janitor"}, "unknown role 'janitor'"),
        ({"action": "delete"}, "unknown action 'delete'"),
        ({"purpose": "care"}, "unknown or non-specific purpose 'care'"),
        ({"purpose": "care.cosmetic"}, "unknown or non-specific purpose"),
        ({"fields": ["identity.shoe_size"]}, "unknown data category 'identity.shoe_size'"),
        ({"context__offence": "parking"}, "unknown offence 'parking'"),
        ({"requester__sector": "education"}, "requester's sector does not match"),
        ({"record__sector": "education"}, "holder's sector does not match"),
        ({"fields": []}, "malformed"),
        ({"fields": "identity.name"}, "malformed"),
        ({"requester": None}, "malformed"),
        ({"context__colour": "red"}, "malformed"),
        ({"fields": ["identity.name"] * 300}, "malformed"),
        (
            {"context__consent": {"id": "c-1"}, "context__break_glass": {"reason": "x"}},
            "more than one of",
        ),
    ],
)
def test_unknown_names_and_malformed_requests_are_denied(
    baseline: CompiledPolicy, changes: dict[str, Any], reason: str
) -> None:
    d = baseline.decide(request(**changes))
    assert d.decision == "deny"
    assert d.fields == ()
    assert d.rules == ("I5",)
    assert any(reason in r for r in d.reasons), d.reasons


@pytest.mark.parametrize("garbage", [None, 42, "text", [], {"requester": "x"}, {"a": {"b": {}}}])
def test_garbage_is_a_deny_not_an_exception(baseline: CompiledPolicy, garbage: Any) -> None:
    assert baseline.decide(garbage).decision == "deny"


def test_an_engine_fault_is_a_deny_that_leaks_nothing(
    baseline: CompiledPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = CompiledPolicy(baseline.policy)

    class Exploding(dict[Any, Any]):
        def get(self, *_: Any) -> Any:
            raise RuntimeError("secret internal detail subject-0001")

    monkeypatch.setattr(engine, "table", Exploding())
    d = engine.decide(request())
    assert d.decision == "deny"
    assert d.rules == ("I5",)
    assert "secret" not in json.dumps(d.to_json())
    assert "subject-0001" not in json.dumps(d.to_json())


def test_a_deny_is_the_same_whoever_the_record_is_about(baseline: CompiledPolicy) -> None:
    """I6: nothing in an answer depends on whether the subject's record exists."""
    for scenario in SCENARIOS:
        if "warrant" in scenario.request["context"] or "subject" in scenario.request["context"]:
            continue
        answers = set()
        for subject in ("subject-0001", "no-such-subject", "subject-9999"):
            r = copy.deepcopy(scenario.request)
            r["record"]["subject"] = subject
            answers.add(json.dumps(baseline.decide(r).to_json(), sort_keys=True))
        assert len(answers) == 1, scenario.number


def _serious(**warrant_changes: Any) -> dict[str, Any]:
    warrant = {**WARRANT, **warrant_changes}
    return request(
        requester__org="city-police",
        requester__sector="law_enforcement",
        requester__role="officer",
        purpose="criminal_investigation.serious_crime",
        record__subject="subject-0007",
        fields=["identity.name", "contact.address", "immigration.status"],
        context__warrant=warrant,
    )


def test_a_valid_warrant_releases_only_its_fields_and_never_status(
    baseline: CompiledPolicy,
) -> None:
    d = baseline.decide(_serious())
    assert d.decision == "permit"
    assert d.fields == ("identity.name", "contact.address")
    assert d.warrant == "EXW-2026-0042"
    assert "I4" in d.rules and "I2" in d.rules
    assert any("EXW-2026-0042" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"judicial": False}, "issued by a judge"),
        ({"subject": "someone-else"}, "name the individual"),
        ({"offence": "property.theft"}, "not a serious offence"),
        ({"offence": "made.up"}, "unknown offence"),
        ({"fields": ["identity.nickname"]}, "unknown data category"),
    ],
)
def test_a_defective_warrant_opens_nothing(
    baseline: CompiledPolicy, changes: dict[str, Any], reason: str
) -> None:
    d = baseline.decide(_serious(**changes))
    assert d.decision == "deny"
    assert d.rules == ("I4",)
    assert any(reason in r for r in d.reasons)


def test_a_warrant_for_an_immigration_offence_is_enforcement(baseline: CompiledPolicy) -> None:
    d = baseline.decide(_serious(offence="immigration.illegal_working"))
    assert d.decision == "deny"
    assert d.rules == ("I3", "I1")


def test_serious_crime_without_a_warrant_is_denied(baseline: CompiledPolicy) -> None:
    r = _serious()
    del r["context"]["warrant"]
    d = baseline.decide(r)
    assert (d.decision, d.rules) == ("deny", ("I4",))


def test_a_warrant_opens_only_serious_crime(baseline: CompiledPolicy) -> None:
    r = _serious()
    r["purpose"] = "criminal_investigation.victim_support"
    d = baseline.decide(r)
    assert (d.decision, d.rules) == ("deny", ("I4",))


def test_an_offence_that_differs_from_the_warrants_is_denied(baseline: CompiledPolicy) -> None:
    r = _serious()
    r["context"]["offence"] = "sexual.rape"
    assert baseline.decide(r).decision == "deny"


def _own(org: str = "st-marys-clinic", **changes: Any) -> dict[str, Any]:
    base = request(
        requester__org=org,
        requester__sector=None,
        requester__role="subject",
        purpose="subject.access",
        record__holder=org,
        record__sector=None,
        record__subject="subject-0003",
        fields=["immigration", "health"],
        context__subject="subject-0003",
    )
    base.update(changes)
    return base


def test_the_person_sees_everything_including_status(baseline: CompiledPolicy) -> None:
    d = baseline.decide(_own())
    assert d.decision == "permit"
    assert "immigration.status" in d.fields and "health.notes" in d.fields
    assert d.rules == ("I7",)


def test_the_person_can_only_act_for_themself(baseline: CompiledPolicy) -> None:
    r = _own()
    r["context"]["subject"] = "subject-0004"
    assert baseline.decide(r).rules == ("I7",)
    assert baseline.decide(r).decision == "deny"


def test_enforcement_cannot_pose_as_the_subject(baseline: CompiledPolicy) -> None:
    d = baseline.decide(_own("national-immigration-authority"))
    assert (d.decision, d.rules) == ("deny", ("I1",))


def _legal_aid(**extra: Any) -> dict[str, Any]:
    return request(
        requester__org="migrant-legal-aid",
        requester__sector="legal_aid",
        requester__role="lawyer",
        purpose="legal.advice",
        record__holder="safe-harbour-shelter",
        record__sector="shelter",
        fields=["identity.name", "immigration.status"],
        **extra,
    )


def _scope(**changes: Any) -> ConsentScope:
    scope = ConsentScope(
        "consent-1",
        "migrant-legal-aid",
        "safe-harbour-shelter",
        "legal.advice",
        ("identity.name", "immigration.status"),
    )
    return scope._replace(**changes)


def test_a_consent_id_from_json_opens_nothing(baseline: CompiledPolicy) -> None:
    """Only a consent the vault checked against its record counts; a request that merely
    names one (``confide decide``, ``POST /v1/decide``) is denied (I5)."""
    d = baseline.decide(_legal_aid(context__consent={"id": "consent-1"}))
    assert (d.decision, d.rules) == ("deny", ("consent",))
    assert any("in force" in r for r in d.reasons)


def test_checked_consent_releases_status_to_chosen_legal_aid_only(
    baseline: CompiledPolicy,
) -> None:
    parsed = parse_request(_legal_aid(context__consent={"id": "consent-1"}))
    d = baseline.decide(parsed._replace(consent_scope=_scope()))
    assert d.decision == "permit"
    assert d.fields == ("identity.name", "immigration.status")
    assert any("consent consent-1" in r for r in d.reasons)
    # Without consent, legal aid gets nothing from the refuge.
    assert baseline.decide(parsed._replace(consent=None)).decision == "deny"


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "consent-2"},
        {"recipient": "city-police-victim-unit"},
        {"holder": "st-marys-clinic"},
        {"purpose": "legal.representation"},
    ],
)
def test_consent_is_specific(baseline: CompiledPolicy, changes: dict[str, str]) -> None:
    parsed = parse_request(_legal_aid(context__consent={"id": "consent-1"}))
    d = baseline.decide(parsed._replace(consent_scope=_scope(**changes)))
    assert (d.decision, d.rules) == ("deny", ("consent",))


def test_consent_releases_only_the_categories_agreed(baseline: CompiledPolicy) -> None:
    parsed = parse_request(_legal_aid(context__consent={"id": "consent-1"}))
    d = baseline.decide(parsed._replace(consent_scope=_scope(categories=("identity.name",))))
    assert d.fields == ("identity.name",)
    assert any("does not cover immigration.status" in r for r in d.reasons)


def test_consent_never_carries_status_to_anyone_but_legal_aid(
    baseline: CompiledPolicy,
) -> None:
    """The refuge may pass the incident to the victim unit with consent, never status (I2),
    even when the consent record lists it."""
    parsed = parse_request(
        request(
            requester__org="city-police-victim-unit",
            requester__sector="law_enforcement",
            requester__role="officer",
            purpose="criminal_investigation.victim_support",
            record__holder="safe-harbour-shelter",
            record__sector="shelter",
            fields=["identity.name", "immigration.status"],
            context__consent={"id": "consent-9"},
        )
    )
    scope = ConsentScope(
        "consent-9",
        "city-police-victim-unit",
        "safe-harbour-shelter",
        "criminal_investigation.victim_support",
        ("identity.name", "immigration.status"),
    )
    d = baseline.decide(parsed._replace(consent_scope=scope))
    assert d.decision == "permit"
    assert d.fields == ("identity.name",)
    assert "I2" in d.rules


def test_consent_never_unlocks_enforcement(baseline: CompiledPolicy) -> None:
    parsed = parse_request(
        request(
            requester__org="national-immigration-authority",
            requester__role="officer",
            purpose="legal.advice",
            record__holder="safe-harbour-shelter",
            fields=["identity.name"],
            context__consent={"id": "consent-1"},
        )
    )
    scope = _scope(recipient="national-immigration-authority")
    d = baseline.decide(parsed._replace(consent_scope=scope))
    assert (d.decision, d.rules) == ("deny", ("I1",))


def test_break_glass_opens_what_its_rule_grants_and_says_it_is_reviewed(
    baseline: CompiledPolicy,
) -> None:
    ordinary = baseline.decide(request(fields=["health.notes"]))
    assert ordinary.decision == "deny"
    glass = baseline.decide(
        request(
            fields=["health.notes", "immigration.status"],
            context__break_glass={"reason": "unconscious"},
        )
    )
    assert glass.decision == "permit"
    assert glass.fields == ("health.notes",)
    assert "break-glass-emergency" in glass.rules
    assert "I2" in glass.rules  # status never leaves, emergency or not
    assert any("review list" in r for r in glass.reasons)
    # Break-glass is no way around I1.
    enforcement = request(
        requester__org="national-immigration-authority",
        requester__sector="immigration_enforcement",
        requester__role="clinician",
        fields=["health.notes"],
        context__break_glass={"reason": "emergency"},
    )
    assert baseline.decide(enforcement).rules == ("I1",)


def test_forbid_overrides_permit(baseline: CompiledPolicy) -> None:
    text = policy_api.baseline_path().read_text()
    text = text.replace(
        "rules:\n",
        "rules:\n  - id: hide-allergies\n    effect: forbid\n    requester: {org: city-hospital}\n"
        "    holder: {org: st-marys-clinic}\n    actions: [read]\n    purposes: [care]\n"
        "    categories: [health.allergies]\n",
        1,
    )
    engine = policy_api.load_text(text, "f.yaml")
    d = engine.decide(request())
    assert d.fields == ("identity.name",)
    assert "hide-allergies" in d.rules


AGREEMENT_POLICY = """\
version: 1
name: expiry
organisations:
  - {id: clinic, sector: health}
  - {id: hospital, sector: health}
agreements:
  - id: referrals
    from: clinic
    to: hospital
    purposes: [care.treatment]
    categories: [identity.name]
    expires: 2026-06-30
"""


def _referral() -> DecisionRequest:
    return DecisionRequest(
        requester_org="hospital",
        role="clinician",
        action="read",
        purpose="care.treatment",
        holder="clinic",
        fields=("identity.name",),
    )


def test_an_expired_agreement_stops_permitting() -> None:
    before = policy_api.load_text(AGREEMENT_POLICY, today=dt.date(2026, 6, 30))
    after = policy_api.load_text(AGREEMENT_POLICY, today=dt.date(2026, 7, 1))
    assert before.decide(_referral()).decision == "permit"
    assert after.decide(_referral()).decision == "deny"


def test_a_running_engine_notices_the_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    lapse = dt.datetime(2026, 7, 1, tzinfo=dt.UTC).timestamp()
    monkeypatch.setattr(compile_module, "_utc_today", lambda: dt.date(2026, 6, 30))
    monkeypatch.setattr(time, "time", lambda: lapse - 1)
    engine = CompiledPolicy(policy_api.parse_policy(AGREEMENT_POLICY))
    assert engine.decide(_referral()).decision == "permit"
    monkeypatch.setattr(compile_module, "_utc_today", lambda: dt.date(2026, 7, 1))
    monkeypatch.setattr(time, "time", lambda: lapse + 1)
    assert engine.decide(_referral()).decision == "deny"


def test_the_memo_is_bounded(baseline: CompiledPolicy, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = CompiledPolicy(baseline.policy)
    monkeypatch.setattr(compile_module, "MEMO_LIMIT", 3)
    for subject in range(10):
        engine.decide(
            request(record__subject=f"s-{subject}", fields=["identity.name"] * (1 + subject % 5))
        )
    assert len(engine._memo) <= 3
    first = engine.decide(request())
    assert engine.decide(request()) is first
