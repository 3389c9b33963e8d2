"""/v1/me and /v1/subjects/{subject}/access-codes: the person's own view, without an account.

A service that holds her record issues an access code; with ``Authorization: SubjectCode
<code>`` she reads every log entry about her, denials included (scenario 9), and exports
what is held about her (I7: never blocked; each record's export is a logged decision).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request

from confide.api.auth import ApiToken, SubjectPseudonym, get_confide
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.routes_log import entry_out
from confide.api.schemas import (
    AccessCodeCreate,
    AccessCodeIssued,
    ExportAnswer,
    HistoryAnswer,
    problem_responses,
)
from confide.service import access_codes

router = APIRouter(prefix="/v1", route_class=GuardedRoute)
_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)


@router.post(
    "/subjects/{subject}/access-codes",
    response_model=AccessCodeIssued,
    status_code=201,
    tags=["subjects"],
    summary="Issue an access code for a person whose record the caller holds",
    responses=_PROBLEMS,
)
def issue_access_code(
    subject: Annotated[str, Path(min_length=1, max_length=200)],
    token: ApiToken,
    request: Request,
    body: AccessCodeCreate | None = None,
) -> AccessCodeIssued:
    """The code is shown once; give it to the person. Only her pseudonym and the code's
    hash are stored."""
    confide = get_confide(request)
    days = body.expires_days if body is not None else 90
    try:
        code, info = access_codes.issue(
            confide.vault, token.org, subject, dt.timedelta(days=days), log=confide.log
        )
    except access_codes.AccessCodeError as exc:
        raise Problem(422, "request-invalid", "The request is malformed", str(exc)) from None
    return AccessCodeIssued(code=code, holder=info.holder, expires_at=info.expires_at)


@router.get(
    "/me/history",
    response_model=HistoryAnswer,
    tags=["subjects"],
    summary="Every access to my data, denials included (access code)",
    responses=_PROBLEMS,
)
def my_history(pseudonym: SubjectPseudonym, request: Request) -> HistoryAnswer:
    confide = get_confide(request)
    return HistoryAnswer(
        entries=[entry_out(e) for e in access_codes.history(confide.log, pseudonym)]
    )


@router.get(
    "/me/export",
    response_model=ExportAnswer,
    tags=["subjects"],
    summary="Everything held about me (access code)",
    responses=_PROBLEMS,
)
def my_export(pseudonym: SubjectPseudonym, request: Request) -> ExportAnswer:
    confide = get_confide(request)
    return ExportAnswer.model_validate(access_codes.export(confide.vault, pseudonym))
