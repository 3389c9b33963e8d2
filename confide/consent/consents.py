"""Consent records: given, listed, withdrawn, and the person's consent receipt.

A consent is express and specific: one holder, one recipient, one purpose, the categories
listed, until a date. It is checked again on every read made under it
(:mod:`confide.consent.store`), so withdrawing it stops the next read (scenario 13). It can
open only a flow the policy already allows under consent (an agreement or rule with
``when: consent``); it never opens anything to immigration enforcement (I1), and it carries
immigration data only to legal aid the person chose (I2).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import Connection, Row, or_, select, update

from confide.consent.model import Consent, ConsentError, aware
from confide.consent.tables import consents, referrals
from confide.consent.text import consent_text, text_hash
from confide.crypto import FieldSealer
from confide.errors import NotFound, NotPermitted
from confide.i18n import LANGUAGES
from confide.policy import CompiledPolicy, ConsentScope, DecisionRequest
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    LEGAL_AID_SECTOR,
    SUBJECT_PURPOSES,
    SUBJECT_ROLE,
    is_immigration,
)
from confide.transparency.entries import format_time
from confide.vault.model import MAX_SUBJECT_CHARS, AccessLog

if TYPE_CHECKING:
    from confide.runtime import Confide

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "MAX_TEXT_CHARS",
    "RECEIPT_FORMAT",
    "ConsentBook",
    "check_terms",
    "log_person_view",
    "receipt",
]

DEFAULT_DAYS: Final = 365
MAX_DAYS: Final = 3 * 366
MAX_TEXT_CHARS: Final = 8000
RECEIPT_FORMAT: Final = "confide-consent-receipt/1"
#: The sealed text's field name (bound into the envelope with the consent id and subject).
TEXT_FIELD: Final = "consent.text"

By = Literal["person", "staff"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_terms(
    policy: CompiledPolicy,
    *,
    holder: str,
    recipient: str,
    purpose: str,
    categories: Sequence[str],
) -> tuple[str, ...]:
    """The leaf categories of a consent on these terms, or :class:`ConsentError` saying
    why it cannot be given. Shared by consents and referrals."""
    model = policy.policy
    tax = model.taxonomy
    orgs = model.organisations
    for org in (holder, recipient):
        if org not in orgs:
            raise ConsentError(f"organisation {org!r} is not in the policy")
    if orgs[recipient].sector == ENFORCEMENT_SECTOR or is_immigration(purpose):
        raise ConsentError(
            "nothing is ever shared with immigration enforcement or for an immigration "
            "purpose, with or without consent (I1)"
        )
    if holder == recipient:
        raise ConsentError("a consent lets one service share with another; name two")
    if orgs[holder].closed:
        raise ConsentError(
            f"{holder} is a closed service: nothing leaves it, not even with consent or "
            "under a referral"
        )
    if purpose in SUBJECT_PURPOSES or purpose not in tax.leaf_purposes():
        raise ConsentError(
            f"{purpose!r} is not a specific purpose; name one such as legal.advice or "
            "care.treatment (docs/taxonomy.md)"
        )
    if not categories:
        raise ConsentError("a consent names the data it covers (at least one category)")
    leaves: list[str] = []
    for name in categories:
        if name not in tax.categories:
            raise ConsentError(f"unknown data category {name!r} (docs/taxonomy.md)")
        leaves.extend(leaf for leaf in tax.leaves("category", name) if leaf not in leaves)
    protected = [c for c in leaves if c in tax.protected_categories()]
    if protected and orgs[recipient].sector != LEGAL_AID_SECTOR:
        raise ConsentError(
            f"{', '.join(protected)} may go only to legal aid the person chose (I2); "
            f"{recipient} is not a legal-aid service"
        )
    opened = _what_consent_opens(policy, holder, recipient, purpose, tuple(leaves))
    if not opened:
        raise ConsentError(
            f"no agreement or rule lets {recipient} receive these from {holder} for "
            f"{purpose} with consent; the policy must allow the flow (`when: consent`) "
            "before a consent can open it"
        )
    never = [c for c in leaves if c not in opened]
    if never:
        raise ConsentError(
            f"the policy never lets {recipient} receive {', '.join(never)} from {holder} for "
            f"{purpose}; a consent lists only what can be shared"
        )
    return tuple(leaves)


def _what_consent_opens(
    policy: CompiledPolicy, holder: str, recipient: str, purpose: str, leaves: tuple[str, ...]
) -> set[str]:
    """What the engine would release, in any role, under a consent on exactly these terms."""
    scope = ConsentScope("check", recipient, holder, purpose, leaves)
    opened: set[str] = set()
    for role in sorted(policy.policy.taxonomy.roles):
        request = DecisionRequest(
            recipient, role, "read", purpose, holder, leaves, consent="check", consent_scope=scope
        )
        decision = policy.decide(request)
        if decision.permitted:
            opened.update(decision.fields)
    return opened


def receipt(consent: Consent, policy: CompiledPolicy) -> dict[str, Any]:
    """The person's machine-readable record of one consent (``confide-consent-receipt/1``).

    Its fields follow the Kantara Initiative's Consent Receipt where they fit: who collects,
    who receives, for what, which data, when, and whether it is sensitive; plus the exact
    words she was shown and their SHA-256."""
    orgs = policy.policy.organisations
    tax = policy.policy.taxonomy

    def party(org: str) -> dict[str, Any]:
        known = orgs.get(org)
        return {
            "id": org,
            "name": known.name if known else org,
            "sector": known.sector if known else None,
        }

    return {
        "format": RECEIPT_FORMAT,
        "consent": consent.id,
        "state": consent.state(),
        "given_at": consent.given_at.isoformat(),
        "expires_at": consent.expires_at.isoformat(),
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "withdrawn_by": consent.withdrawn_by,
        "from": party(consent.holder),
        "to": party(consent.recipient),
        "purpose": consent.purpose,
        "categories": list(consent.categories),
        "sensitive": any(c in tax.protected_categories() for c in consent.categories),
        "language": consent.language,
        "text": consent.text,
        "text_sha256": consent.text_hash,
        "policy": consent.policy,
        # Where she withdraws it (with her access code); either service can do it for her.
        "withdraw_page": f"/my/{consent.language}/consents",
    }


class ConsentBook:
    """Consents kept by a deployment. Every change is logged in its own transaction (I8)."""

    def __init__(self, confide: Confide) -> None:
        self.confide = confide

    @property
    def policy(self) -> CompiledPolicy:
        return self.confide.vault.policy

    @property
    def log(self) -> AccessLog:
        return self.confide.vault.log

    # -- giving ------------------------------------------------------------------------------

    def give(
        self,
        *,
        holder: str,
        recipient: str,
        purpose: str,
        categories: Sequence[str],
        language: str,
        recorded_by: str,
        subject: str | None = None,
        pseudonym: str | None = None,
        text: str | None = None,
        days: int = DEFAULT_DAYS,
        now: dt.datetime | None = None,
    ) -> Consent:
        """Record the consent of the person ``subject`` (her reference at the holder) or
        ``pseudonym`` (she proved herself with an access code). ``text`` is what she was
        shown; by default the consent sentence in ``language``."""
        vault = self.confide.vault
        if (subject is None) == (pseudonym is None):
            raise ConsentError("name the person by her reference or her pseudonym, not both")
        if subject is not None:
            if not subject.strip() or len(subject) > MAX_SUBJECT_CHARS:
                raise ConsentError(
                    f"the person's reference is an opaque id of 1 to {MAX_SUBJECT_CHARS} characters"
                )
            pseudonym = vault.keyring.pseudonym(subject)
        assert pseudonym is not None
        if language not in LANGUAGES:
            raise ConsentError(
                f"unknown language {language!r}; one of {', '.join(sorted(LANGUAGES))}"
            )
        if not 1 <= days <= MAX_DAYS:
            raise ConsentError(f"a consent lasts 1 to {MAX_DAYS} days")
        policy = self.policy
        leaves = check_terms(
            policy, holder=holder, recipient=recipient, purpose=purpose, categories=categories
        )
        now = now or _now()
        expires = now + dt.timedelta(days=days)
        if text is None:
            text = consent_text(
                policy,
                lang=language,
                holder=holder,
                recipient=recipient,
                purpose=purpose,
                categories=leaves,
                expires_at=expires,
            )
        text = text.strip()
        if not text or len(text) > MAX_TEXT_CHARS:
            raise ConsentError(
                f"the consent text shown to the person is needed (1 to {MAX_TEXT_CHARS} characters)"
            )
        consent_id = str(uuid.uuid4())
        digest = text_hash(text)
        with vault.db.transaction() as conn:
            key = vault.keyring.data_key(conn, pseudonym, create=True)
            assert key is not None
            envelope = FieldSealer(key).seal(
                text.encode("utf-8"), record_id=consent_id, field=TEXT_FIELD, subject=pseudonym
            )
            conn.execute(
                consents.insert().values(
                    id=consent_id,
                    subject=pseudonym,
                    holder=holder,
                    recipient=recipient,
                    purpose=purpose,
                    categories=json.dumps(list(leaves)),
                    language=language,
                    text_hash=digest,
                    text_envelope=envelope,
                    given_at=now,
                    expires_at=expires,
                    withdrawn_at=None,
                    withdrawn_by=None,
                    recorded_by=recorded_by[:128],
                    policy=policy.hash,
                )
            )
            self.log.append(
                conn,
                {
                    "kind": "consent.given",
                    "consent": consent_id,
                    "subject": pseudonym,
                    "holder": holder,
                    "recipient": recipient,
                    "purpose": purpose,
                    "categories": list(leaves),
                    "expires": format_time(expires),
                    "policy": policy.hash,
                },
            )
        return Consent(
            consent_id,
            pseudonym,
            holder,
            recipient,
            purpose,
            leaves,
            language,
            text,
            digest,
            now,
            expires,
            None,
            None,
            recorded_by[:128],
            policy.hash,
        )

    # -- reading -----------------------------------------------------------------------------

    def get(
        self, consent_id: str, *, org: str | None = None, subject: str | None = None
    ) -> Consent:
        """One consent, seen by a party to it (``org`` its holder or recipient) or by the
        person (``subject``, her pseudonym). Anyone else gets :class:`NotFound`, the same
        as for a consent that does not exist."""
        with self.confide.db.connect() as conn:
            row = conn.execute(select(consents).where(consents.c.id == consent_id)).first()
            if row is None or not _may_see(row, org, subject):
                raise NotFound(f"no consent {consent_id} visible to you")
            return self._consent(conn, row)

    def for_subject(self, pseudonym: str) -> list[Consent]:
        """Every consent the person gave, newest first."""
        with self.confide.db.connect() as conn:
            rows = conn.execute(
                select(consents)
                .where(consents.c.subject == pseudonym)
                .order_by(consents.c.given_at.desc())
            ).all()
            return [self._consent(conn, row) for row in rows]

    def for_org(self, org: str) -> list[Consent]:
        """Every consent ``org`` holds data under or receives data under, newest first."""
        with self.confide.db.connect() as conn:
            rows = conn.execute(
                select(consents)
                .where(or_(consents.c.holder == org, consents.c.recipient == org))
                .order_by(consents.c.given_at.desc())
            ).all()
            return [self._consent(conn, row) for row in rows]

    def _consent(self, conn: Connection, row: Row[Any]) -> Consent:
        key = self.confide.vault.keyring.data_key(conn, row.subject, create=False)
        text = None
        if key is not None:
            text = (
                FieldSealer(key)
                .open(row.text_envelope, record_id=row.id, field=TEXT_FIELD, subject=row.subject)
                .decode("utf-8")
            )
        return _from_row(row, text)

    # -- withdrawing -------------------------------------------------------------------------

    def withdraw(
        self,
        consent_id: str,
        *,
        by: By,
        org: str | None = None,
        subject: str | None = None,
        now: dt.datetime | None = None,
    ) -> Consent:
        """Withdraw a consent: by the person (``subject``, her pseudonym) or by staff of a
        party to it on her behalf (``org``). Referrals resting on it are withdrawn too. From
        the commit on, every read under it is denied and logged (scenario 13). Withdrawing
        twice changes nothing."""
        if (by == "person") != (subject is not None) or (by == "staff") != (org is not None):
            raise ConsentError("the person withdraws with her pseudonym, staff with their org")
        now = now or _now()
        with self.confide.db.transaction() as conn:
            row = conn.execute(
                select(consents).where(consents.c.id == consent_id).with_for_update()
            ).first()
            if row is None or not _may_see(row, org, subject):
                raise NotFound(f"no consent {consent_id} visible to you")
            if row.withdrawn_at is None:
                conn.execute(
                    update(consents)
                    .where(consents.c.id == consent_id)
                    .values(withdrawn_at=now, withdrawn_by=by)
                )
                self.log.append(conn, _withdrawn_entry(row, by))
                withdraw_referrals(conn, self.log, consent_id, now)
            fresh = conn.execute(select(consents).where(consents.c.id == consent_id)).one()
            return self._consent(conn, fresh)


def log_person_view(
    confide: Confide, pseudonym: str, consents: Iterable[Consent], purpose: str
) -> None:
    """The person's own look at her consents (``subject.access``) or download of a receipt
    (``subject.portability``): one logged decision per consent, so her history shows it
    (I7: never blocked; I8: always logged). She acts for herself at the service holding the
    data; the consent id stands where a record id goes. A deny — a service since removed
    from the policy — is logged first and then raises :class:`NotPermitted` (fail closed)."""
    vault = confide.vault
    policy = vault.policy
    denied = False
    with confide.db.transaction() as conn:
        for consent in consents:
            request = DecisionRequest(
                requester_org=consent.holder,
                role=SUBJECT_ROLE,
                action="read",
                purpose=purpose,
                holder=consent.holder,
                fields=consent.categories,
                subject=pseudonym,
                subject_self=pseudonym,
            )
            decision = policy.decide(request)
            vault.log.append(
                conn, vault.decision_entry(decision, request, subject=pseudonym, record=consent.id)
            )
            denied = denied or not decision.permitted
    if denied:
        raise NotPermitted(f"the person's own {purpose} request was refused; see the log")


def withdraw_referrals(conn: Connection, log: AccessLog, consent_id: str, now: dt.datetime) -> None:
    """Every open referral resting on ``consent_id`` is withdrawn, each logged."""
    rows = conn.execute(
        select(referrals).where(
            referrals.c.consent_id == consent_id,
            referrals.c.state.in_(("offered", "accepted")),
        )
    ).all()
    for ref in rows:
        conn.execute(
            update(referrals)
            .where(referrals.c.id == ref.id)
            .values(state="withdrawn", updated_at=now)
        )
        log.append(
            conn,
            {
                "kind": "referral.state",
                "referral": ref.id,
                "subject": ref.subject,
                "holder": ref.holder,
                "recipient": ref.recipient,
                "consent": consent_id,
                "state": "withdrawn",
            },
        )


def forget_consents(conn: Connection, log: AccessLog, pseudonym: str) -> None:
    """The person was forgotten: her consents in force end (withdrawn by her), and so do
    the referrals resting on them. Their texts were sealed under her destroyed key."""
    now = _now()
    rows = conn.execute(
        select(consents).where(consents.c.subject == pseudonym, consents.c.withdrawn_at.is_(None))
    ).all()
    for row in rows:
        conn.execute(
            update(consents)
            .where(consents.c.id == row.id)
            .values(withdrawn_at=now, withdrawn_by="person")
        )
        log.append(conn, _withdrawn_entry(row, "person"))
        withdraw_referrals(conn, log, row.id, now)


def _withdrawn_entry(row: Row[Any], by: str) -> dict[str, Any]:
    return {
        "kind": "consent.withdrawn",
        "consent": row.id,
        "subject": row.subject,
        "holder": row.holder,
        "recipient": row.recipient,
        "by": by,
    }


def _may_see(row: Row[Any], org: str | None, subject: str | None) -> bool:
    if subject is not None and row.subject == subject:
        return True
    return org is not None and org in (row.holder, row.recipient)


def _from_row(row: Row[Any], text: str | None) -> Consent:
    return Consent(
        id=row.id,
        subject=row.subject,
        holder=row.holder,
        recipient=row.recipient,
        purpose=row.purpose,
        categories=tuple(json.loads(row.categories)),
        language=row.language,
        text=text,
        text_hash=row.text_hash,
        given_at=aware(row.given_at),
        expires_at=aware(row.expires_at),
        withdrawn_at=aware(row.withdrawn_at) if row.withdrawn_at else None,
        withdrawn_by=row.withdrawn_by,
        recorded_by=row.recorded_by,
        policy=row.policy,
    )
