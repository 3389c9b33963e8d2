"""The staff pages for consents: record one, list them, find a person's, show one, give
her receipt, withdraw on her behalf."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from confide.consent.consents import DEFAULT_DAYS as CONSENT_DAYS
from confide.consent.consents import MAX_DAYS as MAX_CONSENT_DAYS
from confide.consent.consents import ConsentBook, receipt
from confide.consent.model import Consent
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import MAX_DAYS as MAX_REFERRAL_DAYS
from confide.consent.referrals import Referrals
from confide.errors import ConfideError, NotFound
from confide.i18n import LANGUAGES
from confide.policy.model import Policy
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
from confide.vault.model import MAX_SUBJECT_CHARS
from confide.web.pages import actor
from confide.web.render import SignedIn, confide_of, redirect, render, require_csrf, signed_in
from confide.web.staff_consent._common import (
    MAX_ID_CHARS,
    Names,
    ShortText,
    context,
    days_from,
    missing_page,
)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Route:
    """What the policy lets ``holder`` share with ``recipient`` under a person's consent."""

    recipient: str
    purposes: tuple[str, ...]
    categories: tuple[str, ...]


def consent_routes(policy: Policy, holder: str) -> list[Route]:
    """The services ``holder`` may share with once the person consents (``when: consent``
    grants naming ``holder``), never enforcement, never from a closed service. The library
    checks the exact terms again when a consent is recorded."""
    orgs = policy.organisations
    if holder not in orgs or orgs[holder].closed:
        return []
    found: dict[str, tuple[set[str], set[str]]] = {}
    for g in policy.grants:
        if g.effect != "permit" or g.when != "consent" or g.holders is None:
            continue
        if holder not in g.holders:
            continue
        for recipient in g.requesters:
            known = orgs.get(recipient)
            if recipient == holder or known is None or known.sector == ENFORCEMENT_SECTOR:
                continue
            purposes, categories = found.setdefault(recipient, (set(), set()))
            purposes.update(p for p in g.purposes if not is_immigration(p))
            categories.update(g.categories)
    return [
        Route(r, tuple(sorted(p)), tuple(sorted(c)))
        for r, (p, c) in sorted(found.items())
        if p and c
    ]


def _consents_page(request: Request, who: SignedIn, *, status: int = 200, **more: Any) -> Response:
    confide = confide_of(request)
    org = who.member.org
    shown: list[Consent] | None = more.pop("consents", None)
    if shown is None:
        shown = ConsentBook(confide).for_org(org)
    routes = consent_routes(confide.policy.policy, org)
    return render(
        request,
        "staff_consent/consents.html",
        status,
        consents=shown,
        routes=routes,
        offered_purposes=sorted({p for r in routes for p in r.purposes}),
        offered_categories=sorted({c for r in routes for c in r.categories}),
        form=more.pop("form", {"language": "en", "days": str(CONSENT_DAYS)}),
        max_days=MAX_CONSENT_DAYS,
        **context(request, who, **more),
    )


@router.get("/staff/consents")
def consents(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _consents_page(request, who)


@router.post("/staff/consents")
def record_consent(
    request: Request,
    *,
    csrf: ShortText = "",
    subject: ShortText = "",
    recipient: ShortText = "",
    purpose: ShortText = "",
    categories: Names = None,
    language: ShortText = "",
    days: ShortText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    chosen = list(categories or [])
    form = {
        "subject": subject,
        "recipient": recipient,
        "purpose": purpose,
        "language": language,
        "days": days,
    }

    def problem(message: str) -> Response:
        return _consents_page(request, who, status=422, error=message, form=form, chosen=chosen)

    lasting = days_from(days, CONSENT_DAYS, MAX_CONSENT_DAYS)
    if not subject.strip():
        return problem("Give the person's reference at your service.")
    if lasting is None:
        return problem(f"A consent lasts 1 to {MAX_CONSENT_DAYS} days; give a whole number.")
    try:
        given = ConsentBook(confide_of(request)).give(
            holder=who.member.org,
            recipient=recipient,
            purpose=purpose,
            categories=chosen,
            language=language,
            recorded_by=actor(who.member),
            subject=subject.strip(),
            days=lasting,
        )
    except ConfideError as exc:  # ConsentError, or the vault refusing the reference
        return problem(str(exc))
    # Post/redirect/get: a reload shows the consent instead of recording it twice.
    return redirect(f"/staff/consents/{given.id}?recorded=1")


@router.post("/staff/consents/person")
def person_consents(request: Request, csrf: ShortText = "", subject: ShortText = "") -> Response:
    """One person's consents, found by her reference (sent in the body, never in a URL)."""
    who = require_csrf(signed_in(request), csrf)
    confide = confide_of(request)
    reference = subject.strip()
    if not reference or len(reference) > MAX_SUBJECT_CHARS:
        return _consents_page(
            request,
            who,
            status=422,
            error=f"Give the person's reference at your service (1 to {MAX_SUBJECT_CHARS} "
            "characters).",
        )
    pseudonym = confide.vault.keyring.pseudonym(reference)
    mine = [c for c in ConsentBook(confide).for_org(who.member.org) if c.subject == pseudonym]
    return _consents_page(request, who, consents=mine, person=reference, person_found=len(mine))


def _consent_page(
    request: Request, who: SignedIn, consent_id: str, *, status: int = 200, **more: Any
) -> Response:
    confide = confide_of(request)
    try:
        consent = ConsentBook(confide).get(consent_id[:MAX_ID_CHARS], org=who.member.org)
    except NotFound:
        return missing_page(request, who, "consent")
    held = consent.holder == who.member.org
    referrals = [
        r for r in Referrals(confide).for_org(who.member.org) if r.consent_id == consent.id
    ]
    return render(
        request,
        "staff_consent/consent.html",
        status,
        consent=consent,
        state=consent.state(),
        text_language=LANGUAGES.get(consent.language, LANGUAGES["en"]),
        can_refer=held and consent.in_force(),
        referrals=referrals,
        referral_days=REFERRAL_DAYS,
        max_referral_days=MAX_REFERRAL_DAYS,
        **context(request, who, **more),
    )


@router.get("/staff/consents/{consent_id}")
def consent(request: Request, consent_id: str, recorded: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _consent_page(request, who, consent_id, recorded=recorded == "1")


@router.get("/staff/consents/{consent_id}/receipt.json")
def consent_receipt(request: Request, consent_id: str) -> Response:
    """The person's consent receipt (``confide-consent-receipt/1``), to give her or file."""
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    confide = confide_of(request)
    try:
        consent = ConsentBook(confide).get(consent_id[:MAX_ID_CHARS], org=who.member.org)
    except NotFound:
        return missing_page(request, who, "consent")
    body = json.dumps(receipt(consent, confide.policy), ensure_ascii=False, indent=2)
    return Response(
        body + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="consent-receipt-{consent.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/staff/consents/{consent_id}/withdraw")
def withdraw_consent(request: Request, consent_id: str, csrf: ShortText = "") -> Response:
    """Withdraw on the person's behalf (she asked the service); its referrals end too."""
    who = require_csrf(signed_in(request), csrf)
    try:
        ConsentBook(confide_of(request)).withdraw(
            consent_id[:MAX_ID_CHARS], by="staff", org=who.member.org
        )
    except NotFound:
        return missing_page(request, who, "consent")
    except ConfideError as exc:
        return _consent_page(request, who, consent_id, status=422, error=str(exc))
    return _consent_page(
        request,
        who,
        consent_id,
        notice="Consent withdrawn on her behalf. Nothing more is shared under it, and the "
        "referrals resting on it are withdrawn.",
    )
