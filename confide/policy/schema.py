"""The shape of a policy file, as pydantic models (the YAML edge).

Only the shape is checked here: unknown keys, wrong types, missing fields. Whether the names
exist in the taxonomy and whether the policy respects the invariants is checked later, by
``confide.policy.load`` and ``confide.policy.verify``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", strict=True)]
DottedName = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", strict=True)
]
Action = Literal["read", "search", "write"]
Condition = Literal["warrant", "consent", "break_glass"]

ACTIONS: tuple[Action, ...] = ("read", "search", "write")


def _one_or_many(value: object) -> object:
    """Let a policy author write ``sector: health`` as well as ``sector: [health, shelter]``."""
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ContactModel(_Strict):
    """How people reach the service; used on notices and the reporting pages."""

    email: str | None = None
    phone: str | None = None
    address: str | None = None
    url: str | None = None
    hours: str | None = None
    languages: list[str] = Field(default_factory=list)


class OrganisationModel(_Strict):
    id: Identifier
    sector: DottedName
    name: str | None = None
    region: str | None = None
    #: A closed organisation (a humanitarian service point) lets nothing leave it, ever.
    closed: bool = False
    contact: ContactModel | None = None


def _word_to_flag(value: object) -> object:
    """``holder: same`` and ``requester: any`` are shorthands for ``{same: true}`` etc."""
    if value in ("same", "any"):
        return {value: True}
    return value


class SelectorModel(_Strict):
    """Who asks: organisations by id, by sector, or both (either matches); optionally roles."""

    any: bool = False
    org: list[Identifier] | None = None
    sector: list[DottedName] | None = None
    roles: list[DottedName] | None = None

    _split = field_validator("org", "sector", "roles", mode="before")(_one_or_many)


class HolderModel(_Strict):
    """Whose records: ``same`` (the requester's own organisation), ``any``, ids or sectors."""

    same: bool = False
    any: bool = False
    org: list[Identifier] | None = None
    sector: list[DottedName] | None = None

    _split = field_validator("org", "sector", mode="before")(_one_or_many)


class RuleModel(_Strict):
    id: Identifier
    effect: Literal["permit", "forbid"]
    description: str | None = None
    requester: SelectorModel
    holder: HolderModel
    actions: list[Action] = Field(min_length=1)
    purposes: list[DottedName] = Field(min_length=1)
    #: The data categories the rule releases (permit) or withholds (forbid).
    categories: list[DottedName] = Field(min_length=1)
    #: A permit that applies only when the request carries this context.
    when: Condition | None = None

    _split = field_validator("actions", "purposes", "categories", mode="before")(_one_or_many)
    _flags = field_validator("requester", "holder", mode="before")(_word_to_flag)


class AgreementModel(_Strict):
    """A data-sharing agreement: ``from`` shares ``categories`` with ``to`` for ``purposes``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    id: Identifier
    description: str | None = None
    from_: Identifier = Field(alias="from")
    to: Identifier
    purposes: list[DottedName] = Field(min_length=1)
    categories: list[DottedName] = Field(min_length=1)
    roles: list[DottedName] | None = None
    when: Condition | None = None
    owner: str | None = None
    expires: dt.date | None = None
    review: dt.date | None = None

    _split = field_validator("purposes", "categories", "roles", mode="before")(_one_or_many)


Duration = Annotated[
    str,
    StringConstraints(pattern=r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$", min_length=3, strict=True),
]


ReportType = Literal["crime", "labour", "data_misuse"]


class ChannelModel(_Strict):
    """A service that receives safe reports: of which types, used for which purpose."""

    org: Identifier
    types: list[ReportType] = Field(min_length=1)
    #: The (specific) purpose the service's staff read reports for; a rule must let them.
    purpose: DottedName
    acknowledge_within_days: int | None = Field(default=None, ge=1, le=90)

    _split = field_validator("types", mode="before")(_one_or_many)


class ReportingModel(_Strict):
    """The safe-reporting channels and how quickly a report must be acknowledged."""

    acknowledge_within_days: int = Field(default=7, ge=1, le=90)
    channels: list[ChannelModel] = Field(default_factory=list)


class PolicyModel(_Strict):
    version: Literal[1]
    name: str
    description: str | None = None
    organisations: list[OrganisationModel] = Field(min_length=1)
    rules: list[RuleModel] = Field(default_factory=list)
    agreements: list[AgreementModel] = Field(default_factory=list)
    #: How long records collected for a purpose are kept, as an ISO 8601 duration (P8Y, P90D).
    retention: dict[DottedName, Duration] = Field(default_factory=dict)
    reporting: ReportingModel | None = None
