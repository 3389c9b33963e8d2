"""axe-core on every public reporting page, in English, Arabic (right to left) and Tigrinya
(Ethiopic script): no violation of impact "serious" or "critical" (WCAG 2.2 A and AA rules
and axe's best practices). axe-core is pinned in tests/web/axe/package.json and installed
with ``npm ci`` when missing; every violation found is printed, minor ones included."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.web.conftest import CHROMIUM, Deployment

AXE_DIR = Path(__file__).with_name("axe")
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot install axe-core")
        subprocess.run(
            [npm, "ci", "--prefix", str(AXE_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_JS


def run_axe(page: Page, script: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(script))
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def every_page(page: Page, lang: str, check: Callable[[str], None]) -> None:
    """Walk through every public page, calling ``check(name)`` on each."""
    page.goto("/report")
    check("languages")
    page.goto("/report/xx")
    check("not-found")
    page.goto(f"/report/{lang}")
    check("home")
    page.goto(f"/report/{lang}/new?type=crime")
    check("form")
    page.locator("form.report button[type=submit]").click()
    check("form-errors")
    page.locator("#role-witness").check()
    page.locator("#org-city-police-victim-unit").check()
    page.locator("#narrative").fill("Two men beat a worker outside the station at night.")
    page.locator("#contact_name").fill("M.")
    page.locator("form.report button[type=submit]").click()
    check("review")
    page.locator(".actions button[type=submit]").first.click()
    check("sent")
    code = "".join(page.locator(".code").inner_text().split())
    page.goto(f"/report/{lang}/follow")
    check("follow")
    page.locator("#receipt").fill("0000-0000-0000-0000-0000-0000")
    page.locator("form.report button[type=submit]").click()
    check("follow-wrong")
    page.locator("#receipt").fill(code)
    page.locator("form.report button[type=submit]").click()
    check("report")
    page.locator('form[action$="/follow/answer"] button').click()
    check("report-errors")
    page.locator("#text").fill("One more thing.")
    page.locator('form[action$="/follow/answer"] button').click()
    check("report-answered")
    page.locator('form[action$="/follow/withdraw"] button').click()
    check("withdraw")
    page.locator("button.danger").click()
    check("withdrawn")


@pytest.mark.parametrize("lang", ["en", "ar", "ti"])
def test_no_serious_or_critical_violations(
    browser: Browser, deployment: Deployment, axe_script: Path, lang: str
) -> None:
    # axe is injected as a script element: the page's own CSP (rightly) refuses it.
    context = browser.new_context(
        base_url=deployment.base_url, bypass_csp=True, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    blocking: list[str] = []
    checked: list[str] = []

    def check(name: str) -> None:
        checked.append(name)
        for violation in run_axe(page, axe_script):
            nodes = [n["target"] for n in violation["nodes"]]
            line = f"{lang}/{name}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            print(line, json.dumps(nodes)[:300])
            if violation["impact"] in BLOCKING:
                blocking.append(line)

    every_page(page, lang, check)
    context.close()
    print(f"axe {lang}: {len(checked)} pages, {len(blocking)} serious or critical violations")
    assert len(checked) == 14
    assert blocking == []


def test_axe_finds_what_it_should(browser: Browser, axe_script: Path) -> None:
    """The harness itself: an unlabelled field and a low-contrast line are reported."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<input type="text"><p style="color:#bbb">faint</p></main></body></html>'
    )
    found = {v["id"] for v in run_axe(page, axe_script)}
    page.close()
    assert {"label", "color-contrast"} <= found
