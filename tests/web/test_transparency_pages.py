"""The public transparency report pages and downloads over HTTP, on SQLite and PostgreSQL:
no sign-in, the checkpoint shown, the right content types, 404s, no personal data, a
report that follows the log, a refusal to show figures from a tampered log, and axe-core
in Debian's Chromium against a served deployment."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy import update

from confide.api.app import create_app
from confide.runtime import Confide
from confide.transparency import build_report
from confide.transparency.tables import log_entries
from tests.transparency.test_report import (
    CLINIC,
    ENFORCEMENT,
    UNIT,
    Made,
    ask_for_immigration,
    assert_no_personal_data,
    make_realistic_log,
    sign,
)
from tests.web.conftest import CHROMIUM, Deployment
from tests.web.test_accessibility import BLOCKING, axe_script, run_axe

# axe_script is test_accessibility's fixture (it installs axe-core once), used here too.
__all__ = ["axe_script"]

PAGES = ("/transparency", f"/transparency/{CLINIC}", f"/transparency/{UNIT}")
DOWNLOADS = (
    "/transparency.json",
    "/transparency.csv",
    f"/transparency/{CLINIC}.json",
    f"/transparency/{CLINIC}.csv",
)


@pytest.fixture
def client(confide: Confide) -> Iterator[TestClient]:
    with TestClient(create_app(confide)) as c:
        yield c


@pytest.fixture
def made(confide: Confide) -> Made:
    made = make_realistic_log(confide)
    sign(confide)
    return made


def test_the_pages_show_the_report_and_where_it_was_computed(
    client: TestClient, confide: Confide, made: Made
) -> None:
    report = build_report(confide.log, confide.policy)
    page = client.get("/transparency")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert f"tree size {report.size}</strong>" in html
    assert report.root.hex() in html
    assert report.checkpoint is not None
    assert report.checkpoint.note.splitlines()[0] in html  # the signed note, in full
    assert f'href="/notices/checkpoints/{report.size}"' in html
    assert "confide log report --size" in html
    assert "every one refused" in html
    assert "National Immigration Authority (synthetic)" in html
    assert 'href="/transparency.json?period=month"' in html
    assert 'href="/transparency.csv?period=month"' in html
    assert 'href="/transparency?period=month&amp;print=1"' in html
    assert f'href="/transparency/{CLINIC}?period=month"' in html
    # No script, no inline style: the app's CSP allows neither.
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert 'href="/static/notices.css"' in html and 'href="/static/transparency.css"' in html
    assert "default-src 'self'" in page.headers["content-security-policy"]
    css = client.get("/static/transparency.css")
    assert css.status_code == 200 and "@media print" in css.text


def test_the_printable_version_and_the_periods(client: TestClient, made: Made) -> None:
    printable = client.get("/transparency", params={"print": "1"})
    assert printable.status_code == 200
    assert 'class="page transparency printable"' in printable.text
    assert "Back to the full page" in printable.text
    assert '<pre class="signed">' in printable.text  # the checkpoint on paper too
    assert "Download JSON" not in printable.text
    quarter = client.get(f"/transparency/{CLINIC}", params={"period": "quarter"})
    assert quarter.status_code == 200
    assert 'aria-current="page">By quarter</a>' in quarter.text
    assert "-Q" in quarter.text
    document = client.get(f"/transparency/{CLINIC}.json", params={"period": "year"}).json()
    assert document["scope"] == {"organisation": CLINIC, "sector": "health", "period": "year"}


def test_downloads_have_their_content_types(
    client: TestClient, confide: Confide, made: Made
) -> None:
    for path in DOWNLOADS:
        response = client.get(path)
        assert response.status_code == 200, path
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="transparency-')
        if path.endswith(".json"):
            assert response.headers["content-type"] == "application/json"
            assert response.json()["format"] == "confide-transparency-report/1"
        else:
            assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
            rows = list(csv.reader(io.StringIO(response.text)))
            assert rows[0][0] == "section" and rows[1][0] == "#meta +section"
    served = client.get("/transparency.json").text
    assert served == build_report(confide.log, confide.policy).to_json()
    served = client.get(f"/transparency/{CLINIC}.csv").text
    assert served == build_report(confide.log, confide.policy, org=CLINIC).to_csv()


def test_no_personal_data_in_any_page_or_download(client: TestClient, made: Made) -> None:
    for path in PAGES + DOWNLOADS:
        for period in ("month", "year"):
            response = client.get(path, params={"period": period})
            assert response.status_code == 200, path
            assert_no_personal_data(response.text, made)
    assert_no_personal_data(client.get("/transparency", params={"print": "1"}).text, made)


def test_an_organisations_page_has_only_its_rows(client: TestClient, made: Made) -> None:
    unit = client.get(f"/transparency/{UNIT}").text
    assert "Exampleton Police Victim and Witness Unit (synthetic)" in unit
    # Nobody else's requests: no enforcement request, no clinic, no list of services.
    assert "National Immigration Authority" not in unit
    assert "St Mary" not in unit
    assert "report.received" in unit
    document = client.get(f"/transparency/{ENFORCEMENT}.json").json()
    assert document["totals"]["enforcement_requests"] == 2
    assert {e["requester"] for e in document["enforcement"]} == {ENFORCEMENT}


UNKNOWN = (
    "/transparency/no-such-org",
    "/transparency/no-such-org.json",
    "/transparency/no-such-org.csv",
    "/transparency?period=decade",
    "/transparency.json?period=week",
    f"/transparency/{CLINIC}.csv?period=fortnight",
)


def test_unknown_organisations_and_periods_are_404(client: TestClient, made: Made) -> None:
    for path in UNKNOWN:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "no such transparency report" in response.text
    # Paths no report route matches get the app's usual answers.
    assert client.get("/transparency/..%2F..%2Fetc").status_code == 404
    assert client.get("/transparency/" + "x" * 200).status_code in (404, 422)


def test_the_report_follows_the_log(client: TestClient, confide: Confide, made: Made) -> None:
    before = client.get("/transparency.json").json()
    ask_for_immigration(confide, ENFORCEMENT)
    after = client.get("/transparency.json").json()
    assert after["tree"]["size"] == before["tree"]["size"] + 1
    assert after["totals"]["enforcement_requests"] == before["totals"]["enforcement_requests"] + 1
    # Advanced from where it was, it is the report computed afresh.
    assert after == build_report(confide.log, confide.policy).to_dict()
    page = client.get("/transparency").text
    assert f"tree size {after['tree']['size']}</strong>" in page


def test_a_tampered_log_shows_no_figures(client: TestClient, confide: Confide, made: Made) -> None:
    entry = confide.log.entry(0)
    with confide.db.transaction() as conn:
        conn.execute(
            update(log_entries)
            .where(log_entries.c.idx == 0)
            .values(entry=entry.data.replace(b'"permit"', b'"deny"'))
        )
    page = client.get("/transparency")
    assert page.status_code == 503
    assert "cannot be computed" in page.text and "confide log verify" in page.text
    assert client.get("/transparency.csv").status_code == 503


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_the_pages_pass_axe(browser: Browser, deployment: Deployment, axe_script: Path) -> None:
    confide = deployment.open()
    try:
        ask_for_immigration(confide, ENFORCEMENT)
        sign(confide)
        ask_for_immigration(confide, "city-police")
    finally:
        confide.close()
    # axe is injected as a script element: the page's own CSP (rightly) refuses it.
    context = browser.new_context(
        base_url=deployment.base_url, bypass_csp=True, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    blocking: list[str] = []
    for path in (*PAGES, "/transparency?print=1", "/transparency?period=year", "/transparency/x"):
        response = page.goto(path)
        assert response is not None
        assert response.status == (404 if path.endswith("/x") else 200), path
        assert page.locator("h1").count() == 1
        for violation in run_axe(page, axe_script):
            line = f"{path}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            print(line, json.dumps([n["target"] for n in violation["nodes"]])[:300])
            if violation["impact"] in BLOCKING:
                blocking.append(line)
    context.close()
    assert blocking == []
