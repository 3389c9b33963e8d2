"""Notices, posters and wallet cards: every organisation and language renders, PDFs are
valid with the right number of pages, files are written safely, the checkpoint is cited."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from markupsafe import escape
from weasyprint import HTML  # type: ignore[import-untyped]

from confide.errors import NotFound
from confide.i18n import LANGUAGES
from confide.notices.build import (
    OutputError,
    atomic_write,
    check_lang,
    check_org,
    noticed_orgs,
    pdf,
    render_documents,
    write_documents,
)
from confide.notices.catalog import extract, po_path
from confide.notices.proof import CheckpointFacts, checkpoint_note, fingerprint, latest
from confide.notices.view import (
    DISCREET_SECTORS,
    BadPublicUrl,
    public_url,
    qr_svg,
    report_url,
    stylesheet,
    text_direction,
)
from confide.policy import CompiledPolicy
from confide.runtime import Confide, signing_key_path
from confide.transparency.signer import load_signing_key, load_verifier_key, verifier_key_path
from tests.notices.test_promise import changed_baseline

BASE = "https://confide.example.org"
CLINIC = "st-marys-clinic"
CLOSED = "red-cross-point"


def pages(html: str) -> int:
    return len(HTML(string=html).render().pages)


# -- HTML: every organisation, every language ----------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_organisation_renders_in_every_language(baseline: CompiledPolicy, lang: str) -> None:
    direction = LANGUAGES[lang].direction
    for org in noticed_orgs(baseline):
        documents = render_documents(baseline, org, lang, base_url=BASE, checkpoint=None)
        assert set(documents) == {"notice", "poster", "card"}
        for kind, html in documents.items():
            assert f'<html lang="{lang}" dir="{direction}">' in html, (org, kind)
            assert "<style>" in html  # standalone: no external stylesheet
            assert not re.search(r'(?:src|href)="(?!data:)(?:https?:)?//', html), (org, kind)
            if kind == "card" and baseline.policy.organisations[org].sector in DISCREET_SECTORS:
                continue  # a refuge's card names nothing (see the test below)
            assert report_url(BASE, lang, org).replace("&", "&amp;") in html


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_every_language_is_translated(baseline: CompiledPolicy, lang: str) -> None:
    documents = render_documents(baseline, CLINIC, lang, base_url=BASE, checkpoint=None)
    english = render_documents(baseline, CLINIC, "en", base_url=BASE, checkpoint=None)
    for kind, html in documents.items():
        for sentence in (
            "We never give your information to immigration authorities.",
            "What happens to what you tell us",
            "Your immigration status",
        ):
            if sentence in english[kind]:
                assert sentence not in html, (lang, kind, sentence)


def test_every_catalog_translates_every_message() -> None:
    from babel.messages.pofile import read_po

    template = extract()
    ids = {m.id for m in template if m.id}
    pot = po_path("es").parent.parent.parent / "notices.pot"
    with pot.open("rb") as fh:
        assert {m.id for m in read_po(fh) if m.id} == ids, (
            "run confide i18n extract --domain notices"
        )
    for lang in LANGUAGES:
        if lang == "en":
            continue
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            assert not message.fuzzy, (lang, message.id)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), (lang, message.id)
        assert {m.id for m in catalog if m.id} == ids, lang
        assert not list(catalog.check()), lang


def test_the_notice_says_what_the_promise_says(baseline: CompiledPolicy) -> None:
    html = render_documents(baseline, CLINIC, "en", base_url=BASE, checkpoint=None)["notice"]
    assert "We never give your information to immigration authorities." in html
    assert "Exampleton City Hospital (synthetic)" in html
    assert "Only with a judge's written warrant" in html
    assert "Only in an emergency" in html
    assert "Records for health care: 8 years." in html
    assert "Our system does not let our staff see your immigration status" in html
    assert "Exampleton Police Victim and Witness Unit (synthetic)" in html  # a channel
    assert "No log checkpoint has been published yet" in html
    assert baseline.hash in html
    assert "National Immigration Authority" not in html


def test_a_closed_service_says_nothing_leaves(baseline: CompiledPolicy) -> None:
    documents = render_documents(baseline, CLOSED, "en", base_url=BASE, checkpoint=None)
    assert "Nothing leaves this service at all." in documents["notice"]
    assert "Not even when we refer you to another service" in documents["notice"]
    assert "Who else may see some of it" not in documents["notice"]
    assert "Nothing you tell us leaves this place." in documents["poster"]
    assert "Nothing you tell us leaves this place." in documents["card"]


def test_changing_the_policy_changes_the_notice(baseline: CompiledPolicy) -> None:
    changed = changed_baseline()
    before = render_documents(baseline, CLINIC, "en", base_url=BASE, checkpoint=None)["notice"]
    after = render_documents(changed, CLINIC, "en", base_url=BASE, checkpoint=None)["notice"]
    assert "Exampleton City Council (synthetic)" not in before
    assert "Exampleton City Council (synthetic)" in after
    assert "For housing: your address and your phone number." in after
    assert changed.hash in after
    assert baseline.hash not in after


def test_organisation_and_language_are_checked(baseline: CompiledPolicy) -> None:
    for bad in ("../etc", "national-immigration-authority", "", "st-marys-clinic/..", "."):
        with pytest.raises(NotFound):
            check_org(baseline, bad)
    for bad in ("xx", "../en", "EN", ""):
        with pytest.raises(NotFound):
            check_lang(bad)


def test_names_keep_their_own_direction() -> None:
    assert text_direction("1 Example Road") == "ltr"
    assert text_direction("عيادة القديسة مريم") == "rtl"
    assert text_direction("12 34") == "ltr"


# -- the QR code and the public URL ------------------------------------------------------


def test_the_qr_code_carries_the_reporting_url() -> None:
    url = report_url(BASE, "ti", CLINIC)
    assert url == f"{BASE}/report/ti?org={CLINIC}"
    svg = qr_svg(url)
    assert svg.startswith("<svg") and 'class="qr"' in svg
    assert f"<title>{url}</title>" in svg
    assert "style=" not in svg  # the app's CSP refuses inline styles


def test_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFIDE_PUBLIC_URL", raising=False)
    assert public_url() == "http://127.0.0.1:8000"
    monkeypatch.setenv("CONFIDE_PUBLIC_URL", "https://help.example.org/confide/")
    assert public_url() == "https://help.example.org/confide"
    assert public_url("http://localhost:9000") == "http://localhost:9000"
    for bad in (
        "ftp://x",
        "example.org",
        "https://x/?a=b",
        "https://u:p@x",
        "https://x/#f",
        "javascript:alert(1)",
        "https://x/<script>",
    ):
        with pytest.raises(BadPublicUrl):
            public_url(bad)


# -- PDFs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_cards_and_posters_fit_their_pages(baseline: CompiledPolicy, lang: str) -> None:
    # The longest name and the most promises: the clinic; a closed service differs.
    for org in (CLINIC, "city-police-victim-unit"):
        documents = render_documents(
            baseline, org, lang, base_url=BASE, checkpoint=None, kinds=("poster", "card")
        )
        assert pages(documents["card"]) == 2, (org, lang)  # front and back, no overflow
        assert pages(documents["poster"]) == 1, (org, lang)


@pytest.mark.parametrize("lang", ["en", "ar", "uk", "ti", "fa"])
def test_notices_are_one_or_two_pages(baseline: CompiledPolicy, lang: str) -> None:
    for org in (CLINIC, "northside-school", CLOSED):
        html = render_documents(
            baseline, org, lang, base_url=BASE, checkpoint=None, kinds=("notice",)
        )["notice"]
        assert 1 <= pages(html) <= 2, (org, lang)


def test_a_pdf_is_a_pdf(baseline: CompiledPolicy) -> None:
    html = render_documents(baseline, CLINIC, "ar", base_url=BASE, checkpoint=None)["card"]
    data = pdf(html)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pages(html) == 2


# -- files --------------------------------------------------------------------------------


def test_write_documents(baseline: CompiledPolicy, tmp_path: Path) -> None:
    out = tmp_path / "out" / "clinic"
    written = write_documents(
        out, baseline, CLINIC, "es", base_url=BASE, checkpoint=None, fmt="both"
    )
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "qr.svg",
            "notice.html",
            "notice.pdf",
            "poster.html",
            "poster.pdf",
            "card.html",
            "card.pdf",
        ]
    )
    assert sorted(p.name for p in out.iterdir()) == names  # no temporary file left behind
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o644
    assert (out / "notice.pdf").read_bytes().startswith(b"%PDF")
    assert report_url(BASE, "es", CLINIC) in (out / "qr.svg").read_text()
    html_only = write_documents(
        tmp_path / "h", baseline, CLINIC, "en", base_url=BASE, checkpoint=None, fmt="html"
    )
    assert not any(p.suffix == ".pdf" for p in html_only)


def test_write_refuses_a_file_or_a_link(baseline: CompiledPolicy, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("keep me")
    with pytest.raises(OutputError):
        write_documents(a_file, baseline, CLINIC, "en", base_url=BASE, checkpoint=None)
    assert a_file.read_text() == "keep me"
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    os.symlink(victim, out / "qr.svg")
    with pytest.raises(OutputError):
        write_documents(out, baseline, CLINIC, "en", base_url=BASE, checkpoint=None, fmt="html")
    assert victim.read_text() == "keep me"
    (out / "dir.html").mkdir()
    with pytest.raises(OutputError):
        atomic_write(out / "dir.html", "x")


# -- the checkpoint, on SQLite and PostgreSQL ----------------------------------------------


def sign_checkpoint(confide: Confide) -> str:
    settings = confide.settings
    key = load_signing_key(signing_key_path(settings))
    origin = load_verifier_key(verifier_key_path(settings.home)).name
    return confide.log.checkpoint(key, origin)


def test_the_notice_cites_the_latest_checkpoint(confide: Confide) -> None:
    assert latest(confide.log) is None
    note = sign_checkpoint(confide)
    facts = latest(confide.log)
    assert isinstance(facts, CheckpointFacts)
    assert facts.sha256 == hashlib.sha256(note.encode()).hexdigest() == fingerprint(note)
    assert facts.short == " ".join(facts.sha256[i : i + 4] for i in range(0, 16, 4))
    assert checkpoint_note(confide.log, facts.size) == note
    assert checkpoint_note(confide.log, facts.size + 1) is None
    documents = render_documents(confide.policy, CLINIC, "en", base_url=BASE, checkpoint=facts)
    assert facts.short in documents["notice"]
    assert f"{BASE}/notices/checkpoints/{facts.size}" in documents["notice"]
    assert facts.short in documents["poster"]
    assert facts.short in documents["card"]
    assert "No log checkpoint has been published yet" not in documents["notice"]


def test_the_stylesheet_has_no_external_assets() -> None:
    css = stylesheet()
    assert "url(" not in css
    assert "@import" not in css


# -- the compact promise macro (the reporting form's confirmation step) ------------------


def test_the_promise_macro_renders_in_the_page_language(baseline: CompiledPolicy) -> None:
    from confide.notices.promise import promise_for
    from confide.web.render import _env, _language_context

    page = _env.from_string(
        '{% from "public/_promise.html" import promise with context %}{{ promise(p) }}'
    )
    shelter = promise_for(baseline, "safe-harbour-shelter")
    html = page.render(**_language_context("es"), p=shelter)
    assert "Safe Harbour Women&#39;s Refuge (synthetic) recibe su denuncia." in html
    assert "Nada va a los servicios de control de inmigración" in html
    assert "Exampleton Police (synthetic)" in html  # under a warrant
    assert "Solo con una orden judicial escrita" in html
    closed = page.render(**_language_context("en"), p=promise_for(baseline, "red-cross-point"))
    assert "at all." in closed
    assert "<dl" not in closed


def test_a_refuges_wallet_card_names_no_service(baseline: CompiledPolicy) -> None:
    """A card found in her pocket must not tell an abuser which refuge she went to."""
    shelter = "safe-harbour-shelter"
    name = str(escape(baseline.policy.organisations[shelter].name))
    documents = render_documents(baseline, shelter, "en", base_url=BASE, checkpoint=None)
    card = documents["card"]
    assert name not in card and shelter not in card
    assert f"{BASE}/report/en" in card
    assert "We never give your information to immigration authorities." in card
    assert name in documents["notice"]  # the notice on the refuge's own wall still says who
    clinic = render_documents(baseline, CLINIC, "en", base_url=BASE, checkpoint=None)["card"]
    assert str(escape(baseline.policy.organisations[CLINIC].name)) in clinic
