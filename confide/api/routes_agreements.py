"""/v1/agreements: data-sharing agreements proposed, checked, activated and retired at run time.

An agreement changes what the policy in force permits, so acting on one is an
administrative act: it needs an admin token of a party to it. Who may do what, as on the
staff pages (:mod:`confide.web.staff_consent`):

* ``GET``: any token of either party (``from`` or ``to``);
* propose, check, retire: an admin token of either party;
* activate: an admin token of the ``from`` organisation, the service that holds the data
  and so decides whether it leaves.

An agreement the token's organisation is not party to answers 404, the same as an id that
does not exist (I6). Activation re-proves every invariant over the policy with every
active agreement (:class:`confide.consent.agreements.Agreements`); a refusal is a 409
``agreement-refused`` whose ``problems`` list each problem with its invariant and path, and
nothing changes.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from confide.api.auth import AdminToken, ApiToken, get_confide
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.schemas import problem_responses
from confide.api.schemas_consent import (
    AGREEMENT_ID_PATTERN,
    AgreementCheck,
    AgreementCreate,
    AgreementList,
    AgreementOut,
)
from confide.consent.agreements import Agreements
from confide.consent.model import Agreement, ConsentError
from confide.errors import InvariantViolation, NotFound, PolicyProblem
from confide.runtime import Confide

router = APIRouter(prefix="/v1", route_class=GuardedRoute)

_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)
AgreementId = Annotated[str, Path(pattern=AGREEMENT_ID_PATTERN)]


def _out(agreement: Agreement) -> AgreementOut:
    return AgreementOut.model_validate(agreement.summary())


def _party(confide: Confide, org: str, agreement_id: str) -> Agreement:
    """The agreement if ``org`` is party to it; otherwise the same 404 as a missing id."""
    try:
        found = Agreements(confide).get(agreement_id)
    except NotFound:
        found = None
    if found is None or org not in (found.source, found.recipient):
        raise Problem(404, "not-found", "Not found", f"no agreement {agreement_id!r} names {org}")
    return found


def _invalid(exc: ConsentError) -> Problem:
    return Problem(422, "agreement-invalid", "The agreement cannot be changed this way", str(exc))


def _problem_text(problem: PolicyProblem) -> str:
    """``where: [invariant] message``, with only the policy file's name: the server's
    directories are the operator's business, not the caller's."""
    return str(dataclasses.replace(problem, file=PurePath(problem.file).name or problem.file))


@router.post(
    "/agreements",
    response_model=AgreementOut,
    status_code=201,
    tags=["agreements"],
    summary="Propose a data-sharing agreement (admin of a party); it permits nothing yet",
    responses=_PROBLEMS,
)
def propose_agreement(body: AgreementCreate, admin: AdminToken, request: Request) -> AgreementOut:
    if admin.org not in (body.from_, body.to):
        raise Problem(
            403,
            "not-permitted",
            "Not permitted",
            f"{admin.org} must be one of the two parties (from or to) to propose an agreement",
        )
    spec = body.model_dump(by_alias=True, exclude_none=True, mode="json")
    try:
        proposed = Agreements(get_confide(request)).propose(spec, proposed_by=admin.actor)
    except ConsentError as exc:
        raise _invalid(exc) from None
    return _out(proposed)


@router.get(
    "/agreements",
    response_model=AgreementList,
    tags=["agreements"],
    summary="The run-time agreements the caller's organisation is party to",
    responses=_PROBLEMS,
)
def list_agreements(
    token: ApiToken,
    request: Request,
    state: Annotated[Literal["proposed", "active", "retired"] | None, Query()] = None,
) -> AgreementList:
    found = Agreements(get_confide(request)).list(org=token.org, state=state)
    return AgreementList(agreements=[_out(a) for a in found])


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementOut,
    tags=["agreements"],
    summary="One run-time agreement (a party to it)",
    responses=_PROBLEMS,
)
def get_agreement(agreement_id: AgreementId, token: ApiToken, request: Request) -> AgreementOut:
    return _out(_party(get_confide(request), token.org, agreement_id))


@router.post(
    "/agreements/{agreement_id}/check",
    response_model=AgreementCheck,
    tags=["agreements"],
    summary="What activating the agreement would break (admin of a party)",
    responses=_PROBLEMS,
)
def check_agreement(
    agreement_id: AgreementId, admin: AdminToken, request: Request
) -> AgreementCheck:
    confide = get_confide(request)
    found = _party(confide, admin.org, agreement_id)
    problems = Agreements(confide).check(found.id)
    return AgreementCheck(agreement=found.id, problems=[_problem_text(p) for p in problems])


@router.post(
    "/agreements/{agreement_id}/activate",
    response_model=AgreementOut,
    tags=["agreements"],
    summary="Activate a proposed agreement (admin of the `from` organisation)",
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503),
)
def activate_agreement(
    agreement_id: AgreementId, admin: AdminToken, request: Request
) -> AgreementOut:
    """Every invariant is proved again over the policy with the active agreements and this
    one. If it would open a path for protected data, or any path to immigration
    enforcement, the answer is 409 ``agreement-refused`` listing every problem (the
    invariant and the path); the refusal is logged and nothing changes."""
    confide = get_confide(request)
    found = _party(confide, admin.org, agreement_id)
    if admin.org != found.source:
        raise Problem(
            403,
            "not-permitted",
            "Not permitted",
            f"an administrator at {found.source}, the service the data comes from, "
            "activates this agreement; nothing changed",
        )
    try:
        activated = Agreements(confide).activate(found.id, by=admin.actor, org=admin.org)
    except InvariantViolation as exc:
        raise Problem(
            409,
            "agreement-refused",
            "Activating the agreement would break an invariant; nothing changed",
            f"{len(exc.problems)} problem(s); see `problems`",
            problems=[_problem_text(p) for p in exc.problems],
        ) from None
    except ConsentError as exc:
        raise _invalid(exc) from None
    return _out(activated)


@router.post(
    "/agreements/{agreement_id}/retire",
    response_model=AgreementOut,
    tags=["agreements"],
    summary="Retire an agreement (admin of a party); it permits nothing from now on",
    responses=_PROBLEMS,
)
def retire_agreement(
    agreement_id: AgreementId, admin: AdminToken, request: Request
) -> AgreementOut:
    confide = get_confide(request)
    found = _party(confide, admin.org, agreement_id)
    try:
        retired = Agreements(confide).retire(found.id, by=admin.actor, org=admin.org)
    except ConsentError as exc:
        raise _invalid(exc) from None
    return _out(retired)
