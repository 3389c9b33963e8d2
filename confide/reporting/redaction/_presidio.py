"""The Presidio side: recognizers built from the compiled term patterns, and the analyzer.

Importing this module imports Presidio (and spaCy under it), which takes seconds; only
:func:`confide.reporting.redaction._engine.analyzer` does, once per process.

No language model is involved. :class:`NoOpNlpEngine` is Presidio's supported way to run
an ``AnalyzerEngine`` whose recognizers are self-contained: it loads nothing, downloads
nothing and produces no NER, so the only findings are those of the recognizers below —
``PatternRecognizer``s compiled from the term files, and one custom ``EntityRecognizer``
for document numbers, whose context rule (:mod:`._documents`) is code, not a pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from presidio_analyzer import (
    AnalyzerEngine,
    ContextAwareEnhancer,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

from confide.reporting.redaction import _rx
from confide.reporting.redaction._documents import DocumentFinder
from confide.reporting.redaction._names import (
    COUNTRY_OF_BIRTH,
    DOCUMENT_NUMBER,
    IMMIGRATION_STATUS,
    NATIONALITY,
)
from confide.reporting.redaction._terms import LanguagePatterns

# Every finding is certain as far as Presidio is concerned: a pattern either names status
# or ID content or it does not. Scores exist only because Presidio's API has them.
_SCORE = 1.0
_ENTITIES = [DOCUMENT_NUMBER, IMMIGRATION_STATUS, COUNTRY_OF_BIRTH, NATIONALITY]


class NoContextEnhancer(ContextAwareEnhancer):
    """Leaves scores alone.

    Presidio's default enhancer raises scores when context words stand near a match, using
    the lemmas of an NLP model. Here there is no model, and context is already part of
    every rule (a document number needs its keyword; see :mod:`._documents`), so the
    default would only deep-copy every result on every call for nothing.
    """

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


class DocumentNumberRecognizer(EntityRecognizer):
    """Presidio wrapper around :class:`DocumentFinder` for one language's cues."""

    def __init__(self, patterns: LanguagePatterns, key: str) -> None:
        self._finder = DocumentFinder(patterns.document_keywords, patterns.other_number_cues)
        super().__init__(
            supported_entities=[DOCUMENT_NUMBER],
            name=f"confide_{patterns.language}_document_number",
            supported_language=key,
        )

    def load(self) -> None:
        """Nothing to load: the patterns were compiled in ``__init__``."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult(entity_type=DOCUMENT_NUMBER, start=start, end=end, score=_SCORE)
            for start, end in self._finder.find(text)
        ]


def recognizers(patterns: LanguagePatterns, key: str) -> list[EntityRecognizer]:
    """The recognizers of one language, registered under analyzer language ``key``."""
    by_kind: dict[str, list[Pattern]] = {}
    for named in patterns.patterns:
        by_kind.setdefault(named.kind, []).append(Pattern(named.name, named.source, _SCORE))
    found: list[EntityRecognizer] = [
        PatternRecognizer(
            supported_entity=kind,
            name=f"confide_{patterns.language}_{kind}",
            supported_language=key,
            patterns=kind_patterns,
            global_regex_flags=_rx.IGNORECASE,
        )
        for kind, kind_patterns in by_kind.items()
    ]
    found.append(DocumentNumberRecognizer(patterns, key))
    return found


class Analyzer:
    """One Presidio ``AnalyzerEngine`` holding every language group's recognizers.

    ``groups`` maps an analyzer language key to the term languages whose recognizers run
    under it (for example ``"es"`` → Spanish and English).
    """

    def __init__(self, groups: Mapping[str, Sequence[LanguagePatterns]]) -> None:
        keys = list(groups)
        registry = RecognizerRegistry(supported_languages=keys)
        for key, languages in groups.items():
            for patterns in languages:
                for recognizer in recognizers(patterns, key):
                    registry.add_recognizer(recognizer)
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": k, "model_name": "none"} for k in keys])
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=keys,
            context_aware_enhancer=NoContextEnhancer(),
        )

    def spans(self, text: str, key: str) -> list[tuple[str, int, int]]:
        """``(kind, start, end)`` of everything found in ``text`` under ``key``."""
        # Naming the entities skips Presidio's per-call listing of every recognizer.
        results = self._engine.analyze(text=text, language=key, entities=_ENTITIES)
        return [(result.entity_type, result.start, result.end) for result in results]
