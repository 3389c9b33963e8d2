"""A promise says exactly what the engine does: every sharing it lists is permitted, and
every permit the engine gives to another organisation is listed (I1, I2, closed services)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import confide.policy as policy_api
from confide.errors import NotFound, PolicyError
from confide.notices.promise import CONDITIONS, LEGAL_AID_SECTOR, Promise, compact, promise_for
from confide.policy import CompiledPolicy, ConsentScope, DecisionRequest, Warrant
from confide.policy.model import CONTEXTS
from confide.taxonomy.model import ENFORCEMENT_SECTOR, SUBJECT_ROLE, covers, is_immigration
from tests.policy.strategies import TODAY, policies, requests

ENFORCER = "national-immigration-authority"
CLOSED = "red-cross-point"


def noticed(policy: CompiledPolicy) -> list[str]:
    return [o.id for o in policy.policy.organisations.values() if o.sector != ENFORCEMENT_SECTOR]


def leaves(policy: CompiledPolicy, names: tuple[str, ...]) -> set[str]:
    tax = policy.policy.taxonomy
    return {leaf for name in names for leaf in tax.leaves("category", name)}


def covered(policy: CompiledPolicy, request: DecisionRequest, released: tuple[str, ...]) -> bool:
    """Whether the holder's promise lists a permitted cross-organisation release."""
    promise = promise_for(policy, request.holder)
    condition = request.context_class
    listed: set[str] = set()
    for s in promise.shares:
        if s.recipient != request.requester_org or s.condition not in (None, condition):
            continue
        if any(covers(p, request.purpose) for p in s.purposes):
            listed |= leaves(policy, s.categories)
    return set(released) <= listed


def context_request(
    policy: CompiledPolicy,
    key: tuple[str, str, str, str, str, str],
) -> DecisionRequest:
    """The most a table key can give: every category, under the key's own context."""
    requester, role, action, purpose, holder, context = key
    fields = policy.categories
    base = DecisionRequest(requester, role, action, purpose, holder, fields, subject="s-1")
    if context == "warrant":
        warrant = Warrant("W-1", "court", True, "s-1", "violence.homicide", fields)
        return base._replace(warrant=warrant, offence="violence.homicide")
    if context == "consent":
        scope = ConsentScope("c-1", requester, holder, purpose, fields)
        return base._replace(consent="c-1", consent_scope=scope)
    if context == "break_glass":
        return base._replace(break_glass="emergency")
    return base


def permitted_somehow(
    policy: CompiledPolicy,
    holder: str,
    recipient: str,
    purposes: tuple[str, ...],
    condition: str | None,
) -> bool:
    tax = policy.policy.taxonomy
    for name in purposes:
        for purpose in tax.leaves("purpose", name):
            for role, action in itertools.product(sorted(tax.roles), ("read", "search")):
                key = (recipient, role, action, purpose, holder, condition or "none")
                if policy.decide(context_request(policy, key)).permitted:
                    return True
    return False


# -- the baseline -------------------------------------------------------------------------


def test_every_organisation_but_enforcement_has_a_promise(baseline: CompiledPolicy) -> None:
    for org in noticed(baseline):
        promise = promise_for(baseline, org)
        assert isinstance(promise, Promise)
        assert promise.org == org
        assert promise.policy_hash == baseline.hash


def test_immigration_enforcement_gets_no_notice(baseline: CompiledPolicy) -> None:
    with pytest.raises(NotFound, match="immigration enforcement"):
        promise_for(baseline, ENFORCER)


def test_an_unknown_organisation_is_not_found(baseline: CompiledPolicy) -> None:
    with pytest.raises(NotFound):
        promise_for(baseline, "no-such-org")


def test_every_listed_sharing_is_permitted_by_the_engine(baseline: CompiledPolicy) -> None:
    roles = sorted(set(baseline.policy.taxonomy.roles) - {SUBJECT_ROLE})
    tax = baseline.policy.taxonomy
    for org in noticed(baseline):
        for s in promise_for(baseline, org).shares:
            wanted = leaves(baseline, s.categories)
            for purpose in (p for name in s.purposes for p in tax.leaves("purpose", name)):
                context = s.condition or "none"
                got: set[str] = set()
                for role, action in itertools.product(roles, ("read", "search")):
                    key = (s.recipient, role, action, purpose, org, context)
                    decision = baseline.decide(context_request(baseline, key))
                    if decision.permitted:
                        got |= set(decision.fields)
                assert wanted <= got, (org, s, purpose, wanted - got)


def test_every_engine_permit_to_another_organisation_is_listed(baseline: CompiledPolicy) -> None:
    # Every permit rests on a table cell, so walking the table's keys is exhaustive.
    checked = 0
    for key in baseline.table:
        requester, _, action, _, holder, _ = key
        if requester == holder or action == "write":
            continue
        request = context_request(baseline, key)
        decision = baseline.decide(request)
        if decision.permitted:
            checked += 1
            assert covered(baseline, request, decision.fields), (key, decision)
    assert checked > 0


def test_nothing_is_ever_listed_for_immigration_enforcement(baseline: CompiledPolicy) -> None:
    orgs = baseline.policy.organisations
    for org in noticed(baseline):
        for s in promise_for(baseline, org).shares:
            assert orgs[s.recipient].sector != ENFORCEMENT_SECTOR
            assert not any(is_immigration(p) for p in s.purposes)


def test_protected_data_is_listed_only_for_legal_aid_under_consent(
    baseline: CompiledPolicy,
) -> None:
    orgs = baseline.policy.organisations
    for org in noticed(baseline):
        for s in promise_for(baseline, org).shares:
            if any(is_immigration(c) for c in s.categories):
                assert orgs[s.recipient].sector == LEGAL_AID_SECTOR
                assert s.condition == "consent"
            if s.condition == "warrant":  # I4: a warrant never releases I2 data
                assert not any(is_immigration(c) for c in s.categories)


def test_a_closed_service_shares_nothing_and_the_engine_agrees(baseline: CompiledPolicy) -> None:
    promise = promise_for(baseline, CLOSED)
    assert promise.closed
    assert promise.shares == ()
    assert promise.uses  # its own staff still help people
    roles = sorted(baseline.policy.taxonomy.roles)
    for other in baseline.policy.organisations:
        if other == CLOSED:
            continue
        for role, purpose, context in itertools.product(
            roles, baseline.policy.taxonomy.leaf_purposes(), CONTEXTS
        ):
            key = (other, role, "read", purpose, CLOSED, context)
            assert not baseline.decide(context_request(baseline, key)).permitted, key


def test_the_clinic_promise(baseline: CompiledPolicy) -> None:
    promise = promise_for(baseline, "st-marys-clinic")
    # Anonymous statistics are an own use too: the notice says so (the baseline's rule).
    assert promise.uses == ("care", "research", "service")
    assert not any(is_immigration(c) for c in promise.keeps)
    assert promise.retention == (("care", "P8Y"), ("service", "P2Y"))
    recipients = {(s.recipient, s.condition) for s in promise.shares}
    assert ("city-hospital", None) in recipients
    assert ("city-hospital", "break_glass") in recipients
    assert ("city-police", "warrant") in recipients
    # The legal-aid agreement rests on the patient's consent, and the notice says so.
    assert all(s.condition in CONDITIONS for s in promise.shares)
    assert ("migrant-legal-aid", "consent") in recipients
    assert dict(promise.contact)["email"] == "reception@st-marys.example.org"


def test_the_refuge_promise_lists_consent_sharing_and_status_only_to_legal_aid(
    baseline: CompiledPolicy,
) -> None:
    shares = {
        (s.recipient, s.condition): s for s in promise_for(baseline, "safe-harbour-shelter").shares
    }
    legal = shares[("migrant-legal-aid", "consent")]
    assert "immigration.status" in legal.categories
    police = shares[("city-police-victim-unit", "consent")]
    assert not any(is_immigration(c) for c in police.categories)
    assert ("st-marys-clinic", "consent") in shares


def test_reporting_channels_fill_the_promise(baseline: CompiledPolicy) -> None:
    assert promise_for(baseline, "city-police-victim-unit").reporting == ("crime",)
    assert promise_for(baseline, "labour-inspectorate").reporting == ("labour",)
    assert promise_for(baseline, "st-marys-clinic").reporting == ()


def test_the_school_keeps_nationality_and_never_shares_it(baseline: CompiledPolicy) -> None:
    promise = promise_for(baseline, "northside-school")
    assert "immigration.nationality" in promise.keeps
    for s in promise.shares:
        assert not any(is_immigration(c) for c in s.categories)


def test_compact_writes_a_full_parent_once(baseline: CompiledPolicy) -> None:
    tax = baseline.policy.taxonomy
    assert compact(tax, "category", tax.leaves("category", "health")) == ("health",)
    assert compact(tax, "category", ["health.allergies", "identity.name"]) == (
        "identity.name",
        "health.allergies",
    )
    assert compact(tax, "purpose", []) == ()


# -- a changed policy changes the promise --------------------------------------------------

EXTRA_AGREEMENT = """
  - id: clinic-to-council-housing
    description: The surgery tells the council's housing team how to reach a homeless patient.
    from: st-marys-clinic
    to: city-council
    purposes: [housing.support]
    categories: [contact.address, contact.phone]
    owner: dpo@st-marys.example.org
    expires: 2030-12-31
    review: 2027-06-30
"""


def changed_baseline() -> CompiledPolicy:
    text = Path(policy_api.baseline_path()).read_text(encoding="utf-8")
    text = text.replace("\nagreements:\n", "\nagreements:\n" + EXTRA_AGREEMENT, 1)
    return policy_api.load_text(text, "changed.yaml")


def test_a_new_agreement_appears_in_the_promise(baseline: CompiledPolicy) -> None:
    changed = changed_baseline()
    assert changed.hash != baseline.hash
    before = promise_for(baseline, "st-marys-clinic")
    after = promise_for(changed, "st-marys-clinic")
    assert not any(s.recipient == "city-council" for s in before.shares)
    council = [s for s in after.shares if s.recipient == "city-council"]
    assert len(council) == 1
    assert council[0].condition is None
    assert council[0].purposes == ("housing",)  # housing.support is housing's only purpose
    assert council[0].categories == ("contact.address", "contact.phone")


# -- any policy: the promise matches the engine ---------------------------------------------


@given(st.data())
def test_generated_policies_promise_what_the_engine_does(data: st.DataObject) -> None:
    model = data.draw(policies())
    try:
        compiled = policy_api.compile_policy(model, today=TODAY)
    except PolicyError:
        assume(False)
        raise
    orgs = compiled.policy.organisations
    # Every listed sharing is permitted for some role (the engine's own answer).
    for org in orgs.values():
        if org.sector == ENFORCEMENT_SECTOR:
            continue
        promise = promise_for(compiled, org.id)
        if org.closed:
            assert promise.shares == ()
        for s in promise.shares:
            assert orgs[s.recipient].sector != ENFORCEMENT_SECTOR
            assert not org.closed
            assert permitted_somehow(compiled, org.id, s.recipient, s.purposes, s.condition)
    # Every permit to another organisation is listed.
    for _ in range(20):
        request = data.draw(requests(compiled.policy))
        decision = compiled.decide(request)
        if not decision.permitted or request.requester_org == request.holder:
            continue
        if request.action == "write":
            continue  # writing into another service's records discloses nothing from it
        holder = orgs[request.holder]
        if holder.sector == ENFORCEMENT_SECTOR:
            continue  # such a holder gets no notice; nothing to compare
        assert not holder.closed
        assert covered(compiled, request, decision.fields), (request, decision)
        assert not any(is_immigration(f) for f in decision.fields)
