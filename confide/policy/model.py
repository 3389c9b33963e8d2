"""A policy after validation: every name resolved, every selector expanded to concrete sets.

These are plain frozen dataclasses; the compiler and the reference evaluator read them and
never see YAML or pydantic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from confide.taxonomy import Taxonomy

Effect = Literal["permit", "forbid"]

#: Context classes a request can fall into; a conditional rule applies only in its own.
CONTEXTS: tuple[str, ...] = ("none", "warrant", "consent", "break_glass")
#: Contexts whose permits a later version will check; until then they never permit (fail
#: closed). None is reserved now: consent is checked against stored consent records
#: (``confide.consent``) and break-glass is logged and put on the data protection officer's
#: review list (scenario 14).
RESERVED_CONTEXTS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    sector: str
    name: str
    region: str | None
    closed: bool
    contact: dict[str, object]


@dataclass(frozen=True, slots=True)
class Grant:
    """A rule or an agreement, expanded: who, on whose records, for what, which categories.

    ``holders`` is ``None`` for "the requester's own organisation".
    """

    id: str
    kind: Literal["rule", "agreement"]
    effect: Effect
    requesters: frozenset[str]
    roles: frozenset[str]
    holders: frozenset[str] | None
    actions: frozenset[str]
    purposes: frozenset[str]
    categories: frozenset[str]
    when: str | None
    expires: dt.date | None
    line: int | None
    description: str

    def label(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.kind} {self.id!r}{where}"


@dataclass(frozen=True, slots=True)
class Retention:
    purpose: str
    period: str
    years: int
    months: int
    days: int


@dataclass(frozen=True, slots=True)
class ReportingChannel:
    """A service the policy lets people report to (safe reporting)."""

    org: str
    types: tuple[str, ...]
    purpose: str
    acknowledge_days: int
    line: int | None


@dataclass(frozen=True)
class Policy:
    """A policy that parsed and resolved; not yet verified or compiled."""

    name: str
    description: str
    file: str
    hash: str
    organisations: dict[str, Organisation]
    grants: tuple[Grant, ...]
    retention: dict[str, Retention]
    taxonomy: Taxonomy
    reporting: tuple[ReportingChannel, ...] = ()
    #: Ids of the agreements activated at run time (``confide.consent.agreements``) that are
    #: part of ``grants``; empty for a policy as its file says.
    runtime: tuple[str, ...] = ()
    #: The file's own hash when ``runtime`` is not empty (``hash`` then covers both).
    base_hash: str | None = None

    @property
    def file_hash(self) -> str:
        """The hash of the policy as written, without run-time agreements."""
        return self.base_hash or self.hash
