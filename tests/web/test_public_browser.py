"""The public reporting pages in a real Chromium against ``confide serve``: the whole flow in
Arabic with JavaScript off and in Spanish with it on, right-to-left layout, no sideways
scrolling at 320 px, no third-party request, and a screenshot of every page (phone size)
for docs/screenshots (written by the SQLite run only)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from tests.web.conftest import CHROMIUM, Deployment
from tests.web.test_browser import _watch

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 740}
RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")
NARRATIVE = {
    "ar": "زوجي يضربني ويأخذ جواز سفري. أخاف أن أتصل بالشرطة.",
    "es": "Mi jefe no me paga desde hace tres meses y me grita todos los días.",
}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


def phone(browser: Browser, deployment: Deployment, *, javascript: bool) -> BrowserContext:
    return browser.new_context(
        base_url=deployment.base_url, java_script_enabled=javascript, viewport=PHONE
    )


def shoot(page: Page, deployment: Deployment, name: str, lang: str) -> None:
    """A full-page screenshot for the docs, from the SQLite run only (not written twice)."""
    if not deployment.settings.database_url.startswith("sqlite"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"report-{name}-{lang}.png"), full_page=True)


def html_attrs(page: Page) -> tuple[str | None, str | None]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def report_and_follow(page: Page, deployment: Deployment, lang: str, report_type: str) -> None:
    """Choose the language, report, send, then come back with the receipt, answer and
    withdraw: only with links, radio buttons, text boxes and buttons (no script needed)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    direction = "rtl" if lang in ("ar", "fa") else "ltr"

    page.goto("/report")
    shoot(page, deployment, "languages", "en")
    page.locator(f'a[hreflang="{lang}"]').click()
    assert page.url.endswith(f"/report/{lang}")
    assert html_attrs(page) == (lang, direction)
    shoot(page, deployment, "home", lang)

    page.locator(f'a[href="/report/{lang}/new?type={report_type}"]').click()
    assert html_attrs(page) == (lang, direction)
    shoot(page, deployment, "form", lang)
    # Sent empty: the form comes back with the reasons, in the reader's language.
    page.locator("form.report button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator(".error-summary li").count() == 3
    shoot(page, deployment, "form-errors", lang)

    page.locator("#role-victim").check()
    org = "city-police-victim-unit" if report_type == "crime" else "labour-inspectorate"
    page.locator(f"#org-{org}").check()
    page.locator("#narrative").fill(NARRATIVE[lang])
    page.locator("#contact_phone").fill("0000 000 0042")
    page.locator("form.report button[type=submit]").click()
    assert page.url.endswith(f"/report/{lang}/review")
    assert page.locator(".text").inner_text() == NARRATIVE[lang]
    assert page.locator(".promise").count() == 1
    shoot(page, deployment, "review", lang)

    # "Change" and back: nothing typed is lost.
    page.locator("button.secondary").click()
    assert page.locator("#narrative").input_value() == NARRATIVE[lang]
    assert page.locator(f"#org-{org}").is_checked()
    page.locator("form.report button[type=submit]").click()
    page.locator(".actions button[type=submit]").first.click()

    assert page.url.endswith(f"/report/{lang}/send")
    code = "".join(page.locator(".code").inner_text().split())
    assert RECEIPT.fullmatch(code), code
    shoot(page, deployment, "sent", lang)

    page.goto(f"/report/{lang}/follow")
    shoot(page, deployment, "follow", lang)
    page.locator("#receipt").fill("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01")
    page.locator("form.report button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    shoot(page, deployment, "follow-wrong", lang)

    page.locator("#receipt").fill(code.lower().replace("-", " "))
    page.locator("form.report button[type=submit]").click()
    assert page.locator("h1").count() == 1
    assert page.locator(".text").first.inner_text().startswith(NARRATIVE[lang].split()[0])
    page.locator("#text").fill("Más información / معلومات إضافية")
    page.locator('form[action$="/follow/answer"] button').click()
    assert page.locator(".success").is_visible()
    assert page.locator("ol.messages li").count() == 1
    shoot(page, deployment, "report", lang)

    page.locator('form[action$="/follow/withdraw"] button').click()
    shoot(page, deployment, "withdraw", lang)
    page.locator("button.danger").click()
    assert page.locator("h1").count() == 1 and page.locator("form").count() == 0
    shoot(page, deployment, "withdrawn", lang)

    normalised = code.replace("-", "")
    for url in seen:
        assert code not in url and normalised not in url.upper().replace("-", "")
        assert url.startswith(deployment.base_url + "/"), f"third-party request {url}"


def real(problems: list[str]) -> list[str]:
    """Console errors other than the pages that answer 4xx on purpose (a form sent empty,
    a wrong receipt): the browser logs those responses, they are not faults."""
    expected = "Failed to load resource: the server responded with a status of 4"
    return [p for p in problems if not p.startswith(expected)]


def test_report_in_arabic_with_javascript_off(browser: Browser, deployment: Deployment) -> None:
    context = phone(browser, deployment, javascript=False)
    page = context.new_page()
    problems = _watch(page, deployment)
    report_and_follow(page, deployment, "ar", "crime")
    assert real(problems) == []
    context.close()


def test_report_in_spanish_with_javascript_on(browser: Browser, deployment: Deployment) -> None:
    context = phone(browser, deployment, javascript=True)
    page = context.new_page()
    problems = _watch(page, deployment)
    report_and_follow(page, deployment, "es", "labour")
    assert real(problems) == []  # no CSP violation, no script error, nothing from elsewhere
    context.close()


def test_an_unknown_language_page(browser: Browser, deployment: Deployment) -> None:
    context = phone(browser, deployment, javascript=False)
    page = context.new_page()
    response = page.goto("/report/xx")
    assert response is not None and response.status == 404
    assert html_attrs(page) == ("en", "ltr")
    assert page.locator("ul.languages a").count() == 10
    shoot(page, deployment, "not-found", "en")
    context.close()


def test_right_to_left_layout_mirrors(browser: Browser, deployment: Deployment) -> None:
    context = phone(browser, deployment, javascript=True)
    page = context.new_page()
    for lang in ("ar", "fa"):
        page.goto(f"/report/{lang}/new?type=crime")
        radio = page.locator("#role-victim").bounding_box()
        label = page.locator('label[for="role-victim"]').bounding_box()
        assert radio is not None and label is not None
        assert radio["x"] > label["x"], "the radio button is at the start (right) of its label"
        heading = page.locator("h1").bounding_box()
        assert heading is not None
        assert heading["x"] + heading["width"] > PHONE["width"] - 40  # aligned to the right
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar", "uk"])
def test_no_sideways_scrolling_at_320px(
    browser: Browser, deployment: Deployment, lang: str
) -> None:
    # WCAG 1.4.10: 320 CSS pixels is a 1280 px window at 400 % zoom (or a small phone).
    context = browser.new_context(
        base_url=deployment.base_url, viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    for url in ("/report", f"/report/{lang}", f"/report/{lang}/new?type=crime"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{url} is {width}px wide"
        for button in page.locator("button, input[type=radio]").all():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 24 and box["width"] >= 24
    context.close()
