"""Checking a consent or a referral at read time (scenario 13).

The vault calls :func:`resolve` inside the transaction of the read it is about to decide,
so a withdrawal committed before the read is always seen. It returns the
:class:`~confide.policy.ConsentScope` the engine needs, or ``None``: unknown, withdrawn,
expired, or (for a referral) not accepted, expired, or resting on a consent no longer in
force. ``None`` makes the engine deny; the deny is logged like every decision.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from confide.consent.model import aware
from confide.consent.tables import consents, referrals
from confide.policy import ConsentScope

__all__ = ["Resolved", "consent_in_force", "in_force", "resolve"]


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a read rests on. ``scope`` is ``None`` when nothing is in force; ``subject`` is
    the person's pseudonym (a read under her consent may open only her records)."""

    consent_id: str
    referral_id: str | None
    scope: ConsentScope | None
    subject: str | None


def _consent_row(conn: Connection, consent_id: str) -> Row[Any] | None:
    return conn.execute(select(consents).where(consents.c.id == consent_id)).first()


def resolve(
    conn: Connection,
    *,
    consent: str | None = None,
    referral: str | None = None,
    now: dt.datetime | None = None,
) -> Resolved:
    """The scope of ``consent`` or ``referral`` (exactly one) as of ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    if referral is not None:
        ref = conn.execute(select(referrals).where(referrals.c.id == referral)).first()
        if ref is None:
            return Resolved(consent or "unknown", referral, None, None)
        row = _consent_row(conn, ref.consent_id)
        live = (
            ref.state == "accepted"
            and now < aware(ref.expires_at)
            and row is not None
            and in_force(row, now)
        )
        if not live or row is None:
            return Resolved(ref.consent_id, referral, None, ref.subject)
        agreed = set(json.loads(row.categories))
        fields = tuple(c for c in json.loads(ref.categories) if c in agreed)
        scope = ConsentScope(ref.consent_id, ref.recipient, ref.holder, ref.purpose, fields)
        return Resolved(ref.consent_id, referral, scope, ref.subject)
    assert consent is not None
    row = _consent_row(conn, consent)
    if row is None or not in_force(row, now):
        return Resolved(consent, None, None, None if row is None else row.subject)
    scope = ConsentScope(
        row.id,
        row.recipient,
        row.holder,
        row.purpose,
        tuple(json.loads(row.categories)),
    )
    return Resolved(consent, None, scope, row.subject)


def in_force(row: Row[Any], now: dt.datetime) -> bool:
    """Whether a ``consents`` row is in force at ``now``: not withdrawn, not expired."""
    return row.withdrawn_at is None and now < aware(row.expires_at)


def consent_in_force(conn: Connection, consent_id: str, now: dt.datetime) -> bool:
    row = _consent_row(conn, consent_id)
    return row is not None and in_force(row, now)
