"""The reference evaluator: reads the policy's grants directly, one request at a time.

It is slow and plain on purpose. The compiled table must agree with it on every request
(``tests/policy/test_compile_equivalence.py`` checks that with hypothesis), so a bug in the
compiler's expansion or bit arithmetic shows up as a disagreement. It shares no code with
``compile.py`` beyond the taxonomy constants.
"""

from __future__ import annotations

import datetime as dt

from confide.policy.model import RESERVED_CONTEXTS, Grant, Policy
from confide.policy.request import DecisionRequest
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    LEGAL_AID_SECTOR,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    SUBJECT_ROLE,
    is_immigration,
)

ACTIONS = {"read", "search", "write"}


def reference_fields(policy: Policy, r: DecisionRequest, today: dt.date) -> tuple[str, ...] | None:
    """The fields the policy releases for ``r`` (in request order), or ``None`` for a deny."""
    tax = policy.taxonomy
    orgs = policy.organisations
    if r.requester_org not in orgs or r.holder not in orgs:
        return None
    requester = orgs[r.requester_org]
    holder = orgs[r.holder]
    if ENFORCEMENT_SECTOR in (requester.sector, r.requester_sector):
        return None
    if is_immigration(r.purpose):
        return None
    if r.offence is not None and is_immigration(r.offence):
        return None
    if r.warrant is not None and is_immigration(r.warrant.offence):
        return None
    if r.requester_sector not in (None, requester.sector) or r.holder_sector not in (
        None,
        holder.sector,
    ):
        return None
    if r.role not in tax.roles or r.action not in ACTIONS:
        return None
    if r.purpose not in tax.leaf_purposes():
        return None
    if r.offence is not None and r.offence not in tax.offences:
        return None
    if any(f not in tax.categories for f in r.fields):
        return None
    return _evaluate(policy, r, today)


def _evaluate(policy: Policy, r: DecisionRequest, today: dt.date) -> tuple[str, ...] | None:
    """The part after the screens every request passes (I1, I3, I5)."""
    tax = policy.taxonomy
    requester = policy.organisations[r.requester_org]
    holder = policy.organisations[r.holder]
    requested: list[str] = []
    for f in r.fields:
        for leaf in tax.leaves("category", f):
            if leaf not in requested:
                requested.append(leaf)

    contexts = [
        name
        for name, value in (
            ("warrant", r.warrant),
            ("consent", r.consent),
            ("break_glass", r.break_glass),
            ("subject", r.subject_self),
        )
        if value is not None
    ]
    if len(contexts) > 1:
        return None
    context = contexts[0] if contexts else "none"

    if context == "subject" or r.role == SUBJECT_ROLE:
        ok = (
            r.purpose in SUBJECT_PURPOSES
            and r.role == SUBJECT_ROLE
            and r.subject_self is not None
            and r.subject is not None
            and r.subject_self == r.subject
            and r.requester_org == r.holder
        )
        return tuple(requested) if ok else None

    allowed_by_warrant: set[str] | None = None
    if r.purpose == SERIOUS_CRIME_PURPOSE:
        w = r.warrant
        if w is None or not w.judicial or r.subject is None or w.subject != r.subject:
            return None
        if w.offence not in tax.offences or not tax.offences[w.offence].serious:
            return None
        if r.offence is not None and r.offence != w.offence:
            return None
        if any(f not in tax.categories for f in w.fields):
            return None
        allowed_by_warrant = {leaf for f in w.fields for leaf in tax.leaves("category", f)}
    elif context == "warrant":
        return None
    allowed_by_consent: set[str] | None = None
    if context == "consent":
        allowed_by_consent = _consented(policy, r)
        if allowed_by_consent is None:
            return None

    permitted: set[str] = set()
    forbidden: set[str] = set()
    for grant in policy.grants:
        if not _applies(grant, r, context, today):
            continue
        if grant.effect == "forbid":
            forbidden |= grant.categories
        elif grant.when not in RESERVED_CONTEXTS:
            permitted |= grant.categories
    released = [f for f in requested if f in permitted and f not in forbidden]
    cross = r.requester_org != r.holder
    if cross and holder.closed:
        return None
    if cross and not (context == "consent" and requester.sector == LEGAL_AID_SECTOR):
        protected = tax.protected_categories()
        released = [f for f in released if f not in protected]
    if allowed_by_consent is not None:
        released = [f for f in released if f in allowed_by_consent]
    if allowed_by_warrant is not None:
        released = [f for f in released if f in allowed_by_warrant]
    return tuple(released) if released else None


def _applies(grant: Grant, r: DecisionRequest, context: str, today: dt.date) -> bool:
    if grant.expires is not None and today > grant.expires:
        return False
    if grant.when is not None and grant.when != context:
        return False
    if r.requester_org not in grant.requesters or r.role not in grant.roles:
        return False
    if r.action not in grant.actions or r.purpose not in grant.purposes:
        return False
    if grant.holders is None:
        return r.holder == r.requester_org
    return r.holder in grant.holders


def _consented(policy: Policy, r: DecisionRequest) -> set[str] | None:
    """The leaf categories a checked consent covers, or ``None`` if it does not fit ``r``."""
    tax = policy.taxonomy
    scope = r.consent_scope
    if scope is None or scope.id != r.consent:
        return None
    if (scope.recipient, scope.holder, scope.purpose) != (r.requester_org, r.holder, r.purpose):
        return None
    if any(f not in tax.categories for f in scope.categories):
        return None
    return {leaf for f in scope.categories for leaf in tax.leaves("category", f)}
