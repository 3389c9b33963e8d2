"""Data-sharing agreements made at run time: proposed, checked, activated, retired.

The policy file's agreements change only with a new policy version. These are agreed
between services while Confide runs (API, CLI, staff pages). An agreement permits nothing
until it is activated, and activation re-runs the whole invariant proof (I1-I10, the
transitive flow analysis included) over the policy with every active agreement plus this
one: if the result would open a path for protected data, or for any data to immigration
enforcement, activation is refused, naming the path, and the refusal is logged.

The policy in force is then the file's policy *composed* with the active agreements; its
hash covers both (``policy`` in every decision), and every worker process picks up a change
within seconds (:class:`confide.service.policies.PolicySync`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import rfc8785
from pydantic import ValidationError
from sqlalchemy import Connection, Row, select, update

from confide.consent.model import Agreement, ConsentError, aware
from confide.consent.tables import agreements
from confide.errors import InvariantViolation, NotFound, NotPermitted, PolicyProblem
from confide.policy import CompiledPolicy, Policy, verify_policy
from confide.policy.model import Grant
from confide.policy.schema import AgreementModel
from confide.storage import Database
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
from confide.transparency.store import lock_head

if TYPE_CHECKING:
    from confide.runtime import Confide

__all__ = [
    "MAX_YEARS",
    "Agreements",
    "active_agreements",
    "base_of",
    "compose",
    "effective",
    "effective_hash",
    "grant_of",
]

#: An agreement runs for at most this many years; then it is renewed as a new one.
MAX_YEARS: Final = 5
_FORMAT: Final = "confide-runtime-agreements/1"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- composing the policy in force ---------------------------------------------------------


def grant_of(policy: Policy, a: Agreement) -> Grant:
    """The agreement as a grant of ``policy``, names checked and expanded to leaves."""
    tax = policy.taxonomy
    problems: list[str] = []
    for org in (a.source, a.recipient):
        if org not in policy.organisations:
            problems.append(f"organisation {org!r} is not in the policy")
    if a.source == a.recipient:
        problems.append("an agreement shares between two different organisations")
    purposes: set[str] = set()
    for name in a.purposes:
        if name not in tax.purposes:
            problems.append(f"unknown purpose {name!r} (docs/taxonomy.md)")
        else:
            purposes.update(tax.leaves("purpose", name))
    categories: set[str] = set()
    for name in a.categories:
        if name not in tax.categories:
            problems.append(f"unknown data category {name!r} (docs/taxonomy.md)")
        else:
            categories.update(tax.leaves("category", name))
    roles = a.roles if a.roles is not None else tuple(tax.roles)
    problems.extend(f"unknown role {r!r}" for r in roles if r not in tax.roles)
    if a.condition not in (None, "consent"):
        problems.append("`when` is `consent` or absent for an agreement made at run time")
    if problems:
        raise ConsentError(f"agreement {a.id!r}: " + "; ".join(problems))
    return Grant(
        id=a.id,
        kind="agreement",
        effect="permit",
        requesters=frozenset({a.recipient}),
        roles=frozenset(roles),
        holders=frozenset({a.source}),
        actions=frozenset({"read"}),
        purposes=frozenset(purposes),
        categories=frozenset(categories),
        when=a.condition,
        expires=a.expires,
        line=None,
        description=a.description,
    )


def effective_hash(base_hash: str, active: Sequence[Agreement]) -> str:
    """The hash of the policy in force: the file's hash when no agreement is active."""
    if not active:
        return base_hash
    document: dict[str, Any] = {
        "format": _FORMAT,
        "policy": base_hash,
        "agreements": [_canonical(a) for a in sorted(active, key=lambda a: a.id)],
    }
    return "sha256:" + hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def _canonical(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "from": a.source,
        "to": a.recipient,
        "purposes": sorted(a.purposes),
        "categories": sorted(a.categories),
        "roles": sorted(a.roles) if a.roles is not None else None,
        "when": a.condition,
        "expires": a.expires.isoformat(),
    }


def base_of(policy: Policy) -> Policy:
    """``policy`` without its run-time agreements: the policy as its file says."""
    if not policy.runtime:
        return policy
    runtime = set(policy.runtime)
    return dataclasses.replace(
        policy,
        grants=tuple(g for g in policy.grants if g.id not in runtime),
        runtime=(),
        hash=policy.file_hash,
        base_hash=None,
    )


def compose(base: Policy, active: Sequence[Agreement]) -> Policy:
    """The file's policy plus the run-time agreements ``active``. Not verified: see
    :func:`confide.policy.verify_policy`."""
    base = base_of(base)
    if not active:
        return base
    taken = {g.id for g in base.grants}
    for a in active:
        if a.id in taken:
            raise ConsentError(f"agreement id {a.id!r} is already used by the policy file")
    return dataclasses.replace(
        base,
        # Problems name the file by its name only: its place on the server is nobody's
        # business in an error shown to staff or callers.
        file=Path(base.file).name,
        grants=base.grants + tuple(grant_of(base, a) for a in active),
        runtime=tuple(a.id for a in active),
        hash=effective_hash(base.hash, active),
        base_hash=base.hash,
    )


def active_agreements(conn: Connection) -> list[Agreement]:
    rows = conn.execute(
        select(agreements).where(agreements.c.state == "active").order_by(agreements.c.id)
    ).all()
    return [_from_row(row) for row in rows]


def effective(db: Database, base: CompiledPolicy) -> CompiledPolicy:
    """``base`` composed with the agreements active in ``db``, verified and compiled; ``base``
    itself when there are none. Used when a process starts and when it syncs."""
    with db.connect() as conn:
        active = active_agreements(conn)
    if not active and not base.policy.runtime:
        return base
    composed = compose(base.policy, active)
    verify_policy(composed)
    return CompiledPolicy(composed)


# -- the registry ------------------------------------------------------------------------


class Agreements:
    def __init__(self, confide: Confide) -> None:
        self.confide = confide

    def propose(self, spec: Mapping[str, Any], *, proposed_by: str) -> Agreement:
        """Record a proposed agreement (the policy file's agreement shape: ``id``, ``from``,
        ``to``, ``purposes``, ``categories``, optional ``roles`` and ``when``, plus ``owner``,
        ``expires`` and ``review``, all required here). It permits nothing yet."""
        try:
            model = AgreementModel.model_validate(dict(spec), strict=False)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'agreement'}: {e['msg']}"
                for e in exc.errors(include_url=False)[:5]
            )
            raise ConsentError(f"the agreement is malformed: {details}") from None
        today = _now().date()
        missing = [
            name
            for name, value in (
                ("owner", model.owner),
                ("expires", model.expires),
                ("review", model.review),
            )
            if not value
        ]
        if missing:
            raise ConsentError(
                f"an agreement needs {', '.join(missing)}: who answers for it, when it ends "
                "and when it is reviewed"
            )
        assert model.expires is not None
        assert model.review is not None
        assert model.owner
        if model.expires <= today:
            raise ConsentError("the agreement's expiry date is in the past")
        if model.expires > today + dt.timedelta(days=MAX_YEARS * 366):
            raise ConsentError(f"an agreement runs for at most {MAX_YEARS} years")
        if not today <= model.review <= model.expires:
            raise ConsentError("the review date falls between today and the expiry date")
        agreement = Agreement(
            id=model.id,
            description=(model.description or "").strip(),
            source=model.from_,
            recipient=model.to,
            purposes=tuple(model.purposes),
            categories=tuple(model.categories),
            roles=tuple(model.roles) if model.roles else None,
            condition=model.when,
            owner=model.owner.strip()[:200],
            expires=model.expires,
            review=model.review,
            state="proposed",
            proposed_by=proposed_by[:128],
            proposed_at=_now(),
        )
        policy = self.confide.vault.policy.policy
        grant_of(base_of(policy), agreement)  # names checked now; invariants at activation
        if any(g.id == agreement.id for g in policy.grants):
            raise ConsentError(f"agreement id {agreement.id!r} is already used by the policy")
        with self.confide.db.transaction() as conn:
            if conn.execute(select(agreements.c.id).where(agreements.c.id == agreement.id)).first():
                raise ConsentError(f"an agreement {agreement.id!r} already exists")
            conn.execute(agreements.insert().values(**_row_values(agreement)))
            entry = {
                "kind": "agreement.proposed",
                **_parties(agreement),
                "purposes": list(agreement.purposes),
                "categories": list(agreement.categories),
                "expires": agreement.expires.isoformat(),
            }
            if agreement.condition:
                entry["condition"] = agreement.condition
            self.confide.log.append(conn, entry)
        return agreement

    def _refuse_enforcement(self, a: Agreement) -> None:
        """I1 before any proof: an agreement can never name enforcement or its purposes."""
        orgs = self.confide.vault.policy.policy.organisations
        recipient = orgs.get(a.recipient)
        if recipient is not None and recipient.sector == ENFORCEMENT_SECTOR:
            path = [*self._path_into(a.source), a.recipient]
            raise ConsentError(
                f"agreement {a.id!r} would open the path {' → '.join(path)}: nothing may ever "
                "reach immigration enforcement (I1, I10)"
            )
        bad = [p for p in a.purposes if is_immigration(p)]
        if bad:
            raise ConsentError(
                f"agreement {a.id!r} names {', '.join(bad)}: immigration purposes are never "
                "permitted (I1)"
            )

    def _path_into(self, org: str) -> list[str]:
        """The longest chain of cross-service grants in force that ends at ``org``."""
        incoming: dict[str, set[str]] = defaultdict(set)
        for g in self.confide.vault.policy.policy.grants:
            if g.effect == "permit" and g.holders is not None:
                for target in g.requesters:
                    incoming[target].update(h for h in g.holders if h != target)
        best = [org]
        stack = [[org]]
        while stack and len(stack) < 10_000:
            path = stack.pop()
            for source in sorted(incoming.get(path[0], ())):
                if source not in path:
                    longer = [source, *path]
                    best = longer if len(longer) > len(best) else best
                    stack.append(longer)
        return best

    def check(self, agreement_id: str) -> list[PolicyProblem]:
        """What activating the agreement would break, with every other active agreement;
        an empty list means it can be activated."""
        with self.confide.db.connect() as conn:
            agreement = self._get(conn, agreement_id)
            active = [a for a in active_agreements(conn) if a.id != agreement_id]
        try:
            self._refuse_enforcement(agreement)
            verify_policy(compose(self.confide.vault.policy.policy, [*active, agreement]))
        except InvariantViolation as exc:
            return exc.problems
        except ConsentError as exc:
            return [PolicyProblem(str(exc), f"agreement:{agreement_id}", None, None, "I1")]
        return []

    def activate(self, agreement_id: str, *, by: str, org: str | None = None) -> Agreement:
        """Make a proposed agreement permit. Raises :class:`InvariantViolation` (the
        problems name the rule and the path) if it would break an invariant with the
        agreements already active; the refusal is logged and nothing changes.

        ``org``, when staff act, must be the organisation the data comes from: the
        receiving side cannot open another service's data alone."""
        confide = self.confide
        with confide.db.transaction() as conn:
            lock_head(conn)  # serialised with policy changes and every log writer
            agreement = self._get(conn, agreement_id, org=org)
            if org is not None and org != agreement.source:
                raise NotPermitted(
                    f"only {agreement.source}, whose data it shares, can activate "
                    f"agreement {agreement_id!r}"
                )
            if agreement.state != "proposed":
                raise ConsentError(f"agreement {agreement_id!r} is {agreement.state}, not proposed")
            if agreement.lapsed():
                raise ConsentError(f"agreement {agreement_id!r} expired before activation")
            active = active_agreements(conn)
            base = base_of(confide.vault.policy.policy)
            problems: list[PolicyProblem] = []
            try:
                self._refuse_enforcement(agreement)
                composed = compose(base, [*active, agreement])
                verify_policy(composed)
            except InvariantViolation as exc:
                problems = exc.problems
            except ConsentError as exc:
                problems = [PolicyProblem(str(exc), f"agreement:{agreement_id}", None, None, "I1")]
            if not problems:
                previous = confide.vault.policy.hash
                now = _now()
                conn.execute(
                    update(agreements)
                    .where(agreements.c.id == agreement_id)
                    .values(state="active", activated_by=by[:128], activated_at=now)
                )
                confide.log.append(
                    conn,
                    {
                        "kind": "agreement.activated",
                        **_parties(agreement),
                        "policy": composed.hash,
                        "previous": previous,
                    },
                )
        if problems:
            with confide.db.transaction() as conn:
                invariants = sorted({p.invariant or "policy" for p in problems})
                confide.log.append(
                    conn,
                    {"kind": "agreement.refused", **_parties(agreement), "invariants": invariants},
                )
            raise InvariantViolation(problems)
        _install(confide, CompiledPolicy(composed))
        return self.get(agreement_id)

    def retire(self, agreement_id: str, *, by: str, org: str | None = None) -> Agreement:
        """End an agreement (active or only proposed); it permits nothing from now on."""
        confide = self.confide
        with confide.db.transaction() as conn:
            lock_head(conn)
            agreement = self._get(conn, agreement_id, org=org)
            if agreement.state == "retired":
                return agreement
            now = _now()
            conn.execute(
                update(agreements)
                .where(agreements.c.id == agreement_id)
                .values(state="retired", retired_by=by[:128], retired_at=now)
            )
            remaining = [a for a in active_agreements(conn) if a.id != agreement_id]
            composed = compose(confide.vault.policy.policy, remaining)
            confide.log.append(
                conn, {"kind": "agreement.retired", **_parties(agreement), "policy": composed.hash}
            )
        _install(confide, CompiledPolicy(composed))
        return self.get(agreement_id)

    def get(self, agreement_id: str, *, org: str | None = None) -> Agreement:
        """One agreement; with ``org``, only if it is a party (else "not found")."""
        with self.confide.db.connect() as conn:
            return self._get(conn, agreement_id, org=org)

    def list(self, *, org: str | None = None, state: str | None = None) -> list[Agreement]:
        with self.confide.db.connect() as conn:
            rows = conn.execute(select(agreements).order_by(agreements.c.proposed_at.desc())).all()
        found = [_from_row(row) for row in rows]
        return [
            a
            for a in found
            if (org is None or org in (a.source, a.recipient))
            and (state is None or a.summary()["state"] == state)
        ]

    def _get(self, conn: Connection, agreement_id: str, *, org: str | None = None) -> Agreement:
        row = conn.execute(select(agreements).where(agreements.c.id == agreement_id)).first()
        if row is None or (org is not None and org not in (row.source, row.recipient)):
            raise NotFound(f"no agreement {agreement_id!r}")
        return _from_row(row)


def _install(confide: Confide, compiled: CompiledPolicy) -> None:
    from confide.service.policies import install  # noqa: PLC0415 - the service imports us

    install(confide, compiled)


def _parties(a: Agreement) -> dict[str, str]:
    return {"agreement": a.id, "source": a.source, "recipient": a.recipient}


def _row_values(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "description": a.description,
        "source": a.source,
        "recipient": a.recipient,
        "purposes": json.dumps(list(a.purposes)),
        "categories": json.dumps(list(a.categories)),
        "roles": json.dumps(list(a.roles)) if a.roles is not None else None,
        "condition": a.condition,
        "owner": a.owner,
        "expires": a.expires,
        "review": a.review,
        "state": a.state,
        "proposed_by": a.proposed_by,
        "proposed_at": a.proposed_at,
    }


def _from_row(row: Row[Any]) -> Agreement:
    return Agreement(
        id=row.id,
        description=row.description,
        source=row.source,
        recipient=row.recipient,
        purposes=tuple(json.loads(row.purposes)),
        categories=tuple(json.loads(row.categories)),
        roles=tuple(json.loads(row.roles)) if row.roles is not None else None,
        condition=row.condition,
        owner=row.owner,
        expires=row.expires,
        review=row.review,
        state=row.state,
        proposed_by=row.proposed_by,
        proposed_at=aware(row.proposed_at),
        activated_by=row.activated_by,
        activated_at=aware(row.activated_at) if row.activated_at else None,
        retired_by=row.retired_by,
        retired_at=aware(row.retired_at) if row.retired_at else None,
    )
