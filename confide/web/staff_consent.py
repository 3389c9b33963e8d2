"""The staff pages for consent, referrals and run-time data-sharing agreements.

Every action is a call to :mod:`confide.consent` (``ConsentBook``, ``Referrals``,
``Agreements``), so every consent, referral step, read and agreement change is checked
there and logged in the transparency log (I8); these pages add no way around it. Reads under
a referral go through the vault, one logged decision per record.

Who may do what: any signed-in member records, withdraws and refers for her own service;
only an ``admin`` acts on agreements, and only on agreements her organisation is party to.
An agreement is activated by an admin of the service the data comes *from*: the service
that holds the data decides whether it leaves. Anything the member's organisation is not
party to answers 404, the same as an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response

from confide.consent.agreements import Agreements
from confide.consent.consents import DEFAULT_DAYS as CONSENT_DAYS
from confide.consent.consents import MAX_DAYS as MAX_CONSENT_DAYS
from confide.consent.consents import ConsentBook, receipt
from confide.consent.model import Agreement, Consent, Referral
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import MAX_DAYS as MAX_REFERRAL_DAYS
from confide.consent.referrals import TRANSITIONS, Referrals
from confide.errors import ConfideError, InvariantViolation, NotFound, NotPermitted
from confide.i18n import LANGUAGES
from confide.policy.model import Policy
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
from confide.vault.model import MAX_SUBJECT_CHARS
from confide.web.pages import _base, actor
from confide.web.render import SignedIn, confide_of, redirect, render, require_csrf, signed_in

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=256)]
LongText = Annotated[str, Form(max_length=4096)]
#: Checkbox lists (category or purpose names); the taxonomy has fewer than 64 of each.
Names = Annotated[list[str] | None, Form(max_length=128)]
#: Ids are UUIDs (consents, referrals) or policy identifiers of at most 63 characters
#: (agreements). A longer id from a URL is cut to this before the lookup, so it is simply
#: not found, and the database never sees a long string.
MAX_ID_CHARS: Final = 64
#: The person's own purposes (subject.access …): never a purpose between two services.
SUBJECT_AREA: Final = "subject"

CONSENT_STATES: Final = {"active": "In force", "expired": "Expired", "withdrawn": "Withdrawn"}
REFERRAL_STATES: Final = {
    "offered": "Offered",
    "accepted": "Accepted",
    "completed": "Completed",
    "declined": "Declined",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
}
AGREEMENT_STATES: Final = {
    "proposed": "Proposed",
    "active": "Active",
    "expired": "Expired",
    "retired": "Retired",
}
#: The buttons for each referral step, in the order they are offered.
REFERRAL_ACTIONS: Final = {
    "accepted": "Accept",
    "declined": "Decline",
    "completed": "Mark completed",
    "withdrawn": "Withdraw the referral",
}
MISSING: Final = {
    "consent": "No consent with this id is visible to your service.",
    "referral": "No referral with this id is visible to your service.",
    "agreement": "No agreement with this id names your service.",
}


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


def _days(text: str, default: int, most: int) -> int | None:
    written = text.strip()
    if not written:
        return default
    if not written.isdigit() or not 1 <= int(written) <= most:
        return None
    return int(written)


def _context(request: Request, who: SignedIn, **more: Any) -> dict[str, Any]:
    confide = confide_of(request)
    policy = confide.policy.policy
    return {
        **_base(who, confide),
        "orgs": policy.organisations,
        "describe": {n: c.description for n, c in policy.taxonomy.categories.items()},
        "languages": LANGUAGES,
        "consent_states": CONSENT_STATES,
        "referral_states": REFERRAL_STATES,
        "agreement_states": AGREEMENT_STATES,
        **more,
    }


def _message(request: Request, who: SignedIn, status: int, title: str, message: str) -> Response:
    return render(
        request, "message.html", status, title=title, message=message, **_context(request, who)
    )


def _missing(request: Request, who: SignedIn, what: str) -> Response:
    # The same page whether the id does not exist or belongs to another service (I6).
    return _message(request, who, 404, "Not found", MISSING[what])


def _refused(request: Request, who: SignedIn, exc: ConfideError) -> Response:
    return _message(request, who, 403, "Not permitted", str(exc))


# -- consents -------------------------------------------------------------------------------


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
        **_context(request, who, **more),
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

    lasting = _days(days, CONSENT_DAYS, MAX_CONSENT_DAYS)
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
        return _missing(request, who, "consent")
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
        **_context(request, who, **more),
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
        return _missing(request, who, "consent")
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
        return _missing(request, who, "consent")
    except ConfideError as exc:
        return _consent_page(request, who, consent_id, status=422, error=str(exc))
    return _consent_page(
        request,
        who,
        consent_id,
        notice="Consent withdrawn on her behalf. Nothing more is shared under it, and the "
        "referrals resting on it are withdrawn.",
    )


# -- referrals ------------------------------------------------------------------------------


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
        **_context(request, who, **more),
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
    lasting = _days(days, REFERRAL_DAYS, MAX_REFERRAL_DAYS)
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
        return _missing(request, who, "referral")
    return render(
        request,
        "staff_consent/referral.html",
        status,
        referral=referral,
        incoming=referral.recipient == who.member.org,
        actions=_actions(referral, who.member.org),
        **_context(request, who, **more),
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
        return _missing(request, who, "referral")
    except NotPermitted as exc:
        return _refused(request, who, exc)
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
        return _missing(request, who, "referral")
    except NotPermitted as exc:
        return _refused(request, who, exc)
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
        **_context(request, who),
    )


# -- agreements -----------------------------------------------------------------------------


def _agreement_choices(policy: Policy) -> dict[str, list[str]]:
    tax = policy.taxonomy
    return {
        # Immigration purposes are never permitted (I1); subject purposes are the person's own.
        "purposes": sorted(
            p for p in tax.purposes if not is_immigration(p) and p.partition(".")[0] != SUBJECT_AREA
        ),
        "categories": sorted(tax.categories),
    }


def _agreements_page(
    request: Request, who: SignedIn, *, status: int = 200, **more: Any
) -> Response:
    confide = confide_of(request)
    today = dt.datetime.now(dt.UTC).date()
    return render(
        request,
        "staff_consent/agreements.html",
        status,
        agreements=[a.summary() for a in Agreements(confide).list(org=who.member.org)],
        choices=_agreement_choices(confide.policy.policy),
        form=more.pop(
            "form",
            {
                "from": who.member.org,
                "expires": today.replace(year=today.year + 1).isoformat(),
                "review": (today + dt.timedelta(days=182)).isoformat(),
            },
        ),
        **_context(request, who, **more),
    )


@router.get("/staff/agreements")
def agreements(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _agreements_page(request, who)


def _admins_only(request: Request, who: SignedIn) -> Response | None:
    if who.member.role == "admin":
        return None
    return _message(
        request,
        who,
        403,
        "Only an administrator",
        "Agreements are proposed, activated and retired by an administrator of a service "
        "party to them. Nothing was changed.",
    )


@router.post("/staff/agreements")
def propose_agreement(
    request: Request,
    *,
    csrf: ShortText = "",
    agreement_id: ShortText = "",
    description: LongText = "",
    source: ShortText = "",
    recipient: ShortText = "",
    purposes: Names = None,
    categories: Names = None,
    consent: ShortText = "",
    owner: ShortText = "",
    expires: ShortText = "",
    review: ShortText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    if (refused := _admins_only(request, who)) is not None:
        return refused
    form = {
        "id": agreement_id,
        "description": description,
        "from": source,
        "to": recipient,
        "consent": consent,
        "owner": owner,
        "expires": expires,
        "review": review,
    }
    chosen = {"purposes": list(purposes or []), "categories": list(categories or [])}

    def problem(message: str) -> Response:
        return _agreements_page(request, who, status=422, error=message, form=form, chosen=chosen)

    if who.member.org not in (source, recipient):
        return problem("Your service must be one of the two parties (from or to).")
    if not chosen["purposes"] or not chosen["categories"]:
        return problem("Choose at least one purpose and at least one data category.")
    spec: dict[str, Any] = {
        "id": agreement_id.strip(),
        "from": source,
        "to": recipient,
        "purposes": chosen["purposes"],
        "categories": chosen["categories"],
    }
    if description.strip():
        spec["description"] = description.strip()
    if consent == "yes":
        spec["when"] = "consent"
    # Absent rather than empty: the library then says what an agreement needs.
    for name, value in (("owner", owner), ("expires", expires), ("review", review)):
        if value.strip():
            spec[name] = value.strip()
    try:
        proposed = Agreements(confide_of(request)).propose(spec, proposed_by=actor(who.member))
    except ConfideError as exc:
        return problem(str(exc))
    return redirect(f"/staff/agreements/{quote(proposed.id, safe='')}?proposed=1")


def _party_agreement(request: Request, who: SignedIn, agreement_id: str) -> Agreement | None:
    try:
        found = Agreements(confide_of(request)).get(agreement_id[:MAX_ID_CHARS])
    except NotFound:
        return None
    return found if who.member.org in (found.source, found.recipient) else None


def _agreement_page(
    request: Request,
    who: SignedIn,
    agreement: Agreement,
    *,
    status: int = 200,
    **more: Any,
) -> Response:
    admin = who.member.role == "admin"
    summary = agreement.summary()
    return render(
        request,
        "staff_consent/agreement.html",
        status,
        agreement=summary,
        can_check=admin and agreement.state == "proposed",
        can_activate=admin and agreement.state == "proposed" and who.member.org == agreement.source,
        can_retire=admin and agreement.state != "retired",
        admin=admin,
        **_context(request, who, **more),
    )


@router.get("/staff/agreements/{agreement_id}")
def agreement(request: Request, agreement_id: str, proposed: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    found = _party_agreement(request, who, agreement_id)
    if found is None:
        return _missing(request, who, "agreement")
    return _agreement_page(request, who, found, proposed=proposed == "1")


@router.post("/staff/agreements/{agreement_id}/{action}")
def act_on_agreement(
    request: Request, agreement_id: str, action: str, csrf: ShortText = ""
) -> Response:
    """``check``, ``activate`` or ``retire``: admins of a party only (403 for anyone else)."""
    who = require_csrf(signed_in(request), csrf)
    if (refused := _admins_only(request, who)) is not None:
        return refused
    found = _party_agreement(request, who, agreement_id)
    if found is None or action not in ("check", "activate", "retire"):
        return _missing(request, who, "agreement")
    registry = Agreements(confide_of(request))
    by = actor(who.member)
    try:
        if action == "check":
            problems = registry.check(found.id)
            return _agreement_page(request, who, found, checked=True, problems=problems)
        if action == "activate":
            if who.member.org != found.source:
                return _message(
                    request,
                    who,
                    403,
                    "Not permitted",
                    f"An administrator at {found.source}, the service the data comes from, "
                    "activates this agreement. Nothing was changed.",
                )
            done = registry.activate(found.id, by=by, org=who.member.org)
            notice = "Agreement activated: it permits from now on."
        else:
            done = registry.retire(found.id, by=by, org=who.member.org)
            notice = "Agreement retired: it permits nothing from now on."
    except InvariantViolation as exc:
        return _agreement_page(
            request, who, registry.get(found.id), status=409, refused=True, problems=exc.problems
        )
    except NotFound:
        return _missing(request, who, "agreement")
    except NotPermitted as exc:
        return _refused(request, who, exc)
    except ConfideError as exc:
        return _agreement_page(request, who, registry.get(found.id), status=422, error=str(exc))
    return _agreement_page(request, who, done, notice=notice)
