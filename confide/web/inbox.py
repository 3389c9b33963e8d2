"""The staff inbox: reports a service received, acknowledged, answered and closed; and
filing a report for someone (an NGO), which gives the organisation its own receipt.

Every page is a call to :class:`confide.reporting.Inbox` or :class:`ReportDesk`, so every
view and action is a policy decision in the transparency log; these pages add no way
around it. Staff pages are in English; the reporter's own pages are in her language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from confide.errors import ConfideError, NotFound, NotPermitted
from confide.i18n import LANGUAGES
from confide.reporting import (
    CONTACT_FIELDS,
    MAX_TEXT,
    REPORT_TYPES,
    REPORTER_ROLES,
    STAFF_STATES,
    Inbox,
    ReportDesk,
    ReportInputError,
    Submission,
    channels,
)
from confide.reporting.desk import channel_for
from confide.web.pages import _base
from confide.web.render import SignedIn, confide_of, redirect, render, require_csrf, signed_in

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=256)]
LongText = Annotated[str, Form(max_length=MAX_TEXT + 1000)]

TYPE_LABELS = {
    "crime": "Crime or abuse",
    "labour": "Labour exploitation",
    "data_misuse": "Misuse of personal data",
}
ROLE_LABELS = {
    "victim": "the victim",
    "witness": "a witness",
    "on_behalf": "someone on the victim's behalf",
    "organisation": "an organisation",
}
STATE_LABELS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "referred": "Referred",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}
CONTACT_LABELS = {
    "identity.name": "Name (or what to call them)",
    "contact.phone": "Phone",
    "contact.email": "E-mail",
}


def _context(who: SignedIn, request: Request, **more: Any) -> dict[str, Any]:
    confide = confide_of(request)
    return {
        **_base(who, confide),
        "type_labels": TYPE_LABELS,
        "role_labels": ROLE_LABELS,
        "state_labels": STATE_LABELS,
        "contact_labels": CONTACT_LABELS,
        "languages": LANGUAGES,
        "channel": channel_for(confide.policy, who.member.org),
        **more,
    }


def _refused(request: Request, who: SignedIn, exc: ConfideError) -> Response:
    status = 404 if isinstance(exc, NotFound) else 403
    title = "Not found" if status == 404 else "Refused by the policy"
    return render(
        request,
        "message.html",
        status,
        title=title,
        message=str(exc) + " The request was recorded in the transparency log.",
        **_context(who, request),
    )


@router.get("/staff/reports")
def inbox(request: Request, state: str = "open") -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    states = (
        tuple(s for s in STAFF_STATES if s != "closed")
        if state == "open"
        else (state,)
        if state in STAFF_STATES
        else STAFF_STATES
    )
    try:
        items = Inbox(confide_of(request)).list(
            who.member.org, role=who.member.work_role, states=states
        )
    except (NotPermitted, NotFound) as exc:
        return _refused(request, who, exc)
    return render(
        request,
        "inbox.html",
        items=items,
        filter=state if state in (*STAFF_STATES, "open") else "all",
        filters=("open", *STAFF_STATES, "all"),
        **_context(who, request),
    )


def _report_page(
    request: Request, who: SignedIn, report_id: str, *, status: int = 200, **more: Any
) -> Response:
    try:
        view = Inbox(confide_of(request)).read(
            report_id, org=who.member.org, role=who.member.work_role
        )
    except (NotPermitted, NotFound) as exc:
        return _refused(request, who, exc)
    return render(
        request,
        "report.html",
        status,
        view=view,
        states=STAFF_STATES,
        **_context(who, request, **more),
    )


@router.get("/staff/reports/{report_id}")
def report(request: Request, report_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _report_page(request, who, report_id)


@router.post("/staff/reports/{report_id}/reply")
def reply(request: Request, report_id: str, csrf: ShortText = "", text: LongText = "") -> Response:
    who = require_csrf(signed_in(request), csrf)
    try:
        Inbox(confide_of(request)).reply(
            report_id, text, org=who.member.org, role=who.member.work_role
        )
    except ReportInputError as exc:
        return _report_page(request, who, report_id, status=422, error=str(exc), draft=text)
    except (NotPermitted, NotFound) as exc:
        return _refused(request, who, exc)
    return _report_page(
        request, who, report_id, notice="Reply sent. The reporter reads it with their receipt."
    )


@router.post("/staff/reports/{report_id}/state")
def set_state(
    request: Request, report_id: str, csrf: ShortText = "", state: ShortText = ""
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    if state not in STAFF_STATES:
        return _report_page(request, who, report_id, status=422, error="Choose a state.")
    try:
        Inbox(confide_of(request)).set_state(
            report_id,
            state,
            org=who.member.org,
            role=who.member.work_role,
        )
    except (NotPermitted, NotFound) as exc:
        return _refused(request, who, exc)
    return _report_page(request, who, report_id, notice=f"State set to {STATE_LABELS[state]}.")


# -- filing for someone (an NGO) ----------------------------------------------------------


def _file_page(request: Request, who: SignedIn, *, status: int = 200, **more: Any) -> Response:
    confide = confide_of(request)
    return render(
        request,
        "file_report.html",
        status,
        channels=[c for c in channels(confide.policy) if c.org != who.member.org],
        report_types=REPORT_TYPES,
        reporter_roles=REPORTER_ROLES,
        contact_fields=CONTACT_FIELDS,
        form=more.pop("form", {}),
        **_context(who, request, **more),
    )


@router.get("/staff/reports-file")
def file_form(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return redirect("/staff/sign-in")
    return _file_page(request, who)


@router.post("/staff/reports-file")
def file_report(
    request: Request,
    *,
    csrf: ShortText = "",
    report_type: ShortText = "",
    reporter_role: ShortText = "organisation",
    holder: ShortText = "",
    narrative: LongText = "",
    contact_name: ShortText = "",
    contact_phone: ShortText = "",
    contact_email: ShortText = "",
) -> Response:
    who = require_csrf(signed_in(request), csrf)
    form = {
        "report_type": report_type,
        "reporter_role": reporter_role,
        "holder": holder,
        "narrative": narrative,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
    }
    contact = {
        "identity.name": contact_name,
        "contact.phone": contact_phone,
        "contact.email": contact_email,
    }
    try:
        sent = ReportDesk(confide_of(request)).submit(
            Submission(
                report_type,  # type: ignore[arg-type]  # validated by the desk
                reporter_role,  # type: ignore[arg-type]
                holder,
                narrative,
                "en",
                {k: v for k, v in contact.items() if v.strip()},
            ),
            filer=who.member.org,
        )
    except ReportInputError as exc:
        return _file_page(request, who, status=422, error=str(exc), form=form)
    return render(request, "filed.html", sent=sent, **_context(who, request))
