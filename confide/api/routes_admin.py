"""/v1/organisations, /v1/tokens and /v1/policy.

Organisations and the policy are public: the policy is what a service promises its users
(know-your-rights notices quote it). Tokens and policy changes need a token with role
``admin``; an admin token manages its own organisation's tokens only (cross-organisation
tokens are issued by the operator with ``confide tokens issue``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from confide.api.auth import AdminToken, get_confide
from confide.api.limits import POLICY_BODY_BYTES, GuardedRoute
from confide.api.problems import Problem
from confide.api.schemas import (
    Organisation,
    PolicyOut,
    PolicyUpload,
    PolicyVersionOut,
    TokenCreate,
    TokenIssued,
    TokenOut,
    problem_responses,
)
from confide.errors import PolicyError
from confide.service import policies, tokens
from confide.service.tokens import TokenInfo

router = APIRouter(prefix="/v1", route_class=GuardedRoute)
_PROBLEMS = problem_responses(401, 403, 404, 413, 422, 429, 503)


@router.get(
    "/organisations",
    response_model=list[Organisation],
    tags=["organisations"],
    summary="The organisations the policy names (public)",
)
def organisations(request: Request) -> list[Organisation]:
    confide = get_confide(request)
    return [
        Organisation(id=o.id, name=o.name, sector=o.sector, region=o.region, closed=o.closed)
        for o in confide.policy.policy.organisations.values()
    ]


def _token_out(info: TokenInfo) -> TokenOut:
    return TokenOut(
        id=info.id,
        org=info.org,
        label=info.label,
        purposes=list(info.purposes),
        roles=list(info.roles),
        created_at=info.created_at,
        expires_at=info.expires_at,
        revoked_at=info.revoked_at,
        created_by=info.created_by,
        status=info.status(),
    )


@router.post(
    "/tokens",
    response_model=TokenIssued,
    status_code=201,
    tags=["tokens"],
    summary="Issue a token for the caller's organisation (admin)",
    responses=_PROBLEMS,
)
def issue_token(body: TokenCreate, admin: AdminToken, request: Request) -> TokenIssued:
    """The token string is in the answer once; only its hash is stored."""
    confide = get_confide(request)
    try:
        secret, info = tokens.issue(
            confide.db,
            confide.policy,
            admin.org,
            body.label,
            body.purposes,
            body.roles,
            dt.timedelta(days=body.expires_days),
            admin.actor,
            log=confide.log,
        )
    except tokens.TokenError as exc:
        raise Problem(422, "token-invalid", "The token cannot be issued", str(exc)) from None
    return TokenIssued(token=secret, **_token_out(info).model_dump())


@router.get(
    "/tokens",
    response_model=list[TokenOut],
    tags=["tokens"],
    summary="The caller's organisation's tokens (admin)",
    responses=_PROBLEMS,
)
def list_tokens(admin: AdminToken, request: Request) -> list[TokenOut]:
    return [_token_out(t) for t in tokens.list_tokens(get_confide(request).db, org=admin.org)]


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    tags=["tokens"],
    summary="Revoke a token of the caller's organisation (admin)",
    responses=_PROBLEMS,
)
def revoke_token(
    token_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], admin: AdminToken, request: Request
) -> TokenOut:
    confide = get_confide(request)
    info = tokens.revoke(confide.db, token_id, admin.actor, org=admin.org, log=confide.log)
    return _token_out(info)


def _policy_out(version: policies.PolicyVersion) -> PolicyOut:
    return PolicyOut(
        hash=version.hash,
        text=version.text,
        created_at=version.created_at,
        created_by=version.created_by,
    )


@router.get(
    "/policy",
    response_model=PolicyOut,
    tags=["policy"],
    summary="The policy in force (public)",
)
def get_policy(request: Request) -> PolicyOut:
    return _policy_out(policies.current(get_confide(request)))


@router.get(
    "/policy/versions",
    response_model=list[PolicyVersionOut],
    tags=["policy"],
    summary="Every policy version, newest first (public)",
)
def policy_versions(request: Request) -> list[PolicyVersionOut]:
    confide = get_confide(request)
    stored = policies.versions(confide.db)
    if not stored:
        stored = [policies.current(confide)]
    return [
        PolicyVersionOut(
            hash=v.hash, created_at=v.created_at, created_by=v.created_by, active=v.active
        )
        for v in stored
    ]


@router.put(
    "/policy",
    response_model=PolicyOut,
    tags=["policy"],
    summary="Put a new policy in force (admin): verified before it takes effect, logged",
    responses=_PROBLEMS,
    openapi_extra={"x-confide-body-limit": POLICY_BODY_BYTES},
)
def put_policy(
    body: PolicyUpload, admin: AdminToken, request: Request, response: Response
) -> PolicyOut:
    """A policy that does not compile is refused (422 ``policy-invalid``) with every
    problem as ``file:line: message``, and nothing changes. One that compiles is stored,
    announced by a ``policy.changed`` log entry and in force in every worker within ~2 s."""
    confide = get_confide(request)
    # The policy governs every organisation in the deployment, so only the operator's
    # administrators may replace it; with no operator named, uploads are off (fail closed).
    operator = os.environ.get("CONFIDE_POLICY_ADMIN_ORG", "").strip()
    if not operator:
        raise Problem(
            403,
            "policy-upload-disabled",
            "Policy uploads over the API are off",
            "set CONFIDE_POLICY_ADMIN_ORG to the organisation that operates this deployment",
        )
    if admin.org != operator:
        raise Problem(
            403,
            "policy-operator-only",
            "Only the operator's administrators may change the policy",
            f"the policy is managed by {operator}",
        )
    try:
        version, changed = policies.upload(confide, body.text, admin.actor)
    except PolicyError as exc:
        raise Problem(
            422,
            "policy-invalid",
            "The policy does not compile; nothing changed",
            f"{len(exc.problems)} problem(s); see `problems`",
            problems=[str(p) for p in exc.problems],
        ) from None
    response.headers["Confide-Policy-Changed"] = "true" if changed else "false"
    return _policy_out(version)
