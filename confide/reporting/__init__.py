"""Safe reporting: a crime, abuse, exploitation or data misuse, reported without status or ID.

The public pages (``confide.web.public``) call :class:`ReportDesk`; so do the staff inbox
and the command line. Free text is redacted before it is stored or routed (I9); a report is
kept under its own data key, so withdrawing it crypto-shreds it; the reporter comes back with
a receipt code stored only as an Argon2id hash.
"""

from confide.reporting.desk import (
    AlreadySent,
    InvalidReceipt,
    ReceiptThrottled,
    ReportDesk,
    ReportInputError,
    channels,
)
from confide.reporting.inbox import Inbox
from confide.reporting.model import (
    CONTACT_FIELDS,
    MAX_TEXT,
    REPORT_TYPES,
    REPORTER_ROLES,
    STAFF_STATES,
    STATES,
    Channel,
    InboxItem,
    Message,
    ReporterView,
    StaffView,
    Submission,
    Submitted,
)

__all__ = [
    "CONTACT_FIELDS",
    "MAX_TEXT",
    "REPORTER_ROLES",
    "REPORT_TYPES",
    "STAFF_STATES",
    "STATES",
    "AlreadySent",
    "Channel",
    "Inbox",
    "InboxItem",
    "InvalidReceipt",
    "Message",
    "ReceiptThrottled",
    "ReportDesk",
    "ReportInputError",
    "ReporterView",
    "StaffView",
    "Submission",
    "Submitted",
    "channels",
]
