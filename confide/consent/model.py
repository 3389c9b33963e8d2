"""Consents, referrals and run-time agreements as the library hands them out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Literal

from confide.errors import ConfideError

__all__ = [
    "AGREEMENT_STATES",
    "OPEN_REFERRAL_STATES",
    "REFERRAL_STATES",
    "Agreement",
    "Consent",
    "ConsentError",
    "Referral",
    "aware",
]

ConsentState = Literal["active", "expired", "withdrawn"]
REFERRAL_STATES: Final = ("offered", "accepted", "completed", "declined", "expired", "withdrawn")
#: States a referral can still leave; the rest are final.
OPEN_REFERRAL_STATES: Final = frozenset({"offered", "accepted"})
#: ``expired`` is never stored: an active agreement past its expiry shows as expired.
AGREEMENT_STATES: Final = ("proposed", "active", "expired", "retired")


class ConsentError(ConfideError, ValueError):
    """A consent, referral or agreement cannot be recorded as asked; the message says why."""


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time Confide stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Consent:
    """What a person agreed to: ``holder`` may share ``categories`` with ``recipient`` for
    ``purpose`` until ``expires_at``. ``subject`` is her pseudonym; ``text`` the words she was
    shown (``None`` once she is forgotten)."""

    id: str
    subject: str
    holder: str
    recipient: str
    purpose: str
    categories: tuple[str, ...]
    language: str
    text: str | None
    text_hash: str
    given_at: dt.datetime
    expires_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    recorded_by: str
    policy: str

    def state(self, now: dt.datetime | None = None) -> ConsentState:
        if self.withdrawn_at is not None:
            return "withdrawn"
        if (now or dt.datetime.now(dt.UTC)) >= self.expires_at:
            return "expired"
        return "active"

    def in_force(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == "active"

    def summary(self) -> dict[str, Any]:
        """Everything but the text: for staff lists and the API."""
        return {
            "id": self.id,
            "holder": self.holder,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "categories": list(self.categories),
            "language": self.language,
            "state": self.state(),
            "given_at": self.given_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "withdrawn_by": self.withdrawn_by,
        }


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    subject: str
    holder: str
    recipient: str
    purpose: str
    categories: tuple[str, ...]
    consent_id: str
    state: str
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    created_by: str

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "holder": self.holder,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "categories": list(self.categories),
            "consent": self.consent_id,
            "state": self.state,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Agreement:
    """A data-sharing agreement made at run time: ``source`` shares ``categories`` with
    ``recipient`` for ``purposes`` (``condition`` ``consent``: only with the person's)."""

    id: str
    description: str
    source: str
    recipient: str
    purposes: tuple[str, ...]
    categories: tuple[str, ...]
    roles: tuple[str, ...] | None
    condition: str | None
    owner: str
    expires: dt.date
    review: dt.date
    state: str
    proposed_by: str
    proposed_at: dt.datetime
    activated_by: str | None = None
    activated_at: dt.datetime | None = None
    retired_by: str | None = None
    retired_at: dt.datetime | None = None

    def lapsed(self, today: dt.date | None = None) -> bool:
        return (today or dt.datetime.now(dt.UTC).date()) > self.expires

    def review_due(self, today: dt.date | None = None) -> bool:
        return (today or dt.datetime.now(dt.UTC).date()) >= self.review

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "from": self.source,
            "to": self.recipient,
            "purposes": list(self.purposes),
            "categories": list(self.categories),
            "roles": list(self.roles) if self.roles is not None else None,
            "when": self.condition,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "review": self.review.isoformat(),
            "state": "expired" if self.state == "active" and self.lapsed() else self.state,
            "review_due": self.state == "active" and self.review_due(),
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at.isoformat(),
            "activated_at": self.activated_at.isoformat() if self.activated_at else None,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }
