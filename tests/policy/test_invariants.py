"""No policy that compiles can ever permit an I1, I2 or I3 violation.

Two layers are checked: generated policies (hypothesis) and the whole decision space of the
baseline policy, exhaustively.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.errors import InvariantViolation
from confide.policy import (
    CompiledPolicy,
    ConsentScope,
    Decision,
    DecisionRequest,
    Policy,
    compile_policy,
)
from confide.taxonomy.model import ENFORCEMENT_SECTOR, LEGAL_AID_SECTOR, is_immigration
from tests.policy.strategies import TODAY, policies, requests


def assert_invariants(policy: Policy, r: DecisionRequest, d: Decision) -> None:
    requester = policy.organisations.get(r.requester_org)
    if requester is not None and requester.sector == ENFORCEMENT_SECTOR:
        assert d.decision == "deny", "I1: disclosed to immigration enforcement"
    if is_immigration(r.purpose):
        assert d.decision == "deny", "I1: permitted an immigration purpose"
    offences = [r.offence, r.warrant.offence if r.warrant else None]
    if any(o is not None and is_immigration(o) for o in offences):
        assert d.decision == "deny", "I3: an immigration offence opened data"
    own_request = r.role == "subject" and r.subject_self == r.subject
    if d.permitted and r.requester_org != r.holder and not own_request:
        protected = policy.taxonomy.protected_categories()
        leaked = set(d.fields) & protected
        if leaked:  # I2's one exception: legal aid the person chose, under her consent
            scope = r.consent_scope
            assert requester is not None, "I2: protected data left the collector"
            assert requester.sector == LEGAL_AID_SECTOR, "I2: protected data left the collector"
            assert r.context_class == "consent", "I2: protected data left without consent"
            assert scope is not None, "I2: protected data left without a checked consent"
            assert scope.recipient == r.requester_org, "I2: consent for someone else"
            agreed = {
                leaf for c in scope.categories for leaf in policy.taxonomy.leaves("category", c)
            }
            assert leaked <= agreed, "I2: protected data beyond what she agreed to"
    if d.permitted and r.purpose == "criminal_investigation.serious_crime":
        assert r.warrant is not None and r.warrant.judicial, "I4: released without a warrant"


@given(st.data(), policies())
def test_no_generated_policy_can_permit_a_forbidden_flow(
    data: st.DataObject, policy: Policy
) -> None:
    # The guards hold even for a policy that verification would refuse...
    unverified = CompiledPolicy(policy, today=TODAY)
    try:
        verified: CompiledPolicy | None = compile_policy(policy, today=TODAY)
    except InvariantViolation:
        verified = None
    for _ in range(30):
        r = data.draw(requests(policy))
        assert_invariants(policy, r, unverified.decide(r))
        # ...and a policy that verifies permits, through its own rules alone, nothing that
        # the guards would have to remove.
        if verified is not None:
            d = verified.decide(r)
            assert_invariants(policy, r, d)
            assert "I2" not in d.rules or d.permitted or "default-deny" in d.rules


def test_the_baseline_is_safe_over_its_whole_decision_space(baseline: CompiledPolicy) -> None:
    policy = baseline.policy
    tax = policy.taxonomy
    everything = tax.leaf_categories()
    orgs = sorted(policy.organisations)
    offences = [None, "immigration.overstaying", "violence.homicide"]
    checked = permits = 0
    for requester, holder, role, action, purpose in itertools.product(
        orgs, orgs, sorted(tax.roles), ("read", "search", "write"), tax.leaf_purposes()
    ):
        for offence in offences:
            r = DecisionRequest(
                requester_org=requester,
                role=role,
                action=action,
                purpose=purpose,
                holder=holder,
                fields=everything,
                subject="subject-1",
                offence=offence,
            )
            d = baseline._evaluate(r)
            assert_invariants(policy, r, d)
            checked += 1
            permits += d.permitted
    assert checked > 100_000
    assert permits > 100  # the sweep reaches real permits, not only denials


def test_the_baseline_is_safe_under_any_consent(baseline: CompiledPolicy) -> None:
    """Every cell of the decision space under the widest consent a person could give (every
    category, for exactly that request): consent never opens anything to enforcement (I1) and
    carries protected data only to legal aid (I2)."""
    policy = baseline.policy
    tax = policy.taxonomy
    everything = tax.leaf_categories()
    orgs = sorted(policy.organisations)
    permits = protected_to_legal_aid = 0
    for requester, holder, role, purpose in itertools.product(
        orgs, orgs, sorted(tax.roles), tax.leaf_purposes()
    ):
        scope = ConsentScope("consent-1", requester, holder, purpose, everything)
        r = DecisionRequest(
            requester_org=requester,
            role=role,
            action="read",
            purpose=purpose,
            holder=holder,
            fields=everything,
            subject="subject-1",
            consent="consent-1",
            consent_scope=scope,
        )
        d = baseline._evaluate(r)
        assert_invariants(policy, r, d)
        permits += d.permitted
        protected_to_legal_aid += bool(set(d.fields) & tax.protected_categories())
    assert permits > 10
    assert protected_to_legal_aid >= 1  # the exception is reachable, and only where allowed


@pytest.mark.parametrize("offence", ["immigration.overstaying", "immigration.illegal_working"])
def test_immigration_offences_deny_every_cell_of_the_table(
    baseline: CompiledPolicy, offence: str
) -> None:
    for requester, role, action, purpose, holder, _context in baseline.table:
        r = DecisionRequest(
            requester_org=requester,
            role=role,
            action=action,
            purpose=purpose,
            holder=holder,
            fields=("identity.name",),
            offence=offence,
        )
        d = baseline._evaluate(r)
        assert d.decision == "deny"
        if baseline.policy.organisations[requester].sector == ENFORCEMENT_SECTOR:
            assert d.rules == ("I1",)
        else:
            assert d.rules == ("I3", "I1")
