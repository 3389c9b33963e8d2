"""Redaction of status and ID content (I9): quality per language, and throughput vs. plain regex.

From the repository root::

    .venv/bin/python bench/redaction.py                  # about 40 seconds
    .venv/bin/python bench/redaction.py --quick          # about 10 seconds
    .venv/bin/python bench/redaction.py --json redaction.json --show-errors

What is measured:

1. **Recall and precision per language**, at the span level, over two labelled corpora
   (written apart from the test table, with their own phrasings):
   ``bench/redaction_corpus.txt``, the development corpus, which the term files were
   adjusted against after a first run, and ``bench/redaction_corpus_heldout.txt``, written
   after the terms were frozen (its first run is the out-of-sample figure; see its
   header). A marked passage is *recalled* when every one of its characters was removed,
   and *touched* when at least one was. A removed passage is *correct* when it overlaps a
   marked passage.
   Recall = recalled / marked; precision = correct / removed.
2. **Throughput**: reports redacted per second and characters per second, for short
   (about 300 characters) and long (about 3,000 characters) reports built from the
   development corpus's sentences, in all ten languages, through
   :func:`confide.reporting.redaction.redact`.
   Side by side, interleaved pass by pass, with the peer: plain regular expressions, the
   same compiled pattern list that Presidio runs for the report's language (the term
   patterns, plus one keyword-then-number regex for document numbers), applied one after
   the other with ``sub`` to the raw text — no folding, no Presidio, no context rule, no
   script detection, no merging. The same peer's quality is reported next to Confide's.

The patterns use features that only the ``regex`` module has (``\\p{Lu}``, variable-length
lookbehind, ``\\K``), so the peer uses ``regex.sub``, the engine Presidio itself uses; the
standard library's ``re`` cannot compile them.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from confide.reporting.redaction import REDACTED, SUPPORTED_LANGUAGES, _rx, redact
from confide.reporting.redaction._documents import NUMBER_SHAPE
from confide.reporting.redaction._terms import language_patterns

#: The development corpus (the term files were adjusted after a first run on it) and the
#: held-out corpus (written after the terms were frozen; only its first run was out of
#: sample, see its header).
CORPORA = {
    "development": Path(__file__).with_name("redaction_corpus.txt"),
    "held-out": Path(__file__).with_name("redaction_corpus_heldout.txt"),
}
SHORT_CHARS = 300
LONG_CHARS = 3000
REPORTS_PER_LANGUAGE = 10
PASSES = 7
QUICK_PASSES = 3
#: Each timed pass redacts its set of reports this many times (a pass of 100 short
#: reports is tens of milliseconds, too short to time well on its own).
REPEAT = {"short": 5, "long": 3}
QUICK_REPEAT = {"short": 1, "long": 1}


# -- the corpus -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    language: str
    text: str
    gold: tuple[tuple[int, int], ...]


def parse_marked(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``"I am [[undocumented]]"`` → the plain text and the marked spans in it."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    rest = marked
    while (open_at := rest.find("[[")) != -1:
        close_at = rest.find("]]", open_at)
        if close_at == -1:
            raise ValueError(f"unclosed [[ in {marked!r}")
        text.append(rest[:open_at])
        position += open_at
        inner = rest[open_at + 2 : close_at]
        text.append(inner)
        spans.append((position, position + len(inner)))
        position += len(inner)
        rest = rest[close_at + 2 :]
    text.append(rest)
    return "".join(text), tuple(spans)


def load_corpus(path: Path) -> list[Sentence]:
    sentences: list[Sentence] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        language, separator, marked = line.partition(" | ")
        if not separator or language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"{path.name}:{number}: expected '<language> | <text>'")
        text, gold = parse_marked(marked)
        sentences.append(Sentence(language, text, gold))
    return sentences


# -- the peer: plain regex over the same pattern list ---------------------------------------


def peer_patterns(language: str) -> list[_rx.Pattern]:
    """The patterns Presidio runs for a report in ``language`` (its own and English), and
    one keyword-then-number regex per language for document numbers."""
    codes = [language] if language == "en" else [language, "en"]
    compiled: list[_rx.Pattern] = []
    for code in codes:
        patterns = language_patterns(code)
        for named in patterns.patterns:
            compiled.append(_rx.compile_pattern(named.source, _rx.IGNORECASE))
        documents = patterns.document_keywords + r"[^\n.!?;]{0,60}?\K(?x:" + NUMBER_SHAPE + ")"
        compiled.append(_rx.compile_pattern(documents, _rx.IGNORECASE))
    return compiled


def peer_redact(patterns: Sequence[_rx.Pattern], text: str) -> str:
    for pattern in patterns:
        text = pattern.sub(REDACTED, text)
    return text


def peer_spans(patterns: Sequence[_rx.Pattern], text: str) -> list[tuple[int, int]]:
    """What the peer removes, as spans of ``text`` (every pattern on the original text)."""
    spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# -- quality ----------------------------------------------------------------------------------


@dataclass
class Tally:
    marked: int = 0
    recalled: int = 0
    touched: int = 0
    removed: int = 0
    correct: int = 0

    def add(self, gold: Sequence[tuple[int, int]], removed: Sequence[tuple[int, int]]) -> None:
        self.marked += len(gold)
        self.removed += len(removed)
        for start, end in gold:
            covered = sum(max(0, min(end, e) - max(start, s)) for s, e in removed)
            self.recalled += covered >= end - start
            self.touched += covered > 0
        for start, end in removed:
            self.correct += any(s < end and start < e for s, e in gold)

    def figures(self) -> dict[str, float | int]:
        return {
            "marked": self.marked,
            "removed": self.removed,
            "recall": self.recalled / self.marked if self.marked else 1.0,
            "recall_touched": self.touched / self.marked if self.marked else 1.0,
            "precision": self.correct / self.removed if self.removed else 1.0,
        }


def quality(
    sentences: Sequence[Sentence], show_errors: bool
) -> dict[str, dict[str, dict[str, float | int]]]:
    confide: dict[str, Tally] = {code: Tally() for code in SUPPORTED_LANGUAGES}
    peer: dict[str, Tally] = {code: Tally() for code in SUPPORTED_LANGUAGES}
    peers = {code: peer_patterns(code) for code in SUPPORTED_LANGUAGES}
    errors: list[str] = []
    for sentence in sentences:
        found = [(f.start, f.end) for f in redact(sentence.text, sentence.language).findings]
        confide[sentence.language].add(sentence.gold, found)
        peer[sentence.language].add(
            sentence.gold, peer_spans(peers[sentence.language], sentence.text)
        )
        for start, end in sentence.gold:
            covered = sum(max(0, min(end, e) - max(start, s)) for s, e in found)
            if covered < end - start:
                errors.append(f"  missed  {sentence.language}: {sentence.text[start:end]!r}")
        for start, end in found:
            if not any(s < end and start < e for s, e in sentence.gold):
                errors.append(f"  extra   {sentence.language}: {sentence.text[start:end]!r}")
    if show_errors and errors:
        print("Differences from the labels:")
        print("\n".join(errors))
        print()
    total_confide, total_peer = Tally(), Tally()
    for code in SUPPORTED_LANGUAGES:
        for total, tally in ((total_confide, confide[code]), (total_peer, peer[code])):
            total.marked += tally.marked
            total.recalled += tally.recalled
            total.touched += tally.touched
            total.removed += tally.removed
            total.correct += tally.correct
    result: dict[str, dict[str, dict[str, float | int]]] = {
        code: {"confide": confide[code].figures(), "regex": peer[code].figures()}
        for code in SUPPORTED_LANGUAGES
    }
    result["all"] = {"confide": total_confide.figures(), "regex": total_peer.figures()}
    return result


def print_quality(name: str, result: dict[str, dict[str, dict[str, float | int]]]) -> None:
    print(f"Quality, {name} corpus (span level; recall = marked passages fully removed)")
    print(
        f"{'language':9} {'marked':>6} | {'recall':>6} {'touched':>7} {'precision':>9} "
        f"{'removed':>7} | {'regex recall':>12} {'regex precision':>15}"
    )
    for code, row in result.items():
        c, r = row["confide"], row["regex"]
        print(
            f"{code:9} {c['marked']:6d} | {c['recall']:6.1%} {c['recall_touched']:7.1%} "
            f"{c['precision']:9.1%} {c['removed']:7d} | {r['recall']:12.1%} "
            f"{r['precision']:15.1%}"
        )
    print()


# -- throughput -------------------------------------------------------------------------------


def build_reports(
    sentences: Sequence[Sentence], chars: int, per_language: int
) -> list[tuple[str, str]]:
    """``per_language`` reports of about ``chars`` characters in each language, made of that
    language's corpus sentences in rotation (each report starts at a different one)."""
    reports: list[tuple[str, str]] = []
    for code in SUPPORTED_LANGUAGES:
        texts = [s.text for s in sentences if s.language == code]
        for number in range(per_language):
            parts: list[str] = []
            length = 0
            index = number
            while length < chars:
                sentence = texts[index % len(texts)]
                parts.append(sentence)
                length += len(sentence) + 1
                index += 1
            reports.append((code, " ".join(parts)))
    return reports


def timed(work: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def throughput(
    sentences: Sequence[Sentence], passes: int, repeat: dict[str, int]
) -> dict[str, dict[str, Any]]:
    peers = {code: peer_patterns(code) for code in SUPPORTED_LANGUAGES}
    result: dict[str, dict[str, Any]] = {}
    for size, chars in (("short", SHORT_CHARS), ("long", LONG_CHARS)):
        reports = build_reports(sentences, chars, REPORTS_PER_LANGUAGE)
        total_chars = sum(len(text) for _, text in reports) * repeat[size]
        count = len(reports) * repeat[size]

        def confide_pass(reports: list[tuple[str, str]] = reports, size: str = size) -> None:
            for _ in range(repeat[size]):
                for code, text in reports:
                    redact(text, code)

        def peer_pass(reports: list[tuple[str, str]] = reports, size: str = size) -> None:
            for _ in range(repeat[size]):
                for code, text in reports:
                    peer_redact(peers[code], text)

        confide_pass()  # warm: every language's patterns compiled, caches filled
        peer_pass()
        seconds: dict[str, list[float]] = {"confide": [], "regex": []}
        for _ in range(passes):
            seconds["confide"].append(timed(confide_pass))
            seconds["regex"].append(timed(peer_pass))
        row: dict[str, Any] = {
            "reports": count,
            "mean_chars": total_chars / count,
        }
        for name, times in seconds.items():
            row[name] = {
                "best_reports_per_s": count / min(times),
                "median_reports_per_s": count / statistics.median(times),
                "best_chars_per_s": total_chars / min(times),
                "median_chars_per_s": total_chars / statistics.median(times),
                "passes_s": times,
            }
        row["ratio_median"] = (
            row["confide"]["median_reports_per_s"] / row["regex"]["median_reports_per_s"]
        )
        row["ratio_best"] = (
            row["confide"]["best_reports_per_s"] / row["regex"]["best_reports_per_s"]
        )
        result[size] = row
    return result


def print_throughput(result: dict[str, dict[str, Any]]) -> None:
    print("Throughput (all ten languages; best and median of the passes)")
    print(
        f"{'reports':8} {'contender':9} {'best rep/s':>10} {'median rep/s':>12} "
        f"{'best chars/s':>12} {'median chars/s':>14}"
    )
    for size, row in result.items():
        for name in ("confide", "regex"):
            s = row[name]
            print(
                f"{size:8} {name:9} {s['best_reports_per_s']:10.0f} "
                f"{s['median_reports_per_s']:12.0f} {s['best_chars_per_s']:12.0f} "
                f"{s['median_chars_per_s']:14.0f}"
            )
        print(
            f"{size:8} confide / regex: {row['ratio_median']:.2f}× (median), "
            f"{row['ratio_best']:.2f}× (best); {row['reports']} reports of "
            f"{row['mean_chars']:.0f} characters on average per pass"
        )
    print()


# -- report -----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cpus": str(os.cpu_count()),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "presidio_analyzer": metadata.version("presidio-analyzer"),
        "regex": metadata.version("regex"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer passes, fewer repeats")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    parser.add_argument("--show-errors", action="store_true", help="list missed and extra passages")
    args = parser.parse_args(argv)

    corpora = {name: load_corpus(path) for name, path in CORPORA.items()}
    started = time.perf_counter()
    redact("warm up", "en")  # builds the analyzer: imports Presidio, compiles every language
    first_call = time.perf_counter() - started
    print(f"machine: {machine()}")
    print(f"first call (imports Presidio, builds the analyzer): {first_call:.2f} s")
    result: dict[str, Any] = {"machine": machine(), "first_call_s": first_call, "quality": {}}
    for name, sentences in corpora.items():
        marked = sum(len(s.gold) for s in sentences)
        print(f"{name} corpus: {len(sentences)} sentences, {marked} marked passages")
    print()
    for name, sentences in corpora.items():
        if args.show_errors:
            print(f"{name} corpus:")
        result["quality"][name] = quality(sentences, args.show_errors)
        print_quality(name, result["quality"][name])
    passes = QUICK_PASSES if args.quick else PASSES
    repeat = QUICK_REPEAT if args.quick else REPEAT
    result["throughput"] = throughput(corpora["development"], passes, repeat)
    print_throughput(result["throughput"])
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
