"""The report desk: submit, follow with a receipt, and the receiving service's inbox."""

from __future__ import annotations

from confide.errors import ConfideError, NotPermitted
from confide.policy import CompiledPolicy
from confide.reporting.model import (
    Channel,
    InboxItem,
    ReporterView,
    ReportType,
    StaffView,
    State,
    Submission,
    Submitted,
)
from confide.runtime import Confide


class ReportInputError(ConfideError, ValueError):
    """The report cannot be accepted as sent (a missing field, text too long …)."""


class InvalidReceipt(NotPermitted):
    """The receipt code is malformed, unknown or its report withdrawn. Never echoes it."""


class ReceiptThrottled(NotPermitted):
    """Too many wrong receipt codes lately; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def channels(policy: CompiledPolicy, report_type: ReportType | None = None) -> list[Channel]:
    """The services the live policy lets people report to (of ``report_type``, if given)."""
    raise NotImplementedError


class ReportDesk:
    def __init__(self, confide: Confide) -> None:
        self.confide = confide

    # -- the reporter ----------------------------------------------------------------------
    def submit(self, submission: Submission, *, filer: str | None = None) -> Submitted:
        """Redact, store and route a report; ``filer`` is the organisation filing it for
        someone (an NGO), which gets the receipt. Raises :class:`ReportInputError`."""
        raise NotImplementedError

    def open(self, receipt: str) -> ReporterView:
        """The report behind ``receipt``. Raises InvalidReceipt or ReceiptThrottled."""
        raise NotImplementedError

    def answer(self, receipt: str, text: str) -> None:
        """The reporter answers or adds information (redacted like the report)."""
        raise NotImplementedError

    def withdraw(self, receipt: str) -> None:
        """The reporter withdraws the report: its key is destroyed, its content unreadable."""
        raise NotImplementedError

    # -- the receiving service -------------------------------------------------------------
    def inbox(self, org: str, *, role: str, actor: str | None = None) -> list[InboxItem]:
        raise NotImplementedError

    def read(self, report_id: str, *, org: str, role: str, actor: str | None = None) -> StaffView:
        raise NotImplementedError

    def reply(
        self, report_id: str, text: str, *, org: str, role: str, actor: str | None = None
    ) -> None:
        raise NotImplementedError

    def set_state(
        self, report_id: str, state: State, *, org: str, role: str, actor: str | None = None
    ) -> None:
        raise NotImplementedError
