"""The message catalogs: every .po parses, every language translates every message of the
reporting pages, placeholders survive translation, and right-to-left languages say so."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from confide.i18n import DEFAULT_LANGUAGE, DOMAINS, LANGUAGES, LOCALES, catalogs, translations
from confide.web.render import render_text

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TARGETS = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def template(domain: str) -> Catalog:
    with (LOCALES / f"{domain}.pot").open("rb") as fh:
        return read_po(fh, domain=domain)


def strings(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, tuple | list) else (value or "",)


def ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def test_the_reporting_template_exists_and_is_not_empty() -> None:
    messages = [m for m in template("reporting") if m.id]
    assert len(messages) > 100
    assert any(
        m.id == "We will never ask about your immigration status or papers." for m in messages
    )


@pytest.mark.parametrize("lang", TARGETS)
def test_every_catalog_parses(lang: str) -> None:
    found = catalogs(lang)
    assert set(found) == set(DOMAINS)
    for domain in DOMAINS:
        path = LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            with path.open("rb") as fh:
                parsed = read_po(fh, locale=lang, domain=domain, abort_invalid=True)
            assert str(parsed.locale) == lang
            assert parsed.num_plurals >= 1


@pytest.mark.parametrize("lang", TARGETS)
def test_every_reporting_message_is_translated(lang: str) -> None:
    catalog = catalogs(lang)["reporting"]
    missing = []
    for wanted in template("reporting"):
        if not wanted.id:
            continue
        have = catalog.get(wanted.id, wanted.context)
        if have is None or have.fuzzy or not all(strings(have)):
            missing.append(ids(wanted)[0])
    assert missing == [], f"{lang}: {len(missing)} untranslated: {missing[:5]}"


@pytest.mark.parametrize("lang", TARGETS)
def test_plural_translations_have_every_form(lang: str) -> None:
    catalog = catalogs(lang)["reporting"]
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(strings(message)) == catalog.num_plurals, ids(message)[0]


@pytest.mark.parametrize("lang", TARGETS)
def test_placeholders_are_kept(lang: str) -> None:
    for domain, catalog in catalogs(lang).items():
        for message in catalog:
            if not message.id:
                continue
            wanted = set(PLACEHOLDER.findall(" ".join(ids(message))))
            forms = [s for s in strings(message) if s]
            for index, translated in enumerate(forms):
                got = set(PLACEHOLDER.findall(translated))
                where = f"{lang}/{domain}: {ids(message)[0]!r} → {translated!r}"
                if message.pluralizable and index < len(forms) - 1:
                    # A language may say "one day" or "two days" without the digit (Arabic);
                    # its general form, the last, still carries every placeholder.
                    assert got <= wanted, where
                else:
                    assert got == wanted, where
                # A stray % would break newstyle gettext's formatting.
                assert "%" not in PLACEHOLDER.sub("", translated), where


@pytest.mark.parametrize("lang", TARGETS)
def test_translations_render(lang: str) -> None:
    tr = translations(lang)
    source = "We will never ask about your immigration status or papers."
    assert tr.gettext(source) != source
    days = tr.ngettext("They answer within %(num)d day.", "They answer within %(num)d days.", 3)
    assert "%(num)d" in days and days % {"num": 3}


def test_right_to_left_languages_are_marked() -> None:
    assert {code for code, lang in LANGUAGES.items() if lang.direction == "rtl"} == {"ar", "fa"}
    for code, lang in LANGUAGES.items():
        page = render_text("public/withdrawn.html", lang=code, channel=_Named("X"))
        assert f'<html lang="{code}" dir="{lang.direction}">' in page


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name
