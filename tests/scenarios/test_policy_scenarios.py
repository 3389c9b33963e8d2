"""Acceptance scenarios 1-8 of DESIGN.md at the decision level, against the baseline policy.

The vault, log and reporting issues repeat them end to end on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import textwrap

import pytest

import confide.policy as policy_api
from confide.demo.scenarios import SCENARIOS, Scenario
from confide.errors import InvariantViolation
from confide.policy import CompiledPolicy


def by_number(number: str) -> Scenario:
    return next(s for s in SCENARIOS if s.number == number)


def test_1_nobody_gets_a_victims_status(baseline: CompiledPolicy) -> None:
    d = baseline.decide(by_number("1a").request)
    assert d.decision == "deny"
    assert "I2" in d.rules
    # "or anyone": every other organisation, for every purpose, is refused her status.
    for org in baseline.policy.organisations:
        if org == "city-police-victim-unit":
            continue
        for purpose in baseline.policy.taxonomy.leaf_purposes():
            r = copy.deepcopy(by_number("1a").request)
            r["requester"] = {"org": org, "role": "officer"}
            r["purpose"] = purpose
            r["fields"] = ["immigration.status"]
            assert baseline.decide(r).decision == "deny", (org, purpose)


def test_1_the_victim_unit_sees_her_report_without_status(baseline: CompiledPolicy) -> None:
    s = by_number("1b")
    d = baseline.decide(s.request)
    assert d.decision == "permit"
    assert d.fields == s.fields
    assert "immigration.status" not in d.fields


def test_2_enforcement_asking_a_hospital_gets_the_same_deny_either_way(
    baseline: CompiledPolicy,
) -> None:
    s = by_number("2")
    answers = []
    for subject in ("subject-0001", "nobody-by-this-reference"):
        r = copy.deepcopy(s.request)
        r["record"]["subject"] = subject
        answers.append(json.dumps(baseline.decide(r).to_json(), sort_keys=True))
    assert answers[0] == answers[1]
    assert json.loads(answers[0])["decision"] == "deny"
    assert json.loads(answers[0])["rules"] == ["I1"]


def test_2_enforcement_gets_nothing_even_for_a_service_purpose(baseline: CompiledPolicy) -> None:
    r = copy.deepcopy(by_number("2").request)
    r["purpose"] = "care.emergency"
    d = baseline.decide(r)
    assert (d.decision, d.rules) == ("deny", ("I1",))


def test_3_asylum_decision_maker_cannot_read_a_childs_medical_record(
    baseline: CompiledPolicy,
) -> None:
    d = baseline.decide(by_number("3").request)
    assert (d.decision, d.rules) == ("deny", ("I1",))


def test_3_an_immigration_purpose_is_refused_whoever_asks(baseline: CompiledPolicy) -> None:
    r = copy.deepcopy(by_number("3").request)
    r["requester"] = {"org": "city-hospital", "role": "clinician"}
    d = baseline.decide(r)
    assert (d.decision, d.rules) == ("deny", ("I1",))


def test_4_overstaying_is_not_a_criminal_investigation(baseline: CompiledPolicy) -> None:
    d = baseline.decide(by_number("4").request)
    assert (d.decision, d.rules) == ("deny", ("I3", "I1"))


def test_5_homicide_warrant_releases_its_fields_never_status(baseline: CompiledPolicy) -> None:
    s = by_number("5")
    d = baseline.decide(s.request)
    assert d.decision == "permit"
    assert d.fields == ("identity.name", "contact.address")
    assert d.warrant == "EXW-2026-0042"
    assert any("EXW-2026-0042" in reason for reason in d.reasons)


def test_6_the_employer_side_never_learns_who_complained(baseline: CompiledPolicy) -> None:
    d = baseline.decide(by_number("6").request)
    assert d.decision == "deny"
    assert "complainant-identity-stays-with-inspectorate" in d.rules
    d = baseline.decide(by_number("6b").request)
    assert (d.decision, d.rules) == ("deny", ("I1",))


def test_7_pupil_nationality_never_leaves_the_school(baseline: CompiledPolicy) -> None:
    nationality = ["immigration.nationality", "immigration.country_of_birth"]
    for org, o in baseline.policy.organisations.items():
        if org == "northside-school":
            continue
        for role in baseline.policy.taxonomy.roles:
            for purpose in baseline.policy.taxonomy.leaf_purposes():
                r = {
                    "requester": {"org": org, "role": role},
                    "action": "read",
                    "purpose": purpose,
                    "record": {"holder": "northside-school", "subject": "pupil-0001"},
                    "fields": nationality,
                }
                d = baseline.decide(r)
                assert not set(d.fields) & set(nationality), (org, o.sector, role, purpose)
    # The school's own administrator keeps what it collected.
    own = {
        "requester": {"org": "northside-school", "role": "admin"},
        "action": "read",
        "purpose": "education.enrolment",
        "record": {"holder": "northside-school", "subject": "pupil-0001"},
        "fields": nationality,
    }
    assert baseline.decide(own).fields == tuple(nationality)


CHAIN = """\
version: 1
name: scenario 8
organisations:
  - {id: st-marys-clinic, sector: health}
  - {id: city-council, sector: local_government}
  - {id: enforcement-liaison, sector: immigration_enforcement}
agreements:
  - id: clinic-to-council
    from: st-marys-clinic
    to: city-council
    purposes: [housing.support]
    categories: [identity.name, contact.address]
  - id: council-to-liaison
    from: city-council
    to: enforcement-liaison
    purposes: [housing.support]
    categories: [contact.address]
"""


def test_8_a_chain_of_agreements_to_enforcement_does_not_compile() -> None:
    with pytest.raises(InvariantViolation) as info:
        policy_api.load_text(CHAIN, "chain.yaml")
    chains = [p for p in info.value.problems if p.invariant == "I10"]
    assert chains
    for problem in chains:
        assert "st-marys-clinic → city-council → enforcement-liaison" in problem.message
        assert "clinic-to-council" in problem.message and "council-to-liaison" in problem.message
        assert "contact.address" in problem.message
    assert {p.line for p in chains} == {8, 13}
    assert str(info.value).count("chain.yaml:") == len(info.value.problems)


def test_8_a_liaison_by_purpose_is_caught_too() -> None:
    text = CHAIN.replace("sector: immigration_enforcement", "sector: local_government")
    text = text.replace(
        "    purposes: [housing.support]\n    categories: [contact.address]\n",
        "    purposes: [immigration.enforcement]\n    categories: [contact.address]\n",
    )
    with pytest.raises(InvariantViolation) as info:
        policy_api.load_text(text, "chain.yaml")
    assert any(
        p.invariant == "I10" and "st-marys-clinic → city-council → enforcement-liaison" in p.message
        for p in info.value.problems
    )


def test_every_demo_scenario_decides_as_promised(baseline: CompiledPolicy) -> None:
    for s in SCENARIOS:
        d = baseline.decide(s.request)
        assert d.decision == s.expected, s.number
        if s.expected == "permit":
            assert d.fields == s.fields, s.number


def test_the_baseline_rules_read_for_a_dpo() -> None:
    text = policy_api.baseline_path().read_text()
    policy = policy_api.parse_policy(text)
    for grant in policy.grants:
        assert grant.description, f"{grant.id} needs a description for the DPO"
    assert textwrap.dedent(text).count("# ") > 10
