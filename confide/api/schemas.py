"""Request and response models of the /v1 API, so the OpenAPI document is complete.

Requests refuse unknown keys. The decision request itself is the public contract's model,
:class:`confide.policy.request.RequestModel`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from confide.policy.request import RequestModel, WarrantModel

__all__ = [
    "AccessCodeCreate",
    "AccessCodeIssued",
    "Checkpoint",
    "ConsistencyProof",
    "DecisionAnswer",
    "DecisionRequestBody",
    "ExportAnswer",
    "ForgetAnswer",
    "HistoryAnswer",
    "InclusionProof",
    "LogEntriesAnswer",
    "LogEntryOut",
    "Organisation",
    "PolicyOut",
    "PolicyUpload",
    "PolicyVersionOut",
    "Problem",
    "ReadAnswer",
    "ReadBody",
    "RecordCreate",
    "RecordCreated",
    "SearchAnswer",
    "SearchBody",
    "TokenCreate",
    "TokenIssued",
    "TokenOut",
]

Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
#: A subject reference: an opaque id from the holder's own system, never a name.
SubjectRef = Annotated[str, StringConstraints(min_length=1, max_length=200)]

DecisionRequestBody = RequestModel


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details. ``type`` is stable; ``detail`` is for people."""

    type: str
    title: str
    status: int
    detail: str | None = None
    problems: list[str] | None = Field(
        default=None, description="policy-invalid only: every problem, as file:line: message"
    )
    errors: list[dict[str, Any]] | None = None


class DecisionAnswer(BaseModel):
    """The decision contract's answer."""

    decision: Literal["permit", "deny"]
    fields: list[str] = Field(description="The fields released; possibly fewer than asked.")
    reasons: list[str]
    rules: list[str]
    policy: str = Field(description="The content hash of the policy that decided.")


class RecordCreate(_In):
    subject: SubjectRef = Field(description="The holder's opaque reference for the person.")
    purpose: Name = Field(description="Why the data is collected (a taxonomy purpose).")
    values: dict[Name, Annotated[str, StringConstraints(max_length=65536)]] = Field(
        min_length=1, max_length=256, description="Leaf data category → value."
    )
    role: Name | None = Field(
        default=None, description="The role the caller acts in (default: the token's first)."
    )


class RecordCreated(BaseModel):
    record: str
    holder: str
    policy: str


class ReadAnswer(DecisionAnswer):
    """A read: the decision, and the values of the released fields (only on a permit)."""

    record: str
    values: dict[str, str] = Field(default_factory=dict)


class ReadBody(_In):
    """A read with a context: a judicial warrant (I4), an offence, or a break-glass reason."""

    purpose: Name
    role: Name | None = None
    holder: Name | None = Field(default=None, description="Whose record (default: the caller's).")
    fields: list[Name] | None = Field(default=None, max_length=256)
    warrant: WarrantModel | None = None
    offence: Name | None = None
    break_glass: Annotated[str, StringConstraints(min_length=1, max_length=4000)] | None = Field(
        default=None, description="The written reason for an emergency read (scenario 14)."
    )


class SearchBody(_In):
    purpose: Name
    category: Name = Field(description="An identifying category, e.g. identity.name.")
    value: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="Looked up by blind index; sent in the body, never in a URL."
    )
    role: Name | None = None
    holder: Name | None = Field(default=None, description="Whose records (default: the caller's).")


class SearchAnswer(DecisionAnswer):
    records: list[str] = Field(default_factory=list)


class ForgetAnswer(BaseModel):
    records: int
    fields: int
    key_destroyed: bool


class LogEntryOut(BaseModel):
    index: int
    data: str = Field(description="The entry's exact bytes (RFC 8785 JSON), base64.")
    leaf_hash: str = Field(description="RFC 9162 leaf hash of data, base64.")
    entry: dict[str, Any] = Field(description="The entry, parsed.")


class LogEntriesAnswer(BaseModel):
    start: int
    end: int
    size: int = Field(description="The log's size when read.")
    entries: list[LogEntryOut]


class Checkpoint(BaseModel):
    origin: str
    size: int
    root: str = Field(description="The tree head, base64.")
    note: str = Field(description="The C2SP signed note (tlog-checkpoint).")
    verifier_key: str = Field(description="The log's published verifier key.")


class InclusionProof(BaseModel):
    index: int
    size: int
    leaf_hash: str
    root: str
    hashes: list[str]


class ConsistencyProof(BaseModel):
    old: int
    new: int
    old_root: str
    new_root: str
    hashes: list[str]


class HistoryAnswer(BaseModel):
    entries: list[LogEntryOut]


class ExportAnswer(BaseModel):
    format: str
    subject: str = Field(description="The person's pseudonym (her reference is never stored).")
    records: list[dict[str, Any]]


class AccessCodeCreate(_In):
    expires_days: int = Field(default=90, ge=1, le=366)


class AccessCodeIssued(BaseModel):
    code: str = Field(description="Shown once: give it to the person.")
    holder: str
    expires_at: dt.datetime


class Organisation(BaseModel):
    id: str
    name: str
    sector: str
    region: str | None
    closed: bool


class TokenCreate(_In):
    label: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    purposes: list[Name] = Field(min_length=1, max_length=64)
    roles: list[Name] = Field(min_length=1, max_length=16)
    expires_days: int = Field(ge=1, le=366)


class TokenOut(BaseModel):
    id: str
    org: str
    label: str
    purposes: list[str]
    roles: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_by: str
    status: Literal["active", "expired", "revoked"]


class TokenIssued(TokenOut):
    token: str = Field(description="Shown once; only its hash is stored.")


class PolicyOut(BaseModel):
    hash: str
    text: str
    created_at: dt.datetime | None
    created_by: str


class PolicyVersionOut(BaseModel):
    hash: str
    created_at: dt.datetime | None
    created_by: str
    active: bool


class PolicyUpload(_In):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4 * 1024 * 1024)] = Field(
        description="The policy YAML."
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The OpenAPI ``responses`` entries for the problem+json answers a route can give."""
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }
