"""Fold text before matching, so one term covers the spellings people actually type.

Folding maps accented Latin letters to their base letter (``situación`` → ``situacion``,
Romanian ``ș``/``ş`` → ``s``), unifies Arabic and Farsi letter variants (``ی``/``ي``,
``ک``/``ك``, hamza carriers, ``ة`` → ``ه``), turns Arabic-Indic and Persian digits into
ASCII digits (so document numbers are recognised in any script), unifies apostrophes,
hyphens and spaces, and drops what is invisible or optional: combining marks (Arabic
short vowels, decomposed accents), tatweel, soft hyphens and bidirectional controls.

Offsets into the folded text map back to the original text, so findings always point at
what the person wrote. Most texts have nothing to drop; then folding is one
``str.translate`` and offsets are unchanged.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from confide.reporting.redaction import _rx

# Characters that are removed outright (they never change what a word means here).
_DROPPED_CATEGORIES = frozenset({"Mn", "Me"})
_DROPPED_CHARS = frozenset(
    "\u0640"  # Arabic tatweel (kashida), a stretching stroke
    "\u00ad"  # soft hyphen
    "\u200b"  # zero-width space: dropped rather than spaced; it is used to defeat filters
    "\u200d"  # zero-width joiner
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidirectional embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidirectional isolates
    "\ufeff"  # byte order mark / zero-width no-break space
)
# ZWNJ (U+200C) is kept: in Farsi it sits inside words (پناهنده‌ام), and the patterns
# treat it as part of a word.

_EXTRA: dict[str, str] = {
    # Letters without a canonical decomposition.
    **dict(zip("łŁøØđĐıħ", "lLoOdDih", strict=True)),
    # Apostrophes and quotes people type inside words (I’m, la’aan, d’Ivoire, В’єтнам).
    **dict.fromkeys("\u2019\u2018\u02bc\u02bb`\u00b4\u2032", "'"),
    # Hyphens and dashes.
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"),
    # Spaces: no-break, narrow, thin, figure, ideographic; the Ethiopic word space ፡.
    **dict.fromkeys("\u00a0\u202f\u2009\u2007\u3000\u1361", " "),
    # Arabic-script letter variants (Arabic, Farsi): alef forms, yeh forms (Arabic ي,
    # Farsi ی), hamza carriers, teh marbuta and heh forms, kaf forms (Arabic ك, Farsi ک).
    **dict.fromkeys("أإآٱ", "ا"),
    **dict.fromkeys("ىیېئ", "ي"),
    **dict.fromkeys("ؤ", "و"),
    **dict.fromkeys("ةۀہ", "ه"),
    **dict.fromkeys("کڪ", "ك"),
    # Cyrillic ё → е (Russian spellings in Ukrainian reports).
    **dict(zip("ёЁ", "еЕ", strict=True)),
}


@functools.cache
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = (range(0x00C0, 0x0250), range(0x1E00, 0x1F00))
    for cp in (c for r in ranges for c in r):
        decomposition = unicodedata.decomposition(chr(cp)).split()
        if decomposition and not decomposition[0].startswith("<"):
            base = chr(int(decomposition[0], 16))
            # Only fold to a plain ASCII letter; leave ligatures and the like alone.
            if base.isascii() and base.isalpha():
                table[cp] = base
    for digit in range(10):
        table[0x0660 + digit] = str(digit)  # Arabic-Indic
        table[0x06F0 + digit] = str(digit)  # Persian (Extended Arabic-Indic)
    for source, target in _EXTRA.items():
        table[ord(source)] = target
    return table


def _dropped(char: str) -> bool:
    return char in _DROPPED_CHARS or unicodedata.category(char) in _DROPPED_CATEGORIES


@functools.cache
def _any_dropped() -> _rx.Pattern:
    return _rx.compile_pattern("[\\p{Mn}\\p{Me}" + "".join(sorted(_DROPPED_CHARS)) + "]")


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text and, when characters were dropped, where each folded character came from.

    ``origin[i]`` is the offset in the original text of folded character ``i``; it has one
    more entry than the folded text, the original length. ``origin`` is ``None`` when
    nothing was dropped, and offsets are then the same in both texts.
    """

    text: str
    origin: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of folded span ``[start, end)``."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end]


def fold(text: str) -> Folded:
    """Fold ``text`` for matching (see the module docstring)."""
    table = _table()
    if _any_dropped().search(text) is None:
        return Folded(text.translate(table), None)
    kept: list[str] = []
    origin: list[int] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if _dropped(char):
            # A mark with no base before it (or an invisible control): skip it.
            index += 1
            continue
        cluster_end = index + 1
        while cluster_end < length and _dropped(text[cluster_end]):
            cluster_end += 1
        cluster = text[index:cluster_end]
        # Compose a decomposed letter (и + breve → й) before dropping its marks, so
        # Cyrillic й/ї survive; what does not compose loses its marks.
        composed = unicodedata.normalize("NFC", cluster.translate({0x0640: None}))
        kept.append(composed[0].translate(table))
        origin.append(index)
        index = cluster_end
    origin.append(length)
    return Folded("".join(kept), tuple(origin))


def fold_term(term: str) -> str:
    """Fold a term from a data file the same way text is folded."""
    return fold(term).text
