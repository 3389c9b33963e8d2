"""/v1/decisions and /v1/records: the decision contract and guarded reads and writes.

Every request here is a policy decision logged before its answer is sent (I8). A token used
outside its organisation, roles or purposes is refused with 403 ``token-scope`` and that
refusal is logged as a ``decision`` deny (rule ``token-scope``), attributed to the person
when the request names her record, so she sees it in her history (scenario 9).

A read the policy denies is a **200** carrying the deny answer, byte for byte the same
whether or not the record exists (I6); the record is not looked at before the decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select

from confide.api.auth import ApiToken, get_confide, scope_problem
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.schemas import (
    DecisionAnswer,
    ForgetAnswer,
    ReadAnswer,
    ReadBody,
    RecordCreate,
    RecordCreated,
    SearchAnswer,
    SearchBody,
    problem_responses,
)
from confide.errors import NotFound, RequestError
from confide.policy import Decision, DecisionRequest, Warrant, parse_request
from confide.policy.request import RequestModel, WarrantModel
from confide.runtime import Confide
from confide.service.tokens import TokenInfo
from confide.storage.tables import records
from confide.vault import VaultInputError

router = APIRouter(prefix="/v1", route_class=GuardedRoute)

#: Rule id of a refusal because the token does not cover the request.
SCOPE_RULE = "token-scope"

_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 503)

RecordId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
SubjectRefPath = Annotated[str, Path(min_length=1, max_length=200)]


def _pseudonym(confide: Confide, subject: str | None) -> str | None:
    return confide.vault.keyring.pseudonym(subject) if subject else None


def _refuse(
    confide: Confide,
    request: DecisionRequest,
    reason: str,
    *,
    record: str | None = None,
    subject: str | None = None,
) -> Problem:
    """Log a token-scope refusal as a decision and return the 403 problem to raise."""
    decision = Decision("deny", (), (reason,), (SCOPE_RULE,), confide.policy.hash)
    with confide.db.transaction() as conn:
        if record is not None and subject is None:
            row = conn.execute(
                select(records.c.subject).where(
                    records.c.id == record, records.c.holder == request.holder
                )
            ).first()
            subject = row.subject if row is not None else None
        confide.log.append(
            conn, confide.vault.decision_entry(decision, request, subject=subject, record=record)
        )
    return Problem(403, "token-scope", "The token does not cover this request", reason)


def _role(confide: Confide, token: TokenInfo, role: str | None) -> str:
    if role:
        return role
    try:
        default = confide.vault.default_role(token.org)
    except NotFound:
        default = token.roles[0]
    return default if token.allows_role(default) else token.roles[0]


def _vault_input(exc: VaultInputError) -> Problem:
    return Problem(422, "record-invalid", "The record is not acceptable", str(exc))


@router.post(
    "/decisions",
    response_model=DecisionAnswer,
    tags=["decisions"],
    summary="Ask for a decision (the public contract)",
    responses=_PROBLEMS,
)
def decide(body: RequestModel, token: ApiToken, request: Request) -> DecisionAnswer:
    """Decide a request without touching any record. The requester must be the token's
    organisation, the role one of its roles, the purpose within its purposes. The decision,
    permit or deny, is in the transparency log before the answer is sent (I8)."""
    confide = get_confide(request)
    try:
        asked = parse_request(body.model_dump())
    except RequestError as exc:
        raise Problem(422, "request-invalid", "The request is malformed", str(exc)) from None
    subject = _pseudonym(confide, asked.subject)
    reason = scope_problem(token, org=asked.requester_org, role=asked.role, purpose=asked.purpose)
    if reason is not None:
        raise _refuse(confide, asked, reason, subject=subject)
    decision = confide.vault.policy.decide(asked)  # never raises: any fault is a deny (I5)
    with confide.db.transaction() as conn:
        confide.log.append(
            conn, confide.vault.decision_entry(decision, asked, subject=subject, record=None)
        )
    return DecisionAnswer.model_validate(decision.to_json())


@router.post(
    "/records",
    response_model=RecordCreated,
    status_code=201,
    tags=["records"],
    summary="Store a record (the caller is the holder)",
    responses=_PROBLEMS,
)
def create_record(body: RecordCreate, token: ApiToken, request: Request) -> RecordCreated:
    confide = get_confide(request)
    role = _role(confide, token, body.role)
    reason = scope_problem(token, org=token.org, role=role, purpose=body.purpose)
    if reason is not None:
        asked = DecisionRequest(
            token.org, role, "write", body.purpose, token.org, tuple(body.values)
        )
        raise _refuse(confide, asked, reason, subject=_pseudonym(confide, body.subject))
    try:
        record = confide.vault.put(
            holder=token.org,
            subject=body.subject,
            purpose=body.purpose,
            values=body.values,
            role=role,
        )
    except VaultInputError as exc:
        raise _vault_input(exc) from None
    return RecordCreated(record=record, holder=token.org, policy=confide.vault.policy.hash)


def _read(
    request: Request,
    token: TokenInfo,
    record_id: str,
    *,
    purpose: str,
    role: str | None,
    holder: str | None,
    fields: list[str] | None,
    warrant: WarrantModel | None = None,
    offence: str | None = None,
    break_glass: str | None = None,
    consent: str | None = None,
) -> ReadAnswer:
    confide = get_confide(request)
    role = _role(confide, token, role)
    holder = holder or token.org
    reason = scope_problem(token, org=token.org, role=role, purpose=purpose)
    if reason is not None:
        asked = DecisionRequest(
            token.org, role, "read", purpose, holder, tuple(fields or ("identity",))
        )
        raise _refuse(confide, asked, reason, record=record_id)
    try:
        disclosure = confide.vault.read(
            record_id,
            requester=token.org,
            purpose=purpose,
            role=role,
            holder=holder,
            categories=fields or None,
            warrant=(
                Warrant(
                    warrant.reference,
                    warrant.issued_by,
                    warrant.judicial,
                    warrant.subject,
                    warrant.offence,
                    tuple(warrant.fields),
                )
                if warrant is not None
                else None
            ),
            offence=offence,
            break_glass=break_glass,
            actor=token.actor,
            consent=consent,
        )
    except VaultInputError as exc:
        raise _vault_input(exc) from None
    answer = disclosure.decision.to_json()
    return ReadAnswer.model_validate(
        {**answer, "record": record_id, "values": dict(disclosure.values or {})}
    )


@router.get(
    "/records/{record_id}",
    response_model=ReadAnswer,
    tags=["records"],
    summary="Read a record under a purpose",
    responses=_PROBLEMS,
)
def read_record(
    *,
    record_id: RecordId,
    token: ApiToken,
    request: Request,
    purpose: Annotated[str, Query(min_length=1, max_length=128)],
    role: Annotated[str | None, Query(max_length=128)] = None,
    holder: Annotated[str | None, Query(max_length=128)] = None,
    fields: Annotated[list[str] | None, Query(max_length=256)] = None,
    consent: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,64}$")] = None,
) -> ReadAnswer:
    """A decision, then only the released fields. A deny is a 200 with the deny answer,
    the same whether or not the record exists (I6). ``fields`` repeats
    (``?fields=identity.name&fields=contact.phone``); absent means every category.
    ``consent`` names the person's consent a read from another service rests on: checked
    in the read's own transaction, so a withdrawn one denies (scenario 13)."""
    return _read(
        request,
        token,
        record_id,
        purpose=purpose,
        role=role,
        holder=holder,
        fields=fields,
        consent=consent,
    )


@router.post(
    "/records/{record_id}/read",
    response_model=ReadAnswer,
    tags=["records"],
    summary="Read a record with a context (warrant, offence, break-glass)",
    responses=_PROBLEMS,
)
def read_record_with_context(
    record_id: RecordId, body: ReadBody, token: ApiToken, request: Request
) -> ReadAnswer:
    return _read(
        request,
        token,
        record_id,
        purpose=body.purpose,
        role=body.role,
        holder=body.holder,
        fields=body.fields,
        warrant=body.warrant,
        offence=body.offence,
        break_glass=body.break_glass,
    )


@router.post(
    "/records/search",
    response_model=SearchAnswer,
    tags=["records"],
    summary="Find a holder's records by an identifying field (blind index)",
    responses=_PROBLEMS,
)
def search_records(body: SearchBody, token: ApiToken, request: Request) -> SearchAnswer:
    confide = get_confide(request)
    role = _role(confide, token, body.role)
    holder = body.holder or token.org
    reason = scope_problem(token, org=token.org, role=role, purpose=body.purpose)
    if reason is not None:
        asked = DecisionRequest(token.org, role, "search", body.purpose, holder, (body.category,))
        raise _refuse(confide, asked, reason)
    try:
        found = confide.vault.search(
            requester=token.org,
            purpose=body.purpose,
            category=body.category,
            value=body.value,
            role=role,
            holder=holder,
        )
    except VaultInputError as exc:
        raise _vault_input(exc) from None
    return SearchAnswer.model_validate({**found.decision.to_json(), "records": list(found.records)})


@router.delete(
    "/subjects/{subject}",
    response_model=ForgetAnswer,
    tags=["records"],
    summary="Forget a person (crypto-shredding)",
    responses=_PROBLEMS,
)
def forget_subject(subject: SubjectRefPath, token: ApiToken, request: Request) -> ForgetAnswer:
    """Destroy the person's data key and every record about her, at every holder.

    Needs a token with role ``dpo`` of an organisation that holds a record about her: the
    data protection officer carries out her erasure request."""
    confide = get_confide(request)
    if not token.allows_role("dpo"):
        raise Problem(
            403,
            "dpo-required",
            "A data protection officer's token is needed",
            f"token {token.id} does not carry role `dpo`",
        )
    ps = confide.vault.keyring.pseudonym(subject)
    with confide.db.connect() as conn:
        held = conn.execute(
            select(records.c.id)
            .where(records.c.subject == ps, records.c.holder == token.org)
            .limit(1)
        ).first()
    if held is None:
        raise Problem(
            404, "not-found", "Not found", f"{token.org} holds no record about this subject"
        )
    try:
        report = confide.vault.forget(subject)
    except VaultInputError as exc:
        raise _vault_input(exc) from None
    return ForgetAnswer(
        records=report.records, fields=report.fields, key_destroyed=report.key_destroyed
    )
