"""Scenario 1 through the library, on SQLite and PostgreSQL: a victim of domestic violence
reports to the police victim unit; whoever asks for her status is refused; her report
reaches the victim unit with status and ID mentions removed (I9), and nothing of them is
stored anywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from confide.errors import NotPermitted
from confide.policy import DecisionRequest
from confide.reporting import Inbox, ReportDesk, Submission
from confide.reporting.tables import report_fields
from confide.runtime import Confide
from tests.scenarios.test_vault_scenarios import _dump

UNIT = "city-police-victim-unit"
STORY = (
    "My partner hits me and keeps my passport locked away. I am undocumented and he says he "
    "will call immigration if I go to the police. My passport number is X0000000."
)


def test_scenario_1_report_reaches_victim_unit_redacted_and_status_is_refused(
    confide: Confide,
) -> None:
    desk = ReportDesk(confide)
    sent = desk.submit(
        Submission("crime", "victim", UNIT, STORY, "en", {"contact.phone": "0000 000 111"})
    )
    assert sent.channel.org == UNIT
    assert sent.redactions >= 2

    view = Inbox(confide).read(sent.report_id, org=UNIT, role="officer")
    assert view.narrative is not None
    assert "undocumented" not in view.narrative
    assert "X0000000" not in view.narrative
    assert "[removed]" in view.narrative
    # What she needs the police to know is still there: the passport is held from her.
    assert "keeps my passport" in view.narrative
    assert view.contact == {"contact.phone": "0000 000 111"}

    # Nobody can ask for her status: not the victim unit, not the police, not enforcement.
    for org, role in [
        (UNIT, "officer"),
        ("city-police", "officer"),
        ("national-immigration-authority", "officer"),
    ]:
        decision = confide.policy.decide(
            DecisionRequest(
                requester_org=org,
                role=role,
                action="read",
                purpose="criminal_investigation.victim_support",
                holder=UNIT,
                fields=("immigration.status",),
            )
        )
        assert decision.decision == "deny", org
    with confide.db.connect() as conn:
        stored = set(conn.execute(select(report_fields.c.category)).scalars())
    assert stored == {"case.narrative", "contact.phone"}

    # The redacted words are not anywhere in the database files, in any form (I9).
    dump = _dump(confide)
    for secret in (b"undocumented", b"X0000000", b"keeps my passport", b"0000 000 111"):
        assert secret not in dump

    # The whole exchange is in the log, which verifies.
    kinds = [e.fields["kind"] for e in confide.history(f"report:{sent.report_id}")]
    assert "report.received" in kinds
    assert "decision" in kinds


@pytest.mark.parametrize("org", ["city-police", "national-immigration-authority", "city-council"])
def test_other_services_never_see_the_report(confide: Confide, org: str) -> None:
    sent = ReportDesk(confide).submit(Submission("crime", "witness", UNIT, STORY, "en"))
    inbox = Inbox(confide)
    with pytest.raises(NotPermitted) as existing:
        inbox.read(sent.report_id, org=org, role="officer")
    with pytest.raises(NotPermitted) as missing:
        inbox.read("00000000-0000-0000-0000-000000000000", org=org, role="officer")
    # I6: the same refusal whether or not the report exists.
    assert type(existing.value) is type(missing.value)
    assert str(existing.value) == str(missing.value)
