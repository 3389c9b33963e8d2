"""The staff pages for referrals: offer one under a consent, list them, take a step
(accept, decline, complete, withdraw), and read what an accepted one lists."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request, Response

from confide.consent.consents import ConsentBook
from confide.consent.model import Referral
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import MAX_DAYS as MAX_REFERRAL_DAYS
from confide.consent.referrals import TRANSITIONS, Referrals
from confide.errors import ConfideError, NotFound, NotPermitted
from confide.web.pages import actor
from confide.web.render import SignedIn, confide_of, redirect, render, require_csrf, signed_in
from confide.web.staff_consent._common import (
    MAX_ID_CHARS,
    REFERRAL_STATES,
    Names,
    ShortText,
    context,
    days_from,
    missing_page,
    refused_page,
)

router = APIRouter(include_in_schema=False)

#: The buttons for each referral step, in the order they are offered.
REFERRAL_ACTIONS: Final = {
    "accepted": "Accept",
    "declined": "Decline",
    "completed": "Mark completed",
    "withdrawn": "Withdraw the referral",
}


def _referrals_page(request: Request, who: SignedIn, *, status: int = 200, **more: Any) -> Response:
    confide = confide_of(request)
    org = who.member.org
    everything = Referrals(confide).for_org(org)
    return render(
        request,
        "staff_consent/referrals.html",
        status,
        incoming=[r for r in everything if r.recipient == org],
        outgoing=[r for r in everything if r.holder == org],
        offerable=[
            c for c in ConsentBook(confide).for_org(org) if c.holder == org and c.in_force()
        ],
        form=more.pop("form", {"days": str(REFERRAL_DAYS)}),
        max_days=MAX_REFERRAL_DAYS,
        **context(request, who, **more),
    )


@router.get("/staff/referrals")
def referrals(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _referrals_page(request, who)


@router.post("/staff/referrals")
def offer_referral(
    request: Request,
    *,
    csrf: ShortText = "",
    consent: ShortText = "",
    categories: Names = None,
    days: ShortText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    confide = confide_of(request)
    form = {"consent": consent, "days": days}
    lasting = days_from(days, REFERRAL_DAYS, MAX_REFERRAL_DAYS)
    if lasting is None:
        return _referrals_page(
            request,
            who,
            status=422,
            form=form,
            error=f"A referral lasts 1 to {MAX_REFERRAL_DAYS} days; give a whole number.",
        )
    try:
        agreed = ConsentBook(confide).get(consent[:MAX_ID_CHARS], org=who.member.org)
        offered = Referrals(confide).offer(
            holder=who.member.org,
            recipient=agreed.recipient,
            consent=agreed.id,
            categories=list(categories) if categories else None,
            days=lasting,
            created_by=actor(who.member),
        )
    except NotFound:
        return _referrals_page(
            request,
            who,
            status=404,
            form=form,
            error="Choose a consent your service holds: no consent with this id is.",
        )
    except ConfideError as exc:
        return _referrals_page(request, who, status=422, form=form, error=str(exc))
    return redirect(f"/staff/referrals/{offered.id}?offered=1")


def _actions(referral: Referral, org: str) -> list[tuple[str, str]]:
    """The steps ``org`` may take on ``referral`` now, as (state, button label)."""
    return [
        (state, label)
        for state, label in REFERRAL_ACTIONS.items()
        if referral.state in TRANSITIONS[state][0]
        and getattr(referral, TRANSITIONS[state][1]) == org
    ]


def _referral_page(
    request: Request, who: SignedIn, referral_id: str, *, status: int = 200, **more: Any
) -> Response:
    try:
        referral = Referrals(confide_of(request)).get(
            referral_id[:MAX_ID_CHARS], org=who.member.org
        )
    except NotFound:
        return missing_page(request, who, "referral")
    return render(
        request,
        "staff_consent/referral.html",
        status,
        referral=referral,
        incoming=referral.recipient == who.member.org,
        actions=_actions(referral, who.member.org),
        **context(request, who, **more),
    )


@router.get("/staff/referrals/{referral_id}")
def referral(request: Request, referral_id: str, offered: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _referral_page(request, who, referral_id, offered=offered == "1")


@router.post("/staff/referrals/{referral_id}/state")
def move_referral(
    request: Request, referral_id: str, csrf: ShortText = "", state: ShortText = ""
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    if state not in REFERRAL_ACTIONS:
        return _referral_page(request, who, referral_id, status=422, error="Choose an action.")
    try:
        moved = Referrals(confide_of(request)).move(
            referral_id[:MAX_ID_CHARS], state, org=who.member.org
        )
    except NotFound:
        return missing_page(request, who, "referral")
    except NotPermitted as exc:
        return refused_page(request, who, exc)
    except ConfideError as exc:
        return _referral_page(request, who, referral_id, status=422, error=str(exc))
    return _referral_page(
        request, who, moved.id, notice=f"Referral {REFERRAL_STATES[moved.state].lower()}."
    )


@router.post("/staff/referrals/{referral_id}/read")
def read_referral(request: Request, referral_id: str, csrf: ShortText = "") -> Response:
    """The receiving service reads the listed fields: one logged decision per record."""
    who = require_csrf(signed_in(request), csrf)
    desk = Referrals(confide_of(request))
    try:
        found = desk.get(referral_id[:MAX_ID_CHARS], org=who.member.org)
        disclosures = desk.read(found.id, org=who.member.org, role=who.member.work_role)
    except NotFound:
        return missing_page(request, who, "referral")
    except NotPermitted as exc:
        return refused_page(request, who, exc)
    except ConfideError as exc:
        return _referral_page(request, who, referral_id, status=422, error=str(exc))
    # Only records that release a listed field are shown, and refusals as their reasons:
    # the page does not tell how many records the sending service holds on her, nor the
    # ids of records outside the referral (her status note, say). Each read is logged.
    reasons: list[str] = []
    for d in disclosures:
        if not d.permitted:
            reasons.extend(r for r in d.decision.reasons if r not in reasons)
    refused_all = bool(disclosures) and not any(d.permitted for d in disclosures)
    return render(
        request,
        "staff_consent/referral_read.html",
        403 if refused_all else 200,
        referral=found,
        released=[d for d in disclosures if d.permitted and d.values],
        reasons=reasons,
        **context(request, who),
    )
