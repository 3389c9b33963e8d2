"""Document numbers: an ID-shaped token is removed when a document keyword claims it.

A passport, visa, residence-permit, national-ID or asylum-case number looks like many other
numbers, so shape alone decides nothing. A token is a document number when, within the
same sentence, the nearest cue before it is a document keyword ("passport", "NIE",
"جواز") — or, failing any cue before it, the nearest cue shortly after it is one
("X0000000 is my passport number"). A nearer cue of another kind ("call me on", "owes
me", "€", "street") claims the number for itself, so phone numbers, wages, prices and
addresses are kept even in a sentence about a passport. Dates are never document numbers.

Once a token is a document number, every other occurrence of it in the text is removed
too: a number written twice must not survive the second time (I9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from confide.reporting.redaction import _rx

# A token: groups of letters and digits, each group holding a digit, joined by single
# separators; an upper-case series written apart before it ("AB 1234567") and a check
# letter written apart after it ("0000000 L") belong to it.
NUMBER_SHAPE: Final = r"""
    (?<!\w)
    (?:\p{Lu}{1,3}[ -])?
    \p{L}{0,4}\d[\p{L}\d]*
    (?:[-/. ]\p{L}{0,4}\d[\p{L}\d]*)*
    (?:[ -]\p{Lu}(?!\w))?
    (?!\w)
    """
_TOKEN: Final = _rx.compile_pattern(NUMBER_SHAPE, _rx.VERBOSE)
_SERIES: Final = _rx.compile_pattern(r"\p{Lu}{1,3}(?=[ -])")
_DATE: Final = _rx.compile_pattern(
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}\s*[-/]\s*\d{4}|\d{1,2}[./-]\d{4}"
)
# Sentence ends: a cue in another sentence says nothing about this number. A full stop
# before a space ends a sentence, except after the abbreviations of "number"
# ("passport no. X0000000", "n. 0000000", "nr. 0000000").
_SENTENCE_END: Final = _rx.compile_pattern(
    r"[!?;\n\u061f\u061b\u06d4\u1362\u1367\u1368]"
    r"|(?<!\b(?:no|nr|nro|num|núm|nº|n°|ref|n|tel|тел))\.(?=\s)",
    _rx.IGNORECASE,
)
# Language-independent claims on a number: currency signs and a leading "+" (a phone).
_UNIVERSAL_CUES: Final = r"[€£$¥₴₺₽﷼]|\+"
_LOOK_BEFORE: Final = 120  # characters searched before a token for its cue
_LOOK_AFTER: Final = 40  # and after it, when nothing before claims it


def _is_id_shaped(token: str) -> bool:
    digits = sum(char.isdigit() for char in token)
    letters = sum(char.isalpha() for char in token)
    if _DATE.fullmatch(token) is not None:
        return False
    return digits >= 6 or (digits >= 4 and letters >= 1 and digits + letters >= 6)


@dataclass(frozen=True, slots=True)
class _Cue:
    end: int
    start: int
    is_document: bool


class DocumentFinder:
    """Finds document numbers in folded text, given a language's cue patterns."""

    def __init__(self, keywords: str, other_cues: str) -> None:
        self._keywords = _rx.compile_pattern(keywords, _rx.IGNORECASE)
        other = f"{other_cues}|{_UNIVERSAL_CUES}" if other_cues else _UNIVERSAL_CUES
        self._other = _rx.compile_pattern(other, _rx.IGNORECASE)

    def _cues(self, text: str, start: int, end: int) -> list[_Cue]:
        cues = [_Cue(m.end(), m.start(), True) for m in self._keywords.finditer(text, start, end)]
        cues += [_Cue(m.end(), m.start(), False) for m in self._other.finditer(text, start, end)]
        return cues

    def _is_cue(self, text: str, start: int, end: int) -> bool:
        return (
            self._keywords.fullmatch(text, start, end) is not None
            or self._other.fullmatch(text, start, end) is not None
        )

    def _claimed(self, text: str, start: int, end: int) -> bool:
        """Whether a document keyword claims the token at ``[start, end)``."""
        window_start = max(0, start - _LOOK_BEFORE)
        for sentence_end in _SENTENCE_END.finditer(text, window_start, start):
            window_start = sentence_end.end()
        before = [cue for cue in self._cues(text, window_start, start) if cue.end <= start]
        if before:
            return max(before, key=lambda cue: (cue.end, cue.is_document)).is_document
        window_end = min(len(text), end + _LOOK_AFTER)
        stop = _SENTENCE_END.search(text, end, window_end)
        if stop is not None:
            window_end = stop.start()
        after = self._cues(text, end, window_end)
        if after:
            return min(after, key=lambda cue: (cue.start, not cue.is_document)).is_document
        return False

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of document numbers in ``text``, every occurrence of each included."""
        numbers: set[str] = set()
        spans: set[tuple[int, int]] = set()
        for match in _TOKEN.finditer(text):
            start, end = match.start(), match.end()
            series = _SERIES.match(text, start, end)
            if series is not None and self._is_cue(text, start, series.end()):
                # "NIE X0000000L", "BRP ZU0000000": the capitals are the keyword itself.
                start = series.end() + 1
            token = text[start:end]
            if not _is_id_shaped(token):
                continue
            if self._claimed(text, start, end):
                numbers.add(token)
                spans.add((start, end))
        for number in numbers:
            position = text.find(number)
            while position != -1:
                spans.add((position, position + len(number)))
                position = text.find(number, position + len(number))
        return sorted(spans)
