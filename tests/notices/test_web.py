"""The public notice pages over HTTP, on SQLite and PostgreSQL: 200s, 404s, PDFs, the CSP."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from confide.api.app import create_app
from confide.i18n import LANGUAGES
from confide.notices.proof import latest
from confide.runtime import Confide
from tests.notices.test_build import sign_checkpoint

PUBLIC = "https://help.example.org"


@pytest.fixture
def client(confide: Confide, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CONFIDE_PUBLIC_URL", PUBLIC)
    with TestClient(create_app(confide)) as c:
        yield c


def test_the_list_of_notices(client: TestClient, confide: Confide) -> None:
    page = client.get("/notices")
    assert page.status_code == 200
    assert "Exampleton City Hospital (synthetic)" in page.text
    assert "/notices/st-marys-clinic/ar" in page.text
    assert "National Immigration Authority" not in page.text
    assert confide.policy.hash in page.text


def test_a_notice_page_in_every_language(client: TestClient) -> None:
    for lang in LANGUAGES:
        page = client.get(f"/notices/st-marys-clinic/{lang}")
        assert page.status_code == 200
        assert f'<html lang="{lang}" dir="{LANGUAGES[lang].direction}">' in page.text
        report = f"{PUBLIC}/report/{lang}?org=st-marys-clinic"
        assert report in page.text.replace("&amp;", "&")
        # The app's CSP allows no inline style or script: none is sent.
        assert "<style" not in page.text and " style=" not in page.text
        assert "<script" not in page.text
        assert 'href="/static/notices.css"' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]


def test_printable_pages_and_pdfs(client: TestClient) -> None:
    for kind in ("notice", "poster", "card"):
        html = client.get(f"/notices/red-cross-point/fa/{kind}")
        assert html.status_code == 200
        assert 'dir="rtl"' in html.text
        assert "<style" not in html.text and " style=" not in html.text
        document = client.get(f"/notices/red-cross-point/fa/{kind}.pdf")
        assert document.status_code == 200
        assert document.headers["content-type"] == "application/pdf"
        assert document.content.startswith(b"%PDF-")
        again = client.get(f"/notices/red-cross-point/fa/{kind}.pdf")
        assert again.content == document.content  # cached per policy and checkpoint


UNKNOWN = (
    "/notices/national-immigration-authority/en",
    "/notices/national-immigration-authority/en/notice.pdf",
    "/notices/no-such-org/en",
    "/notices/st-marys-clinic/xx",
    "/notices/st-marys-clinic/en/letter",
    "/notices/st-marys-clinic/en/letter.pdf",
    "/notices/st-marys-clinic/xx/card.pdf",
    "/notices/..%2F..%2Fetc/en",
    "/notices/checkpoints/7",
    "/notices/checkpoints/99999999999999999999999",
)


def test_unknown_things_are_404(client: TestClient) -> None:
    for path in UNKNOWN:
        assert client.get(path).status_code == 404, path


def test_the_cited_checkpoint_can_be_fetched_and_hashed(
    client: TestClient, confide: Confide
) -> None:
    page = client.get("/notices/st-marys-clinic/en")
    assert "No log checkpoint has been published yet" in page.text
    note = sign_checkpoint(confide)
    facts = latest(confide.log)
    assert facts is not None
    page = client.get("/notices/st-marys-clinic/en")
    assert facts.short in page.text
    cited = re.search(r"(https://help\.example\.org/notices/checkpoints/\d+)", page.text)
    assert cited is not None
    fetched = client.get(cited.group(1).removeprefix(PUBLIC))
    assert fetched.status_code == 200
    assert fetched.content == note.encode()
    assert hashlib.sha256(fetched.content).hexdigest().startswith(facts.short.replace(" ", ""))
