"""Which recognizers run on a text, and the one analyzer per process that runs them.

A report is scanned with the recognizers of the language its form was in, plus English
(reporters mix English status words into every language: *asylum*, *visa*, *refugee
status*, *Home Office*), plus every language whose script appears in the text although
the form's language is not written in it: an Arabic-script passage in a report from the
English form is scanned as Arabic and Farsi, Cyrillic as Ukrainian, Ge'ez as Tigrinya,
and a mostly Latin-script report from a non-Latin form as every Latin-script language.
An unknown language code runs everything (fail closed).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from confide.reporting.redaction import _rx
from confide.reporting.redaction._names import SUPPORTED_LANGUAGES
from confide.reporting.redaction._terms import LanguagePatterns, language_patterns

if TYPE_CHECKING:
    from confide.reporting.redaction._presidio import Analyzer

#: The analyzer language under which every language's recognizers run.
EVERY_LANGUAGE: Final = "und"
_LATIN_SCRIPT: Final = ("en", "es", "fr", "pt", "ro", "so")
#: Other scripts, each with the languages written in it and a pattern for a word in it.
_OTHER_SCRIPTS: Final[tuple[tuple[tuple[str, ...], _rx.Pattern], ...]] = (
    (("ar", "fa"), _rx.compile_pattern(r"\p{Arabic}{2}")),
    (("uk",), _rx.compile_pattern(r"\p{Cyrillic}{2}")),
    (("ti",), _rx.compile_pattern(r"\p{Ethiopic}{2}")),
)
_LATIN_LETTER: Final = _rx.compile_pattern(r"\p{Latin}")
_LETTER: Final = _rx.compile_pattern(r"\p{L}")
#: Share of letters that makes a report from a non-Latin form "written in Latin script".
_LATIN_SHARE: Final = 0.2


def analyzer_keys(language: str, text: str) -> list[str]:
    """The analyzer language keys to run on (folded) ``text`` from a form in ``language``."""
    if language not in SUPPORTED_LANGUAGES:
        return [EVERY_LANGUAGE]
    keys = [language]
    for languages, word in _OTHER_SCRIPTS:
        if language not in languages and word.search(text) is not None:
            keys.extend(languages)
    if language not in _LATIN_SCRIPT and _LATIN_LETTER.search(text) is not None:
        latin = sum(1 for _ in _LATIN_LETTER.finditer(text))
        letters = sum(1 for _ in _LETTER.finditer(text))
        if latin >= _LATIN_SHARE * letters:
            keys.extend(other for other in _LATIN_SCRIPT if other != "en")
    if language in ("ar", "fa"):
        # The two Arabic-script languages are always scanned together: a Dari or Farsi
        # speaker may use the Arabic form and the other way round.
        keys.append("fa" if language == "ar" else "ar")
    return list(dict.fromkeys(keys))


def groups() -> dict[str, Sequence[LanguagePatterns]]:
    """Each analyzer key and the term languages whose recognizers run under it."""
    compiled = {language: language_patterns(language) for language in SUPPORTED_LANGUAGES}
    result: dict[str, Sequence[LanguagePatterns]] = {}
    for language in SUPPORTED_LANGUAGES:
        with_english = [language] if language == "en" else [language, "en"]
        result[language] = [compiled[code] for code in with_english]
    result[EVERY_LANGUAGE] = list(compiled.values())
    return result


_lock = threading.Lock()
_analyzer: Analyzer | None = None


def analyzer() -> Analyzer:
    """The process's analyzer, built on first use (Presidio is imported only here)."""
    global _analyzer  # noqa: PLW0603 -- a per-process cache, built once under a lock
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                from confide.reporting.redaction._presidio import Analyzer  # noqa: PLC0415

                _analyzer = Analyzer(groups())
    return _analyzer
