"""The public reporting pages over HTTP (TestClient), on SQLite and PostgreSQL: every page in
every language, no question about status or ID, the whole flow from the form to withdrawing,
CSRF, size limits, wrong and throttled receipts, and no receipt in any URL or log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from confide.api.app import SECURITY_HEADERS, create_app
from confide.i18n import LANGUAGES, translations
from confide.reporting import MAX_TEXT, REPORT_TYPES
from confide.reporting.tables import reports
from confide.runtime import Confide
from confide.web.public import MAX_BODY_BYTES, ROLES

RECEIPT = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: Every name a public form may send. Nothing about status, nationality, birth or papers.
ALLOWED_FIELDS = {
    "csrf",
    "type",
    "role",
    "org",
    "narrative",
    "contact_name",
    "contact_phone",
    "contact_email",
    "receipt",
    "text",
    "confirm",
    "once",  # the review form's one-time token (a reload cannot send twice)
}
FORBIDDEN_WORDS = re.compile(
    r"status|nationality|citizenship|country|birth|born|passport|visa|permit|papers|"
    r"document|immigration|\bid\b|identity card|residence",
    re.IGNORECASE,
)
NARRATIVE = (
    "My husband hit me again last night and took my phone.\n"
    "He keeps my passport AB1234567 and says I am undocumented, so I am afraid."
)


class Form(HTMLParser):
    """The form fields of a page, with the text of each label and legend."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[tuple[str, str]] = []  # (type, name)
        self.labels: list[str] = []
        self._open: str | None = None
        self._text: list[str] = []
        self.html_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_attrs = found
        if tag in ("input", "textarea", "select"):
            self.names.append((found.get("type") or tag, found.get("name") or ""))
        if tag in ("label", "legend"):
            self._open, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self.labels.append(" ".join("".join(self._text).split()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)


def parse(html: str) -> Form:
    form = Form()
    form.feed(html)
    return form


@pytest.fixture
def client(confide: Confide) -> Iterator[TestClient]:
    # https: the CSRF cookie is Secure (and __Host-) anywhere but plain-HTTP loopback.
    with TestClient(create_app(confide), base_url="https://testserver") as c:
        yield c


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def report_form(client: TestClient, lang: str = "en", **values: str) -> dict[str, str]:
    page = client.get(f"/report/{lang}/new?type={values.get('type', 'crime')}")
    assert page.status_code == 200
    form = {
        "csrf": csrf_of(page),
        "type": "crime",
        "role": "victim",
        "org": "city-police-victim-unit",
        "narrative": NARRATIVE,
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
    }
    form.update(values)
    return form


def count_reports(confide: Confide) -> int:
    with confide.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def send(client: TestClient, lang: str = "en", **values: str) -> tuple[str, httpx.Response, str]:
    """Send a report: (receipt, the receipt page, the CSRF token of this browser)."""
    form = report_form(client, lang, **values)
    sent = client.post(f"/report/{lang}/send", data=form)
    assert sent.status_code == 200, sent.text
    found = RECEIPT.search(re.sub(r"</?span>", "", sent.text))
    assert found is not None, "no receipt on the page"
    return found.group(0), sent, form["csrf"]


def headline(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found is not None
    return found.group(1).strip()


# -- every page, every language -----------------------------------------------------------


def test_the_first_page_lists_every_language_in_itself(client: TestClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    assert '<html lang="en" dir="ltr">' in page.text
    for lang in LANGUAGES.values():
        assert f'<li lang="{lang.code}" dir="{lang.direction}">' in page.text
        assert f'href="/report/{lang.code}" hreflang="{lang.code}">{lang.name}</a>' in page.text
        reassurance = translations(lang.code).gettext(
            "We will never ask about your immigration status or papers."
        )
        assert reassurance in page.text
        if lang.code != "en":
            assert "immigration status" not in reassurance, f"{lang.code} is not translated"
    # A notice's QR code names the service; the choice of language keeps it.
    assert (
        'href="/report/so?org=labour-inspectorate"'
        in client.get("/report?org=labour-inspectorate").text
    )


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_renders_in_every_language(client: TestClient, lang: str) -> None:
    direction = LANGUAGES[lang].direction
    opening = f'<html lang="{lang}" dir="{direction}">'
    pages = [client.get(f"/report/{lang}"), client.get(f"/report/{lang}/follow")]
    pages += [client.get(f"/report/{lang}/new?type={t}") for t in REPORT_TYPES]
    review = client.post(f"/report/{lang}/review", data=report_form(client, lang))
    assert review.status_code == 200, review.text
    pages.append(review)
    for page in pages:
        assert page.status_code == 200, page.url
        assert page.text.startswith("<!doctype html>\n" + opening), page.url
        assert "<script" not in page.text and "style=" not in page.text
    if lang != "en":
        english = [client.get("/report/en"), client.get("/report/en/follow")]
        for page, source in zip(pages, english, strict=False):
            assert headline(page.text) != headline(source.text), f"{page.url} is in English"


def test_an_unknown_language_is_a_404_in_english_with_the_languages(client: TestClient) -> None:
    for url in ("/report/xx", "/report/de/new?type=crime", "/report/zz/follow"):
        page = client.get(url)
        assert page.status_code == 404
        assert '<html lang="en" dir="ltr">' in page.text
        for lang in LANGUAGES.values():
            assert f'href="/report/{lang.code}"' in page.text
    refused = client.post("/report/xx/send", data={"csrf": "x"})
    assert refused.status_code == 404


def test_an_unknown_report_type_shows_the_choices(client: TestClient) -> None:
    page = client.get("/report/fr/new?type=immigration")
    assert page.status_code == 404
    for t in REPORT_TYPES:
        assert f"/report/fr/new?type={t}" in page.text


# -- what is never asked ------------------------------------------------------------------


def every_form_page(client: TestClient, lang: str) -> list[httpx.Response]:
    pages = [client.get(f"/report/{lang}/new?type={t}") for t in REPORT_TYPES]
    pages.append(client.get(f"/report/{lang}/follow"))
    pages.append(client.post(f"/report/{lang}/review", data=report_form(client, lang)))
    return pages


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_field_asks_for_status_nationality_birth_or_papers(
    client: TestClient, lang: str
) -> None:
    for page in every_form_page(client, lang):
        form = parse(page.text)
        names = {name for _, name in form.names}
        assert names <= ALLOWED_FIELDS, f"{page.url}: unexpected fields {names - ALLOWED_FIELDS}"
        if lang == "en":
            for label in form.labels:
                assert not FORBIDDEN_WORDS.search(label), f"{page.url}: {label!r}"


def test_the_form_offers_the_roles_and_services_of_each_type(client: TestClient) -> None:
    for report_type in REPORT_TYPES:
        page = client.get(f"/report/en/new?type={report_type}")
        roles = {n for t, n in parse(page.text).names if t == "radio" and n == "role"}
        assert roles == {"role"}
        for role in ROLES[report_type]:
            assert f'id="role-{role}" name="role" value="{role}"' in page.text
        if report_type != "crime":
            assert 'value="witness"' not in page.text
    labour = client.get("/report/en/new?type=labour&org=labour-inspectorate").text
    assert 'value="labour-inspectorate" checked' in labour
    assert "city-police-victim-unit" not in labour  # the police unit takes crime reports only
    home = client.get("/report/pt?org=labour-inspectorate").text
    assert "/report/pt/new?type=labour&amp;org=labour-inspectorate" in home
    # Contact details are optional and say so.
    assert "You can stay anonymous" in client.get("/report/en/new?type=crime").text


# -- the whole flow -----------------------------------------------------------------------


def test_report_review_send_follow_answer_withdraw(client: TestClient, confide: Confide) -> None:
    form = report_form(client, contact_name="Ana")
    review = client.post("/report/en/review", data=form)
    assert review.status_code == 200
    assert "Exampleton Police Victim and Witness Unit" in review.text
    assert "Nothing has been sent yet" in review.text
    assert "we remove anything about immigration status" in review.text
    # The form comes back in hidden fields: nothing is stored before "Send".
    assert 'name="narrative" value="My husband hit me' in review.text
    assert count_reports(confide) == 0
    # "Change" shows the form again as typed.
    change = client.post("/report/en/new", data=form)
    assert change.status_code == 200
    assert "AB1234567 and says I am undocumented" in change.text
    assert 'value="victim" checked' in change.text

    sent = client.post("/report/en/send", data=form)
    assert sent.status_code == 200
    assert sent.headers["cache-control"] == "no-store"
    receipt = RECEIPT.search(re.sub(r"</?span>", "", sent.text))
    assert receipt is not None
    code = receipt.group(0)
    assert "This is the only time you will see it" in sent.text
    assert "Before sending, we removed" in sent.text  # the passport number and the status
    assert count_reports(confide) == 1

    opened = client.post("/report/en/follow", data={"csrf": form["csrf"], "receipt": code})
    assert opened.status_code == 200
    assert "My husband hit me again" in opened.text
    assert "AB1234567" not in opened.text  # I9: the service never received it
    assert "Sent, not read yet" in opened.text
    assert f'name="receipt" value="{code}"' in opened.text  # re-sent by each form

    # Typed loosely (spaces, lower case) it still opens.
    loose = code.replace("-", " ").lower()
    again = client.post("/report/en/follow", data={"csrf": form["csrf"], "receipt": loose})
    assert again.status_code == 200

    empty = client.post(
        "/report/en/follow/answer", data={"csrf": form["csrf"], "receipt": code, "text": " "}
    )
    assert empty.status_code == 422 and "Write your message" in empty.text
    answered = client.post(
        "/report/en/follow/answer",
        data={"csrf": form["csrf"], "receipt": code, "text": "He came back today."},
    )
    assert answered.status_code == 200
    assert "Your message was sent" in answered.text
    assert "He came back today." in answered.text

    ask = client.post("/report/en/follow/withdraw", data={"csrf": form["csrf"], "receipt": code})
    assert ask.status_code == 200
    assert "Withdraw your report?" in ask.text and 'name="confirm" value="yes"' in ask.text
    still = client.post("/report/en/follow", data={"csrf": form["csrf"], "receipt": code})
    assert still.status_code == 200  # asking changed nothing
    done = client.post(
        "/report/en/follow/withdraw",
        data={"csrf": form["csrf"], "receipt": code, "confirm": "yes"},
    )
    assert done.status_code == 200
    assert "Your report has been withdrawn" in done.text
    gone = client.post("/report/en/follow", data={"csrf": form["csrf"], "receipt": code})
    assert gone.status_code == 404
    assert "We could not open a report with this code" in gone.text


@pytest.mark.parametrize("lang", ["ar", "ti"])
def test_the_flow_in_another_language(client: TestClient, lang: str) -> None:
    code, sent, token = send(client, lang, narrative="ضربني زوجي. Mi esposo me pegó.")
    assert f'<html lang="{lang}"' in sent.text
    assert 'class="code" dir="ltr"' in sent.text
    opened = client.post(f"/report/{lang}/follow", data={"csrf": token, "receipt": code})
    assert opened.status_code == 200
    assert "ضربني زوجي" in opened.text


def test_a_report_without_contact_is_anonymous(client: TestClient) -> None:
    form = report_form(client)
    review = client.post("/report/en/review", data=form)
    assert "No contact details: you stay anonymous" in review.text


def test_missing_answers_come_back_with_what_was_typed(client: TestClient) -> None:
    form = report_form(client, role="", org="", contact_phone="0000 000 0009")
    page = client.post("/report/en/review", data=form)
    assert page.status_code == 422
    assert "Choose who you are." in page.text
    assert "Choose the service that should receive your report." in page.text
    assert 'href="#role-victim"' in page.text
    assert "AB1234567 and says I am undocumented" in page.text
    assert 'value="0000 000 0009"' in page.text
    # A service that does not take this type is not a choice.
    wrong = client.post("/report/en/review", data=report_form(client, org="northside-school"))
    assert wrong.status_code == 422
    # A witness may report a crime, not a problem at work.
    witness = report_form(client, type="labour", role="witness", org="labour-inspectorate")
    assert client.post("/report/en/review", data=witness).status_code == 422


# -- refusals -----------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_does_nothing(client: TestClient, confide: Confide) -> None:
    form = report_form(client)
    for token in ("", "forged-token"):
        refused = client.post("/report/en/send", data={**form, "csrf": token})
        assert refused.status_code == 403
        assert "nothing was sent" in refused.text
        assert "AB1234567 and says I am undocumented" in refused.text  # nothing lost
    # A page from another site carries no cookie (SameSite=Strict): refused as well.
    with TestClient(client.app, base_url="https://testserver") as other:
        assert other.post("/report/en/send", data=form).status_code == 403
        follow = other.post("/report/en/follow", data={"csrf": form["csrf"], "receipt": "x"})
        assert follow.status_code == 403
    assert count_reports(confide) == 0
    with TestClient(client.app, base_url="https://testserver") as fresh:
        header = fresh.get("/report/en/follow").headers["set-cookie"]
    assert header.startswith("__Host-confide_report=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute in header
    assert "Max-Age" not in header and "expires" not in header.lower()  # gone with the browser


def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    form = report_form(client)
    big = client.post(
        "/report/es/send",
        content=b"narrative=" + b"a" * (MAX_BODY_BYTES + 10),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    assert '<html lang="es"' in big.text and "20.000" in big.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"csrf=" + form["csrf"].encode() + b"&narrative="
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"b" * 65536

    streamed = client.post(
        "/report/en/review",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
    # Under the byte limit but over MAX_TEXT characters: the form again, with the reason.
    long = client.post("/report/en/review", data={**form, "narrative": "x" * (MAX_TEXT + 1)})
    assert long.status_code == 422
    assert "Your text is too long" in long.text


def test_a_wrong_receipt_says_so_without_saying_more(client: TestClient) -> None:
    code, _, token = send(client)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    for attempt in (wrong, "not a receipt", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"):
        page = client.post("/report/en/follow", data={"csrf": token, "receipt": attempt})
        assert page.status_code == 404
        assert "We could not open a report with this code" in page.text
        assert attempt not in page.text  # never echoed
    empty = client.post("/report/en/follow", data={"csrf": token, "receipt": "  "})
    assert empty.status_code == 422 and "Enter your receipt code" in empty.text
    for action in ("answer", "withdraw"):
        page = client.post(
            f"/report/en/follow/{action}", data={"csrf": token, "receipt": wrong, "text": "x"}
        )
        assert page.status_code == 404


def test_too_many_wrong_receipts_are_throttled(client: TestClient) -> None:
    token = csrf_of(client.get("/report/uk/follow"))
    statuses = []
    for _ in range(60):
        page = client.post("/report/uk/follow", data={"csrf": token, "receipt": "wrong"})
        statuses.append(page.status_code)
        if page.status_code == 429:
            break
    assert statuses[0] == 404 and statuses[-1] == 429
    assert int(page.headers["retry-after"]) >= 1
    assert '<html lang="uk"' in page.text and 'role="alert"' in page.text


# -- nothing leaks ------------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_no_receipt_or_report_text_in_a_url_header_or_log_line(client: TestClient) -> None:
    lines = Lines()
    logger = logging.getLogger("confide.access")
    logger.addHandler(lines)
    seen: list[httpx.Response] = []
    try:
        code, sent, token = send(client)
        seen.append(sent)
        for url, data in (
            ("/report/en/follow", {"receipt": code}),
            ("/report/en/follow/answer", {"receipt": code, "text": "a secret detail"}),
            ("/report/en/follow/withdraw", {"receipt": code}),
            ("/report/en/follow/withdraw", {"receipt": code, "confirm": "yes"}),
        ):
            seen.append(client.post(url, data={"csrf": token, **data}))
    finally:
        logger.removeHandler(lines)
    assert lines.lines, "the access log wrote nothing"
    for response in seen:
        assert response.status_code == 200
        assert response.headers.get("location") is None  # no redirect carries anything
        assert code not in str(response.url)
        for name, value in response.headers.items():
            assert code not in value, name
        assert response.headers["cache-control"] == "no-store"
    for line in lines.lines:
        for secret in (code, "a secret detail", "My husband", "testserver"):
            assert secret not in line
        assert "/report/{lang}" in line or "/static" in line


def test_security_headers_on_every_public_page(client: TestClient) -> None:
    pages = [client.get("/report"), client.get("/report/fa"), client.get("/report/xx")]
    pages += [client.get("/report/fa/new?type=crime"), client.get("/report/fa/follow")]
    for page in pages:
        for name, value in SECURITY_HEADERS.items():
            assert page.headers[name] == value
        assert page.headers["cache-control"] == "no-store"
        assert "text/html" in page.headers["content-type"]
    css = client.get("/static/public.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert len(css.content) < 12_000  # light for a cheap phone on a slow connection
    assert "inline-start" in css.text  # logical properties: RTL mirrors by itself


def test_sending_the_same_form_twice_stores_one_report(
    client: TestClient, confide: Confide
) -> None:
    form = report_form(client, lang="es")
    review = client.post("/report/es/review", data=form)
    once = re.search(r'name="once" value="([^"]+)"', review.text)
    assert once is not None, "the review page carries a one-time token"
    form["once"] = once.group(1)
    first = client.post("/report/es/send", data=form)
    assert first.status_code == 200
    again = client.post("/report/es/send", data=form)  # a reload of the receipt page
    assert again.status_code == 409
    assert "Esta denuncia ya se envió" in again.text
    assert RECEIPT.search(re.sub(r"</?span>", "", again.text)) is None
    assert count_reports(confide) == 1


@pytest.mark.parametrize("lang", ["en", "ar", "ti"])
def test_pages_are_light_enough_for_a_cheap_phone(client: TestClient, lang: str) -> None:
    """A budget, not a timing: no script, no image or font to fetch, one small stylesheet,
    and each page's HTML a few kilobytes (a slow 2G link moves about 6 KB a second)."""
    pages = [
        client.get("/report"),
        client.get(f"/report/{lang}"),
        client.get(f"/report/{lang}/follow"),
        *[client.get(f"/report/{lang}/new?type={t}") for t in ("crime", "labour", "data_misuse")],
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.text
        assert "<script" not in html
        assert "<img" not in html and "@font-face" not in html
        fetched = re.findall(r'(?:href|src)="(/[^"]*)"', html)
        assets = [u for u in fetched if u.startswith("/static/")]
        assert set(assets) <= {"/static/public.css", "/static/favicon.svg"}, assets
        assert len(page.content) < 24_000, (page.url, len(page.content))
    css = client.get("/static/public.css")
    assert css.status_code == 200
    assert len(css.content) < 12_000


def test_the_front_door_leads_to_the_reporting_pages(client: TestClient) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/report"
