"""Request and response models of /v1/consents, /v1/me/consents, /v1/referrals and
/v1/agreements (``docs/api.md#consent-referrals-and-agreements``).

Requests refuse unknown keys. Names (organisations, purposes, categories, languages) are
only bounded here: whether they exist, and whether the flow may happen at all, is the
library's to say (:mod:`confide.consent`), with a 422 naming the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from confide.api.schemas import DecisionAnswer, Name, SubjectRef
from confide.consent.consents import DEFAULT_DAYS as CONSENT_DAYS
from confide.consent.consents import MAX_DAYS as MAX_CONSENT_DAYS
from confide.consent.consents import MAX_TEXT_CHARS, RECEIPT_FORMAT
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import MAX_DAYS as MAX_REFERRAL_DAYS

__all__ = [
    "AgreementCheck",
    "AgreementCreate",
    "AgreementList",
    "AgreementOut",
    "ConsentCreate",
    "ConsentList",
    "ConsentOut",
    "ConsentReceipt",
    "ConsentSummary",
    "ConsentsOfMine",
    "ReceiptParty",
    "ReferralCreate",
    "ReferralList",
    "ReferralOut",
    "ReferralRead",
    "ReferralReads",
]

#: Consents and referrals are named by UUIDs; nothing else is looked up.
ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
#: The policy file's identifier shape (agreement and organisation ids).
AGREEMENT_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"

ConsentRef = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Identifier = Annotated[str, StringConstraints(pattern=AGREEMENT_ID_PATTERN)]
DottedName = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,7}$", max_length=128)
]
Language = Annotated[str, StringConstraints(min_length=2, max_length=16)]
ConsentState = Literal["active", "expired", "withdrawn"]
ReferralState = Literal["offered", "accepted", "completed", "declined", "expired", "withdrawn"]
AgreementState = Literal["proposed", "active", "expired", "retired"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- consents -------------------------------------------------------------------------------


class ConsentCreate(_In):
    """The person's consent, recorded by the holder (the token's organisation)."""

    subject: SubjectRef = Field(description="The holder's opaque reference for the person.")
    recipient: Name = Field(description="The service that may receive the data.")
    purpose: Name = Field(description="One specific purpose, e.g. legal.advice.")
    categories: list[Name] = Field(
        min_length=1, max_length=256, description="Data categories (expanded to leaves)."
    )
    language: Language = Field(description="The language the consent text was shown in.")
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)] | None = Field(
        default=None, description="The words she was shown (default: Confide's sentence)."
    )
    days: int = Field(default=CONSENT_DAYS, ge=1, le=MAX_CONSENT_DAYS)


class ConsentSummary(BaseModel):
    id: str
    holder: str
    recipient: str
    purpose: str
    categories: list[str] = Field(description="Leaf data categories.")
    language: str
    state: ConsentState
    given_at: dt.datetime
    expires_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None = Field(description="`person` or `staff` once withdrawn.")


class ConsentOut(ConsentSummary):
    text: str | None = Field(description="The words she was shown; null once she is forgotten.")
    text_sha256: str


class ConsentList(BaseModel):
    consents: list[ConsentSummary]


class ConsentsOfMine(BaseModel):
    consents: list[ConsentOut]


class ReceiptParty(BaseModel):
    id: str
    name: str
    sector: str | None


class ConsentReceipt(BaseModel):
    """The person's machine-readable receipt, exactly as the library writes it."""

    model_config = ConfigDict(populate_by_name=True)

    format: Literal["confide-consent-receipt/1"] = Field(description=RECEIPT_FORMAT)
    consent: str
    state: ConsentState
    given_at: str = Field(description="ISO 8601.")
    expires_at: str = Field(description="ISO 8601.")
    withdrawn_at: str | None
    withdrawn_by: str | None
    from_: ReceiptParty = Field(alias="from")
    to: ReceiptParty
    purpose: str
    categories: list[str]
    sensitive: bool
    language: str
    text: str | None
    text_sha256: str
    policy: str
    withdraw_page: str = Field(description="Where she withdraws it, with her access code.")


# -- referrals ------------------------------------------------------------------------------


class ReferralCreate(_In):
    """Offer the person named by ``consent`` (held by the token's organisation)."""

    consent: ConsentRef
    recipient: Name | None = Field(default=None, description="Default: the consent's recipient.")
    purpose: Name | None = Field(default=None, description="Default: the consent's purpose.")
    categories: list[Name] | None = Field(
        default=None, min_length=1, max_length=256, description="Narrows the consent's."
    )
    days: int = Field(default=REFERRAL_DAYS, ge=1, le=MAX_REFERRAL_DAYS)


class ReferralOut(BaseModel):
    id: str
    holder: str = Field(description="The sending service.")
    recipient: str = Field(description="The receiving service.")
    purpose: str
    categories: list[str]
    consent: str
    state: ReferralState
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime


class ReferralList(BaseModel):
    referrals: list[ReferralOut]


class ReferralRead(DecisionAnswer):
    """One record's read under the referral: a logged decision; values only on a permit."""

    record: str | None = Field(default=None, description="Only on a permit (I6).")
    values: dict[str, str] = Field(default_factory=dict)


class ReferralReads(BaseModel):
    referral: str
    reads: list[ReferralRead]


# -- agreements -----------------------------------------------------------------------------


class AgreementCreate(_In):
    """The policy file's agreement shape; ``owner``, ``expires`` and ``review`` required."""

    id: Identifier
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    from_: Identifier = Field(alias="from", description="The service the data comes from.")
    to: Identifier
    purposes: list[DottedName] = Field(min_length=1, max_length=64)
    categories: list[DottedName] = Field(min_length=1, max_length=256)
    roles: list[DottedName] | None = Field(default=None, min_length=1, max_length=64)
    when: Literal["consent"] | None = Field(
        default=None, description="`consent`: only with the person's consent."
    )
    owner: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Who answers for it (a role address, not a person's name)."
    )
    expires: dt.date
    review: dt.date


class AgreementOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    description: str
    from_: str = Field(alias="from")
    to: str
    purposes: list[str]
    categories: list[str]
    roles: list[str] | None
    when: str | None
    owner: str
    expires: dt.date
    review: dt.date
    state: AgreementState
    review_due: bool
    proposed_by: str
    proposed_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None


class AgreementList(BaseModel):
    agreements: list[AgreementOut]


class AgreementCheck(BaseModel):
    agreement: str
    problems: list[str] = Field(
        description="What activating it would break, as `where: [invariant] message`; "
        "empty when it can be activated."
    )
