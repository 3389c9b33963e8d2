"""The public reporting pages (no sign-in): choose a language, report, follow with a receipt.

Server-rendered and usable with JavaScript off. The pages never ask for immigration status,
nationality, country of birth or any document number; contact details are optional. Nothing
is kept on the server before the reporter presses "Send": the review step carries the form in
hidden fields. The receipt code travels only in POST bodies, never in a URL, a redirect or a
cookie, and is shown once (docs/reporting-pages.md).

Anonymous forms are protected by a double-submit token (a SameSite=Strict cookie and a hidden
field). Request bodies are bounded by :class:`BoundedRoute` before the form is parsed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import APIRouter, Form, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.types import Message

from confide.errors import ConfideError
from confide.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations
from confide.notices.promise import promise_for
from confide.reporting import (
    MAX_TEXT,
    REPORT_TYPES,
    REPORTER_ROLES,
    AlreadySent,
    Channel,
    InvalidReceipt,
    ReceiptThrottled,
    ReportDesk,
    ReporterView,
    ReportInputError,
    Submission,
    channels,
)
from confide.reporting.model import ReporterRole, ReportType
from confide.web.double_submit import form_token, form_token_ok, page_with_token
from confide.web.render import confide_of, render

__all__ = ["MAX_BODY_BYTES", "REPORT_COOKIE", "ROLES", "BoundedRoute", "router"]

#: The double-submit CSRF cookie of the anonymous forms (a session cookie: it goes when the
#: browser closes, and it is not the receipt).
REPORT_COOKIE: Final = "confide_report"
#: The largest body a public form may send: MAX_TEXT characters of 4-byte UTF-8,
#: percent-encoded (12 bytes each), plus the other fields.
MAX_BODY_BYTES: Final = MAX_TEXT * 12 + 16 * 1024
MAX_CONTACT: Final = 200
MAX_RECEIPT: Final = 200
#: Who may report what: a witness reports a crime; work and data misuse are reported by
#: the person it happened to, or for them.
ROLES: Final[Mapping[ReportType, tuple[ReporterRole, ...]]] = {
    "crime": REPORTER_ROLES,
    "labour": ("victim", "on_behalf", "organisation"),
    "data_misuse": ("victim", "on_behalf", "organisation"),
}
CONTACT_FORM: Final = {
    "contact_name": "identity.name",
    "contact_phone": "contact.phone",
    "contact_email": "contact.email",
}


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


#: Shown under every language's name on the first page, in that language.
REASSURANCE: Final = N_("We will never ask about your immigration status or papers.")

Text = Annotated[str, Form()]


# -- bounded bodies -----------------------------------------------------------------------


class BodyTooLarge(Exception):
    """The request body is over :data:`MAX_BODY_BYTES`; it is not read any further."""


class BoundedRoute(APIRoute):
    """Refuses bodies over :data:`MAX_BODY_BYTES` with a page, before the form is parsed:
    the declared length is checked first, and the bytes are counted as they arrive."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
                return _too_large(request)
            received = 0
            receive = request.receive

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > MAX_BODY_BYTES:
                        raise BodyTooLarge
                return message

            try:
                response = await handler(Request(request.scope, counted))
            except Exception:
                # FastAPI turns an error while reading the form into a 400: look at the count.
                if received > MAX_BODY_BYTES:
                    return _too_large(request)
                raise
            return _too_large(request) if received > MAX_BODY_BYTES else response

        return bounded


def _too_large(request: Request) -> Response:
    lang = request.path_params.get("lang", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    limit = format_decimal(MAX_TEXT, locale=lang)
    response = render(request, "public/too_large.html", 413, lang=lang, max_text=limit)
    response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


router = APIRouter(include_in_schema=False, route_class=BoundedRoute)


# -- helpers ------------------------------------------------------------------------------


def _token(request: Request) -> str:
    return form_token(request, REPORT_COOKIE)


def _csrf_ok(request: Request, token: str) -> bool:
    return form_token_ok(request, REPORT_COOKIE, token)


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> Response:
    """A page in ``lang``; with a form, its CSRF token also goes in the cookie."""
    return page_with_token(request, REPORT_COOKIE, f"public/{template}", lang, status, **context)


def _unknown_language(request: Request) -> Response:
    return render(
        request,
        "public/languages.html",
        404,
        lang=DEFAULT_LANGUAGE,
        choices=_choices(None),
        unknown=True,
    )


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    name: str
    direction: str
    href: str
    reassurance: str


def _choices(org: str | None) -> list[Choice]:
    suffix = f"?org={org}" if org else ""
    return [
        Choice(
            lang.code,
            lang.name,
            lang.direction,
            f"/report/{lang.code}{suffix}",
            translations(lang.code).gettext(REASSURANCE),
        )
        for lang in LANGUAGES.values()
    ]


def _org_param(org: str | None) -> str | None:
    """A service id from a notice's QR code; anything that is not an id is dropped."""
    if org and len(org) <= 64 and all(c.isalnum() or c in "-_." for c in org):
        return org
    return None


def _channels(request: Request, report_type: ReportType) -> list[Channel]:
    return channels(confide_of(request).policy, report_type)


class ReportForm(BaseModel):
    """The report form as typed: carried through review, errors and "Change" in hidden
    fields, so nothing is kept on the server before the reporter presses "Send"."""

    model_config = ConfigDict(extra="ignore")

    csrf: str = ""
    type: str = ""
    role: str = ""
    org: str = ""
    narrative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    #: One-time token of the review page's form: a reload of "Send" cannot send twice.
    once: str = ""

    @property
    def report_type(self) -> ReportType:
        if self.type not in REPORT_TYPES:
            raise ValueError("not a report type")  # checked by _checked before any use
        return self.type

    def contact(self) -> dict[str, str]:
        values = {name: getattr(self, name).strip() for name in CONTACT_FORM}
        return {CONTACT_FORM[name]: value for name, value in values.items() if value}


Report = Annotated[ReportForm, Form()]


def _length(text: str) -> int:
    """Characters as the reader counted them: a browser sends each line break as CRLF but
    counts it once against the textarea's ``maxlength`` (and the desk stores it once)."""
    return len(text.replace("\r\n", "\n"))


def _problems(draft: ReportForm, found: list[Channel]) -> dict[str, str]:
    """What is wrong with the draft, by field: English msgids the template translates."""
    wrong: dict[str, str] = {}
    if draft.role not in ROLES[draft.report_type]:
        wrong["role"] = N_("Choose who you are.")
    if draft.org not in {c.org for c in found}:
        wrong["org"] = N_("Choose the service that should receive your report.")
    if not draft.narrative.strip():
        wrong["narrative"] = N_("Write what happened.")
    elif _length(draft.narrative) > MAX_TEXT:
        wrong["narrative"] = N_("Your text is too long. Please shorten it.")
    for name in CONTACT_FORM:
        if len(getattr(draft, name)) > MAX_CONTACT:
            wrong[name] = N_("This is too long. Please shorten it.")
    return wrong


def _form_page(
    request: Request,
    lang: str,
    draft: ReportForm,
    status: int = 200,
    *,
    problems: Mapping[str, str] | None = None,
    error: str | None = None,
    detail: str | None = None,
) -> Response:
    return _page(
        request,
        "new.html",
        lang,
        status,
        draft=draft,
        roles=ROLES[draft.report_type],
        channels=_channels(request, draft.report_type),
        problems=problems or {},
        error=error,
        detail=detail,
        max_text=MAX_TEXT,
        max_contact=MAX_CONTACT,
    )


def _date(value: dt.datetime | dt.date, lang: str) -> str:
    return format_date(value, format="long", locale=lang)


# -- choosing a language ------------------------------------------------------------------


@router.get("/report")
def languages_page(request: Request, org: str | None = None) -> Response:
    return render(
        request,
        "public/languages.html",
        lang=DEFAULT_LANGUAGE,
        choices=_choices(_org_param(org)),
        unknown=False,
    )


@router.get("/report/{lang}")
def home(request: Request, lang: str, org: str | None = None) -> Response:
    if lang not in LANGUAGES:
        return _unknown_language(request)
    return render(request, "public/home.html", lang=lang, org=_org_param(org))


# -- reporting ----------------------------------------------------------------------------


@router.get("/report/{lang}/new")
def new_report(request: Request, lang: str, type: str = "", org: str | None = None) -> Response:
    if lang not in LANGUAGES:
        return _unknown_language(request)
    if type not in REPORT_TYPES:
        return render(request, "public/home.html", 404, lang=lang, org=_org_param(org))
    draft = ReportForm(type=type)
    found = _channels(request, draft.report_type)
    wanted = _org_param(org)
    if wanted in {c.org for c in found}:
        draft.org = wanted or ""
    elif len(found) == 1:
        draft.org = found[0].org
    return _form_page(request, lang, draft)


def _checked(request: Request, lang: str, draft: ReportForm) -> Response | None:
    """The page that stops a posted form (unknown language or type, no CSRF token), if any.
    Without the token the form comes back as typed, so nothing written is lost."""
    if lang not in LANGUAGES:
        return _unknown_language(request)
    if draft.type not in REPORT_TYPES:
        return render(request, "public/home.html", 404, lang=lang, org=None)
    if not _csrf_ok(request, draft.csrf):
        return _form_page(request, lang, draft, 403, error="csrf")
    return None


@router.post("/report/{lang}/new")
def change_report(request: Request, lang: str, draft: Report) -> Response:
    """ "Change" on the review page: the form again, as typed."""
    return _checked(request, lang, draft) or _form_page(request, lang, draft)


@router.post("/report/{lang}/review")
def review_report(request: Request, lang: str, draft: Report) -> Response:
    stopped = _checked(request, lang, draft)
    if stopped is not None:
        return stopped
    found = _channels(request, draft.report_type)
    problems = _problems(draft, found)
    if problems:
        return _form_page(request, lang, draft, 422, problems=problems)
    channel = next(c for c in found if c.org == draft.org)
    return _page(
        request,
        "review.html",
        lang,
        draft=draft.model_copy(update={"once": secrets.token_urlsafe(18)}),
        channel=channel,
        promise=promise_for(confide_of(request).policy, channel.org),
    )


@router.post("/report/{lang}/send")
def send_report(request: Request, lang: str, draft: Report) -> Response:
    stopped = _checked(request, lang, draft)
    if stopped is not None:
        return stopped
    problems = _problems(draft, _channels(request, draft.report_type))
    if problems:
        return _form_page(request, lang, draft, 422, problems=problems)
    submission = Submission(
        report_type=draft.report_type,
        reporter_role=draft.role,  # type: ignore[arg-type]  # checked by _problems
        holder=draft.org,
        narrative=draft.narrative,
        language=lang,
        contact=draft.contact(),
    )
    try:
        sent = ReportDesk(confide_of(request)).submit(submission, once=draft.once or None)
    except AlreadySent:
        return _page(request, "follow.html", lang, 409, error="already")
    except ReportInputError as exc:
        return _form_page(request, lang, draft, 422, error="input", detail=str(exc))
    except ConfideError:
        return _form_page(request, lang, draft, 503, error="unavailable")
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=sent.channel.acknowledge_days)
    return _page(
        request,
        "sent.html",
        lang,
        groups=sent.receipt.split("-"),
        channel=sent.channel,
        redactions=sent.redactions,
        acknowledge_by=_date(deadline, lang),
    )


# -- following a report -------------------------------------------------------------------


@router.get("/report/{lang}/follow")
def follow_form(request: Request, lang: str) -> Response:
    if lang not in LANGUAGES:
        return _unknown_language(request)
    return _page(request, "follow.html", lang)


def _open(
    request: Request, lang: str, csrf: str, receipt: str
) -> tuple[ReportDesk, str] | Response:
    """The desk and the cleaned receipt, or the page that says why not."""
    if not _csrf_ok(request, csrf):
        return _page(request, "follow.html", lang, 403, error="csrf")
    cleaned = " ".join(receipt.split())
    if not cleaned or len(cleaned) > MAX_RECEIPT:
        return _page(request, "follow.html", lang, 422, error="empty" if not cleaned else "wrong")
    return ReportDesk(confide_of(request)), cleaned


def _refused(request: Request, lang: str, exc: ConfideError) -> Response:
    """A wrong or throttled receipt: the same words whatever was wrong with it."""
    if isinstance(exc, ReceiptThrottled):
        response = _page(request, "follow.html", lang, 429, error="throttled")
        response.headers["Retry-After"] = str(max(1, int(exc.retry_after)))
        return response
    if isinstance(exc, InvalidReceipt):
        return _page(request, "follow.html", lang, 404, error="wrong")
    return _page(request, "follow.html", lang, 503, error="unavailable")


def _report_page(
    request: Request,
    lang: str,
    receipt: str,
    view: ReporterView,
    status: int = 200,
    **context: Any,
) -> Response:
    return _page(
        request,
        "report.html",
        lang,
        status,
        receipt=receipt,
        view=view,
        created=_date(view.created_at, lang),
        acknowledge_by=_date(view.acknowledge_by, lang),
        dates=[_date(m.at, lang) for m in view.messages],
        max_text=MAX_TEXT,
        **context,
    )


@router.post("/report/{lang}/follow")
def follow(request: Request, lang: str, csrf: Text = "", receipt: Text = "") -> Response:
    if lang not in LANGUAGES:
        return _unknown_language(request)
    opened = _open(request, lang, csrf, receipt)
    if isinstance(opened, Response):
        return opened
    desk, cleaned = opened
    try:
        view = desk.open(cleaned)
    except ConfideError as exc:
        return _refused(request, lang, exc)
    return _report_page(request, lang, cleaned, view)


@router.post("/report/{lang}/follow/answer")
def answer(
    request: Request, lang: str, csrf: Text = "", receipt: Text = "", text: Text = ""
) -> Response:
    if lang not in LANGUAGES:
        return _unknown_language(request)
    opened = _open(request, lang, csrf, receipt)
    if isinstance(opened, Response):
        return opened
    desk, cleaned = opened
    problem: str | None = None
    detail: str | None = None
    removed = 0
    view: ReporterView | None = None
    try:
        if not text.strip():
            problem = "empty"
        elif _length(text) > MAX_TEXT:
            problem = "long"
        else:
            try:
                removed, view = desk.answer(cleaned, text)
            except ReportInputError as exc:
                problem, detail = "input", str(exc)
        if view is None:
            view = desk.open(cleaned)
    except ConfideError as exc:
        return _refused(request, lang, exc)
    if problem is not None:
        return _report_page(
            request, lang, cleaned, view, 422, problem=problem, detail=detail, draft=text
        )
    return _report_page(request, lang, cleaned, view, sent=True, removed=removed)


@router.post("/report/{lang}/follow/withdraw")
def withdraw(
    request: Request, lang: str, csrf: Text = "", receipt: Text = "", confirm: Text = ""
) -> Response:
    """First the question ("are you sure?"), then, with ``confirm=yes``, the withdrawal."""
    if lang not in LANGUAGES:
        return _unknown_language(request)
    opened = _open(request, lang, csrf, receipt)
    if isinstance(opened, Response):
        return opened
    desk, cleaned = opened
    try:
        if confirm != "yes":
            view = desk.open(cleaned)
            return _page(request, "withdraw.html", lang, receipt=cleaned, view=view)
        channel = desk.withdraw(cleaned)
    except ConfideError as exc:
        return _refused(request, lang, exc)
    return _page(request, "withdrawn.html", lang, channel=channel)
