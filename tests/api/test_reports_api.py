"""/v1/reports against a real ``confide serve``, on SQLite and PostgreSQL: the inbox of the
token's organisation, redacted texts, replies and states; refusals outside its scope."""

from __future__ import annotations

from confide.reporting import ReportDesk, Submission
from tests.api.conftest import Server

UNIT = "city-police-victim-unit"
STORY = "A synthetic assault at the station. I have no papers; passport number X0000000."


def test_the_inbox_over_the_api(server: Server) -> None:
    sent = ReportDesk(server.confide).submit(Submission("crime", "witness", UNIT, STORY, "fr"))
    token, _ = server.token(UNIT, ["criminal_investigation.victim_support"], ["officer"])
    with server.client(token) as c:
        listed = c.get("/v1/reports", params={"state": "new"})
        assert listed.status_code == 200, listed.text
        ids = [r["report_id"] for r in listed.json()["reports"]]
        assert sent.report_id in ids
        one = c.get(f"/v1/reports/{sent.report_id}")
        assert one.status_code == 200
        body = one.json()
        assert "X0000000" not in body["narrative"]
        assert body["report"]["language"] == "fr"
        replied = c.post(f"/v1/reports/{sent.report_id}/messages", json={"text": "Merci."})
        assert replied.status_code == 201
        moved = c.put(f"/v1/reports/{sent.report_id}/state", json={"state": "closed"})
        assert moved.status_code == 200
        bad = c.put(f"/v1/reports/{sent.report_id}/state", json={"state": "withdrawn"})
        assert bad.status_code == 422
        empty = c.post(f"/v1/reports/{sent.report_id}/messages", json={"text": ""})
        assert empty.status_code == 422
    view = ReportDesk(server.confide).open(sent.receipt)
    assert view.state == "closed"
    assert [m.text for m in view.messages] == ["Merci."]


def test_refusals(server: Server) -> None:
    sent = ReportDesk(server.confide).submit(Submission("crime", "victim", UNIT, STORY, "en"))
    outside, _ = server.token(UNIT, ["victim_support"], ["officer"])
    with server.client(outside) as c:
        assert c.get("/v1/reports").status_code == 403  # the channel's purpose is not covered
    council, _ = server.token("city-council", ["housing"], ["caseworker"])
    with server.client(council) as c:
        existing = c.get(f"/v1/reports/{sent.report_id}")
        missing = c.get("/v1/reports/00000000-0000-0000-0000-000000000000")
        assert existing.status_code == missing.status_code == 403
        assert existing.json() == missing.json()  # I6
    with server.client() as c:
        assert c.get("/v1/reports").status_code == 401
