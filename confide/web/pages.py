"""The signed-in pages: the dashboard, reading a record, break-glass and the DPO's reviews.

Every read goes through :meth:`confide.vault.Vault.read`, so it is a policy decision in the
transparency log before anything is shown (I8); these pages add no way around it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from confide.api.problems import Problem
from confide.errors import ConfideError, NotFound
from confide.policy.model import Grant
from confide.runtime import Confide
from confide.service.break_glass import open_reviews, review
from confide.service.staff import StaffMember, list_staff
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
from confide.vault.model import Disclosure
from confide.web.render import (
    SignedIn,
    confide_of,
    redirect,
    render,
    require_csrf,
    signed_in,
)

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=4096)]
#: A break-glass read is always for emergency care (the policy's break-glass rules).
BREAK_GLASS_PURPOSE = "care.emergency"
MIN_REASON_CHARS = 10
MAX_REASON_CHARS = 2000


def actor(member: StaffMember) -> str:
    """How a member is named in the review list: the opaque account id, not a name."""
    return f"staff:{member.id}"


def _base(who: SignedIn, confide: Confide) -> dict[str, Any]:
    organisation = confide.policy.policy.organisations[who.member.org]
    return {"member": who.member, "csrf": who.csrf, "organisation": organisation}


def _permits(confide: Confide, member: StaffMember) -> list[Grant]:
    return [
        g
        for g in confide.policy.policy.grants
        if g.effect == "permit" and member.org in g.requesters and member.work_role in g.roles
    ]


def _purposes(confide: Confide) -> list[str]:
    return [p for p in confide.policy.policy.taxonomy.leaf_purposes() if not is_immigration(p)]


def _holders(confide: Confide) -> list[Any]:
    return [
        o for o in confide.policy.policy.organisations.values() if o.sector != ENFORCEMENT_SECTOR
    ]


@router.get("/staff")
def dashboard(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    confide = confide_of(request)
    return render(
        request, "dashboard.html", permits=_permits(confide, who.member), **_base(who, confide)
    )


# -- reading a record ---------------------------------------------------------------------


def _read_page(
    request: Request,
    who: SignedIn,
    template: str,
    *,
    status: int = 200,
    disclosure: Disclosure | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    confide = confide_of(request)
    return render(
        request,
        template,
        status,
        purposes=_purposes(confide),
        holders=_holders(confide),
        disclosure=disclosure,
        error=error,
        form=form or {"holder": who.member.org},
        **_base(who, confide),
    )


def _read(
    request: Request,
    who: SignedIn,
    template: str,
    form: dict[str, str],
    break_glass: str | None,
) -> Response:
    confide = confide_of(request)
    record_id = form["record_id"].strip()
    if not record_id or len(record_id) > 64:
        return _read_page(
            request, who, template, status=422, error="Give the record id.", form=form
        )
    try:
        disclosure = confide.vault.read(
            record_id,
            requester=who.member.org,
            purpose=form["purpose"],
            role=who.member.work_role,
            holder=form["holder"] or who.member.org,
            break_glass=break_glass,
            actor=actor(who.member),
        )
    except NotFound:
        return _read_page(
            request,
            who,
            template,
            status=404,
            error="The policy permits this read, but that organisation holds no record "
            "with this id.",
            form=form,
        )
    except ConfideError as exc:
        return _read_page(request, who, template, status=422, error=str(exc), form=form)
    return _read_page(
        request,
        who,
        template,
        status=200 if disclosure.permitted else 403,
        disclosure=disclosure,
        form=form,
    )


@router.get("/staff/records/read")
def read_form(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _read_page(request, who, "read.html")


@router.post("/staff/records/read")
def read_record(
    request: Request,
    csrf: FormText = "",
    record_id: FormText = "",
    purpose: FormText = "",
    holder: FormText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    form = {"record_id": record_id, "purpose": purpose, "holder": holder}
    return _read(request, who, "read.html", form, None)


# -- break-glass --------------------------------------------------------------------------


@router.get("/staff/break-glass")
def break_glass_form(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _read_page(request, who, "break_glass.html")


@router.post("/staff/break-glass")
def break_glass(
    request: Request,
    *,
    csrf: FormText = "",
    record_id: FormText = "",
    holder: FormText = "",
    reason: FormText = "",
    understood: FormText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    form = {
        "record_id": record_id,
        "purpose": BREAK_GLASS_PURPOSE,
        "holder": holder,
        "reason": reason,
    }
    written = reason.strip()
    problem = None
    if len(written) < MIN_REASON_CHARS or len(written) > MAX_REASON_CHARS:
        problem = (
            f"Write why this is an emergency ({MIN_REASON_CHARS} to {MAX_REASON_CHARS} "
            "characters); the data protection officer reads it."
        )
    elif understood != "yes":
        problem = "Confirm that you understand the read is logged and reviewed."
    if problem:
        return _read_page(request, who, "break_glass.html", status=422, error=problem, form=form)
    return _read(request, who, "break_glass.html", form, written)


# -- the DPO's review list (scenario 14) --------------------------------------------------


def _reviews_page(
    request: Request, who: SignedIn, *, status: int = 200, notice: str | None = None
) -> Response:
    confide = confide_of(request)
    if not who.member.is_dpo:
        return render(
            request,
            "message.html",
            403,
            title="Only the data protection officer",
            message="The break-glass review list is for your organisation's data protection "
            "officer.",
            **_base(who, confide),
        )
    names = {actor(m): m.username for m in list_staff(confide, who.member.org)}
    return render(
        request,
        "reviews.html",
        status,
        reviews=open_reviews(confide, who.member.org),
        names=names,
        notice=notice,
        **_base(who, confide),
    )


@router.get("/staff/reviews")
def reviews(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _reviews_page(request, who)


@router.post("/staff/reviews")
def review_one(
    request: Request,
    csrf: FormText = "",
    review_id: FormText = "",
    outcome: FormText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    if not who.member.is_dpo:
        raise Problem(403, "not-permitted", "Not permitted", "only the DPO reviews break-glass")
    if outcome not in ("justified", "unjustified"):
        return _reviews_page(request, who, status=422, notice="Choose justified or unjustified.")
    try:
        review(
            confide_of(request),
            review_id,
            org=who.member.org,
            reviewer=actor(who.member),
            outcome="justified" if outcome == "justified" else "unjustified",
        )
    except NotFound:
        return _reviews_page(
            request, who, status=404, notice="That review is closed already or does not exist."
        )
    return _reviews_page(request, who, notice=f"Review closed as {outcome}.")
