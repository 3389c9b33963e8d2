"""The staff pages for run-time data-sharing agreements: propose, list, show, and (admins
of a party only) check, activate and retire."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from confide.consent.agreements import Agreements
from confide.consent.model import Agreement
from confide.errors import ConfideError, InvariantViolation, NotFound, NotPermitted
from confide.policy.model import Policy
from confide.taxonomy.model import is_immigration
from confide.web.pages import actor
from confide.web.render import SignedIn, confide_of, redirect, render, require_csrf, signed_in
from confide.web.staff_consent._common import (
    MAX_ID_CHARS,
    LongText,
    Names,
    ShortText,
    context,
    message_page,
    missing_page,
    refused_page,
)

router = APIRouter(include_in_schema=False)

#: The person's own purposes (subject.access …): never a purpose between two services.
SUBJECT_AREA: Final = "subject"


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
        **context(request, who, **more),
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
    return message_page(
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
        **context(request, who, **more),
    )


@router.get("/staff/agreements/{agreement_id}")
def agreement(request: Request, agreement_id: str, proposed: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    found = _party_agreement(request, who, agreement_id)
    if found is None:
        return missing_page(request, who, "agreement")
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
        return missing_page(request, who, "agreement")
    registry = Agreements(confide_of(request))
    by = actor(who.member)
    try:
        if action == "check":
            problems = registry.check(found.id)
            return _agreement_page(request, who, found, checked=True, problems=problems)
        if action == "activate":
            if who.member.org != found.source:
                return message_page(
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
        return missing_page(request, who, "agreement")
    except NotPermitted as exc:
        return refused_page(request, who, exc)
    except ConfideError as exc:
        return _agreement_page(request, who, registry.get(found.id), status=422, error=str(exc))
    return _agreement_page(request, who, done, notice=notice)
