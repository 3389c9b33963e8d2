"""Double-submit CSRF tokens for the public pages (reporting, a person's consents).

The pages have no session: each form carries a random token that is also set in a cookie
of its own, and a POST is accepted only when the two match (compared in constant time). A
cross-site page can make a browser send the cookie but cannot read it to fill the form.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Final

from fastapi import Request, Response

from confide.web.render import read_cookie, render, set_cookie

__all__ = ["form_token", "form_token_ok", "page_with_token"]

#: ``secrets.token_urlsafe(32)`` is 43 characters; a cookie of any other length is replaced.
_LENGTH: Final = 43


def form_token(request: Request, cookie: str) -> str:
    """The token already in ``cookie``, or a fresh one."""
    token = read_cookie(request, cookie)
    if not token or len(token) != _LENGTH:
        token = secrets.token_urlsafe(32)
    return token


def form_token_ok(request: Request, cookie: str, token: str) -> bool:
    """Whether the form's ``token`` matches the one in ``cookie``."""
    sent = read_cookie(request, cookie)
    return bool(sent and token) and hmac.compare_digest((sent or "").encode(), token.encode())


def page_with_token(
    request: Request, cookie: str, template: str, lang: str, status: int = 200, **context: Any
) -> Response:
    """``template`` in ``lang``, its forms' token in ``csrf`` and in ``cookie``."""
    token = form_token(request, cookie)
    response = render(request, template, status, lang=lang, csrf=token, **context)
    set_cookie(request, response, cookie, token)
    return response
