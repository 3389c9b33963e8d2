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
from confide.policy import CompiledPolicy, Decision, DecisionRequest, Policy, compile_policy
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
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
        assert not set(d.fields) & protected, "I2: protected data left the collector"
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
