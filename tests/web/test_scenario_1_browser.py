"""Scenario 1 end to end in a real Chromium against ``confide serve``, on SQLite and
PostgreSQL: a woman reports domestic violence in Arabic with JavaScript off; the police
victim unit's officer signs in, reads the report with her status and passport number
removed (I9) and replies; she comes back with her receipt and reads the reply. The same in
Spanish with JavaScript on. Screenshots of the staff pages go to docs/screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from confide.i18n import LANGUAGES
from confide.policy import DecisionRequest
from tests.web.conftest import Account, Deployment
from tests.web.test_browser import _watch, sign_in
from tests.web.test_public_browser import PHONE, SCREENSHOTS, real

UNIT = "city-police-victim-unit"
CASES = {
    # (what she writes, what must be removed, what must stay, the officer's reply)
    "ar": (
        "زوجي يضربني ويحتفظ بجواز سفري. أنا بدون أوراق. رقم جواز سفري X0000000.",
        ("بدون أوراق", "X0000000"),
        "زوجي يضربني",
        "Synthetic reply: we have your report. You can come to the unit safely.",
    ),
    "es": (
        "Mi pareja me pega y me quitó el pasaporte. Estoy sin papeles. Pasaporte número X0000000.",
        ("sin papeles", "X0000000"),
        "Mi pareja me pega",
        "Synthetic reply: hemos recibido su denuncia.",
    ),
}
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")


def shoot(page: Page, deployment: Deployment, name: str) -> None:
    if deployment.settings.database_url.startswith("sqlite"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def report(page: Page, lang: str, story: str) -> str:
    page.goto(f"/report/{lang}")
    page.locator(f'a[href="/report/{lang}/new?type=crime"]').click()
    page.locator("#role-victim").check()
    page.locator(f"#org-{UNIT}").check()
    page.locator("#narrative").fill(story)
    page.locator("form.report button[type=submit]").click()
    assert page.url.endswith(f"/report/{lang}/review")
    page.locator(".actions button[type=submit]").first.click()
    code = "".join(page.locator(".code").inner_text().split())
    assert CODE.fullmatch(code), code
    return code


def officer_replies(
    page: Page, deployment: Deployment, account: Account, lang: str, reply: str
) -> str:
    """The officer's side; returns the report's text as the unit sees it."""
    sign_in(page, account)
    page.get_by_role("link", name="Reports", exact=True).click()
    shoot(page, deployment, f"inbox-list-{lang}")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    row = rows.filter(has_text=LANGUAGES[lang].english).first
    row.locator("a").click()
    seen = page.locator("blockquote.reason").inner_text()
    page.get_by_label("Reply to the reporter").fill(reply)
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_role("status").inner_text().startswith("Reply sent")
    shoot(page, deployment, f"inbox-report-{lang}")
    return seen


def reads_the_reply(page: Page, lang: str, code: str, reply: str) -> None:
    page.goto(f"/report/{lang}/follow")
    page.locator("#receipt").fill(code)
    page.locator("form.report button[type=submit]").click()
    messages = page.locator("ol.messages li")
    assert messages.count() == 1
    assert reply in messages.first.inner_text()


@pytest.mark.parametrize(("lang", "javascript", "officer"), [
    ("ar", False, "unit-officer"),
    ("es", True, "unit-officer-2"),
])  # fmt: skip
def test_scenario_1_in_the_browser(
    browser: Browser, deployment: Deployment, lang: str, javascript: bool, officer: str
) -> None:
    story, removed, kept, reply = CASES[lang]
    reporter = browser.new_context(
        base_url=deployment.base_url, java_script_enabled=javascript, viewport=PHONE
    )
    staff = browser.new_context(base_url=deployment.base_url, java_script_enabled=javascript)
    try:
        her = reporter.new_page()
        problems = _watch(her, deployment)
        code = report(her, lang, story)

        unit = staff.new_page()
        problems += _watch(unit, deployment)
        seen = officer_replies(unit, deployment, deployment.accounts[officer], lang, reply)
        for secret in removed:
            assert secret not in seen
        assert "[removed]" in seen
        assert kept in seen

        reads_the_reply(her, lang, code, reply)
        assert real(problems) == []
    finally:
        reporter.close()
        staff.close()

    # Whoever asks for her status is refused: the unit itself, the police, enforcement.
    confide = deployment.open()
    try:
        for org in (UNIT, "city-police", "national-immigration-authority"):
            decision = confide.policy.decide(
                DecisionRequest(
                    requester_org=org,
                    role="officer",
                    action="read",
                    purpose="criminal_investigation.victim_support",
                    holder=UNIT,
                    fields=("immigration.status",),
                )
            )
            assert decision.decision == "deny"
    finally:
        confide.close()


def test_an_ngo_files_for_someone_in_the_browser(browser: Browser, deployment: Deployment) -> None:
    context = browser.new_context(base_url=deployment.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        problems = _watch(page, deployment)
        sign_in(page, deployment.accounts["ngo-lawyer"])
        page.get_by_role("link", name="File a report").click()
        shoot(page, deployment, "inbox-file")
        page.locator("#type-labour").check()
        page.locator("#role-organisation").check()
        page.locator("#to-labour-inspectorate").check()
        page.get_by_label("What happened").fill("Our synthetic client has not been paid since May.")
        page.get_by_role("button", name="Send the report").click()
        receipts = page.locator(".receipt")
        assert receipts.count() == 2
        assert all(CODE.fullmatch(r.strip()) for r in receipts.all_inner_texts())
        shoot(page, deployment, "inbox-filed")
        assert real(problems) == []
    finally:
        context.close()


def test_the_notice_page_of_a_service(browser: Browser, deployment: Deployment) -> None:
    context = browser.new_context(base_url=deployment.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        response = page.goto("/notices/city-police-victim-unit/ar")
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("dir") == "rtl"
        shoot(page, deployment, "notice-page-ar")
    finally:
        context.close()
