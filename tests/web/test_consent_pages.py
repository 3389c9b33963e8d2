"""The person's own consent pages, on SQLite and PostgreSQL.

Over HTTP (TestClient): a wrong, unknown, expired or revoked access code gets the same words
and is never echoed, wrong codes are throttled, her consents are listed with the exact words
she was shown, the receipt downloads as JSON, withdrawing asks first and then denies the next
read under the consent, another person's consent is not found, no field asks about status or
papers, every page renders in all ten languages (right to left in Arabic and Farsi), and the
code is in no URL, header, cookie, access-log line or transparency-log entry.

In Debian's Chromium against ``confide serve``: the whole walk in Farsi with JavaScript off
(code → consents → receipt → withdraw → confirmation), with screenshots for the docs, and
axe-core on every page in Arabic. Synthetic people and records only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import update

from confide.api.app import SECURITY_HEADERS, create_app
from confide.consent.consents import RECEIPT_FORMAT, ConsentBook
from confide.consent.referrals import Referrals
from confide.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES, catalogs, translations
from confide.runtime import Confide
from confide.service import access_codes
from confide.service.tables import subject_access_codes
from tests.web.conftest import CHROMIUM, Deployment
from tests.web.test_accessibility import AXE_JS, BLOCKING, run_axe

SHELTER = "safe-harbour-shelter"
LEGAL_AID = "migrant-legal-aid"
CLINIC = "st-marys-clinic"
RESIDENT = "resident-test-0001"
OTHER = "resident-test-0002"
#: Synthetic values only.
VALUES = {"identity.name": "Test Resident One", "immigration.status": "synthetic-status-value"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: Every name a consent form may send. Nothing about status, nationality, birth or papers.
ALLOWED_FIELDS = {"csrf", "code", "consent", "confirm"}
FORBIDDEN_WORDS = re.compile(
    r"status|nationality|citizenship|country|birth|born|passport|visa|permit|papers|"
    r"document|immigration|\bid\b|identity card|residence",
    re.IGNORECASE,
)
WRONG = (
    "This code does not work. Check that you typed all of it and try again. If it still does "
    "not work, ask the service that gave it to you for a new one."
)
TARGETS = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Person:
    subject: str
    pseudonym: str
    record: str
    consent: str
    code: str


def give(confide: Confide, subject: str = RESIDENT, language: str = "ar") -> Person:
    """A shelter record about ``subject``, her consent to legal aid, and her access code."""
    record = confide.vault.put(
        holder=SHELTER, subject=subject, purpose="safeguarding.adult", values=VALUES
    )
    consent = ConsentBook(confide).give(
        holder=SHELTER,
        recipient=LEGAL_AID,
        purpose="legal.advice",
        categories=["identity.name", "immigration.status"],
        language=language,
        recorded_by="test",
        subject=subject,
    )
    code, _ = access_codes.issue(confide.vault, SHELTER, subject, log=confide.log)
    pseudonym = confide.vault.keyring.pseudonym(subject)
    return Person(subject, pseudonym, record, consent.id, code)


def read_under(confide: Confide, person: Person) -> bool:
    """Whether legal aid may read her status under her consent right now."""
    disclosure = confide.vault.read(
        person.record,
        requester=LEGAL_AID,
        holder=SHELTER,
        purpose="legal.advice",
        categories=["immigration.status"],
        consent=person.consent,
    )
    return disclosure.permitted


@pytest.fixture
def client(confide: Confide) -> Iterator[TestClient]:
    # https: the CSRF cookie is Secure (and __Host-) anywhere but plain-HTTP loopback.
    with TestClient(create_app(confide), base_url="https://testserver") as c:
        yield c


def token(client: TestClient, lang: str = "en") -> str:
    page = client.get(f"/my/{lang}/consents")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def post(
    client: TestClient, path: str, csrf: str, code: str, lang: str = "en", **fields: str
) -> httpx.Response:
    suffix = f"/{path}" if path else ""
    answer: httpx.Response = client.post(
        f"/my/{lang}/consents{suffix}", data={"csrf": csrf, "code": code, **fields}
    )
    return answer


def headline(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found is not None
    return found.group(1).strip()


def alert(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found is not None, "no error summary"
    return found.group(0)


class Form(HTMLParser):
    """The form fields of a page and the text of each label."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.labels: list[str] = []
        self._label: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "textarea", "select", "button"):
            name = dict(attrs).get("name")
            if name:
                self.names.add(name)
        if tag in ("label", "legend"):
            self._label = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("label", "legend") and self._label is not None:
            self.labels.append(" ".join("".join(self._label).split()))
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)


def parse(html: str) -> Form:
    form = Form()
    form.feed(html)
    return form


def every_page(client: TestClient, confide: Confide, lang: str) -> list[httpx.Response]:
    """Every page of the walk in ``lang``: code form, wrong code, list, receipt-less pages,
    confirmation, not found, withdrawn (the last withdraws a fresh consent of her own)."""
    person = give(confide, f"resident-pages-{lang}", language=lang)
    csrf = token(client, lang)
    return [
        client.get(f"/my/{lang}/consents"),
        post(client, "", csrf, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", lang),
        post(client, "", csrf, person.code, lang),
        post(client, "withdraw", csrf, person.code, lang, consent=person.consent),
        post(client, "withdraw", csrf, person.code, lang, consent="not-hers"),
        post(client, "withdraw", csrf, person.code, lang, consent=person.consent, confirm="yes"),
    ]


# -- the code -----------------------------------------------------------------------------


def test_a_wrong_code_gets_the_same_words_whatever_was_wrong(
    client: TestClient, confide: Confide
) -> None:
    person = give(confide)
    expired = give(confide, "resident-test-expired")
    with confide.db.transaction() as conn:
        conn.execute(
            update(subject_access_codes)
            .where(subject_access_codes.c.subject == expired.pseudonym)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
    revoked = give(confide, "resident-test-revoked")
    access_codes.revoke(confide.db, revoked.code)
    mistyped = person.code[:-1] + ("0" if person.code[-1] != "0" else "1")
    csrf = token(client)
    summaries = set()
    for attempt in (
        mistyped,
        "not a code",
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        expired.code,
        revoked.code,
        "x" * 500,
    ):
        page = post(client, "", csrf, attempt)
        assert page.status_code == 404
        assert WRONG in page.text
        assert attempt not in page.text  # never echoed
        assert 'name="code" value' not in page.text
        summaries.add(alert(page.text))
    assert len(summaries) == 1, "the words differ with the reason"
    # Receipt and withdrawal with a wrong code: the same page, and nothing done.
    for path in ("receipt", "withdraw"):
        page = post(client, path, csrf, mistyped, consent=person.consent, confirm="yes")
        assert page.status_code == 404
        assert alert(page.text) in summaries
    assert ConsentBook(confide).get(person.consent, subject=person.pseudonym).state() == "active"
    empty = post(client, "", csrf, "   ")
    assert empty.status_code == 422 and "Enter your access code." in empty.text
    # Typed loosely (spaces, lower case) a good code still opens.
    loose = post(client, "", csrf, person.code.replace("-", " ").lower())
    assert loose.status_code == 200


def test_too_many_wrong_codes_are_throttled(client: TestClient, confide: Confide) -> None:
    person = give(confide)
    csrf = token(client, "uk")
    statuses = []
    for _ in range(60):
        page = post(client, "", csrf, "wrong", "uk")
        statuses.append(page.status_code)
        if page.status_code == 429:
            break
    assert statuses[0] == 404 and statuses[-1] == 429
    assert int(page.headers["retry-after"]) >= 1
    assert '<html lang="uk"' in page.text and 'role="alert"' in page.text
    # The budget holds for everyone, as for receipts: a guesser cannot tell a good code.
    held = post(client, "", csrf, person.code, "uk")
    assert held.status_code == 429 and person.code not in held.text


def test_a_post_without_the_csrf_token_does_nothing(client: TestClient, confide: Confide) -> None:
    person = give(confide)
    for csrf in ("", "forged-token"):
        page = post(client, "withdraw", csrf, person.code, consent=person.consent, confirm="yes")
        assert page.status_code == 403
        assert "nothing was done" in page.text and person.code not in page.text
    with TestClient(client.app, base_url="https://testserver") as other:  # no cookie
        csrf = token(client)
        refused = post(other, "withdraw", csrf, person.code, consent=person.consent, confirm="yes")
        assert refused.status_code == 403
    assert ConsentBook(confide).get(person.consent, subject=person.pseudonym).state() == "active"
    with TestClient(client.app, base_url="https://testserver") as fresh:
        header = fresh.get("/my/en/consents").headers["set-cookie"]
    assert header.startswith("__Host-confide_consents=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute in header


# -- her consents -------------------------------------------------------------------------


def test_her_consents_are_listed_with_the_words_she_was_shown(
    client: TestClient, confide: Confide
) -> None:
    person = give(confide)
    book = ConsentBook(confide)
    clinic = book.give(
        holder=SHELTER,
        recipient=CLINIC,
        purpose="care.treatment",
        categories=["identity.name"],
        language="en",
        recorded_by="test",
        subject=RESIDENT,
    )
    book.withdraw(clinic.id, by="staff", org=SHELTER)
    shown = book.get(person.consent, subject=person.pseudonym)
    assert shown.text is not None and "You agree" not in shown.text  # written in Arabic

    page = post(client, "", token(client), person.code)
    assert page.status_code == 200
    html = page.text
    assert headline(html) == "The consents you gave"
    assert html.count("<section") == 2
    assert "Safe Harbour Women&#39;s Refuge (synthetic)" in html
    assert "Exampleton Migrant Legal Aid (synthetic)" in html
    assert "your name and your immigration status" in html
    assert "legal advice you chose" in html
    assert "Active: sharing is allowed until" in html
    assert "Withdrawn on" in html
    # The exact words, marked as Arabic inside the English page.
    assert f'<div class="text" lang="ar" dir="rtl">{shown.text}</div>' in html.replace("&#39;", "'")
    assert "You read them in this language:" in html
    # One receipt per consent; withdrawal only for the one in force.
    assert html.count('action="/my/en/consents/receipt"') == 2
    assert html.count('action="/my/en/consents/withdraw"') == 1
    assert f'name="consent" value="{person.consent}"' in html
    assert f'name="code" value="{person.code}"' in html  # re-sent by each form, in the body
    assert "<script" not in html and "style=" not in html


def test_no_consents_says_so(client: TestClient, confide: Confide) -> None:
    confide.vault.put(holder=SHELTER, subject=OTHER, purpose="safeguarding.adult", values=VALUES)
    code, _ = access_codes.issue(confide.vault, SHELTER, OTHER, log=confide.log)
    page = post(client, "", token(client, "es"), code, "es")
    assert page.status_code == 200
    assert translations("es").gettext("We found no consent that you gave.") in page.text


def test_the_receipt_downloads_as_json_with_the_words(client: TestClient, confide: Confide) -> None:
    person = give(confide)
    answer = post(client, "receipt", token(client), person.code, consent=person.consent)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="consent-receipt-{person.consent}.json"'
    )
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    consent = ConsentBook(confide).get(person.consent, subject=person.pseudonym)
    assert body["format"] == RECEIPT_FORMAT
    assert body["consent"] == person.consent and body["state"] == "active"
    assert body["from"]["id"] == SHELTER and body["to"]["id"] == LEGAL_AID
    assert body["categories"] == ["identity.name", "immigration.status"]
    assert body["sensitive"] is True and body["language"] == "ar"
    assert body["text"] == consent.text
    digest = hashlib.sha256(body["text"].encode("utf-8")).hexdigest()
    assert body["text_sha256"] == f"sha256:{digest}"
    assert person.code not in answer.text and VALUES["immigration.status"] not in answer.text
    # Never by URL: the receipt is only ever asked for in a POST body.
    assert client.get(f"/my/en/consents/receipt?code={person.code}").status_code == 405


def test_withdrawing_asks_first_then_denies_the_next_read(
    client: TestClient, confide: Confide
) -> None:
    person = give(confide)
    referral = Referrals(confide).offer(
        holder=SHELTER, recipient=LEGAL_AID, consent=person.consent, created_by="test"
    )
    assert read_under(confide, person)
    csrf = token(client)

    ask = post(client, "withdraw", csrf, person.code, consent=person.consent)
    assert ask.status_code == 200
    assert headline(ask.text) == "Withdraw this consent?"
    assert 'name="confirm" value="yes"' in ask.text
    assert "that referral ends too" in ask.text
    assert read_under(confide, person)  # asking changed nothing

    done = post(client, "withdraw", csrf, person.code, consent=person.consent, confirm="yes")
    assert done.status_code == 200
    assert headline(done.text) == "Your consent is withdrawn"
    assert "Nothing more will be shared under this consent." in done.text
    assert "that referral has ended too" in done.text
    withdrawn = ConsentBook(confide).get(person.consent, subject=person.pseudonym)
    assert withdrawn.state() == "withdrawn" and withdrawn.withdrawn_by == "person"
    assert not read_under(confide, person)  # scenario 13: denied, and logged
    ended = Referrals(confide).get(referral.id, org=SHELTER)
    assert ended.state == "withdrawn"

    again = post(client, "withdraw", csrf, person.code, consent=person.consent, confirm="yes")
    assert again.status_code == 200  # a resent confirmation changes nothing
    listed = post(client, "", csrf, person.code)
    assert "Withdrawn on" in listed.text
    assert 'action="/my/en/consents/withdraw"' not in listed.text
    kinds = [e.kind for e in confide.log.history(person.pseudonym)]
    assert kinds.count("consent.withdrawn") == 1


def test_another_persons_consent_is_not_found(client: TestClient, confide: Confide) -> None:
    mine = give(confide)
    theirs = give(confide, OTHER)
    csrf = token(client)
    for path, extra in (
        ("receipt", {}),
        ("withdraw", {}),
        ("withdraw", {"confirm": "yes"}),
    ):
        for consent in (theirs.consent, "00000000-0000-0000-0000-000000000000", "../../x"):
            page = post(client, path, csrf, mine.code, consent=consent, **extra)
            assert page.status_code == 404, (path, consent)
            assert "We could not find this consent" in page.text
            assert theirs.consent not in page.text or consent == theirs.consent
    state = ConsentBook(confide).get(theirs.consent, subject=theirs.pseudonym).state()
    assert state == "active"
    assert read_under(confide, theirs)
    # Her own list shows only hers.
    listed = post(client, "", csrf, mine.code)
    assert mine.consent in listed.text and theirs.consent not in listed.text


# -- every page, every language -----------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_renders_in_every_language(
    client: TestClient, confide: Confide, lang: str
) -> None:
    direction = LANGUAGES[lang].direction
    assert direction == ("rtl" if lang in ("ar", "fa") else "ltr")
    opening = f'<!doctype html>\n<html lang="{lang}" dir="{direction}">'
    pages = every_page(client, confide, lang)
    assert [p.status_code for p in pages] == [200, 404, 200, 200, 404, 200]
    for page in pages:
        assert page.text.startswith(opening), page.url
        assert "<script" not in page.text and "style=" not in page.text
        assert len(page.content) < 24_000, (page.url, len(page.content))
        fetched = re.findall(r'(?:href|src)="(/[^"]*)"', page.text)
        assert {u for u in fetched if u.startswith("/static/")} <= {
            "/static/public.css",
            "/static/favicon.svg",
        }
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value
    if lang != DEFAULT_LANGUAGE:
        english = every_page(client, confide, DEFAULT_LANGUAGE)
        for page, source in zip(pages, english, strict=True):
            assert headline(page.text) != headline(source.text), f"{page.url} is in English"
    # The words she was shown are in her language, not in English.
    text = ConsentBook(confide).for_subject(
        confide.vault.keyring.pseudonym(f"resident-pages-{lang}")
    )
    assert text[0].text is not None
    assert ("You agree" in text[0].text) == (lang == DEFAULT_LANGUAGE)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_field_asks_for_status_nationality_birth_or_papers(
    client: TestClient, confide: Confide, lang: str
) -> None:
    for page in every_page(client, confide, lang):
        form = parse(page.text)
        assert form.names <= ALLOWED_FIELDS, f"{page.url}: {form.names - ALLOWED_FIELDS}"
        if lang == DEFAULT_LANGUAGE:
            for label in form.labels:
                assert not FORBIDDEN_WORDS.search(label), f"{page.url}: {label!r}"


def test_the_language_page_and_unknown_languages(client: TestClient) -> None:
    page = client.get("/my")
    assert page.status_code == 200 and '<html lang="en" dir="ltr">' in page.text
    for lang in LANGUAGES.values():
        assert f'href="/my/{lang.code}/consents" hreflang="{lang.code}">{lang.name}</a>' in (
            page.text
        )
        assert f'<li lang="{lang.code}" dir="{lang.direction}">' in page.text
    for url in ("/my/xx", "/my/de/consents"):
        missing = client.get(url)
        assert missing.status_code == 404 and 'href="/my/fa/consents"' in missing.text
    assert client.post("/my/xx/consents", data={"csrf": "x", "code": "y"}).status_code == 404
    assert client.get("/my/fa").status_code == 200


@pytest.mark.parametrize("lang", TARGETS)
def test_every_consent_message_is_translated(lang: str) -> None:
    with (LOCALES / "consent.pot").open("rb") as fh:
        template = read_po(fh, domain="consent")
    catalog = catalogs(lang)["consent"]
    missing = []
    for wanted in template:
        if not wanted.id:
            continue
        have = catalog.get(wanted.id)
        if have is None or have.fuzzy or not have.string:
            missing.append(wanted.id)
    assert missing == [], f"{lang}: {len(missing)} untranslated: {missing[:5]}"
    assert len(template) > 50


# -- nothing leaks ------------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_code_is_in_no_url_header_cookie_or_log(client: TestClient, confide: Confide) -> None:
    person = give(confide)
    secrets_ = {person.code, access_codes.normalise(person.code)}
    lines = Lines()
    # The access log does not propagate; every other logger reaches the root.
    loggers = [logging.getLogger("confide.access"), logging.getLogger()]
    for logger in loggers:
        logger.addHandler(lines)
    seen: list[httpx.Response] = []
    try:
        csrf = token(client)
        for path, extra in (
            ("", {}),
            ("receipt", {"consent": person.consent}),
            ("withdraw", {"consent": person.consent}),
            ("withdraw", {"consent": person.consent, "confirm": "yes"}),
        ):
            seen.append(post(client, path, csrf, person.code, **extra))
    finally:
        for logger in loggers:
            logger.removeHandler(lines)
    assert lines.lines, "the access log wrote nothing"
    for response in seen:
        assert response.status_code == 200
        assert response.headers.get("location") is None
        assert response.headers["cache-control"] == "no-store"
        for secret in secrets_:
            assert secret not in str(response.url)
            for name, value in response.headers.items():
                assert secret not in value, name
    for secret in secrets_:
        assert all(secret not in value for value in client.cookies.values())
        for line in lines.lines:
            assert secret not in line
    assert any(line.startswith("POST /my/{lang}/consents/receipt ") for line in lines.lines)
    # The transparency log records each look as her own request, never the code.
    history = confide.log.history(person.pseudonym)
    looks = [
        e.fields for e in history if e.kind == "decision" and e.fields.get("role") == "subject"
    ]
    assert {f["purpose"] for f in looks} == {"subject.access", "subject.portability"}
    assert all(f["decision"] == "permit" and f["record"] == person.consent for f in looks)
    every = json.dumps([e.fields for e in confide.log.entries(0, confide.log.size())])
    for secret in secrets_:
        assert secret not in every


# -- in a real browser --------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


def shoot(page: Page, deployment: Deployment, name: str, lang: str) -> None:
    """A full-page screenshot for the docs, from the SQLite run only (not written twice)."""
    if not deployment.settings.database_url.startswith("sqlite"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"consent-{name}-{lang}.png"), full_page=True)


def served_person(deployment: Deployment, subject: str, language: str) -> Person:
    confide = deployment.open()
    try:
        return give(confide, subject, language)
    finally:
        confide.close()


@needs_chromium
def test_the_walk_in_farsi_with_javascript_off(browser: Browser, deployment: Deployment) -> None:
    person = served_person(deployment, "resident-browser-fa", "fa")
    tr = translations("fa")
    context = browser.new_context(
        base_url=deployment.base_url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))

    page.goto("/my")
    shoot(page, deployment, "languages", "en")
    page.locator('a[hreflang="fa"]').click()
    assert page.url.endswith("/my/fa/consents")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fa", "rtl")
    shoot(page, deployment, "code", "fa")

    page.locator("#code").fill("0000-0000-0000-0000-0000-0000-0000")
    page.locator("form.report button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert tr.gettext(WRONG) in page.locator(".error-summary").inner_text()
    shoot(page, deployment, "code-wrong", "fa")

    page.locator("#code").fill(person.code.lower().replace("-", " "))
    page.locator("form.report button[type=submit]").click()
    assert page.locator("h1").inner_text() == tr.gettext("The consents you gave")
    assert page.locator("section").count() == 1
    words = page.locator('.text[lang="fa"]')
    assert words.get_attribute("dir") == "rtl"
    assert "Exampleton Migrant Legal Aid (synthetic)" in words.inner_text()
    assert "You agree" not in words.inner_text()
    shoot(page, deployment, "list", "fa")

    with page.expect_download() as download:
        page.locator('form[action$="/consents/receipt"] button').click()
    saved = download.value.path()
    receipt = json.loads(Path(saved).read_text(encoding="utf-8"))
    assert receipt["consent"] == person.consent and receipt["language"] == "fa"

    page.locator('form[action$="/consents/withdraw"] button').click()
    assert page.locator("h1").inner_text() == tr.gettext("Withdraw this consent?")
    shoot(page, deployment, "withdraw", "fa")
    page.locator("button.danger").click()
    assert page.locator("h1").inner_text() == tr.gettext("Your consent is withdrawn")
    assert page.locator(".success").inner_text() == tr.gettext(
        "Nothing more will be shared under this consent."
    )
    shoot(page, deployment, "withdrawn", "fa")
    context.close()

    confide = deployment.open()
    try:
        done = ConsentBook(confide).get(person.consent, subject=person.pseudonym)
        assert done.state() == "withdrawn" and done.withdrawn_by == "person"
        assert not read_under(confide, person)
    finally:
        confide.close()
    assert seen and all(url.startswith(deployment.base_url) for url in seen)
    for secret in (person.code, access_codes.normalise(person.code)):
        assert all(secret not in url for url in seen)


@needs_chromium
@pytest.mark.skipif(not AXE_JS.exists(), reason="axe-core is not installed (see tests/web/axe)")
def test_no_serious_or_critical_accessibility_violations_in_arabic(
    browser: Browser, deployment: Deployment
) -> None:
    person = served_person(deployment, "resident-browser-ar", "ar")
    # axe is injected as a script element: the page's own CSP (rightly) refuses it.
    context = browser.new_context(base_url=deployment.base_url, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    found: list[str] = []

    def check(name: str) -> None:
        for violation in run_axe(page, AXE_JS):
            line = f"ar/{name}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            print(line)
            if violation["impact"] in BLOCKING:
                found.append(line)

    page.goto("/my")
    check("languages")
    page.goto("/my/ar/consents")
    check("code")
    page.locator("form.report button[type=submit]").click()
    check("code-empty")
    page.locator("#code").fill(person.code)
    page.locator("form.report button[type=submit]").click()
    check("list")
    page.locator('form[action$="/consents/withdraw"] button').click()
    check("withdraw")
    page.locator("button.danger").click()
    check("withdrawn")
    context.close()
    assert found == []
