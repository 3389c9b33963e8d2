"""The staff pages in a real Chromium (Playwright) against ``confide serve``: sign-in with
password and TOTP, refusals, throttling with a known device, and break-glass → DPO review
(scenario 14) with JavaScript switched off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
)

from tests.web.conftest import CHROMIUM, PASSWORD, RECORD_VALUES, Account, Deployment

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
)


def _context(browser: Browser, deployment: Deployment, *, javascript: bool) -> BrowserContext:
    return browser.new_context(base_url=deployment.base_url, java_script_enabled=javascript)


def _watch(page: Page, deployment: Deployment) -> list[str]:
    """Console errors (a CSP violation is one) and requests leaving the server."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def request(sent: Request) -> None:
        if not sent.url.startswith(deployment.base_url + "/"):
            problems.append("third-party request: " + sent.url)

    page.on("console", console)
    page.on("request", request)
    return problems


def sign_in(page: Page, account: Account, password: str = PASSWORD) -> None:
    page.goto("/staff/sign-in")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    if password != PASSWORD:
        return
    page.get_by_label("6-digit code from your authenticator app").fill(account.code())
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign out now").click()
    assert page.get_by_role("heading", name="You are signed out").is_visible()


def test_sign_in_shows_the_dashboard(
    browser: Browser, deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> None:
    context = _context(browser, deployment, javascript=True)
    page = context.new_page()
    problems = _watch(page, deployment)
    sign_in(page, deployment.accounts["gp-clin"])
    assert page.url.endswith("/staff")
    assert page.get_by_role("heading", level=1).inner_text().startswith("St Mary")
    assert page.get_by_role("heading", name="What the policy lets you do").is_visible()
    shot = tmp_path_factory.mktemp("screenshots") / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"dashboard screenshot: {shot}")
    # The stylesheet loaded under the CSP (no inline styles needed).
    banner = page.locator("header.banner")
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 38, 63)"
    assert problems == []
    context.close()


def test_a_wrong_password_is_refused(browser: Browser, deployment: Deployment) -> None:
    context = _context(browser, deployment, javascript=True)
    page = context.new_page()
    sign_in(page, deployment.accounts["teacher"], "this is not it at all")
    assert page.get_by_role("alert").inner_text().count("not right") == 1
    assert page.url.endswith("/staff/sign-in")
    assert "this is not it" not in page.content()
    context.close()


def test_a_known_device_still_signs_in_while_a_stranger_is_held_back(
    browser: Browser, deployment: Deployment
) -> None:
    account = deployment.accounts["lock-me"]
    own = _context(browser, deployment, javascript=True)
    own_page = own.new_page()
    sign_in(own_page, account)
    assert own_page.url.endswith("/staff")
    sign_out(own_page)
    stranger = _context(browser, deployment, javascript=True)
    page = stranger.new_page()
    for _ in range(5):
        sign_in(page, account, "guessing the password")
        assert "not right" in page.get_by_role("alert").inner_text()
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    assert "too many failed attempts" in page.get_by_role("alert").inner_text()
    sign_in(own_page, account)
    assert own_page.url.endswith("/staff")
    own.close()
    stranger.close()


def test_break_glass_and_review_with_javascript_off(
    browser: Browser, deployment: Deployment
) -> None:
    """Scenario 14 in the browser, scripting disabled."""
    context = _context(browser, deployment, javascript=False)
    page = context.new_page()
    sign_in(page, deployment.accounts["hosp-clin"])
    page.get_by_role("link", name="Break-glass", exact=True).click()
    assert page.get_by_role("heading", name="Only in an emergency").is_visible()
    page.get_by_label("Record id").fill(deployment.record_id)
    page.get_by_label("Whose record").select_option("st-marys-clinic")
    page.get_by_label("Why this is an emergency").fill("Collapsed in A&E; need allergies now")
    page.get_by_label("I understand this read is logged and will be reviewed.").check()
    page.get_by_role("button", name="Read in an emergency").click()
    assert page.get_by_role("heading", name="Permitted").is_visible()
    assert RECORD_VALUES["health.allergies"] in page.locator("table").inner_text()
    sign_out(page)
    context.close()

    context = _context(browser, deployment, javascript=False)
    page = context.new_page()
    sign_in(page, deployment.accounts["hosp-dpo"])
    page.get_by_role("link", name="Reviews", exact=True).click()
    item = page.locator(".reviews > li", has_text=deployment.record_id)
    assert item.count() == 1
    assert "Collapsed in A&E" in item.inner_text() and "hosp-clin" in item.inner_text()
    item.get_by_role("button", name="Unjustified").click()
    assert page.get_by_role("status").inner_text() == "Review closed as unjustified."
    assert page.locator(".reviews > li", has_text=deployment.record_id).count() == 0
    context.close()
