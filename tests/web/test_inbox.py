"""The staff inbox over real HTTP against ``confide serve``, on SQLite and PostgreSQL: a
report arrives redacted, is read, answered and moved through states; staff of other
services are refused; an NGO files for someone and gets two receipts."""

from __future__ import annotations

import re

import httpx

from confide.reporting import ReportDesk, Submission
from tests.web.conftest import Deployment, csrf_of
from tests.web.test_http import client, sign_in

UNIT = "city-police-victim-unit"
STORY = "He hit me at the synthetic flat. I am undocumented, passport number X0000000."


def _report(d: Deployment) -> tuple[str, str]:
    confide = d.open()
    try:
        sent = ReportDesk(confide).submit(Submission("crime", "victim", UNIT, STORY, "ar"))
    finally:
        confide.close()
    return sent.report_id, sent.receipt


def test_a_report_is_read_answered_and_moved_on(deployment: Deployment) -> None:
    report_id, receipt = _report(deployment)
    with client(deployment) as c:
        sign_in(c, deployment.accounts["unit-officer"])
        inbox = c.get("/staff/reports")
        assert inbox.status_code == 200
        assert f"/staff/reports/{report_id}" in inbox.text
        page = c.get(f"/staff/reports/{report_id}")
        assert page.status_code == 200
        assert "undocumented" not in page.text
        assert "X0000000" not in page.text
        assert "[removed]" in page.text
        reply = c.post(
            f"/staff/reports/{report_id}/reply",
            data={"csrf": csrf_of(page.text), "text": "We received your report (synthetic)."},
        )
        assert reply.status_code == 200
        assert "Reply sent" in reply.text
        assert "Acknowledged" in reply.text
        moved = c.post(
            f"/staff/reports/{report_id}/state",
            data={"csrf": csrf_of(reply.text), "state": "in_progress"},
        )
        assert moved.status_code == 200
        assert "State set to In progress" in moved.text
        refused = c.post(
            f"/staff/reports/{report_id}/state", data={"csrf": "wrong", "state": "closed"}
        )
        assert refused.status_code == 403
    confide = deployment.open()
    try:
        view = ReportDesk(confide).open(receipt)
    finally:
        confide.close()
    assert view.state == "in_progress"
    assert [m.text for m in view.messages] == ["We received your report (synthetic)."]


def test_other_services_cannot_see_a_report(deployment: Deployment) -> None:
    report_id, _ = _report(deployment)
    with client(deployment) as c:
        sign_in(c, deployment.accounts["council-worker"])
        listed = c.get("/staff/reports")
        assert listed.status_code == 403
        existing = c.get(f"/staff/reports/{report_id}")
        missing = c.get("/staff/reports/00000000-0000-0000-0000-000000000000")
        assert existing.status_code == missing.status_code == 403
        assert STORY[:10] not in existing.text
        # I6: the refusal reads the same whether or not the report exists.
        strip = re.compile(r'name="csrf" value="[^"]+"')
        assert strip.sub("", existing.text) == strip.sub("", missing.text)


def test_an_ngo_files_for_someone_and_gets_two_receipts(deployment: Deployment) -> None:
    with client(deployment) as c:
        sign_in(c, deployment.accounts["ngo-lawyer"])
        form = c.get("/staff/reports-file")
        assert form.status_code == 200
        sent = c.post(
            "/staff/reports-file",
            data={
                "csrf": csrf_of(form.text),
                "report_type": "labour",
                "reporter_role": "organisation",
                "holder": "labour-inspectorate",
                "narrative": "Our synthetic client has not been paid for two months.",
            },
        )
        assert sent.status_code == 200
        codes = re.findall(r'class="receipt" id="[a-z-]+">([0-9A-Z-]{29})<', sent.text)
        assert len(codes) == 2
        bad = c.post(
            "/staff/reports-file",
            data={"csrf": csrf_of(form.text), "report_type": "labour", "holder": UNIT,
                  "narrative": "x"},
        )  # fmt: skip
        assert bad.status_code == 422
    confide = deployment.open()
    try:
        assert ReportDesk(confide).open(codes[0]).filer == "migrant-legal-aid"
    finally:
        confide.close()


def test_pages_need_sign_in(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.base_url, follow_redirects=False) as c:
        assert c.get("/staff/reports").status_code == 303
        assert c.post("/staff/reports-file", data={}).status_code == 403
