"""/v1/reports: a receiving service's inbox over the API (its case-management system).

The same :class:`confide.reporting.Inbox` as the staff pages: every list, read, reply and
state change is a policy decision for the token's organisation and role, under the purpose
of the organisation's reporting channel (which the token must cover), logged with its
effect. Texts arrive already redacted (I9). A refusal is the same whether or not the report
exists (I6).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from confide.api.auth import ApiToken, get_confide, require_scope
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.routes_records import _role
from confide.api.schemas import problem_responses
from confide.reporting import MAX_TEXT, STAFF_STATES, Inbox, InboxItem, ReportInputError
from confide.reporting.desk import channel_for
from confide.runtime import Confide
from confide.service.tokens import TokenInfo

router = APIRouter(prefix="/v1", route_class=GuardedRoute)

_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)
ReportId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
StaffState = Literal["new", "acknowledged", "in_progress", "referred", "closed"]


class ReportItem(BaseModel):
    report_id: str
    report_type: str
    reporter_role: str
    state: str
    language: str
    created_at: dt.datetime
    acknowledge_by: dt.datetime
    acknowledged_at: dt.datetime | None
    overdue: bool
    messages: int
    filer: str | None

    @classmethod
    def of(cls, item: InboxItem) -> ReportItem:
        return cls.model_validate(item, from_attributes=True)


class ReportList(BaseModel):
    reports: list[ReportItem]


class MessageOut(BaseModel):
    author: str
    at: dt.datetime
    text: str


class ReportOut(BaseModel):
    report: ReportItem
    narrative: str | None = Field(description="The report's text, redacted before routing.")
    contact: dict[str, str]
    messages: list[MessageOut]
    released: list[str]


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class StateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: StaffState


def _scope(confide: Confide, token: TokenInfo, role: str | None) -> str:
    """The role to act in, after checking the token covers the channel's purpose."""
    acting = _role(confide, token, role)
    channel = channel_for(confide.policy, token.org)
    if channel is not None:
        require_scope(token, org=token.org, role=acting, purpose=channel.purpose)
    return acting


def _input(exc: ReportInputError) -> Problem:
    return Problem(422, "report-invalid", "The request is not acceptable", str(exc))


@router.get(
    "/reports",
    response_model=ReportList,
    tags=["reports"],
    summary="The reports the token's organisation received (no content)",
    responses=_PROBLEMS,
)
def list_reports(
    token: ApiToken,
    request: Request,
    state: Annotated[list[StaffState] | None, Query()] = None,
    role: Annotated[str | None, Query(max_length=64)] = None,
) -> ReportList:
    confide = get_confide(request)
    acting = _scope(confide, token, role)
    items = Inbox(confide).list(token.org, role=acting, states=tuple(state or STAFF_STATES))
    return ReportList(reports=[ReportItem.of(i) for i in items])


@router.get(
    "/reports/{report_id}",
    response_model=ReportOut,
    tags=["reports"],
    summary="One report: the redacted text, released contact details, the conversation",
    responses=_PROBLEMS,
)
def read_report(
    report_id: ReportId,
    token: ApiToken,
    request: Request,
    role: Annotated[str | None, Query(max_length=64)] = None,
) -> ReportOut:
    confide = get_confide(request)
    acting = _scope(confide, token, role)
    view = Inbox(confide).read(report_id, org=token.org, role=acting)
    return ReportOut(
        report=ReportItem.of(view.item),
        narrative=view.narrative,
        contact=dict(view.contact),
        messages=[MessageOut(author=m.author, at=m.at, text=m.text) for m in view.messages],
        released=list(view.released),
    )


@router.post(
    "/reports/{report_id}/messages",
    status_code=201,
    tags=["reports"],
    summary="Reply to the reporter (a reply acknowledges a new report)",
    responses=_PROBLEMS,
)
def reply(
    report_id: ReportId,
    body: ReplyBody,
    token: ApiToken,
    request: Request,
    role: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, str]:
    confide = get_confide(request)
    acting = _scope(confide, token, role)
    try:
        Inbox(confide).reply(report_id, body.text, org=token.org, role=acting)
    except ReportInputError as exc:
        raise _input(exc) from None
    return {"status": "sent"}


@router.put(
    "/reports/{report_id}/state",
    tags=["reports"],
    summary="Move a report to a new state",
    responses=_PROBLEMS,
)
def set_state(
    report_id: ReportId,
    body: StateBody,
    token: ApiToken,
    request: Request,
    role: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, str]:
    confide = get_confide(request)
    acting = _scope(confide, token, role)
    try:
        Inbox(confide).set_state(report_id, body.state, org=token.org, role=acting)
    except ReportInputError as exc:
        raise _input(exc) from None
    return {"state": body.state}
