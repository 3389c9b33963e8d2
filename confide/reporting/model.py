"""What a report is: its type, who files it, its states, and what each party sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

ReportType = Literal["crime", "labour", "data_misuse"]
ReporterRole = Literal["victim", "witness", "on_behalf", "organisation"]
State = Literal["new", "acknowledged", "in_progress", "referred", "closed", "withdrawn"]
Author = Literal["reporter", "service"]

REPORT_TYPES: Final[tuple[ReportType, ...]] = ("crime", "labour", "data_misuse")
REPORTER_ROLES: Final[tuple[ReporterRole, ...]] = ("victim", "witness", "on_behalf", "organisation")
#: States staff may set; ``withdrawn`` is the reporter's alone.
STAFF_STATES: Final[tuple[State, ...]] = (
    "new",
    "acknowledged",
    "in_progress",
    "referred",
    "closed",
)
STATES: Final[tuple[State, ...]] = (*STAFF_STATES, "withdrawn")
#: Optional ways to reach the reporter, as data categories. Nothing else is ever asked.
CONTACT_FIELDS: Final[tuple[str, ...]] = ("identity.name", "contact.phone", "contact.email")
#: Longest free text accepted in one report or message (characters).
MAX_TEXT: Final = 20_000


@dataclass(frozen=True, slots=True)
class Channel:
    """A service that receives reports of some types, as the live policy says."""

    org: str
    name: str
    sector: str
    types: tuple[ReportType, ...]
    purpose: str
    acknowledge_days: int
    contact: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Submission:
    """What the reporting form sends. No status, nationality, country of birth or ID."""

    report_type: ReportType
    reporter_role: ReporterRole
    holder: str  # the receiving service the reporter chose
    narrative: str
    language: str
    #: Optional contact details keyed by :data:`CONTACT_FIELDS`; empty means anonymous.
    contact: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Submitted:
    report_id: str
    receipt: str  # shown once, never stored
    channel: Channel
    redactions: int  # how many passages were removed before routing (I9)
    #: When an organisation files for someone, a second receipt to hand to the person.
    reporter_receipt: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    author: Author
    at: dt.datetime
    text: str


@dataclass(frozen=True, slots=True)
class ReporterView:
    """What the holder of a receipt sees: the report as the service received it (already
    redacted), its state, and the conversation."""

    report_id: str
    report_type: ReportType
    reporter_role: ReporterRole
    channel: Channel
    state: State
    language: str
    created_at: dt.datetime
    acknowledge_by: dt.datetime
    narrative: str
    messages: tuple[Message, ...]
    #: Whether this receipt is an organisation's (an NGO filing for someone).
    filer: str | None = None


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A row of a service's inbox: no content, only what triage needs."""

    report_id: str
    report_type: ReportType
    reporter_role: ReporterRole
    state: State
    language: str
    created_at: dt.datetime
    acknowledge_by: dt.datetime
    acknowledged_at: dt.datetime | None
    overdue: bool
    messages: int
    filer: str | None


@dataclass(frozen=True, slots=True)
class StaffView:
    """One report as the receiving service's staff see it: only the released fields."""

    item: InboxItem
    narrative: str | None
    contact: Mapping[str, str]
    messages: tuple[Message, ...]
    released: tuple[str, ...]
