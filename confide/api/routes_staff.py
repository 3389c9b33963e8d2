"""/v1/staff: an organisation's administrators manage its staff accounts over the API.

The new account's TOTP secret is in the answer once; the password is chosen by the admin
and sent in the body (never in a URL). Creating and disabling are logged (admin actions).
Accounts are refused for an immigration enforcement body (I1).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from confide.api.auth import AdminToken, get_confide
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.schemas import problem_responses
from confide.errors import NotFound
from confide.service import staff as staff_service

router = APIRouter(prefix="/v1", route_class=GuardedRoute)
_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=3, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=12, max_length=1024)]
    role: Literal["admin", "staff", "dpo"]
    work_role: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class StaffOut(BaseModel):
    id: str
    org: str
    username: str
    role: str
    work_role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None


class StaffCreated(StaffOut):
    totp_secret: str = Field(description="Shown once: enrol it in an authenticator app.")
    totp_uri: str = Field(description="The otpauth:// URI of the same secret, shown once.")


def _out(member: staff_service.StaffMember) -> StaffOut:
    return StaffOut(
        id=member.id,
        org=member.org,
        username=member.username,
        role=member.role,
        work_role=member.work_role,
        created_at=member.created_at,
        disabled_at=member.disabled_at,
    )


@router.post(
    "/staff",
    response_model=StaffCreated,
    status_code=201,
    tags=["staff"],
    summary="Create a staff account in the caller's organisation (admin)",
    responses=_PROBLEMS,
)
def create_staff(body: StaffCreate, admin: AdminToken, request: Request) -> StaffCreated:
    confide = get_confide(request)
    try:
        new = staff_service.create_staff(
            confide, admin.org, body.username, body.password, body.role, body.work_role
        )
    except staff_service.StaffError as exc:
        raise Problem(422, "staff-invalid", "The account cannot be created", str(exc)) from None
    member = staff_service.get_staff(confide, new.staff_id)
    assert member is not None
    return StaffCreated(
        **_out(member).model_dump(), totp_secret=new.totp_secret, totp_uri=new.totp_provisioning_uri
    )


@router.get(
    "/staff",
    response_model=list[StaffOut],
    tags=["staff"],
    summary="The caller's organisation's staff accounts (admin)",
    responses=_PROBLEMS,
)
def list_staff(admin: AdminToken, request: Request) -> list[StaffOut]:
    return [_out(m) for m in staff_service.list_staff(get_confide(request), org=admin.org)]


@router.delete(
    "/staff/{staff_id}",
    response_model=StaffOut,
    tags=["staff"],
    summary="Disable a staff account of the caller's organisation (admin)",
    responses=_PROBLEMS,
)
def disable_staff(
    staff_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], admin: AdminToken, request: Request
) -> StaffOut:
    confide = get_confide(request)
    member = staff_service.get_staff(confide, staff_id)
    if member is None or member.org != admin.org:
        raise NotFound(f"no active account {staff_id} in {admin.org}")
    staff_service.disable_staff(confide, staff_id)
    disabled = next(m for m in staff_service.list_staff(confide, org=admin.org) if m.id == staff_id)
    return _out(disabled)
