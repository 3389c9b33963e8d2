"""The report desk and the inbox through the library, on SQLite and PostgreSQL: receipts,
the conversation, states and deadlines, withdrawal, filing for someone, and the log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from confide.errors import NotFound, NotPermitted
from confide.reporting import (
    AlreadySent,
    Inbox,
    InvalidReceipt,
    ReceiptThrottled,
    ReportDesk,
    ReportInputError,
    Submission,
    channels,
)
from confide.reporting.receipts import LOCK_AFTER, FailureBudget
from confide.reporting.tables import report_fields, report_receipts, reports
from confide.runtime import Confide

INSPECTORATE = "labour-inspectorate"
STORY = "The boss has not paid me for three months. He owes me 1200 euros."


def _send(confide: Confide, **kw: object) -> tuple[ReportDesk, str, str]:
    desk = ReportDesk(confide, budget=FailureBudget(1000))
    fields: dict[str, object] = {
        "report_type": "labour",
        "reporter_role": "victim",
        "holder": INSPECTORATE,
        "narrative": STORY,
        "language": "es",
        **kw,
    }
    sent = desk.submit(Submission(**fields))  # type: ignore[arg-type]
    return desk, sent.report_id, sent.receipt


def test_channels_follow_the_policy(confide: Confide) -> None:
    labour = {c.org for c in channels(confide.policy, "labour")}
    assert labour == {"labour-inspectorate", "migrant-legal-aid"}
    assert all(c.sector != "immigration_enforcement" for c in channels(confide.policy))


def test_conversation_states_and_deadline(confide: Confide) -> None:
    desk, report_id, receipt = _send(confide)
    inbox = Inbox(confide)
    [item] = inbox.list(INSPECTORATE, role="inspector")
    assert item.report_id == report_id
    assert item.state == "new"
    assert item.acknowledge_by - item.created_at == dt.timedelta(days=5)
    assert not item.overdue

    inbox.reply(
        report_id, "Thank you. An inspector will call you.", org=INSPECTORATE, role="inspector"
    )
    seen = desk.open(receipt)
    assert seen.state == "acknowledged"  # a reply acknowledges a new report
    assert [m.author for m in seen.messages] == ["service"]
    assert seen.narrative == STORY  # nothing in it to remove: amounts stay

    desk.answer(receipt, "I work at the synthetic bakery on Example Road.")
    inbox.set_state(report_id, "in_progress", org=INSPECTORATE, role="inspector")
    view = inbox.read(report_id, org=INSPECTORATE, role="inspector")
    assert view.item.state == "in_progress"
    assert [m.author for m in view.messages] == ["service", "reporter"]
    assert view.item.acknowledged_at is not None

    with pytest.raises(ReportInputError):
        inbox.set_state(report_id, "withdrawn", org=INSPECTORATE, role="inspector")
    kinds = [e.fields["kind"] for e in confide.history(f"report:{report_id}")]
    assert kinds.count("report.message") == 2
    assert "report.state" in kinds


def test_overdue_when_not_acknowledged_in_time(confide: Confide) -> None:
    _, report_id, _ = _send(confide)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    with confide.db.transaction() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(created_at=past, acknowledge_by=past + dt.timedelta(days=5))
        )
    [item] = Inbox(confide).list(INSPECTORATE, role="inspector")
    assert item.overdue


def test_receipt_is_stored_only_as_an_argon2id_hash(confide: Confide) -> None:
    _, _, receipt = _send(confide)
    with confide.db.connect() as conn:
        row = conn.execute(select(report_receipts)).one()
    raw = receipt.replace("-", "")
    assert row.lookup == raw[:8]
    assert raw[8:] not in row.secret_hash
    assert row.secret_hash.startswith("confide-receipt/1$$argon2id$")
    assert "m=19456,t=2,p=1" in row.secret_hash


def test_receipt_typos_are_forgiven_and_wrong_codes_refused(confide: Confide) -> None:
    desk, _, receipt = _send(confide)
    assert desk.open(" " + receipt.lower().replace("-", " ") + " ").report_type == "labour"
    wrong = receipt[:-1] + ("A" if receipt[-1] != "A" else "B")
    with pytest.raises(InvalidReceipt) as refused:
        desk.open(wrong)
    assert wrong not in str(refused.value)
    with pytest.raises(InvalidReceipt):
        desk.open("not a code")
    with pytest.raises(InvalidReceipt):
        desk.open(None)


def test_a_lookup_id_locks_after_repeated_wrong_secrets(confide: Confide) -> None:
    desk, _, receipt = _send(confide)
    wrong = receipt[:-1] + ("A" if receipt[-1] != "A" else "B")
    for _ in range(LOCK_AFTER):
        with pytest.raises(InvalidReceipt):
            desk.open(wrong)
    # Now even the right code waits: the look-up id is locked for a while.
    with pytest.raises(ReceiptThrottled) as locked:
        desk.open(receipt)
    assert locked.value.retry_after > 60


def test_the_process_wide_budget_throttles_guessing_without_knowing_who(
    confide: Confide,
) -> None:
    desk = ReportDesk(confide, budget=FailureBudget(3))
    sent = desk.submit(Submission("labour", "victim", INSPECTORATE, STORY, "en"))
    for n in range(3):
        with pytest.raises(InvalidReceipt):
            desk.open(f"{n:0>24}")
    with pytest.raises(ReceiptThrottled):
        desk.open(sent.receipt)


def test_withdrawal_shreds_the_report(confide: Confide) -> None:
    desk, report_id, receipt = _send(confide, contact={"contact.email": "synthetic@example.org"})
    desk.withdraw(receipt)
    with pytest.raises(InvalidReceipt):
        desk.open(receipt)
    with pytest.raises(NotFound):
        Inbox(confide).read(report_id, org=INSPECTORATE, role="inspector")
    with confide.db.connect() as conn:
        assert conn.execute(select(report_fields)).first() is None
        assert conn.execute(select(report_receipts)).first() is None
        row = conn.execute(select(reports)).one()
    assert row.state == "withdrawn"  # only its type and dates remain, for counts
    kinds = [e.fields["kind"] for e in confide.history(f"report:{report_id}")]
    assert kinds[-1] == "report.withdrawn"


def test_an_ngo_files_for_someone_and_both_can_follow(confide: Confide) -> None:
    desk = ReportDesk(confide, budget=FailureBudget(1000))
    sent = desk.submit(
        Submission("crime", "organisation", "city-police-victim-unit", "A synthetic story.", "en"),
        filer="migrant-legal-aid",
    )
    assert sent.reporter_receipt is not None
    assert sent.reporter_receipt != sent.receipt
    assert desk.open(sent.receipt).filer == "migrant-legal-aid"
    assert desk.open(sent.reporter_receipt).filer is None
    [item] = Inbox(confide).list("city-police-victim-unit", role="officer")
    assert item.filer == "migrant-legal-aid"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"holder": "national-immigration-authority"}, "choose one of the services"),
        ({"holder": "city-police-victim-unit"}, "choose one of the services"),  # not for labour
        ({"narrative": "   "}, "what happened"),
        ({"narrative": "x" * 20_001}, "longer than"),
        ({"report_type": "immigration"}, "what the report is about"),
        ({"reporter_role": "officer"}, "who is reporting"),
        ({"contact": {"immigration.status": "synthetic"}}, "unknown contact detail"),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_stored(
    confide: Confide, change: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "report_type": "labour",
        "reporter_role": "victim",
        "holder": INSPECTORATE,
        "narrative": STORY,
        "language": "en",
        **change,
    }
    with pytest.raises(ReportInputError, match=message):
        ReportDesk(confide).submit(Submission(**fields))  # type: ignore[arg-type]
    with confide.db.connect() as conn:
        assert conn.execute(select(reports)).first() is None


def test_staff_of_other_services_and_roles_are_refused(confide: Confide) -> None:
    _, report_id, _ = _send(confide)
    inbox = Inbox(confide)
    with pytest.raises(NotPermitted):
        inbox.list(INSPECTORATE, role="receptionist")
    with pytest.raises(NotPermitted):
        inbox.reply(report_id, "hello", org="city-council", role="caseworker")
    # Another channel's staff, allowed their own inbox, find nothing of this one.
    with pytest.raises(NotFound):
        inbox.read(report_id, org="migrant-legal-aid", role="lawyer")
    assert inbox.list("migrant-legal-aid", role="lawyer") == []


def test_a_form_sent_twice_is_stored_once(confide: Confide) -> None:
    desk = ReportDesk(confide, budget=FailureBudget(1000))
    submission = Submission("labour", "victim", INSPECTORATE, STORY, "en")
    desk.submit(submission, once="synthetic-one-time-token")
    with pytest.raises(AlreadySent):
        desk.submit(submission, once="synthetic-one-time-token")
    desk.submit(submission, once="another-synthetic-token")
    with confide.db.connect() as conn:
        assert len(conn.execute(select(reports)).all()) == 2
