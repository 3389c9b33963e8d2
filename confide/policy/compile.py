"""Verified policy → decision table, and the in-process decision function.

The table maps (requester org, role, action, purpose, holder org, context) to the bitmask of
categories permitted and the bitmask forbidden there; anything not in the table is a deny.
Forbid overrides permit because a field is released only if ``permit & ~forbid`` has its bit.
The invariants are enforced again here on every request, in code a policy cannot reach, so a
bug in verification still cannot open a forbidden flow.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from confide.errors import ConfideError
from confide.policy.decision import Decision
from confide.policy.model import CONTEXTS, RESERVED_CONTEXTS, Grant, Organisation, Policy
from confide.policy.request import DecisionRequest, parse_request
from confide.policy.schema import ACTIONS
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    LEGAL_AID_SECTOR,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    SUBJECT_ROLE,
    is_immigration,
)

#: Table key: (requester org, role, action, purpose, holder org, context class).
Key = tuple[str, str, str, str, str, str]
#: Decisions memoised per engine; cleared when full so memory stays bounded.
MEMO_LIMIT = 1 << 16


@dataclass(frozen=True, slots=True)
class Cell:
    """What the policy says for one key, before the invariant guards."""

    permit: int
    forbid: int
    permits: tuple[tuple[str, int], ...]
    forbids: tuple[tuple[str, int], ...]


def grant_keys(grant: Grant, policy: Policy) -> Iterator[Key]:
    """Every table key a grant applies to. Conditional grants apply only in their context."""
    contexts = (grant.when,) if grant.when else CONTEXTS
    purposes = policy.taxonomy.leaf_purposes()
    for requester in sorted(grant.requesters):
        holders = (requester,) if grant.holders is None else sorted(grant.holders)
        for role in sorted(grant.roles):
            for action in sorted(grant.actions):
                for purpose in purposes:
                    if purpose not in grant.purposes:
                        continue
                    for holder in holders:
                        for context in contexts:
                            yield (requester, role, action, purpose, holder, context)


def active(grant: Grant, today: dt.date) -> bool:
    """An agreement stops permitting the day after it expires."""
    return grant.expires is None or today <= grant.expires


def build_table(policy: Policy, bits: Mapping[str, int], today: dt.date) -> dict[Key, Cell]:
    """Expand the grants into cells. Permits resting on a reserved context (consent, until
    consent records exist) are left out: they never permit."""
    permits: dict[Key, list[tuple[str, int]]] = {}
    forbids: dict[Key, list[tuple[str, int]]] = {}
    for grant in policy.grants:
        if not active(grant, today):
            continue
        if grant.effect == "permit" and grant.when in RESERVED_CONTEXTS:
            continue
        mask = 0
        for category in grant.categories:
            mask |= bits[category]
        target = permits if grant.effect == "permit" else forbids
        for key in grant_keys(grant, policy):
            target.setdefault(key, []).append((grant.id, mask))
    table: dict[Key, Cell] = {}
    for key in permits.keys() | forbids.keys():
        p = tuple(permits.get(key, ()))
        f = tuple(forbids.get(key, ()))
        table[key] = Cell(_union(p), _union(f), p, f)
    return table


def _union(pairs: tuple[tuple[str, int], ...]) -> int:
    mask = 0
    for _, m in pairs:
        mask |= m
    return mask


class CompiledPolicy:
    """A verified, compiled policy. ``decide`` answers in-process; it never raises."""

    def __init__(self, policy: Policy, *, today: dt.date | None = None) -> None:
        self.policy = policy
        self.hash = policy.hash
        tax = policy.taxonomy
        self.categories: tuple[str, ...] = tax.leaf_categories()
        self._bits = {name: 1 << i for i, name in enumerate(self.categories)}
        self._protected = 0
        for name in tax.protected_categories():
            self._protected |= self._bits.get(name, 0)
        self._all = (1 << len(self.categories)) - 1
        # Leaf purposes a request may name; immigration.* ones are refused before this (I1).
        self._leaf_purposes = frozenset(p for p in tax.leaf_purposes() if not is_immigration(p))
        self._roles = frozenset(tax.roles)
        self._offences = frozenset(tax.offences)
        # Every category name (leaf or parent) → its leaves and their bits, so a request's
        # fields are expanded with one dictionary look-up each.
        self._expand: dict[str, tuple[tuple[str, int], ...]] = {
            name: tuple((leaf, self._bits[leaf]) for leaf in tax.leaves("category", name))
            for name in tax.categories
        }
        self._names: dict[int, tuple[str, ...]] = {}
        self._orgs: dict[str, Organisation] = dict(policy.organisations)
        self._memo: dict[DecisionRequest, Decision] = {}
        self._pinned_day = today
        self._compile(today or _utc_today())

    # -- compilation -------------------------------------------------------------------------

    def _compile(self, today: dt.date) -> None:
        self.table = build_table(self.policy, self._bits, today)
        self._memo.clear()
        # The earliest moment an active agreement lapses; then the table is rebuilt.
        expiries = [
            g.expires for g in self.policy.grants if g.expires is not None and g.expires >= today
        ]
        self._refresh_at: float | None = None
        if expiries and self._pinned_day is None:
            lapse = min(expiries) + dt.timedelta(days=1)
            self._refresh_at = dt.datetime(
                lapse.year, lapse.month, lapse.day, tzinfo=dt.UTC
            ).timestamp()

    def mask(self, fields: tuple[str, ...]) -> int:
        bits = self._bits
        mask = 0
        for name in fields:
            mask |= bits[name]
        return mask

    def names(self, mask: int) -> tuple[str, ...]:
        found = self._names.get(mask)
        if found is None:
            found = tuple(n for n in self.categories if self._bits[n] & mask)
            if len(self._names) < MEMO_LIMIT:
                self._names[mask] = found
        return found

    def _list(self, mask: int) -> str:
        return ", ".join(self.names(mask))

    # -- deciding ----------------------------------------------------------------------------

    def decide(self, request: DecisionRequest | Mapping[str, Any]) -> Decision:
        """Decide a request. Any error inside is a deny with a reason (I5)."""
        try:
            if type(request) is not DecisionRequest:
                request = parse_request(request)
            if self._refresh_at is not None and time.time() >= self._refresh_at:
                self._compile(_utc_today())
            hit = self._memo.get(request)
            if hit is not None:
                return hit
            decision = self._evaluate(request)
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[request] = decision
            return decision
        except ConfideError as exc:
            return self._deny(("I5",), str(exc))
        except Exception:  # fail closed (I5): an engine fault never permits and never leaks
            return self._deny(("I5",), "the policy engine failed on this request; denied")

    def _deny(self, rules: tuple[str, ...], *reasons: str) -> Decision:
        return Decision("deny", (), tuple(reasons), rules, self.hash)

    def _evaluate(self, r: DecisionRequest) -> Decision:
        context = r.context_class
        try:
            holder, requested, asked = self._screen(r, context)
        except _Refused as refusal:
            return self._deny(refusal.rules, refusal.reason)
        # I7: the person's own access, correction and portability are never blocked.
        if context == "subject" or r.role == SUBJECT_ROLE:
            return self._subject(r, requested)
        return self._table_decision(r, holder, requested, asked, context)

    def _screen(
        self, r: DecisionRequest, context: str
    ) -> tuple[Organisation, tuple[str, ...], int]:
        """The checks no policy can change: I1, I3 and I5. Returns the holder, the requested
        fields expanded to leaf categories and their mask, or raises :class:`_Refused`."""
        requester = self._orgs.get(r.requester_org)
        holder = self._orgs.get(r.holder)
        if requester is None:
            raise _Refused("I5", f"requester organisation {r.requester_org!r} is not in the policy")
        if ENFORCEMENT_SECTOR in (requester.sector, r.requester_sector):
            raise _Refused("I1", "nothing is disclosed to immigration enforcement (I1)")
        if r.purpose not in self._leaf_purposes and is_immigration(r.purpose):
            raise _Refused("I1", "immigration purposes are never permitted (I1)")
        if (r.offence is not None and is_immigration(r.offence)) or (
            r.warrant is not None and is_immigration(r.warrant.offence)
        ):
            raise _Refused(
                ("I3", "I1"),
                "an immigration offence is not a criminal-justice exemption; handled as "
                "immigration enforcement and refused (I3, I1)",
            )
        if holder is None:
            raise _Refused("I5", f"holder organisation {r.holder!r} is not in the policy")
        if r.requester_sector not in (None, requester.sector):
            raise _Refused("I5", "the requester's sector does not match the policy's registry")
        if r.holder_sector not in (None, holder.sector):
            raise _Refused("I5", "the holder's sector does not match the policy's registry")
        if r.role not in self._roles:
            raise _Refused("I5", f"unknown role {r.role!r}")
        if r.action not in ACTIONS:
            raise _Refused("I5", f"unknown action {r.action!r}")
        if r.purpose not in self._leaf_purposes:
            raise _Refused("I5", f"unknown or non-specific purpose {r.purpose!r}")
        if r.offence is not None and r.offence not in self._offences:
            raise _Refused("I5", f"unknown offence {r.offence!r}")
        requested: list[str] = []
        asked = 0
        expand = self._expand
        for name in r.fields:
            leaves = expand.get(name)
            if leaves is None:
                raise _Refused("I5", f"unknown data category {name!r}")
            for leaf, bit in leaves:
                if not asked & bit:
                    asked |= bit
                    requested.append(leaf)
        if context == "ambiguous":
            raise _Refused(
                "I5",
                "the context carries more than one of warrant, consent, break_glass and "
                "subject; send one",
            )
        return holder, tuple(requested), asked

    def _table_decision(
        self,
        r: DecisionRequest,
        holder: Organisation,
        requested: tuple[str, ...],
        asked: int,
        context: str,
    ) -> Decision:
        tax = self.policy.taxonomy
        warrant_mask = self._all
        if r.purpose == SERIOUS_CRIME_PURPOSE:
            problem = self._warrant_problem(r)
            if problem is not None:
                return self._deny(("I4",), problem)
            assert r.warrant is not None
            warrant_mask = self.mask(
                tuple(leaf for name in r.warrant.fields for leaf in tax.leaves("category", name))
            )
        elif context == "warrant":
            return self._deny(("I4",), f"a judicial warrant opens only {SERIOUS_CRIME_PURPOSE}")
        consent_mask = self._all
        if context == "consent":
            problem = self._consent_problem(r)
            if problem is not None:
                return self._deny(("consent",), problem)
            consent_mask = self._consent_mask(r)

        reasons: list[str] = []
        rules: list[str] = []
        cross = r.requester_org != r.holder
        if cross and holder.closed:
            return self._deny(("closed",), f"{r.holder} is a closed service: nothing leaves it")
        if context in RESERVED_CONTEXTS:
            reasons.append(
                f"{context.replace('_', '-')} is not yet checked by this version of Confide, "
                "so it opens nothing (fail closed)"
            )
        # I2's one exception: legal aid the person chose, under her checked consent.
        chosen_legal_aid = (
            context == "consent" and self._orgs[r.requester_org].sector == LEGAL_AID_SECTOR
        )
        if cross and asked & self._protected and not chosen_legal_aid:
            # I2: status, nationality, birth country and documents stay with the collector.
            rules.append("I2")
            reasons.append(
                "immigration status, nationality, country of birth and document numbers never "
                "leave the service that collected them (I2): withheld "
                f"{self._list(asked & self._protected)}"
            )
        cell = self.table.get((r.requester_org, r.role, r.action, r.purpose, r.holder, context))
        if cell is None:
            return self._deny(
                (*rules, "default-deny"),
                *reasons,
                f"no rule permits {r.requester_org} ({r.role}) to {r.action} these fields held "
                f"by {r.holder} for {r.purpose}; deny by default",
            )
        released = asked & cell.permit & ~cell.forbid
        for rule_id, m in cell.forbids:
            if asked & m:
                rules.append(rule_id)
                reasons.append(f"rule {rule_id} withholds {self._list(asked & m)}")
        if cross and not chosen_legal_aid:
            released &= ~self._protected
        if context == "consent":
            assert r.consent_scope is not None
            if asked & ~consent_mask:
                reasons.append(
                    f"the person's consent {r.consent_scope.id} does not cover "
                    f"{self._list(asked & ~consent_mask)}"
                )
            released &= consent_mask
        if r.warrant is not None:
            if asked & ~warrant_mask:
                reasons.append(
                    f"the warrant {r.warrant.reference} does not list "
                    f"{self._list(asked & ~warrant_mask)}"
                )
            released &= warrant_mask
        if not released:
            return self._deny(
                (*rules, "default-deny"),
                *reasons,
                f"no requested field may be released to {r.requester_org} for {r.purpose}",
            )
        granted = [rule_id for rule_id, m in cell.permits if m & released]
        return self._permit(
            r, context, requested, released, granted=granted, rules=rules, reasons=reasons
        )

    def _permit(
        self,
        r: DecisionRequest,
        context: str,
        requested: tuple[str, ...],
        released: int,
        *,
        granted: list[str],
        rules: list[str],
        reasons: list[str],
    ) -> Decision:
        if context == "break_glass":
            reasons.append(
                "break-glass: an emergency read, logged and on the data protection officer's "
                "review list until reviewed"
            )
        if r.warrant is not None:
            granted.append("I4")
        out = tuple(n for n in requested if self._bits[n] & released)
        withheld = tuple(n for n in requested if not self._bits[n] & released)
        head = f"permitted by {', '.join(granted[:-1] if r.warrant else granted)} for {r.purpose}"
        if r.warrant is not None:
            head += f" under judicial warrant {r.warrant.reference} (I4)"
        if r.consent_scope is not None and context == "consent":
            head += f" with the person's consent {r.consent_scope.id}"
        final = [head, *reasons]
        if withheld:
            final.append(f"not released: {', '.join(withheld)}")
        return Decision(
            "permit",
            out,
            tuple(final),
            tuple(dict.fromkeys(granted + rules)),
            self.hash,
            warrant=r.warrant.reference if r.warrant else None,
        )

    def _subject(self, r: DecisionRequest, requested: tuple[str, ...]) -> Decision:
        if r.purpose not in SUBJECT_PURPOSES or r.role != SUBJECT_ROLE or r.subject_self is None:
            return self._deny(
                ("I7",),
                "a person acting for themself uses role `subject`, a subject.* purpose and "
                "context.subject",
            )
        if r.subject is None or r.subject_self != r.subject:
            return self._deny(("I7",), "a person may act only for their own record")
        if r.requester_org != r.holder:
            return self._deny(
                ("I7",), "a person's own request goes to the service holding the record"
            )
        return Decision(
            "permit",
            requested,
            (f"the person's own {r.purpose.split('.')[1]} request is never blocked (I7)",),
            ("I7",),
            self.hash,
        )

    def _consent_mask(self, r: DecisionRequest) -> int:
        assert r.consent_scope is not None
        tax = self.policy.taxonomy
        return self.mask(
            tuple(
                leaf for name in r.consent_scope.categories for leaf in tax.leaves("category", name)
            )
        )

    def _consent_problem(self, r: DecisionRequest) -> str | None:
        """Why a request under consent cannot rest on it, or ``None``. Only a consent the
        vault checked against its stored record counts; its recipient, holder and purpose
        must be this request's (consent is specific)."""
        scope = r.consent_scope
        if scope is None or scope.id != r.consent:
            return (
                "consent opens data only when the consent it names is in force: given by the "
                "person, for this service and purpose, not expired and not withdrawn; denied"
            )
        if scope.recipient != r.requester_org:
            return f"the person's consent {scope.id} was given for another recipient; denied"
        if scope.holder != r.holder:
            return f"the person's consent {scope.id} covers another service's records; denied"
        if scope.purpose != r.purpose:
            return f"the person's consent {scope.id} was given for {scope.purpose}, not {r.purpose}"
        for name in scope.categories:
            if name not in self.policy.taxonomy.categories:
                return f"unknown data category {name!r} in consent {scope.id}"
        return None

    def _warrant_problem(self, r: DecisionRequest) -> str | None:
        w = r.warrant
        tax = self.policy.taxonomy
        if w is None:
            return f"{SERIOUS_CRIME_PURPOSE} needs a written judicial warrant (I4)"
        if not w.judicial:
            return "the warrant must be issued by a judge (I4)"
        if r.subject is None or w.subject != r.subject:
            return "the warrant must name the individual whose record is asked for (I4)"
        offence = tax.offences.get(w.offence)
        if offence is None:
            return f"unknown offence {w.offence!r} in the warrant"
        if not offence.serious:
            return (
                f"{w.offence} is not a serious offence; a warrant cannot open records for it (I4)"
            )
        if r.offence is not None and r.offence != w.offence:
            return "the request's offence differs from the warrant's (I4)"
        for name in w.fields:
            if name not in tax.categories:
                return f"unknown data category {name!r} in the warrant"
        return None


class _Refused(Exception):  # internal control flow; never escapes decide()
    def __init__(self, rules: str | tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.rules = (rules,) if isinstance(rules, str) else rules
        self.reason = reason


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
