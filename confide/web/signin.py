"""Signing in (password, then TOTP code) and out.

Everything sensitive travels in POST bodies, never in a URL. Failures answer with the same
words whichever part was wrong; throttling is explained in docs/staff.md.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from confide.service.sessions import (
    end_session,
    promote_session,
    purge_expired_sessions,
    start_session,
)
from confide.service.staff import (
    DEVICE_LIFETIME,
    SignInRefused,
    SignInThrottled,
    TotpReplayed,
    issue_device_token,
    verify_password,
    verify_totp,
)
from confide.web.render import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    clear_cookie,
    confide_of,
    read_cookie,
    redirect,
    render,
    require_csrf,
    require_sign_in_token,
    set_cookie,
    signed_in,
)

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=4096)]


def _sign_in_page(
    request: Request, *, error: str | None = None, status: int = 200, username: str = ""
) -> Response:
    token = read_cookie(request, SIGN_IN_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
    response = render(
        request, "sign_in.html", status, csrf=token, error=error, username=username[:128]
    )
    set_cookie(request, response, SIGN_IN_COOKIE, token, max_age=3600)
    if status == 429 and error:
        response.headers["Retry-After"] = "60"
    return response


@router.get("/staff/sign-in")
def sign_in_form(request: Request) -> Response:
    if signed_in(request) is not None:
        return redirect("/staff")
    return _sign_in_page(request)


@router.post("/staff/sign-in")
def sign_in(
    request: Request,
    csrf: FormText = "",
    username: FormText = "",
    password: FormText = "",
) -> Response:
    require_sign_in_token(request, csrf)
    confide = confide_of(request)
    try:
        member = verify_password(
            confide, username, password, device_token=read_cookie(request, DEVICE_COOKIE)
        )
    except SignInThrottled as exc:
        return _sign_in_page(request, error=str(exc), status=429, username=username)
    except SignInRefused:
        return _sign_in_page(
            request, error="The username or password is not right.", status=401, username=username
        )
    purge_expired_sessions(confide)
    session_id, _ = start_session(confide, member.id, second_factor=False)
    response = redirect("/staff/second-factor")
    set_cookie(request, response, SESSION_COOKIE, session_id)
    clear_cookie(request, response, SIGN_IN_COOKIE)
    return response


@router.get("/staff/second-factor")
def second_factor_form(request: Request) -> Response:
    if signed_in(request) is not None:
        return redirect("/staff")
    pending = signed_in(request, full=False)
    if pending is None:
        return redirect("/staff/sign-in")
    return render(request, "second_factor.html", csrf=pending.csrf)


@router.post("/staff/second-factor")
def second_factor(request: Request, csrf: FormText = "", code: FormText = "") -> Response:
    pending = require_csrf(signed_in(request, full=False), csrf)
    confide = confide_of(request)

    def logged(outcome: str) -> None:
        # Only after a right password, so an anonymous caller cannot write to the log.
        with confide.db.transaction() as conn:
            confide.log.append(
                conn,
                {
                    "kind": "staff.sign_in",
                    "org": pending.member.org,
                    "staff": pending.member.id,
                    "outcome": outcome,
                },
            )

    try:
        verify_totp(
            confide, pending.member.id, code, device_token=read_cookie(request, DEVICE_COOKIE)
        )
    except SignInThrottled as exc:
        logged("throttled")
        return render(request, "second_factor.html", 429, csrf=pending.csrf, error=str(exc))
    except TotpReplayed as exc:
        logged("replayed")
        return render(request, "second_factor.html", 401, csrf=pending.csrf, error=str(exc))
    except SignInRefused:
        logged("refused")
        return render(
            request, "second_factor.html", 401, csrf=pending.csrf, error="That code is not right."
        )
    logged("accepted")
    session_id, _ = promote_session(confide, pending.session_id)
    response = redirect("/staff")
    set_cookie(request, response, SESSION_COOKIE, session_id)
    set_cookie(
        request,
        response,
        DEVICE_COOKIE,
        issue_device_token(confide, pending.member.id),
        max_age=int(DEVICE_LIFETIME.total_seconds()),
    )
    return response


@router.get("/staff/sign-out")
def sign_out_form(request: Request) -> Response:
    who = signed_in(request) or signed_in(request, full=False)
    if who is None:
        return redirect("/staff/sign-in")
    return render(request, "sign_out.html", csrf=who.csrf, member=who.member)


@router.post("/staff/sign-out")
def sign_out(request: Request, csrf: FormText = "") -> Response:
    who = require_csrf(signed_in(request) or signed_in(request, full=False), csrf)
    end_session(confide_of(request), who.session_id)
    response = render(request, "signed_out.html")
    clear_cookie(request, response, SESSION_COOKIE)
    return response
