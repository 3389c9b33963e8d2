"""The receiving service's inbox: list, read, reply, move through states.

Every view and action is a policy decision for the member's organisation and work role,
under the purpose of the service's reporting channel, logged with its effect (I8). A deny
looks the same whether or not the report exists (I6); a report held by another service is
"not found" to staff who may read their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select, update

from confide.errors import NotFound, NotPermitted
from confide.policy import DecisionRequest
from confide.policy.decision import Decision
from confide.reporting.desk import (
    ReportInputError,
    _clean,
    add_message,
    aware,
    channel_for,
    open_report,
)
from confide.reporting.model import (
    CONTACT_FIELDS,
    MAX_TEXT,
    STAFF_STATES,
    InboxItem,
    StaffView,
    State,
)
from confide.reporting.tables import report_messages, reports
from confide.runtime import Confide
from confide.taxonomy.model import REPORT_CATEGORY

__all__ = ["LIST_LIMIT", "Inbox"]

LIST_LIMIT = 500


def _item(row: Any, messages: int, now: dt.datetime) -> InboxItem:
    return InboxItem(
        report_id=row.id,
        report_type=row.report_type,
        reporter_role=row.reporter_role,
        state=row.state,
        language=row.language,
        created_at=aware(row.created_at),
        acknowledge_by=aware(row.acknowledge_by),
        acknowledged_at=aware(row.acknowledged_at) if row.acknowledged_at else None,
        overdue=row.state == "new" and aware(row.acknowledge_by) < now,
        messages=messages,
        filer=row.filer,
    )


class Inbox:
    def __init__(self, confide: Confide) -> None:
        self.confide = confide

    def _decide(  # noqa: PLR0917 - one private helper, called with the request's parts
        self,
        conn: Connection,
        org: str,
        role: str,
        action: str,
        purpose: str,
        fields: tuple[str, ...],
        row: Any | None,
        report_id: str | None,
    ) -> Decision:
        request = DecisionRequest(
            requester_org=org,
            role=role,
            action=action,
            purpose=purpose,
            holder=org,
            fields=fields,
        )
        decision = self.confide.policy.decide(request)
        entry = self.confide.vault.decision_entry(
            decision, request, subject=row.subject if row is not None else None, record=report_id
        )
        self.confide.log.append(conn, entry)
        return decision

    def _purpose(self, org: str, row: Any | None) -> str:
        if row is not None and row.holder == org:
            return str(row.purpose)
        channel = channel_for(self.confide.policy, org)
        # No channel: a purpose nothing grants, so the engine denies (and logs) it (I5).
        return channel.purpose if channel is not None else "criminal_investigation.victim_support"

    def list(
        self, org: str, *, role: str, states: tuple[State, ...] = STAFF_STATES
    ) -> list[InboxItem]:
        """The reports ``org`` received, newest first (no content: triage only)."""
        now = dt.datetime.now(dt.UTC)
        with self.confide.db.transaction() as conn:
            decision = self._decide(
                conn, org, role, "search", self._purpose(org, None), (REPORT_CATEGORY,), None, None
            )
            if not decision.permitted:
                raise NotPermitted("; ".join(decision.reasons))
            counts = (
                select(report_messages.c.report_id, func.count().label("n"))
                .group_by(report_messages.c.report_id)
                .subquery()
            )
            rows = conn.execute(
                select(reports, func.coalesce(counts.c.n, 0).label("n"))
                .outerjoin(counts, counts.c.report_id == reports.c.id)
                .where(reports.c.holder == org, reports.c.state.in_(list(states)))
                .order_by(reports.c.created_at.desc())
                .limit(LIST_LIMIT)
            ).all()
        return [_item(row, int(row.n), now) for row in rows]

    def _row(self, conn: Connection, report_id: str) -> Any | None:
        return conn.execute(select(reports).where(reports.c.id == report_id)).first()

    def read(self, report_id: str, *, org: str, role: str) -> StaffView:
        """One report with the fields the policy releases to this member, and its messages."""
        asked = (REPORT_CATEGORY, *CONTACT_FIELDS)
        with self.confide.db.transaction() as conn:
            row = self._row(conn, report_id)
            decision = self._decide(
                conn, org, role, "read", self._purpose(org, row), asked, row, report_id
            )
            if not decision.permitted:
                raise NotPermitted("; ".join(decision.reasons))
            if row is None or row.holder != org or row.state == "withdrawn":
                raise NotFound(f"no report {report_id} received by {org}")
            opened = open_report(self.confide, conn, row, decision.fields)
            count = len(opened.messages)
        return StaffView(
            item=_item(row, count, dt.datetime.now(dt.UTC)),
            narrative=opened.fields.get(REPORT_CATEGORY),
            contact={k: v for k, v in opened.fields.items() if k in CONTACT_FIELDS},
            messages=opened.messages,
            released=decision.fields,
        )

    def _write(self, conn: Connection, report_id: str, org: str, role: str) -> Any:
        row = self._row(conn, report_id)
        decision = self._decide(
            conn, org, role, "write", self._purpose(org, row), (REPORT_CATEGORY,), row, report_id
        )
        if not decision.permitted:
            raise NotPermitted("; ".join(decision.reasons))
        if row is None or row.holder != org or row.state == "withdrawn":
            raise NotFound(f"no report {report_id} received by {org}")
        return row

    def _state(self, conn: Connection, row: Any, state: State) -> None:
        now = dt.datetime.now(dt.UTC)
        values: dict[str, object] = {"state": state, "updated_at": now}
        if state != "new" and row.acknowledged_at is None:
            values["acknowledged_at"] = now
        conn.execute(update(reports).where(reports.c.id == row.id).values(**values))
        self.confide.log.append(
            conn,
            {
                "kind": "report.state",
                "report": row.id,
                "holder": row.holder,
                "subject": row.subject,
                "state": state,
            },
        )

    def reply(self, report_id: str, text: str, *, org: str, role: str) -> None:
        """A message to the reporter, who reads it with her receipt. Replying to a new
        report acknowledges it."""
        cleaned = _clean(text, "the reply", MAX_TEXT)
        if not cleaned:
            raise ReportInputError("write a reply first")
        with self.confide.db.transaction() as conn:
            row = self._write(conn, report_id, org, role)
            add_message(self.confide, conn, row, "service", cleaned)
            if row.state == "new":
                self._state(conn, row, "acknowledged")

    def set_state(self, report_id: str, state: State, *, org: str, role: str) -> None:
        if state not in STAFF_STATES:
            raise ReportInputError(f"a report's state is one of {', '.join(STAFF_STATES)}")
        with self.confide.db.transaction() as conn:
            row = self._write(conn, report_id, org, role)
            if row.state != state:
                self._state(conn, row, state)
