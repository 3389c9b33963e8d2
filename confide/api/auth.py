"""Who is calling: an organisation's API token, or a person with a subject access code.

``Authorization: Bearer ct1_…`` for services; ``Authorization: SubjectCode XXXX-…`` for the
person seeing her own history. A missing, malformed, unknown, expired or revoked
credential is a 401 problem saying which, never echoing the credential. A valid token used
outside its organisation, roles or purposes is a 403 ``token-scope`` problem.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from confide.api import limits
from confide.api.problems import Problem
from confide.runtime import Confide
from confide.service import access_codes, tokens
from confide.service.policies import PolicySync
from confide.service.tokens import TokenInfo

__all__ = [
    "AdminToken",
    "ApiToken",
    "SubjectPseudonym",
    "get_confide",
    "require_admin",
    "require_role",
    "require_scope",
    "require_token",
    "subject_code",
    "sync_policy",
]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An organisation's API token: `Authorization: Bearer ct1_<id>_<secret>`.",
)
_subject_code = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    scheme_name="SubjectCode",
    description="A person's access code: `Authorization: SubjectCode XXXX-XXXX-…`.",
)


def get_confide(request: Request) -> Confide:
    confide: Confide = request.app.state.confide
    return confide


def sync_policy(request: Request) -> None:
    """Keep this process on the active policy (another worker may have changed it)."""
    state = request.app.state
    sync = getattr(state, "policy_sync", None)
    if sync is None:
        sync = state.policy_sync = PolicySync()
    sync.refresh(get_confide(request))


def require_token(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> TokenInfo:
    confide = get_confide(request)
    try:
        info = tokens.authenticate(confide.db, request.headers.get("authorization"))
    except tokens.InvalidToken as exc:
        raise Problem(401, "unauthenticated", "A valid API token is needed", str(exc)) from None
    limits.rate_limit(request, f"token:{info.id}")
    return info


ApiToken = Annotated[TokenInfo, Depends(require_token)]


def require_admin(token: ApiToken) -> TokenInfo:
    if not token.allows_role("admin"):
        raise Problem(
            403,
            "admin-required",
            "An admin token is needed",
            f"token {token.id} does not carry role `admin`; ask your administrator",
        )
    return token


AdminToken = Annotated[TokenInfo, Depends(require_admin)]


def require_role(token: TokenInfo, role: str) -> None:
    if not token.allows_role(role):
        raise Problem(
            403,
            "token-scope",
            "The token does not cover this role",
            f"token {token.id} may act as {', '.join(token.roles)}, not {role}",
        )


def require_scope(token: TokenInfo, *, org: str, role: str, purpose: str) -> None:
    """Raise a 403 ``token-scope`` problem unless the token covers org, role and purpose."""
    reason = scope_problem(token, org=org, role=role, purpose=purpose)
    if reason is not None:
        raise Problem(403, "token-scope", "The token does not cover this request", reason)


def scope_problem(token: TokenInfo, *, org: str, role: str, purpose: str) -> str | None:
    if org != token.org:
        return f"token {token.id} belongs to {token.org}; it cannot act for {org}"
    if not token.allows_role(role):
        return f"token {token.id} may act as {', '.join(token.roles)}, not {role}"
    if not token.allows_purpose(purpose):
        return (
            f"token {token.id} is scoped to the purposes {', '.join(token.purposes)}; "
            f"{purpose} is outside them"
        )
    return None


def subject_code(
    request: Request,
    _: Annotated[str | None, Security(_subject_code)] = None,
) -> str:
    """The pseudonym of the person whose access code is in ``Authorization``."""
    header = request.headers.get("authorization") or ""
    scheme, _sep, code = header.strip().partition(" ")
    if scheme.lower() != "subjectcode":
        raise Problem(
            401,
            "unauthenticated",
            "An access code is needed",
            "send the header `Authorization: SubjectCode XXXX-XXXX-…` with the code the "
            "service gave you",
        )
    confide = get_confide(request)
    try:
        pseudonym = access_codes.resolve(confide.db, code)
    except access_codes.InvalidAccessCode as exc:
        raise Problem(401, "unauthenticated", "A valid access code is needed", str(exc)) from None
    limits.rate_limit(request, f"subject:{pseudonym}")
    return pseudonym


SubjectPseudonym = Annotated[str, Depends(subject_code)]
