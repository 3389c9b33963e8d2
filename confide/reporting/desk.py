"""The report desk: submit a report, follow it with a receipt, withdraw it.

Every step is a policy decision recorded in the transparency log in the same transaction as
its effect (I8). The receiving service stores the report as its own record, under the
purpose its reporting channel names, so its own rules decide who may read it; the reporter
reads and adds to her report as its subject, which is never blocked (I7). The text is
redacted before anything is stored (I9): the original is never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, select, update

from confide.crypto import FieldSealer
from confide.errors import ConfideError, NotPermitted, StorageError
from confide.i18n import LANGUAGES
from confide.policy import CompiledPolicy, DecisionRequest
from confide.policy.decision import Decision
from confide.reporting import receipts
from confide.reporting.model import (
    CONTACT_FIELDS,
    MAX_TEXT,
    REPORT_TYPES,
    REPORTER_ROLES,
    Channel,
    Message,
    ReporterView,
    ReportType,
    Submission,
    Submitted,
)
from confide.reporting.receipts import InvalidReceipt, ReceiptThrottled
from confide.reporting.tables import report_fields, report_messages, report_receipts, reports
from confide.runtime import Confide
from confide.taxonomy.model import REPORT_CATEGORY, SUBJECT_ROLE

__all__ = [
    "InvalidReceipt",
    "ReceiptThrottled",
    "ReportDesk",
    "ReportInputError",
    "channels",
]

MAX_CONTACT = 200


class ReportInputError(ConfideError, ValueError):
    """The report cannot be accepted as sent (a missing field, text too long …)."""


class AlreadySent(ReportInputError):
    """The form that sent this report was sent before (a reload, a double click): nothing
    new was stored, and the receipt shown the first time is the one to keep."""

    def __init__(self) -> None:
        super().__init__(
            "this report was sent already; use the receipt code shown when it was sent"
        )


def submission_key(once: str) -> str:
    return hashlib.sha256(f"confide-report-once/1:{once}".encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def channels(policy: CompiledPolicy, report_type: ReportType | None = None) -> list[Channel]:
    """The services the live policy lets people report to (of ``report_type``, if given)."""
    out: list[Channel] = []
    for channel in policy.policy.reporting:
        if report_type is not None and report_type not in channel.types:
            continue
        org = policy.policy.organisations[channel.org]
        out.append(
            Channel(
                org=org.id,
                name=org.name,
                sector=org.sector,
                types=tuple(t for t in REPORT_TYPES if t in channel.types),
                purpose=channel.purpose,
                acknowledge_days=channel.acknowledge_days,
                contact=dict(org.contact),
            )
        )
    return out


def channel_for(policy: CompiledPolicy, org: str) -> Channel | None:
    return next((c for c in channels(policy) if c.org == org), None)


def _clean(text: str, what: str, limit: int) -> str:
    if not isinstance(text, str):
        raise ReportInputError(f"{what} must be text")
    cleaned = text.replace("\r\n", "\n").strip()
    if len(cleaned) > limit:
        raise ReportInputError(f"{what} is longer than {limit} characters; please shorten it")
    return cleaned


def _redact(text: str, language: str) -> tuple[str, int]:
    from confide.reporting.redaction import redact  # noqa: PLC0415 - heavy; loaded on first use

    result = redact(text, language)
    return result.text, len(result.findings)


class Answered(NamedTuple):
    removed: int  # passages removed from the answer before it was stored (I9)
    view: ReporterView


@dataclass(frozen=True, slots=True)
class _Authenticated:
    lookup: str
    party: str
    row: Any  # the reports row


_BUDGETS: dict[int, receipts.FailureBudget] = {}


class ReportDesk:
    """Reports for one deployment; cheap to create (one per request is fine)."""

    def __init__(self, confide: Confide, *, budget: receipts.FailureBudget | None = None) -> None:
        self.confide = confide
        # One budget per open deployment in this process, however many desks are made.
        self.budget = budget or _BUDGETS.setdefault(id(confide), receipts.FailureBudget())

    @property
    def policy(self) -> CompiledPolicy:
        return self.confide.policy

    # -- decisions ---------------------------------------------------------------------------

    def writer_role(self, channel: Channel) -> str:
        """The role the receiving service collects reports in: its sector's default role if
        the policy lets it write reports, else the first role that may (the policy check
        guarantees one exists)."""
        tax = self.policy.policy.taxonomy
        default = tax.sectors[channel.sector].default_role
        roles = [default, *sorted(r for r in tax.roles if r not in (default, SUBJECT_ROLE))]
        for role in roles:
            request = DecisionRequest(
                requester_org=channel.org,
                role=role,
                action="write",
                purpose=channel.purpose,
                holder=channel.org,
                fields=(REPORT_CATEGORY,),
            )
            if self.policy.decide(request).permitted:
                return role
        raise NotPermitted(f"the policy lets no one at {channel.org} receive reports")

    def _log_decision(
        self, conn: Connection, d: Decision, r: DecisionRequest, ps: str | None, report: str
    ) -> None:
        entry = self.confide.vault.decision_entry(d, r, subject=ps, record=report)
        self.confide.log.append(conn, entry)

    # -- the reporter ------------------------------------------------------------------------

    def _validate(self, s: Submission) -> tuple[Channel, str, dict[str, str]]:
        if s.report_type not in REPORT_TYPES:
            raise ReportInputError(f"choose what the report is about: {', '.join(REPORT_TYPES)}")
        if s.reporter_role not in REPORTER_ROLES:
            raise ReportInputError(f"choose who is reporting: {', '.join(REPORTER_ROLES)}")
        channel = channel_for(self.policy, s.holder)
        if channel is None or s.report_type not in channel.types:
            raise ReportInputError("choose one of the services listed to send the report to")
        narrative = _clean(s.narrative, "what happened", MAX_TEXT)
        if not narrative:
            raise ReportInputError("tell the service what happened (a few words are enough)")
        contact: dict[str, str] = {}
        for name, value in s.contact.items():
            if name not in CONTACT_FIELDS:
                raise ReportInputError(f"unknown contact detail {name!r}")
            cleaned = _clean(value, "a contact detail", MAX_CONTACT)
            if cleaned:
                contact[name] = cleaned
        return channel, narrative, contact

    def _sent_before(self, once_key: str) -> bool:
        with self.confide.db.connect() as conn:
            row = conn.execute(
                select(reports.c.id).where(reports.c.submission_key == once_key)
            ).first()
        return row is not None

    def submit(
        self, submission: Submission, *, filer: str | None = None, once: str | None = None
    ) -> Submitted:
        """Redact, store and route a report. ``filer`` is an organisation filing it for
        someone (an NGO): it gets its own receipt, and one to hand to the person. ``once``
        is the sending form's one-time token: a second submit with it raises
        :class:`AlreadySent` and stores nothing."""
        channel, narrative, contact = self._validate(submission)
        once_key = submission_key(once) if once else None
        if once_key is not None and self._sent_before(once_key):
            raise AlreadySent()
        if filer is not None and filer not in self.policy.policy.organisations:
            raise ReportInputError(f"unknown filing organisation {filer!r}")
        language = submission.language if submission.language in LANGUAGES else "en"
        # I9: status and ID mentions are removed before anything is stored or routed, from
        # every free-text field (a name field can carry them too).
        narrative, removed = _redact(narrative, language)
        redacted_contact: dict[str, str] = {}
        for name, value in contact.items():
            redacted_contact[name], more = _redact(value, language)
            removed += more
        values = {REPORT_CATEGORY: narrative, **redacted_contact}
        report_id = str(uuid.uuid4())
        ps = self.confide.vault.keyring.pseudonym(f"report:{report_id}")
        request = DecisionRequest(
            requester_org=channel.org,
            role=self.writer_role(channel),
            action="write",
            purpose=channel.purpose,
            holder=channel.org,
            fields=tuple(values),
        )
        decision = self.policy.decide(request)
        if set(values) - set(decision.fields):
            with self.confide.db.transaction() as conn:
                self._log_decision(conn, decision, request, ps, report_id)
            raise ReportInputError(
                f"{channel.name} cannot receive contact details; send the report without them"
            )
        parties = ["filer", "reporter"] if filer is not None else ["reporter"]
        issued = [(party, *receipts.new_code()) for party in parties]
        hashed = [
            (party, lookup, receipts.hash_secret(secret)) for party, _, lookup, secret in issued
        ]
        now = _now()
        try:
            with self.confide.db.transaction() as conn:
                self._log_decision(conn, decision, request, ps, report_id)
                key = self.confide.vault.keyring.data_key(conn, ps, create=True)
                assert key is not None
                sealer = FieldSealer(key)
                conn.execute(
                    reports.insert().values(
                        id=report_id,
                        holder=channel.org,
                        subject=ps,
                        report_type=submission.report_type,
                        reporter_role=submission.reporter_role,
                        language=language,
                        state="new",
                        purpose=channel.purpose,
                        created_at=now,
                        acknowledge_by=now + dt.timedelta(days=channel.acknowledge_days),
                        acknowledged_at=None,
                        updated_at=now,
                        filer=filer,
                        redactions=removed,
                        policy=self.policy.hash,
                        submission_key=once_key,
                    )
                )
                conn.execute(
                    report_fields.insert(),
                    [
                        {
                            "report_id": report_id,
                            "category": category,
                            "envelope": sealer.seal(
                                value.encode("utf-8"),
                                record_id=report_id,
                                field=category,
                                subject=ps,
                            ),
                        }
                        for category, value in values.items()
                    ],
                )
                conn.execute(
                    report_receipts.insert(),
                    [
                        {
                            "lookup": lookup,
                            "report_id": report_id,
                            "party": party,
                            "secret_hash": secret_hash,
                            "failures": 0,
                            "locked_until": None,
                            "created_at": now,
                        }
                        for party, lookup, secret_hash in hashed
                    ],
                )
                entry: dict[str, object] = {
                    "kind": "report.received",
                    "report": report_id,
                    "holder": channel.org,
                    "subject": ps,
                    "type": submission.report_type,
                    "reporter": submission.reporter_role,
                    "policy": self.policy.hash,
                }
                if filer is not None:
                    entry["filer"] = filer
                self.confide.log.append(conn, entry)
        except StorageError:
            # Two submits of one form raced and the other stored it (the unique key held).
            if once_key is not None and self._sent_before(once_key):
                raise AlreadySent() from None
            raise
        codes = {party: code for party, code, _, _ in issued}
        return Submitted(
            report_id,
            codes[parties[0]],
            channel,
            removed,
            reporter_receipt=codes["reporter"] if filer is not None else None,
        )

    def _authenticate(self, receipt: str | None) -> _Authenticated:
        self.budget.check()
        try:
            lookup, secret = receipts.split(receipt)
        except InvalidReceipt:
            self.budget.spend()
            raise
        with self.confide.db.connect() as conn:
            row = conn.execute(
                select(report_receipts).where(report_receipts.c.lookup == lookup)
            ).first()
        now = _now()
        if row is not None and row.locked_until is not None and aware(row.locked_until) > now:
            raise ReceiptThrottled(int((aware(row.locked_until) - now).total_seconds()) + 1)
        if not receipts.check(row.secret_hash if row is not None else None, secret):
            self.budget.spend()
            if row is not None:
                failures = row.failures + 1
                locked = (
                    now + dt.timedelta(seconds=receipts.LOCK_SECONDS)
                    if failures >= receipts.LOCK_AFTER
                    else None
                )
                with self.confide.db.transaction() as conn:
                    conn.execute(
                        update(report_receipts)
                        .where(report_receipts.c.lookup == lookup)
                        .values(
                            failures=0 if locked else failures,
                            locked_until=locked,
                        )
                    )
            raise InvalidReceipt()
        assert row is not None  # check() is true only for a stored hash
        with self.confide.db.connect() as conn:
            report = conn.execute(select(reports).where(reports.c.id == row.report_id)).first()
        if report is None or report.state == "withdrawn":
            raise InvalidReceipt()
        if row.failures:
            with self.confide.db.transaction() as conn:
                conn.execute(
                    update(report_receipts)
                    .where(report_receipts.c.lookup == lookup)
                    .values(failures=0, locked_until=None)
                )
        return _Authenticated(lookup, row.party, report)

    def _subject_request(self, row: Any, action: str, fields: tuple[str, ...]) -> DecisionRequest:
        return DecisionRequest(
            requester_org=row.holder,
            role=SUBJECT_ROLE,
            action=action,
            purpose="subject.access" if action == "read" else "subject.correction",
            holder=row.holder,
            fields=fields,
            subject=row.subject,
            subject_self=row.subject,
        )

    def open(self, receipt: str | None) -> ReporterView:
        """The report behind ``receipt``: as the service received it, with the conversation.
        Raises :class:`InvalidReceipt` or :class:`ReceiptThrottled`."""
        return self._view(self._authenticate(receipt))

    def _view(self, who: _Authenticated) -> ReporterView:
        """The reporter's view of an authenticated report: a logged subject-access read."""
        row = who.row
        with self.confide.db.transaction() as conn:
            request = self._subject_request(row, "read", (REPORT_CATEGORY,))
            decision = self.policy.decide(request)
            self._log_decision(conn, decision, request, row.subject, row.id)
            if not decision.permitted:  # pragma: no cover - I7: never blocked
                raise NotPermitted("; ".join(decision.reasons))
            opened = open_report(self.confide, conn, row, (REPORT_CATEGORY,))
        return ReporterView(
            report_id=row.id,
            report_type=row.report_type,
            reporter_role=row.reporter_role,
            channel=self._channel(row),
            state=row.state,
            language=row.language,
            created_at=aware(row.created_at),
            acknowledge_by=aware(row.acknowledge_by),
            narrative=opened.fields.get(REPORT_CATEGORY, ""),
            messages=opened.messages,
            filer=row.filer if who.party == "filer" else None,
        )

    def _channel(self, row: Any) -> Channel:
        return channel_for(self.policy, row.holder) or _gone_channel(self.policy, row)

    def answer(self, receipt: str | None, text: str) -> Answered:
        """The reporter answers or adds information, redacted like the report. Returns how
        many passages were removed and the report as it now stands (one receipt check)."""
        who = self._authenticate(receipt)
        row = who.row
        cleaned = _clean(text, "your message", MAX_TEXT)
        if not cleaned:
            raise ReportInputError("write a message first")
        redacted, removed = _redact(cleaned, row.language)
        with self.confide.db.transaction() as conn:
            request = self._subject_request(row, "write", (REPORT_CATEGORY,))
            decision = self.policy.decide(request)
            self._log_decision(conn, decision, request, row.subject, row.id)
            add_message(self.confide, conn, row, "reporter", redacted)
        return Answered(removed, self._view(who))

    def withdraw(self, receipt: str | None) -> Channel:
        """Withdraw the report: its key is destroyed, its text, contact details and
        messages deleted, its receipts void. Only its type and dates remain, for counts.
        Returns the service it had been sent to."""
        who = self._authenticate(receipt)
        row = who.row
        with self.confide.db.transaction() as conn:
            request = self._subject_request(row, "write", (REPORT_CATEGORY,))
            decision = self.policy.decide(request)
            self._log_decision(conn, decision, request, row.subject, row.id)
            self.confide.vault.keyring.destroy(conn, row.subject)
            conn.execute(delete(report_fields).where(report_fields.c.report_id == row.id))
            conn.execute(delete(report_messages).where(report_messages.c.report_id == row.id))
            conn.execute(delete(report_receipts).where(report_receipts.c.report_id == row.id))
            conn.execute(
                update(reports)
                .where(reports.c.id == row.id)
                .values(state="withdrawn", updated_at=_now())
            )
            self.confide.log.append(
                conn,
                {
                    "kind": "report.withdrawn",
                    "report": row.id,
                    "holder": row.holder,
                    "subject": row.subject,
                },
            )
        return self._channel(row)


@dataclass(frozen=True, slots=True)
class Opened:
    fields: Mapping[str, str]
    messages: tuple[Message, ...]


def open_report(confide: Confide, conn: Connection, row: Any, released: tuple[str, ...]) -> Opened:
    """Decrypt the released fields and the messages of a report (a decision came first)."""
    key = confide.vault.keyring.data_key(conn, row.subject, create=False)
    if key is None:
        return Opened({}, ())
    sealer = FieldSealer(key)
    values: dict[str, str] = {}
    for category, envelope in conn.execute(
        select(report_fields.c.category, report_fields.c.envelope).where(
            report_fields.c.report_id == row.id,
            report_fields.c.category.in_(list(released)),
        )
    ):
        values[category] = sealer.open(
            envelope, record_id=row.id, field=category, subject=row.subject
        ).decode("utf-8")
    messages: list[Message] = []
    if REPORT_CATEGORY in released:
        for message in conn.execute(
            select(report_messages)
            .where(report_messages.c.report_id == row.id)
            .order_by(report_messages.c.seq)
        ):
            text = sealer.open(
                message.envelope, record_id=message.id, field=REPORT_CATEGORY, subject=row.subject
            ).decode("utf-8")
            messages.append(Message(message.author, aware(message.created_at), text))
    return Opened(values, tuple(messages))


def add_message(confide: Confide, conn: Connection, row: Any, author: str, text: str) -> None:
    key = confide.vault.keyring.data_key(conn, row.subject, create=False)
    if key is None:
        raise InvalidReceipt()
    message_id = str(uuid.uuid4())
    seq = conn.execute(
        select(func.coalesce(func.max(report_messages.c.seq), 0)).where(
            report_messages.c.report_id == row.id
        )
    ).scalar_one()
    now = _now()
    conn.execute(
        report_messages.insert().values(
            id=message_id,
            report_id=row.id,
            seq=seq + 1,
            author=author,
            created_at=now,
            envelope=FieldSealer(key).seal(
                text.encode("utf-8"),
                record_id=message_id,
                field=REPORT_CATEGORY,
                subject=row.subject,
            ),
        )
    )
    conn.execute(update(reports).where(reports.c.id == row.id).values(updated_at=now))
    confide.log.append(
        conn,
        {
            "kind": "report.message",
            "report": row.id,
            "holder": row.holder,
            "subject": row.subject,
            "author": author,
        },
    )


def _gone_channel(policy: CompiledPolicy, row: Any) -> Channel:
    """The report's service when the live policy no longer lists it as a channel."""
    org = policy.policy.organisations.get(row.holder)
    return Channel(
        org=row.holder,
        name=org.name if org else row.holder,
        sector=org.sector if org else "",
        types=(row.report_type,),
        purpose=row.purpose,
        acknowledge_days=0,
        contact=dict(org.contact) if org else {},
    )
