"""RFC 9457 problem details: every error the service returns, with a stable ``type``.

No stack trace, personal data, key or token ever appears in a problem. Unexpected errors
become ``internal-error`` with a generic message; a decision path that fails denies (I5).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from confide.consent.model import ConsentError
from confide.errors import (
    ConfideError,
    ConfigurationError,
    NotFound,
    NotPermitted,
    PolicyError,
    RequestError,
    StorageError,
    VerificationError,
)

PROBLEM_BASE = "https://confide.invalid/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise to answer with a problem. ``kind`` is the stable last part of ``type``."""

    def __init__(self, status: int, kind: str, title: str, detail: str | None = None,
                 **extra: Any) -> None:  # fmt: skip
        super().__init__(title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(
    status: int, kind: str, title: str, detail: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


#: ConfideError subclasses → (status, kind, title). The most specific class wins.
_ERRORS: tuple[tuple[type[ConfideError], int, str, str], ...] = (
    (PolicyError, 422, "policy-invalid", "The policy does not load"),
    (RequestError, 422, "request-invalid", "The request is malformed"),
    (ConsentError, 422, "consent-invalid", "The consent, referral or agreement is not valid"),
    (NotPermitted, 403, "not-permitted", "Not permitted"),
    (NotFound, 404, "not-found", "Not found"),
    (VerificationError, 422, "verification-failed", "Verification failed"),
    (StorageError, 503, "storage-unavailable", "The database is unavailable"),
    (ConfigurationError, 503, "misconfigured", "Confide is not configured correctly"),
)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.kind, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(ConfideError)
    async def _confide(_: Request, exc: ConfideError) -> JSONResponse:
        for cls, status, kind, title in _ERRORS:
            if isinstance(exc, cls):
                # Storage and configuration messages name hosts and paths: the operator
                # reads them in the server's own output, a caller only learns the kind.
                internal = isinstance(exc, StorageError | ConfigurationError)
                detail = "nothing was disclosed; try again later" if internal else str(exc)
                return problem_response(status, kind, title, detail)
        return problem_response(400, "bad-request", "The request cannot be done", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Locations and messages only: never the input, which may be personal data.
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()[:20]
        ]
        return problem_response(422, "request-invalid", "The request is malformed", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {401: "unauthorized", 403: "forbidden", 404: "not-found",
                 405: "method-not-allowed", 413: "body-too-large", 429: "rate-limited"}  # fmt: skip
        kind = kinds.get(exc.status_code, "http-error")
        return problem_response(exc.status_code, kind, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, __: Exception) -> JSONResponse:
        return problem_response(
            500, "internal-error", "Something went wrong; nothing was disclosed"
        )
