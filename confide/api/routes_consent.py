"""/v1/consents, /v1/me/consents and /v1/referrals: consent and hand-overs between services.

Every change goes through :mod:`confide.consent` (``ConsentBook``, ``Referrals``), which
checks it against the policy and logs it (I8); these routes add no way around it.

Who may do what:

* a consent is recorded by the service that holds the data (the token's organisation),
  on the person's behalf; either party to it (holder or recipient) sees it and may
  withdraw it for her. The person sees, downloads and withdraws her own consents with her
  access code (``Authorization: SubjectCode …``); each look is a logged ``subject.access``
  or ``subject.portability`` decision, like on her consent pages (I7, I8);
* a referral is offered by the sending service (the consent's holder); the receiving
  service accepts, declines, completes and reads under it; the sending service withdraws.

A consent or referral the token's organisation is not party to answers 404, the same as an
id that does not exist (I6). A refusal of the library (:class:`ConsentError`) is a 422 whose
``detail`` says why; a read under a referral that is no longer live is a list of logged
denies, never an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from confide.api.auth import ApiToken, SubjectPseudonym, get_confide, scope_problem
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.routes_records import _refuse, _role
from confide.api.schemas import problem_responses
from confide.api.schemas_consent import (
    ID_PATTERN,
    ConsentCreate,
    ConsentList,
    ConsentOut,
    ConsentReceipt,
    ConsentsOfMine,
    ConsentState,
    ConsentSummary,
    ReferralCreate,
    ReferralList,
    ReferralOut,
    ReferralRead,
    ReferralReads,
    ReferralState,
)
from confide.consent.consents import ConsentBook, log_person_view, receipt
from confide.consent.model import Consent, ConsentError, Referral
from confide.consent.referrals import Referrals
from confide.policy import DecisionRequest
from confide.runtime import Confide
from confide.vault import VaultInputError

router = APIRouter(prefix="/v1", route_class=GuardedRoute)

_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)
ConsentId = Annotated[str, Path(pattern=ID_PATTERN)]
ReferralId = Annotated[str, Path(pattern=ID_PATTERN)]


@contextlib.contextmanager
def _unacceptable(kind: str, title: str) -> Iterator[None]:
    """The library's refusals (unknown names, I1, I2, a closed service, a state that
    cannot change) as a 422 naming the reason."""
    try:
        yield
    except (ConsentError, VaultInputError) as exc:
        raise Problem(422, kind, title, str(exc)) from None


def _summary(consent: Consent) -> ConsentSummary:
    return ConsentSummary.model_validate(consent.summary())


def _consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut.model_validate(
        {**consent.summary(), "text": consent.text, "text_sha256": consent.text_hash}
    )


def _receipt(confide: Confide, consent: Consent) -> ConsentReceipt:
    return ConsentReceipt.model_validate(receipt(consent, confide.vault.policy))


# -- consents (token) -----------------------------------------------------------------------


@router.post(
    "/consents",
    response_model=ConsentOut,
    status_code=201,
    tags=["consent"],
    summary="Record a person's consent (the caller is the holder)",
    responses=_PROBLEMS,
)
def give_consent(body: ConsentCreate, token: ApiToken, request: Request) -> ConsentOut:
    """The token's organisation records that the person agreed it may share ``categories``
    with ``recipient`` for ``purpose``. Refused (422 ``consent-invalid``) when the policy
    does not allow that flow with consent, for immigration enforcement or an immigration
    purpose (I1), protected data to anyone but legal aid (I2), or from a closed service."""
    confide = get_confide(request)
    with _unacceptable("consent-invalid", "The consent cannot be recorded"):
        given = ConsentBook(confide).give(
            holder=token.org,
            recipient=body.recipient,
            purpose=body.purpose,
            categories=body.categories,
            language=body.language,
            recorded_by=token.actor,
            subject=body.subject,
            text=body.text,
            days=body.days,
        )
    return _consent_out(given)


@router.get(
    "/consents",
    response_model=ConsentList,
    tags=["consent"],
    summary="The consents the caller's organisation holds or receives data under",
    responses=_PROBLEMS,
)
def list_consents(
    token: ApiToken, request: Request, state: Annotated[ConsentState | None, Query()] = None
) -> ConsentList:
    found = ConsentBook(get_confide(request)).for_org(token.org)
    return ConsentList(consents=[_summary(c) for c in found if state is None or c.state() == state])


@router.get(
    "/consents/{consent_id}",
    response_model=ConsentOut,
    tags=["consent"],
    summary="One consent and the words the person was shown (a party to it)",
    responses=_PROBLEMS,
)
def get_consent(consent_id: ConsentId, token: ApiToken, request: Request) -> ConsentOut:
    return _consent_out(ConsentBook(get_confide(request)).get(consent_id, org=token.org))


@router.get(
    "/consents/{consent_id}/receipt",
    response_model=ConsentReceipt,
    tags=["consent"],
    summary="The person's consent receipt (confide-consent-receipt/1)",
    responses=_PROBLEMS,
)
def consent_receipt(consent_id: ConsentId, token: ApiToken, request: Request) -> ConsentReceipt:
    confide = get_confide(request)
    return _receipt(confide, ConsentBook(confide).get(consent_id, org=token.org))


@router.post(
    "/consents/{consent_id}/withdraw",
    response_model=ConsentOut,
    tags=["consent"],
    summary="Withdraw a consent on the person's behalf (a party to it)",
    responses=_PROBLEMS,
)
def withdraw_consent(consent_id: ConsentId, token: ApiToken, request: Request) -> ConsentOut:
    """From the commit on, every read under it is denied and logged (scenario 13), and the
    open referrals resting on it are withdrawn. Withdrawing twice changes nothing."""
    book = ConsentBook(get_confide(request))
    return _consent_out(book.withdraw(consent_id, by="staff", org=token.org))


# -- the person's own consents (access code) ------------------------------------------------


@router.get(
    "/me/consents",
    response_model=ConsentsOfMine,
    tags=["subjects"],
    summary="Every consent I gave, with the words I was shown (access code)",
    responses=_PROBLEMS,
)
def my_consents(pseudonym: SubjectPseudonym, request: Request) -> ConsentsOfMine:
    confide = get_confide(request)
    found = ConsentBook(confide).for_subject(pseudonym)
    log_person_view(confide, pseudonym, found, "subject.access")
    return ConsentsOfMine(consents=[_consent_out(c) for c in found])


@router.get(
    "/me/consents/{consent_id}/receipt",
    response_model=ConsentReceipt,
    tags=["subjects"],
    summary="My consent receipt (access code)",
    responses=_PROBLEMS,
)
def my_consent_receipt(
    consent_id: ConsentId, pseudonym: SubjectPseudonym, request: Request
) -> ConsentReceipt:
    confide = get_confide(request)
    found = ConsentBook(confide).get(consent_id, subject=pseudonym)
    log_person_view(confide, pseudonym, [found], "subject.portability")
    return _receipt(confide, found)


@router.post(
    "/me/consents/{consent_id}/withdraw",
    response_model=ConsentOut,
    tags=["subjects"],
    summary="Withdraw my consent (access code)",
    responses=_PROBLEMS,
)
def withdraw_my_consent(
    consent_id: ConsentId, pseudonym: SubjectPseudonym, request: Request
) -> ConsentOut:
    """Nothing more is shared under it from now on (scenario 13)."""
    book = ConsentBook(get_confide(request))
    return _consent_out(book.withdraw(consent_id, by="person", subject=pseudonym))


# -- referrals (token) ----------------------------------------------------------------------


def _referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut.model_validate(referral.summary())


def _move(request: Request, token: ApiToken, referral_id: str, state: str) -> ReferralOut:
    """One step; only the party the step belongs to may take it (403 for the other)."""
    with _unacceptable("referral-invalid", "The referral cannot change this way"):
        moved = Referrals(get_confide(request)).move(referral_id, state, org=token.org)
    return _referral_out(moved)


@router.post(
    "/referrals",
    response_model=ReferralOut,
    status_code=201,
    tags=["referrals"],
    summary="Offer a person to another service under her consent (the caller sends)",
    responses=_PROBLEMS,
)
def offer_referral(body: ReferralCreate, token: ApiToken, request: Request) -> ReferralOut:
    """The consent must be held by the caller and in force; the referral carries at most
    what it covers and ends no later than it."""
    confide = get_confide(request)
    with _unacceptable("referral-invalid", "The referral cannot be offered"):
        recipient = body.recipient
        if recipient is None:
            recipient = ConsentBook(confide).get(body.consent, org=token.org).recipient
        offered = Referrals(confide).offer(
            holder=token.org,
            recipient=recipient,
            consent=body.consent,
            categories=body.categories,
            purpose=body.purpose,
            days=body.days,
            created_by=token.actor,
        )
    return _referral_out(offered)


@router.get(
    "/referrals",
    response_model=ReferralList,
    tags=["referrals"],
    summary="The referrals the caller's organisation sent or received",
    responses=_PROBLEMS,
)
def list_referrals(
    token: ApiToken, request: Request, state: Annotated[ReferralState | None, Query()] = None
) -> ReferralList:
    found = Referrals(get_confide(request)).for_org(token.org, state=state)
    return ReferralList(referrals=[_referral_out(r) for r in found])


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    tags=["referrals"],
    summary="One referral (a party to it)",
    responses=_PROBLEMS,
)
def get_referral(referral_id: ReferralId, token: ApiToken, request: Request) -> ReferralOut:
    return _referral_out(Referrals(get_confide(request)).get(referral_id, org=token.org))


@router.post(
    "/referrals/{referral_id}/accept",
    response_model=ReferralOut,
    tags=["referrals"],
    summary="Accept an offered referral (the receiving service)",
    responses=_PROBLEMS,
)
def accept_referral(referral_id: ReferralId, token: ApiToken, request: Request) -> ReferralOut:
    return _move(request, token, referral_id, "accepted")


@router.post(
    "/referrals/{referral_id}/decline",
    response_model=ReferralOut,
    tags=["referrals"],
    summary="Decline an offered referral (the receiving service)",
    responses=_PROBLEMS,
)
def decline_referral(referral_id: ReferralId, token: ApiToken, request: Request) -> ReferralOut:
    return _move(request, token, referral_id, "declined")


@router.post(
    "/referrals/{referral_id}/complete",
    response_model=ReferralOut,
    tags=["referrals"],
    summary="Mark an accepted referral completed (the receiving service)",
    responses=_PROBLEMS,
)
def complete_referral(referral_id: ReferralId, token: ApiToken, request: Request) -> ReferralOut:
    return _move(request, token, referral_id, "completed")


@router.post(
    "/referrals/{referral_id}/withdraw",
    response_model=ReferralOut,
    tags=["referrals"],
    summary="Take back an open referral (the sending service)",
    responses=_PROBLEMS,
)
def withdraw_referral(referral_id: ReferralId, token: ApiToken, request: Request) -> ReferralOut:
    return _move(request, token, referral_id, "withdrawn")


@router.get(
    "/referrals/{referral_id}/records",
    response_model=ReferralReads,
    tags=["referrals"],
    summary="Read the person's records under a referral (the receiving service)",
    responses=_PROBLEMS,
)
def read_under_referral(
    referral_id: ReferralId,
    token: ApiToken,
    request: Request,
    role: Annotated[str | None, Query(max_length=128)] = None,
) -> ReferralReads:
    """One logged decision per record the sending service holds about her, releasing only
    the listed fields, and only while the referral is accepted, unexpired and its consent in
    force. Otherwise each read is a deny with its reasons (scenario 13), never an error.
    The token must cover the referral's purpose and the role it reads in."""
    confide = get_confide(request)
    desk = Referrals(confide)
    found = desk.get(referral_id, org=token.org)
    if found.recipient != token.org:
        raise Problem(
            403,
            "not-permitted",
            "Not permitted",
            "only the receiving service reads under a referral",
        )
    acting = _role(confide, token, role)
    reason = scope_problem(token, org=token.org, role=acting, purpose=found.purpose)
    if reason is not None:
        asked = DecisionRequest(
            token.org, acting, "read", found.purpose, found.holder, found.categories
        )
        raise _refuse(confide, asked, reason, subject=found.subject)
    with _unacceptable("record-invalid", "The read cannot be done"):
        disclosures = desk.read(found.id, org=token.org, role=acting)
    reads: list[dict[str, Any]] = [d.to_json() for d in disclosures]
    return ReferralReads(referral=found.id, reads=[ReferralRead.model_validate(r) for r in reads])
