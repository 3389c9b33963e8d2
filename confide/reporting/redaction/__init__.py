"""Remove status and ID content from a report's free text before it is stored or routed (I9).

A victim, witness or worker writes in their own words; the receiving service sees only
what :func:`redact` returns. Removed: words and phrases stating immigration status
("undocumented", "sin papeles", "لاجئ", "біженка"), nationality and demonyms, the
country a person is from or was born in, and passport / visa / residence-permit / ID /
asylum-case numbers. Kept: everything else — including the word "passport" in "my
employer kept my passport" (evidence of exploitation), wages, phone numbers, dates,
addresses and "the status of my complaint". See ``docs/redaction.md``.

It is a pattern-based safety net under a form that never asks for any of this. When a
passage is doubtful it is removed; when the scanner itself fails the whole text is
withheld (fail closed).

Presidio runs the recognizers (:mod:`._presidio`); it is imported on the first call, not
when this module is imported, and the analyzer is built once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from confide.reporting.redaction._names import (
    COUNTRY_OF_BIRTH,
    DOCUMENT_NUMBER,
    IMMIGRATION_STATUS,
    KINDS,
    NATIONALITY,
    SUPPORTED_LANGUAGES,
    UNSCANNED,
)

__all__ = [
    "COUNTRY_OF_BIRTH",
    "DOCUMENT_NUMBER",
    "IMMIGRATION_STATUS",
    "KINDS",
    "NATIONALITY",
    "REDACTED",
    "SUPPORTED_LANGUAGES",
    "UNSCANNED",
    "Finding",
    "Redacted",
    "redact",
]

#: What replaces each removed passage.
REDACTED: Final = "[removed]"

_log = logging.getLogger("confide.reporting.redaction")
_PRIORITY: Final = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One removed passage: what it was and where it was in the original text."""

    kind: str  # one of KINDS
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str  # the redacted text
    findings: tuple[Finding, ...]  # in text order, not overlapping


def _language_code(language: object) -> str:
    """``"pt-BR"`` → ``"pt"``; anything unusable → ``""`` (unknown, so every language)."""
    if not isinstance(language, str):
        return ""
    return language.strip().replace("_", "-").partition("-")[0].lower()


def _merge(spans: list[tuple[str, int, int]]) -> list[Finding]:
    """Overlapping or touching spans become one passage of the most specific kind."""
    merged: list[Finding] = []
    for kind, start, end in sorted(spans, key=lambda span: (span[1], span[2])):
        if start >= end:
            continue
        if merged and start <= merged[-1].end:
            last = merged[-1]
            best = min(last.kind, kind, key=lambda k: _PRIORITY.get(k, len(_PRIORITY)))
            merged[-1] = Finding(best, last.start, max(last.end, end))
        else:
            merged.append(Finding(kind, start, end))
    return merged


def _find(text: str, language: str) -> list[Finding]:
    # Imported here, not above: the web server imports this module at start-up, and the
    # matching machinery (regex, the term files, Presidio) is only needed on first use.
    from confide.reporting.redaction._engine import analyzer, analyzer_keys  # noqa: PLC0415
    from confide.reporting.redaction._fold import fold  # noqa: PLC0415

    folded = fold(text)
    engine = analyzer()
    spans: list[tuple[str, int, int]] = []
    for key in analyzer_keys(language, folded.text):
        for kind, start, end in engine.spans(folded.text, key):
            spans.append((kind, *folded.span(start, end)))
    return _merge(spans)


def redact(text: str, language: str) -> Redacted:
    """Remove status and ID content from ``text``, written in a form in ``language``.

    ``language`` is one of :data:`SUPPORTED_LANGUAGES` (a region suffix such as ``pt-BR`` is
    ignored); any other value runs every language's recognizers. Never raises for a ``str``:
    if scanning fails, the whole text is withheld as one ``unscanned`` passage.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() needs the text as str, not {type(text).__name__}")
    if not text:
        return Redacted("", ())
    try:
        findings = _find(text, _language_code(language))
    except Exception as exc:  # fail closed (I9): withhold the text, never forward it
        # The text is personal data: log the failure's type only.
        _log.error("redaction failed (%s); the whole text is withheld", type(exc).__name__)
        return Redacted(REDACTED, (Finding(UNSCANNED, 0, len(text)),))
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces.append(text[position : finding.start])
        pieces.append(REDACTED)
        position = finding.end
    pieces.append(text[position:])
    return Redacted("".join(pieces), tuple(findings))
