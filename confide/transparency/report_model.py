"""What a transparency report holds: frozen dataclasses, periods, nothing else.

Built by :mod:`confide.transparency.report`, written out by
:mod:`confide.transparency.report_formats`; docs/transparency-report.md says what each
part means.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

__all__ = [
    "PERIODS",
    "REPORT_FORMAT",
    "UNKNOWN_SECTOR",
    "ActivityCount",
    "BreakGlassCount",
    "CitedCheckpoint",
    "DecisionCount",
    "EnforcementRequest",
    "HolderCount",
    "Period",
    "PolicyEvent",
    "TransparencyReport",
    "period_bounds",
    "period_of",
]

#: The version tag of the JSON document (and of the CSV's ``format`` row).
REPORT_FORMAT: Final = "confide-transparency-report/1"
Period = Literal["month", "quarter", "year"]
PERIODS: Final[tuple[Period, ...]] = get_args(Period)
#: The sector of an organisation id the policy's registry does not know.
UNKNOWN_SECTOR: Final = "unknown"


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionCount:
    """Decisions in one period on requests by one sector, for one purpose and action."""

    period: str
    sector: str
    purpose: str
    action: str
    decision: str
    count: int


@dataclass(frozen=True, slots=True)
class HolderCount:
    """:class:`DecisionCount` split by the organisation holding the record."""

    period: str
    holder: str
    sector: str
    purpose: str
    action: str
    decision: str
    count: int


@dataclass(frozen=True, slots=True)
class EnforcementRequest:
    """One request from immigration enforcement or for an immigration purpose.

    ``index`` is the entry's position in the log, so a reader can fetch it and its
    inclusion proof. Never the subject or the record (they are in the entry, not here)."""

    index: int
    time: str
    requester: str
    sector: str
    role: str
    action: str
    purpose: str
    holder: str
    requested: tuple[str, ...]
    released: tuple[str, ...]
    decision: str
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BreakGlassCount:
    """Break-glass reads in one period by one requester on one holder's records, and what
    became of their reviews (a review is counted in the period of the read it reviews)."""

    period: str
    requester: str
    holder: str
    uses: int
    justified: int
    unjustified: int

    @property
    def reviewed(self) -> int:
        return self.justified + self.unjustified

    @property
    def pending(self) -> int:
        return self.uses - self.reviewed


@dataclass(frozen=True, slots=True)
class PolicyEvent:
    """A policy change or a run-time agreement activated, retired or refused."""

    index: int
    time: str
    kind: str
    policy: str | None
    previous: str | None
    agreement: str | None
    source: str | None
    recipient: str | None
    invariants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActivityCount:
    """Consents given or withdrawn, referrals by state, safe reports by type: counts only.
    ``detail`` is the referral's state or the report's type, empty for consents."""

    period: str
    indicator: str
    detail: str
    count: int


@dataclass(frozen=True, slots=True)
class CitedCheckpoint:
    """The latest signed checkpoint at or below the report's size, and the RFC 9162
    consistency proof from its tree to the report's."""

    origin: str
    size: int
    root: bytes
    note: str
    created_at: str
    consistency: tuple[bytes, ...]

    @property
    def sha256(self) -> str:
        """The SHA-256 of the signed note's bytes (the fingerprint notices print)."""
        return hashlib.sha256(self.note.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TransparencyReport:
    """The report at one tree size. Equal inputs give equal reports (and equal bytes)."""

    org: str | None
    org_sector: str | None
    period: Period
    size: int
    root: bytes
    registry: str
    checkpoint: CitedCheckpoint | None
    decisions: tuple[DecisionCount, ...]
    decisions_by_holder: tuple[HolderCount, ...]
    enforcement: tuple[EnforcementRequest, ...]
    break_glass: tuple[BreakGlassCount, ...]
    policy_history: tuple[PolicyEvent, ...]
    activity: tuple[ActivityCount, ...]

    @property
    def periods(self) -> tuple[str, ...]:
        """Every period anything was counted in, oldest first."""
        found = {c.period for c in self.decisions}
        found |= {c.period for c in self.break_glass} | {c.period for c in self.activity}
        return tuple(sorted(found))

    def decided(self, decision: str) -> int:
        """How many requests got ``decision`` (``permit`` or ``deny``)."""
        return sum(c.count for c in self.decisions if c.decision == decision)

    @property
    def enforcement_permitted(self) -> tuple[EnforcementRequest, ...]:
        """Enforcement requests that were *not* denied: always empty unless the invariants
        were broken, which is what a monitor looks for first."""
        return tuple(r for r in self.enforcement if r.decision != "deny")

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``"format": "confide-transparency-report/1"``)."""
        from confide.transparency.report_formats import report_document  # noqa: PLC0415

        return report_document(self)

    def to_json(self) -> str:
        """The report as JSON: keys in a fixed order, lists sorted, one trailing newline."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """The report as one long CSV table with a ``section`` column and HXL hashtags in
        its second row (docs/transparency-report.md)."""
        from confide.transparency.report_formats import report_csv  # noqa: PLC0415

        return report_csv(self)


# -- periods ---------------------------------------------------------------------------------


def period_of(time: str, period: Period) -> str:
    """The period an entry ``time`` (RFC 3339, UTC) falls in: ``2026-05``, ``2026-Q2``
    or ``2026``. Raises :class:`ValueError` for anything that is not such a time."""
    year, month = time[:4], time[5:7]
    if not (year.isdigit() and month.isdigit() and time[4:5] == "-" and 1 <= int(month) <= 12):
        raise ValueError("not an RFC 3339 time")
    if period == "year":
        return year
    if period == "quarter":
        return f"{year}-Q{(int(month) + 2) // 3}"
    return f"{year}-{month}"


def period_bounds(label: str) -> tuple[str, str]:
    """The first and last day (ISO 8601 dates) of a period label from :func:`period_of`."""
    year = int(label[:4])
    if len(label) == 4:
        first, last = 1, 12
    elif label[5] == "Q":
        last = int(label[6]) * 3
        first = last - 2
    else:
        first = last = int(label[5:7])
    days = calendar.monthrange(year, last)[1]
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{days:02d}"
