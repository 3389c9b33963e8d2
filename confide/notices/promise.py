"""What one organisation promises the people it serves, read from the live policy.

A :class:`Promise` is computed, never written by hand: its own use from the grants whose
holder is the organisation itself, its sharing from the grants that let another
organisation read its records. Every use and every sharing is checked against the compiled
policy's decision function, so a notice never claims a flow the engine refuses and never
hides one the engine allows; whatever the invariants forbid (I1, I2) is left out a second
time here, so a fault in one place cannot print a false promise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from confide.errors import NotFound
from confide.policy import CompiledPolicy
from confide.policy.model import Grant, Organisation
from confide.policy.request import ConsentScope, DecisionRequest, Warrant
from confide.reporting import channels
from confide.taxonomy import Taxonomy
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_ROLE,
    covers,
    is_immigration,
)

__all__ = ["CONDITIONS", "LEGAL_AID_SECTOR", "Promise", "Sharing", "promise_for"]

#: The conditions a sharing can rest on, in the order a notice lists them.
CONDITIONS: Final = (None, "consent", "break_glass", "warrant")
#: The only sector I2's protected categories may go to, and only with the person's consent.
LEGAL_AID_SECTOR: Final = "legal_aid"
#: Actions that let another organisation learn something from a record.
_DISCLOSING: Final = ("read", "search")
#: An opaque stand-in for the person in the engine checks: the engine needs a subject for a
#: warrant (I4) but never looks anything up with it.
_CHECK: Final = "notice-check"


@dataclass(frozen=True, slots=True)
class Sharing:
    """Another organisation that may receive some of the records, and on which condition."""

    recipient: str
    recipient_name: str
    purposes: tuple[str, ...]
    categories: tuple[str, ...]
    condition: str | None  # None, "warrant", "consent" or "break_glass"


@dataclass(frozen=True, slots=True)
class Promise:
    """What an organisation does with people's data, as the live policy and engine allow."""

    org: str
    name: str
    sector: str
    closed: bool
    uses: tuple[str, ...]
    keeps: tuple[str, ...]
    shares: tuple[Sharing, ...]
    retention: tuple[tuple[str, str], ...]
    reporting: tuple[str, ...]
    contact: Mapping[str, object]
    policy_hash: str


def promise_for(policy: CompiledPolicy, org: str) -> Promise:
    """The promise of ``org`` under ``policy``.

    Raises :class:`NotFound` for an organisation the policy does not name, and for one of
    sector ``immigration_enforcement``: it holds nobody's data under Confide and is given
    nothing (I1), so it has nothing to promise.
    """
    model = policy.policy
    organisation = model.organisations.get(org)
    if organisation is None:
        raise NotFound(f"the policy names no organisation {org!r}")
    if organisation.sector == ENFORCEMENT_SECTOR:
        raise NotFound(f"{org!r} is immigration enforcement: it gets no notice (I1)")
    tax = model.taxonomy
    uses, keeps = _own_use(policy, organisation)
    shares = () if organisation.closed else _shares(policy, organisation)
    return Promise(
        org=organisation.id,
        name=organisation.name,
        sector=organisation.sector,
        closed=organisation.closed,
        uses=compact(tax, "purpose", uses),
        keeps=compact(tax, "category", keeps),
        shares=shares,
        retention=_retention(policy, uses),
        reporting=_reporting(policy, organisation.id),
        contact=MappingProxyType(dict(organisation.contact)),
        policy_hash=policy.hash,
    )


# -- own use ------------------------------------------------------------------------------


def _own_use(policy: CompiledPolicy, org: Organisation) -> tuple[set[str], set[str]]:
    """Leaf purposes and leaf categories the organisation's own staff may read, unconditionally."""
    purposes: set[str] = set()
    categories: set[str] = set()
    for grant in policy.policy.grants:
        if grant.effect != "permit" or grant.when is not None or org.id not in grant.requesters:
            continue
        if grant.holders is not None and org.id not in grant.holders:
            continue
        for purpose in sorted(grant.purposes):
            released = _released(policy, grant, org.id, org.id, purpose)
            if released:
                purposes.add(purpose)
                categories.update(released)
    return purposes, categories


# -- sharing ------------------------------------------------------------------------------


def _shares(policy: CompiledPolicy, org: Organisation) -> tuple[Sharing, ...]:
    model = policy.policy
    # (recipient, condition) → purpose → leaf categories the engine releases.
    found: dict[tuple[str, str | None], dict[str, set[str]]] = {}
    for grant in model.grants:
        # holders None is "the requester's own organisation": own use, never sharing.
        if grant.effect != "permit" or grant.holders is None or org.id not in grant.holders:
            continue
        if grant.when not in CONDITIONS:
            continue  # a context this version does not know opens nothing (fail closed)
        for recipient_id in sorted(grant.requesters - {org.id}):
            recipient = model.organisations.get(recipient_id)
            if recipient is None or recipient.sector == ENFORCEMENT_SECTOR:
                continue  # I1: never listed, whatever a grant says
            for purpose in sorted(grant.purposes):
                if is_immigration(purpose):
                    continue  # I1
                released = _released(policy, grant, recipient_id, org.id, purpose)
                released = {
                    c
                    for c in released
                    if not is_immigration(c)
                    or (grant.when == "consent" and recipient.sector == LEGAL_AID_SECTOR)
                }  # I2: protected data goes only to legal aid the person chose, with consent
                if released:
                    per_purpose = found.setdefault((recipient_id, grant.when), {})
                    per_purpose.setdefault(purpose, set()).update(released)
    tax = model.taxonomy
    shares: list[Sharing] = []
    for (recipient_id, condition), per_purpose in found.items():
        # Purposes that release the same categories are one line; different ones stay apart,
        # so a line never pairs a purpose with data the engine would not give for it.
        groups: dict[frozenset[str], set[str]] = {}
        for purpose, leaves in per_purpose.items():
            groups.setdefault(frozenset(leaves), set()).add(purpose)
        for same, purposes in groups.items():
            shares.append(
                Sharing(
                    recipient=recipient_id,
                    recipient_name=model.organisations[recipient_id].name,
                    purposes=compact(tax, "purpose", purposes),
                    categories=compact(tax, "category", same),
                    condition=condition,
                )
            )
    order = {c: i for i, c in enumerate(CONDITIONS)}
    shares.sort(key=lambda s: (s.recipient_name, order[s.condition], s.purposes))
    return tuple(shares)


def _released(
    policy: CompiledPolicy, grant: Grant, requester: str, holder: str, purpose: str
) -> set[str]:
    """The leaf categories of ``grant`` that the engine releases to ``requester`` for
    ``purpose``, asked as the grant's own roles and actions under its own condition."""
    fields = tuple(sorted(grant.categories))
    released: set[str] = set()
    for role in sorted(grant.roles - {SUBJECT_ROLE}):
        for action in _DISCLOSING:
            if action not in grant.actions:
                continue
            base = DecisionRequest(requester, role, action, purpose, holder, fields)
            request = _request(policy, grant.when, base)
            if request is None:
                continue
            decision = policy.decide(request)
            if decision.permitted:
                released.update(decision.fields)
    return released


def _request(
    policy: CompiledPolicy, condition: str | None, base: DecisionRequest
) -> DecisionRequest | None:
    """``base`` under ``condition``, with what the engine needs to check it; ``None`` for a
    condition that cannot apply (a warrant opens only the serious-crime purpose, I4)."""
    purpose, fields = base.purpose, base.fields
    if condition is None:
        return base
    if condition == "consent":
        # The most a consent can open: one the person gave for exactly this, covering
        # every field asked (the engine still applies I1, I2 and the rules' forbids).
        scope = ConsentScope(_CHECK, base.requester_org, base.holder, purpose, fields)
        return base._replace(consent=_CHECK, consent_scope=scope)
    if condition == "break_glass":
        return base._replace(break_glass=_CHECK)
    if condition == "warrant" and purpose == SERIOUS_CRIME_PURPOSE:
        offence = _serious_offence(policy.policy.taxonomy)
        if offence is None:
            return None
        # The most a warrant can open: one naming the person and every field asked.
        warrant = Warrant(_CHECK, _CHECK, True, _CHECK, offence, fields)
        return base._replace(subject=_CHECK, offence=offence, warrant=warrant)
    return None


def _serious_offence(tax: Taxonomy) -> str | None:
    for name in tax.leaf_offences():
        if tax.offences[name].serious and not is_immigration(name):
            return name
    return None


# -- retention and reporting ---------------------------------------------------------------


def _retention(policy: CompiledPolicy, uses: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The retention periods of records kept for the organisation's own uses, one line per
    period with its purposes written briefly (``care`` for every ``care.*`` purpose)."""
    used = tuple(uses)
    periods: dict[str, set[str]] = {}
    for purpose, rule in policy.policy.retention.items():
        if any(covers(purpose, u) or covers(u, purpose) for u in used):
            periods.setdefault(rule.period, set()).update(
                policy.policy.taxonomy.leaves("purpose", purpose)
            )
    tax = policy.policy.taxonomy
    lines = [
        (name, period)
        for period, leaves in periods.items()
        for name in compact(tax, "purpose", leaves)
    ]
    order = {name: i for i, name in enumerate(tax.purposes)}
    return tuple(sorted(lines, key=lambda line: order.get(line[0], len(order))))


def _reporting(policy: CompiledPolicy, org: str) -> tuple[str, ...]:
    types: list[str] = []
    for channel in channels(policy):
        if channel.org == org:
            types.extend(t for t in channel.types if t not in types)
    return tuple(types)


# -- names --------------------------------------------------------------------------------


def compact(tax: Taxonomy, kind: str, leaves: Iterable[str]) -> tuple[str, ...]:
    """Leaf names written as briefly as the taxonomy allows: a parent whose every leaf is
    present stands for them (``health`` for all of ``health.*``), in taxonomy order."""
    chosen = set(leaves)
    table: Mapping[str, object] = tax.purposes if kind == "purpose" else tax.categories
    names: list[str] = []
    covered: set[str] = set()
    for name in table:
        if name in covered:
            continue
        below = set(tax.leaves(kind, name))
        if below and below <= chosen:
            names.append(name)
            covered.update(n for n in table if covers(name, n))
    return tuple(names)
