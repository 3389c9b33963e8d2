"""The ``notices`` gettext domain: which templates hold its messages, and what they are.

Only the notices' own templates are read (``templates/notices/`` and the promise macro
``templates/public/_promise.html``). The catalogs are maintained with the project's tool,

    confide i18n extract --domain notices

which rewrites ``locales/notices.pot`` and updates each language's ``notices.po``; this
module lets the tests check that the catalogs match the templates and are complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

from confide.i18n import LOCALES
from confide.web.render import TEMPLATES

__all__ = ["DOMAIN", "POT", "extract", "po_path", "sources"]

DOMAIN: Final = "notices"
POT: Final = LOCALES / f"{DOMAIN}.pot"
_KEYWORDS: Final = {"_": None, "gettext": None, "ngettext": (1, 2)}
_PROJECT: Final = "Confide"


def sources() -> list[Path]:
    """The template files whose strings are in the ``notices`` domain."""
    return [
        *sorted((TEMPLATES / "notices").glob("*.html")),
        TEMPLATES / "public" / "_promise.html",
    ]


def _extracted() -> Iterator[tuple[str | tuple[str, ...], str, int]]:
    root = TEMPLATES.parent.parent.parent
    for path in sources():
        found = extract_from_file(
            "jinja2.ext:babel_extract",
            str(path),
            keywords=_KEYWORDS,
            options={"trimmed": "false", "newstyle_gettext": "true"},
        )
        for lineno, message, _comments, _context in found:
            yield message, path.relative_to(root).as_posix(), lineno


def extract() -> Catalog:
    """A template catalog (.pot) of every message in the notices' templates."""
    catalog = Catalog(
        domain=DOMAIN,
        project=_PROJECT,
        msgid_bugs_address="",
        creation_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        fuzzy=False,
    )
    for message, where, lineno in _extracted():
        catalog.add(message, locations=[(where, lineno)])
    return catalog


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
