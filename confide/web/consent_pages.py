"""The person's own consent pages (no sign-in): see, read, download and withdraw her consents.

A service that holds a record about her gives her a subject access code
(:mod:`confide.service.access_codes`). With it, on ``/my/{lang}/consents``, she sees every
consent she gave (who shares what with whom, for what, until when, and the exact words she
was shown), downloads a consent receipt (JSON) and withdraws any consent in force.

Built like the public reporting pages (:mod:`confide.web.public`): server-rendered, usable
with JavaScript off, the language in the path. The code travels only in POST bodies, never
in a URL, a redirect, a cookie or a log line, and is never echoed when it is wrong: a
malformed, unknown, expired or revoked code gets the same words. Wrong codes spend the same
per-process :class:`~confide.reporting.receipts.FailureBudget` mechanism as receipt codes.
Forms carry a double-submit CSRF token; bodies are bounded by :class:`BoundedRoute`.

Each consent shown or downloaded is a ``subject.access`` / ``subject.portability`` decision
in the transparency log (I7: never blocked; I8: always logged), so her history shows it;
a withdrawal is logged by :class:`~confide.consent.consents.ConsentBook` itself.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Annotated, Any, Final

from babel.dates import format_date
from fastapi import APIRouter, Form, Request, Response

from confide.consent.consents import ConsentBook, log_person_view, receipt
from confide.consent.model import Consent
from confide.errors import ConfideError, NotFound
from confide.i18n import DEFAULT_LANGUAGE, LANGUAGES, language, translations
from confide.reporting.receipts import FailureBudget, ReceiptThrottled
from confide.runtime import Confide
from confide.service import access_codes
from confide.web.double_submit import form_token, form_token_ok, page_with_token
from confide.web.public import BoundedRoute
from confide.web.render import confide_of, render

__all__ = ["CONSENT_COOKIE", "MAX_CODE", "router"]

#: The double-submit CSRF cookie of these forms (a session cookie; never the access code).
CONSENT_COOKIE: Final = "confide_consents"
#: Longer than any code typed with spaces and dashes; anything longer is not looked up.
MAX_CODE: Final = 200
#: A consent id is a UUID; anything else is not looked up.
MAX_CONSENT_ID: Final = 64

Text = Annotated[str, Form()]


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


#: Shown under every language's name on the language page, in that language.
INVITATION: Final = N_("See and withdraw the consents you gave, with your access code.")

router = APIRouter(include_in_schema=False, route_class=BoundedRoute)


# -- throttling wrong codes ---------------------------------------------------------------

_BUDGET_LOCK: Final = threading.Lock()


def _budget(request: Request) -> FailureBudget:
    """The wrong-code budget of this app (one per deployment served, like the receipts')."""
    state = request.app.state
    with _BUDGET_LOCK:
        budget: FailureBudget | None = getattr(state, "consent_code_budget", None)
        if budget is None:
            budget = FailureBudget()
            state.consent_code_budget = budget
    return budget


# -- helpers ------------------------------------------------------------------------------


def _token(request: Request) -> str:
    return form_token(request, CONSENT_COOKIE)


def _csrf_ok(request: Request, token: str) -> bool:
    return form_token_ok(request, CONSENT_COOKIE, token)


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> Response:
    """A page in ``lang``; with a form, its CSRF token also goes in the cookie."""
    return page_with_token(request, CONSENT_COOKIE, f"consent/{template}", lang, status, **context)


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    name: str
    direction: str
    href: str
    invitation: str


def _languages(request: Request, status: int = 200, *, unknown: bool = False) -> Response:
    choices = [
        Choice(
            lang.code,
            lang.name,
            lang.direction,
            f"/my/{lang.code}/consents",
            translations(lang.code).gettext(INVITATION),
        )
        for lang in LANGUAGES.values()
    ]
    return render(
        request,
        "consent/languages.html",
        status,
        lang=DEFAULT_LANGUAGE,
        choices=choices,
        unknown=unknown,
    )


def _code_page(
    request: Request, lang: str, status: int = 200, error: str | None = None
) -> Response:
    """The first page: the code form, with what went wrong (never the code itself)."""
    return _page(request, "code.html", lang, status, error=error)


@dataclass(frozen=True, slots=True)
class ConsentView:
    """One consent as the page shows it: names and dates in the reader's language."""

    id: str
    holder: str
    recipient: str
    purpose: str
    categories: tuple[str, ...]
    state: str
    given: str
    expires: str
    withdrawn: str | None
    text: str | None
    text_lang: str
    text_dir: str
    text_language: str


def _date(value: dt.datetime, lang: str) -> str:
    return format_date(value, format="long", locale=lang)


def _view(confide: Confide, consent: Consent, lang: str) -> ConsentView:
    orgs = confide.vault.policy.policy.organisations

    def name(org: str) -> str:
        known = orgs.get(org)
        return known.name if known is not None else org

    shown = language(consent.language)
    return ConsentView(
        id=consent.id,
        holder=name(consent.holder),
        recipient=name(consent.recipient),
        purpose=consent.purpose,
        categories=consent.categories,
        state=consent.state(),
        given=_date(consent.given_at, lang),
        expires=_date(consent.expires_at, lang),
        withdrawn=_date(consent.withdrawn_at, lang) if consent.withdrawn_at else None,
        text=consent.text,
        text_lang=shown.code,
        text_dir=shown.direction,
        text_language=shown.name,
    )


def _describe(confide: Confide) -> dict[str, str]:
    """English descriptions from the taxonomy, for names the plain-words list lacks."""
    tax = confide.vault.policy.policy.taxonomy
    return {
        **{n: p.description for n, p in tax.purposes.items()},
        **{n: c.description for n, c in tax.categories.items()},
    }


@dataclass(frozen=True, slots=True)
class Opened:
    """A code that resolved: her pseudonym, and the code as typed, for the next form."""

    pseudonym: str
    code: str


def _open(request: Request, lang: str, csrf: str, code: str) -> Opened | Response:
    """Her pseudonym behind ``code``, or the code page saying why not (the same words for
    every wrong code, whatever was wrong with it)."""
    if not _csrf_ok(request, csrf):
        return _code_page(request, lang, 403, "csrf")
    cleaned = " ".join(code.split())
    if not cleaned:
        return _code_page(request, lang, 422, "empty")
    budget = _budget(request)
    try:
        budget.check()
        if len(cleaned) > MAX_CODE:
            raise access_codes.InvalidAccessCode("too long to be an access code")
        pseudonym = access_codes.resolve(confide_of(request).db, cleaned)
    except ReceiptThrottled as exc:
        response = _code_page(request, lang, 429, "throttled")
        response.headers["Retry-After"] = str(max(1, int(exc.retry_after)))
        return response
    except access_codes.InvalidAccessCode:
        budget.spend()
        return _code_page(request, lang, 404, "wrong")
    except ConfideError:
        return _code_page(request, lang, 503, "unavailable")
    return Opened(pseudonym, cleaned)


def _consent_id(value: str) -> str:
    """A consent id as posted, or :class:`NotFound` without looking it up."""
    cleaned = value.strip()
    if (
        not cleaned
        or len(cleaned) > MAX_CONSENT_ID
        or not all(c.isalnum() or c == "-" for c in cleaned)
    ):
        raise NotFound("no such consent visible to you")
    return cleaned


def _consent_page(
    request: Request,
    lang: str,
    template: str,
    opened: Opened,
    status: int = 200,
    **context: Any,
) -> Response:
    confide = confide_of(request)
    return _page(
        request, template, lang, status, code=opened.code, describe=_describe(confide), **context
    )


def _missing(request: Request, lang: str, opened: Opened) -> Response:
    return _consent_page(request, lang, "missing.html", opened, 404)


def _unavailable(request: Request, lang: str) -> Response:
    return _code_page(request, lang, 503, "unavailable")


# -- pages --------------------------------------------------------------------------------


@router.get("/my")
def languages_page(request: Request) -> Response:
    return _languages(request)


@router.get("/my/{lang}")
def home(request: Request, lang: str) -> Response:
    if lang not in LANGUAGES:
        return _languages(request, 404, unknown=True)
    return _code_page(request, lang)


@router.get("/my/{lang}/consents")
def code_form(request: Request, lang: str) -> Response:
    if lang not in LANGUAGES:
        return _languages(request, 404, unknown=True)
    return _code_page(request, lang)


@router.post("/my/{lang}/consents")
def consents_page(request: Request, lang: str, csrf: Text = "", code: Text = "") -> Response:
    if lang not in LANGUAGES:
        return _languages(request, 404, unknown=True)
    opened = _open(request, lang, csrf, code)
    if isinstance(opened, Response):
        return opened
    confide = confide_of(request)
    try:
        found = ConsentBook(confide).for_subject(opened.pseudonym)
        log_person_view(confide, opened.pseudonym, found, "subject.access")
    except ConfideError:
        return _unavailable(request, lang)
    views = [_view(confide, c, lang) for c in found]
    return _consent_page(request, lang, "list.html", opened, consents=views)


@router.post("/my/{lang}/consents/receipt")
def download_receipt(
    request: Request, lang: str, csrf: Text = "", code: Text = "", consent: Text = ""
) -> Response:
    """Her consent receipt as a JSON file (``confide-consent-receipt/1``)."""
    if lang not in LANGUAGES:
        return _languages(request, 404, unknown=True)
    opened = _open(request, lang, csrf, code)
    if isinstance(opened, Response):
        return opened
    confide = confide_of(request)
    try:
        found = ConsentBook(confide).get(_consent_id(consent), subject=opened.pseudonym)
        log_person_view(confide, opened.pseudonym, [found], "subject.portability")
    except NotFound:
        return _missing(request, lang, opened)
    except ConfideError:
        return _unavailable(request, lang)
    body = json.dumps(receipt(found, confide.vault.policy), ensure_ascii=False, indent=2)
    return Response(
        (body + "\n").encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="consent-receipt-{found.id}.json"'},
    )


@router.post("/my/{lang}/consents/withdraw")
def withdraw(
    request: Request,
    lang: str,
    *,
    csrf: Text = "",
    code: Text = "",
    consent: Text = "",
    confirm: Text = "",
) -> Response:
    """First the question ("withdraw this consent?"), then, with ``confirm=yes``, the
    withdrawal: from its commit on, every read under it is denied (scenario 13)."""
    if lang not in LANGUAGES:
        return _languages(request, 404, unknown=True)
    opened = _open(request, lang, csrf, code)
    if isinstance(opened, Response):
        return opened
    confide = confide_of(request)
    book = ConsentBook(confide)
    try:
        consent_id = _consent_id(consent)
        if confirm == "yes":
            # Withdrawing twice changes nothing: a resent confirmation shows the result.
            done = book.withdraw(consent_id, by="person", subject=opened.pseudonym)
        else:
            done = book.get(consent_id, subject=opened.pseudonym)
            log_person_view(confide, opened.pseudonym, [done], "subject.access")
            if done.state() != "withdrawn":
                view = _view(confide, done, lang)
                return _consent_page(request, lang, "withdraw.html", opened, consent=view)
    except NotFound:
        return _missing(request, lang, opened)
    except ConfideError:
        return _unavailable(request, lang)
    return _consent_page(
        request, lang, "withdrawn.html", opened, consent=_view(confide, done, lang)
    )
