"""I10: a policy that would break an invariant, directly or through a chain, does not load."""

from __future__ import annotations

import textwrap

import pytest

import confide.policy as policy_api
from confide.errors import InvariantViolation, PolicyProblem

ORGS = """\
version: 1
name: verify
organisations:
  - {id: clinic, sector: health}
  - {id: hospital, sector: health}
  - {id: police, sector: law_enforcement}
  - {id: council, sector: local_government}
  - {id: lawyers, sector: legal_aid}
  - {id: border-agency, sector: immigration_enforcement}
  - {id: aid-point, sector: humanitarian, closed: true}
"""


def rule(rid: str, body: str) -> str:
    return f"  - id: {rid}\n" + textwrap.indent(textwrap.dedent(body), "    ")


def violations(text: str) -> list[PolicyProblem]:
    with pytest.raises(InvariantViolation) as info:
        policy_api.load_text(text, "v.yaml")
    return info.value.problems


def test_a_grant_to_enforcement_is_refused_naming_rule_and_line() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "share-with-border",
            """\
        effect: permit
        requester: {org: border-agency}
        holder: {org: clinic}
        actions: [read]
        purposes: [care.treatment]
        categories: [contact.address]
        """,
        )
    )
    found = violations(text)
    assert [(p.invariant, p.line) for p in found] == [("I1", 12)]
    assert "share-with-border" in found[0].message
    assert "border-agency" in found[0].message


def test_requester_any_includes_enforcement_and_is_refused() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "everyone",
            """\
        effect: permit
        requester: any
        holder: {org: clinic}
        actions: [read]
        purposes: [care.emergency]
        categories: [health.allergies]
        """,
        )
    )
    assert {p.invariant for p in violations(text)} == {"I1"}


def test_a_forbid_that_excludes_enforcement_makes_any_acceptable() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "everyone",
            """\
        effect: permit
        requester: any
        holder: {org: clinic}
        actions: [read]
        purposes: [care.emergency]
        categories: [health.allergies]
        """,
        )
        + rule(
            "not-border",
            """\
        effect: forbid
        requester: {sector: immigration_enforcement}
        holder: any
        actions: [read]
        purposes: [care]
        categories: [health]
        """,
        )
    )
    engine = policy_api.load_text(text, "v.yaml")
    assert engine.policy.name == "verify"


def test_an_immigration_purpose_is_refused_even_for_a_service() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "status-checks",
            """\
        effect: permit
        requester: {org: council}
        holder: {org: clinic}
        actions: [read]
        purposes: [immigration.status_determination]
        categories: [identity.name]
        """,
        )
    )
    assert [p.invariant for p in violations(text)] == ["I1"]


def test_protected_categories_cannot_leave_the_collector() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "police-status",
            """\
        effect: permit
        requester: {org: police}
        holder: {sector: health}
        actions: [read]
        purposes: [criminal_investigation.victim_support]
        categories: [identity.name, immigration.status]
        """,
        )
    )
    found = violations(text)
    assert [p.invariant for p in found] == ["I2"]
    assert "immigration.status" in found[0].message


def test_protected_data_may_go_to_legal_aid_only_with_consent() -> None:
    agreement = """\
agreements:
  - id: to-lawyers
    from: clinic
    to: lawyers
    purposes: [legal.advice]
    categories: [immigration.status]
"""
    assert [p.invariant for p in violations(ORGS + agreement)] == ["I2"]
    engine = policy_api.load_text(ORGS + agreement + "    when: consent\n", "v.yaml")
    assert engine.policy.grants[0].when == "consent"


def test_serious_crime_without_warrant_is_refused() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "police-crime",
            """\
        effect: permit
        requester: {org: police}
        holder: {org: clinic}
        actions: [read]
        purposes: [criminal_investigation]
        categories: [identity.name]
        """,
        )
    )
    found = violations(text)
    assert [p.invariant for p in found] == ["I4"]
    assert "when: warrant" in found[0].message
    policy_api.load_text(text + "    when: warrant\n", "v.yaml")


def test_a_forbid_on_the_subjects_own_rights_is_refused() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "no-access",
            """\
        effect: forbid
        requester: any
        holder: any
        actions: [read]
        purposes: [subject]
        categories: [health]
        """,
        )
    )
    assert [p.invariant for p in violations(text)] == ["I7"]


def test_nothing_leaves_a_closed_service() -> None:
    text = (
        ORGS
        + "rules:\n"
        + rule(
            "aid-to-hospital",
            """\
        effect: permit
        requester: {org: hospital}
        holder: {org: aid-point}
        actions: [read]
        purposes: [care.emergency]
        categories: [health.allergies]
        """,
        )
    )
    assert [p.invariant for p in violations(text)] == ["I10"]


def test_a_long_chain_to_enforcement_is_named_end_to_end() -> None:
    text = ORGS + textwrap.dedent(
        """\
        agreements:
          - {id: a, from: clinic, to: hospital, purposes: [care.treatment], categories: [contact]}
          - {id: b, from: hospital, to: council, purposes: [housing.support], categories: [contact.address]}
          - {id: c, from: council, to: police, purposes: [criminal_investigation.victim_support], categories: [contact.address, identity.name]}
          - {id: d, from: police, to: border-agency, purposes: [criminal_investigation.victim_support], categories: [contact.address]}
        """
    )
    found = violations(text)
    chains = {p.message for p in found if p.invariant == "I10"}
    assert any("clinic → hospital → council → police → border-agency" in m for m in chains)
    # Every agreement on the path is named, each at its own line.
    assert {p.line for p in found if p.invariant == "I10"} == {12, 13, 14, 15}


def test_a_chain_that_carries_nothing_in_common_is_not_reported_as_one() -> None:
    text = ORGS + textwrap.dedent(
        """\
        agreements:
          - {id: a, from: clinic, to: council, purposes: [housing.support], categories: [health.allergies]}
          - {id: b, from: council, to: border-agency, purposes: [housing.support], categories: [housing.situation]}
        """
    )
    found = violations(text)
    assert [p.invariant for p in found] == ["I1"]
