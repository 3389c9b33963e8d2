"""Languages and message catalogs for the pages people read: reporting, notices, consent.

Catalogs are gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/<domain>.po``, one
domain per area (``reporting`` for the public reporting pages, ``notices`` for the
know-your-rights notices, ``consent`` for the person's consent pages and the consent
sentence she is shown). They are read with Babel when first needed and merged into one
:class:`babel.support.Translations` per language, so there is no compile step to forget.
A string with no translation (or a fuzzy one) falls back to English; ``confide i18n
missing`` lists them for translators.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAINS",
    "LANGUAGES",
    "LOCALES",
    "Language",
    "catalogs",
    "language",
    "translations",
]

LOCALES: Final = Path(__file__).with_name("locales")
DOMAINS: Final = ("reporting", "notices", "consent")
DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    #: The language's name in itself (what a person looks for on the first page).
    name: str
    english: str
    direction: str  # "ltr" or "rtl"


LANGUAGES: Final[Mapping[str, Language]] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "English", "ltr"),
        Language("es", "Español", "Spanish", "ltr"),
        Language("fr", "Français", "French", "ltr"),
        Language("pt", "Português", "Portuguese", "ltr"),
        Language("ar", "العربية", "Arabic", "rtl"),
        Language("ro", "Română", "Romanian", "ltr"),
        Language("uk", "Українська", "Ukrainian", "ltr"),
        Language("ti", "ትግርኛ", "Tigrinya", "ltr"),
        Language("so", "Soomaali", "Somali", "ltr"),
        Language("fa", "فارسی", "Farsi (Persian)", "rtl"),
    )
}


def language(code: str | None) -> Language:
    """The supported language ``code`` names, or English (the fallback) for anything else."""
    return LANGUAGES.get(code or "", LANGUAGES[DEFAULT_LANGUAGE])


def catalogs(code: str) -> dict[str, Catalog]:
    """The parsed catalog of each domain for ``code`` (missing files are empty catalogs)."""
    found: dict[str, Catalog] = {}
    for domain in DOMAINS:
        path = LOCALES / code / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            with path.open("rb") as fh:
                found[domain] = read_po(fh, locale=code, domain=domain)
        else:
            found[domain] = Catalog(locale=code, domain=domain)
    return found


@functools.cache
def translations(code: str) -> NullTranslations:
    """Every domain's translations for ``code`` merged; English (identity) when unsupported.

    Fuzzy and empty entries are left out, so they fall back to the English source string."""
    if code not in LANGUAGES or code == DEFAULT_LANGUAGE:
        return NullTranslations()
    merged: Translations | None = None
    for catalog in catalogs(code).values():
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        part = Translations(buffer)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged if merged is not None else NullTranslations()
