"""What every staff page shares: templates, cookies, the signed-in member and CSRF checks.

Cookies are HttpOnly and SameSite=Strict; they are ``Secure`` (and carry the ``__Host-``
prefix, which pins them to this host and path ``/``) unless the page is served over plain
HTTP to the loopback interface, where a browser would drop a Secure cookie. Behind a TLS
reverse proxy the request's host is the public name, so cookies are Secure there.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2.ext import _make_new_gettext as _newstyle_gettext
from jinja2.ext import _make_new_ngettext as _newstyle_ngettext

from confide.api.problems import Problem
from confide.i18n import language, translations
from confide.runtime import Confide
from confide.service.sessions import CsrfError, StaffSession, check_csrf, load_session
from confide.service.staff import StaffMember, get_staff

TEMPLATES: Final = Path(__file__).with_name("templates")
STATIC: Final = Path(__file__).with_name("static")
SESSION_COOKIE: Final = "confide_session"
DEVICE_COOKIE: Final = "confide_device"
SIGN_IN_COOKIE: Final = "confide_signin"
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# Staff pages are English; pages people read pass ``lang`` and get their language's
# catalog (see confide.i18n). Newstyle gettext escapes and formats like the rest of Jinja.
_env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def _language_context(lang: str | None) -> dict[str, Any]:
    chosen = language(lang)
    tr = translations(chosen.code)
    gettext = _newstyle_gettext(tr.gettext)
    ngettext = _newstyle_ngettext(tr.ngettext)
    return {
        "lang": chosen.code,
        "dir": chosen.direction,
        "language": chosen,
        "gettext": gettext,
        "ngettext": ngettext,
        "_": gettext,
    }


def render_text(template: str, *, lang: str | None = None, **context: Any) -> str:
    """A template rendered to a string in ``lang`` (pages, notices, the command line)."""
    return _env.get_template(template).render(**_language_context(lang), **context)


def confide_of(request: Request) -> Confide:
    deployment: Confide = request.app.state.confide
    return deployment


def render(
    request: Request,
    template: str,
    status: int = 200,
    *,
    lang: str | None = None,
    **context: Any,
) -> HTMLResponse:
    html = render_text(template, lang=lang, request_path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def redirect(path: str) -> RedirectResponse:
    # 303: the browser follows with GET, so a reload never re-submits a form.
    return RedirectResponse(path, status_code=303)


# -- cookies ------------------------------------------------------------------------------


def secure_cookies(request: Request) -> bool:
    return not (request.url.scheme == "http" and (request.url.hostname or "") in _LOOPBACK)


def cookie_name(request: Request, base: str) -> str:
    return ("__Host-" + base) if secure_cookies(request) else base


def read_cookie(request: Request, base: str) -> str | None:
    return request.cookies.get(cookie_name(request, base))


def set_cookie(
    request: Request, response: Response, base: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )


def clear_cookie(request: Request, response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(request, base),
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )


# -- who is signed in ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_id: str
    session: StaffSession
    member: StaffMember

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def signed_in(request: Request, *, full: bool = True) -> SignedIn | None:
    """The member behind the session cookie; ``full`` asks for both factors done."""
    session_id = read_cookie(request, SESSION_COOKIE)
    confide = confide_of(request)
    session = load_session(confide, session_id)
    if session is None or session_id is None or session.second_factor != full:
        return None
    member = get_staff(confide, session.staff_id)
    if member is None:
        return None
    return SignedIn(session_id, session, member)


CSRF_PROBLEM: Final = (
    "The form did not carry this session's CSRF token, so nothing was done. "
    "Reload the page and submit the form again."
)


def require_csrf(who: SignedIn | None, token: str) -> SignedIn:
    """Every POST: the session's synchronizer token, or a 403 problem and nothing done."""
    try:
        check_csrf(who.session if who is not None else None, token)
    except CsrfError:
        raise Problem(403, "csrf-failed", "Forbidden", CSRF_PROBLEM) from None
    assert who is not None
    return who


def require_sign_in_token(request: Request, token: str) -> None:
    """The sign-in form has no session yet: a double-submit token (cookie + form field)
    stops another site from signing a browser in to an attacker's account."""
    cookie = read_cookie(request, SIGN_IN_COOKIE)
    if not cookie or not token or not hmac.compare_digest(cookie.encode(), token.encode()):
        raise Problem(403, "csrf-failed", "Forbidden", CSRF_PROBLEM)
