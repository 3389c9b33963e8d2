"""Per-language term files: load, validate and compile them to regular expressions.

The data live in ``terms/<language>.yaml`` (documented in ``docs/redaction.md``); this
module is the only code that knows their shape. A term is matched case- and
accent-insensitively on folded text (:mod:`._fold`), as a whole word, with this small
syntax:

* ``*`` — any further letters: ``refugee*`` matches *refugees*, ``біжен*`` *біженка*;
* a space — one or more whitespace characters;
* ``-`` — a hyphen, a space or nothing: ``sans-papiers`` matches *sans papiers*;
* ``'`` — an optional apostrophe: ``i'm from`` matches *im from*;
* a zero-width non-joiner (Farsi) — ZWNJ, a space or nothing;
* in Ge'ez script, the syllable before a ``*`` matches in any vowel order (ሱዳን* matches
  ሱዳናዊ);
* a leading ``=`` — match case as written (still accent-insensitive): ``=român`` matches
  *român* and *roman* but not the first name *Roman*.

Term lists are compiled to one trie-shaped alternation per list (shared prefixes are
matched once), which is what keeps a few hundred terms per language cheap.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from confide.errors import ConfigurationError
from confide.reporting.redaction import _rx
from confide.reporting.redaction._fold import fold_term
from confide.reporting.redaction._names import (
    COUNTRY_OF_BIRTH,
    IMMIGRATION_STATUS,
    NATIONALITY,
)

_LB = r"(?<!\w)"  # a term starts a word
_RB = r"(?!\w)"  # and ends one
# Between a cue and the place it introduces: spaces or a colon ("nationality: …"), or
# nothing after an elided article ("d'Érythrée").
_JOIN = r"(?:(?<=')|\s*:?\s*(?<=[\s:]))"
_WORD_CASED = r"(?-i:\p{Lu})[\w'\-]+"  # a capitalised word of two or more letters
_WORD_CASELESS = r"[^\W\d_]+"  # scripts without capitals: any word of letters
_PLACE_WORDS = 3  # a place named after a cue: up to this many more capitalised words


class RedactionTermsError(ConfigurationError):
    """A redaction term file is missing or malformed. Fix the file named in the message."""


class TermsFile(BaseModel):
    """The shape of ``terms/<language>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    language: str
    name: str
    #: Whether the script has capital letters that mark names (Latin, Cyrillic).
    cased: bool
    #: A regex for clitics written joined to the next word (Arabic و ب ل ك ال).
    prefix: str = ""
    status: list[str]
    #: Raw regexes (on folded text) for status phrases a word list cannot say.
    status_patterns: list[str] = []
    demonyms: list[str] = []
    countries: list[str] = []
    #: Country names that are also ordinary words or first names (Jordan, Chad): removed
    #: only after one of ``place_prepositions``.
    countries_after_cue: list[str] = []
    place_prepositions: list[str] = []
    place_articles: list[str] = []
    place_connectors: list[str] = []
    #: A demonym right after (before) one of these is a language and is kept.
    language_cues_before: list[str] = []
    language_cues_after: list[str] = []
    #: "and", "or": "I speak French and Spanish" keeps both languages.
    conjunctions: list[str] = []
    #: Templates with ``{place}``: the place is removed even if it is not listed above.
    origin: list[str] = []
    birth: list[str] = []
    document_keywords: list[str]
    #: Words that claim a number for something else (phone, money, address, date).
    other_number_cues: list[str] = []


@dataclass(frozen=True, slots=True)
class NamedPattern:
    """One compiled-to-source pattern: what it finds and the regex that finds it."""

    kind: str
    name: str
    source: str


@dataclass(frozen=True, slots=True)
class LanguagePatterns:
    language: str
    patterns: tuple[NamedPattern, ...]
    document_keywords: str
    other_number_cues: str


# -- term syntax -> regex -------------------------------------------------------------------


# Ge'ez script is a syllabary: each consonant has a row of eight vowel orders in
# consecutive code points (ሰ ሱ ሲ ሳ ሴ ስ ሶ ሷ). A suffix changes the stem's last syllable
# (ሱዳን "Sudan" → ሱዳናዊ "Sudanese"), so before a `*` any order of that consonant matches.
_ETHIOPIC_SYLLABLES = range(0x1200, 0x1358)


def _syllable_row(char: str) -> str:
    first = ord(char) - (ord(char) - _ETHIOPIC_SYLLABLES.start) % 8
    return f"[{chr(first)}-{chr(first + 7)}]"


def _atoms(term: str, *, lower: bool = True) -> tuple[str, ...]:
    folded = fold_term(term).strip()
    folded = folded.lower() if lower else folded
    if not folded or folded == "*":
        raise ValueError(f"empty term {term!r}")
    atoms: list[str] = []
    index = 0
    while index < len(folded):
        char = folded[index]
        if char == "*":
            if index and ord(folded[index - 1]) in _ETHIOPIC_SYLLABLES:
                atoms[-1] = _syllable_row(folded[index - 1])
            atoms.append(r"\w*")
        elif char.isspace():
            while index + 1 < len(folded) and folded[index + 1].isspace():
                index += 1
            atoms.append(r"\s+")
        elif char == "-":
            atoms.append(r"[-\s]?")
        elif char == "'":
            atoms.append("'?")
        elif char == "\u200c":
            atoms.append(r"[\s\u200c]*")
        else:
            atoms.append(_rx.escape(char))
        index += 1
    return tuple(atoms)


_END = ""
_Trie = dict[str, "_Trie"]


def _branch_order(atom: str) -> tuple[bool, str]:
    # Alternation is ordered, not longest-match: try literal continuations before an
    # open-ended \w*, so "refugee status" wins over "refugee*".
    return (atom == r"\w*", atom)


def _emit(node: _Trie) -> str:
    branches = [
        atom + _emit(child)
        for atom, child in sorted(node.items(), key=lambda item: _branch_order(item[0]))
        if atom != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return "(?:" + body + ")?"
    return body


def alternation(terms: Iterable[str]) -> str:
    """One non-capturing regex matching any of ``terms`` (term syntax above)."""
    root: _Trie = {}
    exact: list[str] = []
    for term in terms:
        if term.startswith("="):
            exact.append("(?-i:" + "".join(_atoms(term[1:], lower=False)) + ")")
            continue
        node = root
        for atom in _atoms(term):
            node = node.setdefault(atom, {})
        node[_END] = {}
    branches = ([_emit(root)] if root else []) + exact
    if not branches:
        raise ValueError("no terms")
    return "(?:" + "|".join(branches) + ")"


_WORD_CHAR = _rx.compile_pattern(r"\w")


def _boundaries(terms: list[str]) -> tuple[str, str]:
    """Word boundaries for a list: ``\b`` where it is exact (the regex engine finds it much
    faster than a lookaround), a lookaround where a term starts or ends with a non-word
    character."""
    folded = [fold_term(term.removeprefix("=")).strip() for term in terms]
    starts = all(_WORD_CHAR.match(term[:1]) is not None for term in folded)
    ends = all(term[-1:] == "*" or _WORD_CHAR.match(term[-1:]) is not None for term in folded)
    return (r"\b" if starts else _LB), (r"\b" if ends else _RB)


def _words(terms: list[str], prefix: str = "") -> str:
    lead, trail = _boundaries(terms)
    return lead + prefix + alternation(terms) + trail


def _raw(pattern: str) -> str:
    """A hand-written regex from a term file: folded, and a plain space means ``\\s+``."""
    folded = fold_term(pattern)
    out: list[str] = []
    in_class = escaped = False
    for char in folded:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        elif char == " " and not in_class:
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        else:
            out.append(char)
    return "(?:" + "".join(out) + ")"


# -- places ----------------------------------------------------------------------------------


def _place(terms: TermsFile, *, several_words: bool) -> str:
    if not terms.cased:
        return _WORD_CASELESS
    if not several_words:
        return _WORD_CASED
    connectors = (
        r"(?:" + alternation(terms.place_connectors) + r"\s+)*" if terms.place_connectors else ""
    )
    return _WORD_CASED + r"(?:[ \t]+" + connectors + _WORD_CASED + r"){0," + f"{_PLACE_WORDS}}}"


def _articles(terms: TermsFile) -> str:
    if not terms.place_articles:
        return ""
    return "(?:" + alternation(terms.place_articles) + _JOIN + ")?"


def _templates(terms: TermsFile, templates: list[str]) -> str:
    """One regex for ``{place}`` templates; the match is the place alone (``\\K``)."""
    before_only: list[str] = []
    after_only: list[str] = []
    afters_by_before: dict[str, list[str]] = defaultdict(list)
    for template in templates:
        if template.count("{place}") != 1:
            raise ValueError(f"template {template!r} must contain {{place}} exactly once")
        before, after = (part.strip() for part in template.split("{place}"))
        if before and after:
            afters_by_before[before].append(after)
        elif before:
            before_only.append(before)
        elif after:
            after_only.append(after)
        else:
            raise ValueError(f"template {template!r} has no cue around {{place}}")
    head = _JOIN + _articles(terms) + r"\K"
    one_word = _place(terms, several_words=False)
    branches: list[str] = []
    if before_only:
        several = _place(terms, several_words=True)
        branches.append(_LB + alternation(before_only) + head + several)
    for before, afters in afters_by_before.items():
        tail = r"(?=\s+" + alternation(afters) + _RB + ")"
        branches.append(_LB + alternation([before]) + head + one_word + tail)
    if after_only:
        branches.append(_LB + one_word + r"(?=\s+" + alternation(after_only) + _RB + ")")
    return "|".join(branches)


# -- a language ------------------------------------------------------------------------------


def compile_terms(terms: TermsFile) -> LanguagePatterns:
    """Compile a term file to regex sources, checking that each one compiles."""
    prefix = f"(?:{terms.prefix})" if terms.prefix else ""
    patterns: list[NamedPattern] = []

    def add(kind: str, name: str, source: str) -> None:
        patterns.append(NamedPattern(kind, f"{terms.language}_{name}", source))

    add(IMMIGRATION_STATUS, "status_terms", _words(terms.status, prefix))
    # One pattern each, not one alternation: a regex reports one of several overlapping
    # matches, and overlapping phrases must all be found so their union is removed.
    for number, phrase in enumerate(terms.status_patterns, start=1):
        add(IMMIGRATION_STATUS, f"status_phrase_{number}", _LB + _raw(phrase) + _RB)
    if terms.demonyms:
        lead, trail = _boundaries(terms.demonyms)
        word = prefix + alternation(terms.demonyms) + trail
        source = lead + word
        if terms.language_cues_before:
            cues = _LB + alternation(terms.language_cues_before) + r"[\s-]+"
            if terms.conjunctions:
                # Up to three more languages listed after the first: "French, Spanish and".
                joiner = r"(?:\s*,\s*|\s+" + alternation(terms.conjunctions) + r"\s+)"
                cues += r"(?:\w+" + joiner + "){0,3}"
            # The lookahead first, so the costly lookbehind runs only where a demonym
            # starts, not at every position of the text.
            source = f"{lead}(?={word})(?<!{cues}){word}"
        if terms.language_cues_after:
            source += r"(?![\s-]+" + alternation(terms.language_cues_after) + ")"
        add(NATIONALITY, "demonyms", source)
    if terms.countries:
        add(NATIONALITY, "countries", _words(terms.countries, prefix))
    if terms.countries_after_cue:
        if not terms.place_prepositions:
            raise ValueError("countries_after_cue needs place_prepositions")
        source = (
            _LB
            + alternation(terms.place_prepositions)
            + _JOIN
            + _articles(terms)
            + r"\K"
            + prefix
            + alternation(terms.countries_after_cue)
            + _RB
        )
        add(NATIONALITY, "countries_after_cue", source)
    if terms.origin:
        add(NATIONALITY, "origin", _templates(terms, terms.origin))
    if terms.birth:
        add(COUNTRY_OF_BIRTH, "birth", _templates(terms, terms.birth))
    keywords = _words(terms.document_keywords, prefix)
    cues = _words(terms.other_number_cues, prefix) if terms.other_number_cues else ""
    for source in [p.source for p in patterns] + [keywords] + ([cues] if cues else []):
        _rx.compile_pattern(source, _rx.IGNORECASE)
    return LanguagePatterns(terms.language, tuple(patterns), keywords, cues)


def load_terms(language: str) -> TermsFile:
    """Read and validate ``terms/<language>.yaml``."""
    filename = f"{language}.yaml"
    resource = resources.files("confide.reporting.redaction") / "terms" / filename
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
        terms = TermsFile.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RedactionTermsError(f"cannot load redaction terms {filename}: {exc}") from None
    if terms.language != language:
        raise RedactionTermsError(f"{filename} says language {terms.language!r}")
    return terms


@functools.cache
def language_patterns(language: str) -> LanguagePatterns:
    """The compiled patterns of one language (cached). Raises RedactionTermsError."""
    terms = load_terms(language)
    try:
        return compile_terms(terms)
    except ValueError as exc:
        raise RedactionTermsError(f"redaction terms {language}.yaml: {exc}") from None
