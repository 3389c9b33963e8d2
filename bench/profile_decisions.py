"""Where Confide's uncached decision time goes, on the requests of ``bench/decisions.py``.

    .venv/bin/python bench/profile_decisions.py [--quick] [--top 20]

Prints (1) the time per request by outcome (which rule decided it), timed without a profiler,
(2) what the memo costs with and without the cyclic garbage collector, and (3) a cProfile of
``engine._evaluate`` over every request, sorted by own time. It uses only the engine's public
``decide``, its ``_evaluate`` entry point and ``_memo.clear()``, so it keeps working when the
engine's inside changes.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

from decisions import REQUESTS, SEED, build_requests

import confide.policy as p
from confide.policy import DecisionRequest


def by_outcome(engine: p.CompiledPolicy, requests: Sequence[DecisionRequest], repeat: int) -> None:
    groups: dict[str, list[DecisionRequest]] = defaultdict(list)
    for r in requests:
        d = engine.decide(r)
        groups[f"{d.decision} ({d.rules[0] if d.rules else '-'})"].append(r)
    evaluate = engine._evaluate
    rows = []
    for label, members in groups.items():
        best = None
        for _ in range(repeat):
            start = time.perf_counter_ns()
            for r in members:
                evaluate(r)
            took = time.perf_counter_ns() - start
            best = took if best is None else min(best, took)
        assert best is not None
        rows.append((best, label, len(members)))
    total = sum(b for b, _, _ in rows)
    print(f"{'outcome (first rule)':<52} {'requests':>9} {'µs each':>8} {'share of time':>14}")
    for best, label, count in sorted(rows, reverse=True):
        print(f"{label:<52} {count:>9,} {best / 1e3 / count:>8.2f} {best / total:>14.1%}")
    print(f"{'all':<52} {len(requests):>9,} {total / 1e3 / len(requests):>8.2f}")


def memo_and_gc(requests: Sequence[DecisionRequest], repeat: int) -> None:
    """``decide`` with the memo emptied before each pass, with and without the cyclic garbage
    collector: the memo keeps tens of thousands of tracked objects alive, which every full
    collection then walks."""
    print(f"{'decide, memo emptied before each pass':<52} {'µs each':>8}")
    for collect in (True, False):
        engine = p.load(p.baseline_path())
        best = None
        (gc.enable if collect else gc.disable)()
        try:
            for _ in range(repeat):
                engine._memo.clear()
                start = time.perf_counter_ns()
                for r in requests:
                    engine.decide(r)
                took = time.perf_counter_ns() - start
                best = took if best is None else min(best, took)
        finally:
            gc.enable()
        assert best is not None
        label = "gc enabled (normal)" if collect else "gc disabled (diagnostic only)"
        print(f"{label:<52} {best / 1e3 / len(requests):>8.2f}")


def profile(engine: p.CompiledPolicy, requests: Sequence[DecisionRequest], top: int) -> None:
    evaluate = engine._evaluate
    prof = cProfile.Profile()
    prof.enable()
    for r in requests:
        evaluate(r)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile Confide's uncached decision path.")
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests")
    parser.add_argument("--top", type=int, default=20, help="functions to list")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    engine = p.load(p.baseline_path())
    requests = build_requests(engine, REQUESTS // (10 if args.quick else 1), SEED)
    by_outcome(engine, requests, args.repeat)
    print()
    memo_and_gc(requests, args.repeat)
    print()
    profile(engine, requests, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
