"""Statistics releases: time and peak memory for a 1M-record dataset with 1,000 cells, with
suppression and with differential privacy, and the mean absolute error of DP counts at ε = 1.

One run, from the repository root (issue 9)::

    .venv/bin/python bench/stats.py                 # 1,000,000 records, ~1 minute
    .venv/bin/python bench/stats.py --quick         # 100,000 records
    .venv/bin/python bench/stats.py --json stats.json

What is measured, side by side, on the same synthetic rows (a service × a month: 50 × 20 =
1,000 cells, with a long tail of small cells as real services have):

* **count**: Confide's counter (declared keys, the same code ``release`` runs) against the
  floor, ``numpy.bincount`` over precomputed cell indices (no keys, no checks);
* **suppress**: primary and complementary suppression with the LP audit, on that table;
* **DP**: OpenDP's discrete Laplace over the 1,000 fixed keys (contributions bounded to one
  record per person), and its **mean absolute error** at ε = 1 over the cells, measured
  against the closed form 2r/(1 - r²), r = e^(-1/scale);
* **release**: counting, protecting and writing CSV + JSON (no charts) end to end, with the
  peak memory Python allocated (tracemalloc) and the process's maximum resident size;
* **extract**: reading records through the vault and the policy (one logged decision per
  service, sex/gender and date of birth decrypted with each person's key) on SQLite, rows
  per second, at a smaller size (``--extract``, default 5,000 records) — the cost of going
  through the vault, which a release of 1M records pays once.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import platform
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from confide.runtime import Confide, init
from confide.stats.dp import expected_absolute_error, noisy_counts
from confide.stats.extract import Row, extract
from confide.stats.output import table_csv
from confide.stats.release import PublishedCounts, Release, _Counter, _noisy, _suppressed
from confide.stats.spec import ReleaseSpec, TableSpec, parse_spec
from confide.stats.suppression import suppress
from confide.storage import Settings

SERVICES = [f"service-{i:02d}" for i in range(50)]
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)] + [f"2027-{m:02d}" for m in range(1, 9)]


def synthetic_rows(n: int, seed: int = 7) -> list[Row]:
    """``n`` rows over 50 services × 20 months; service sizes fall off like a Zipf law so
    that some cells are small."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 3 for i in range(len(SERVICES))]
    services = rng.choices(SERVICES, weights=weights, k=n)
    months = rng.choices(MONTHS, k=n)
    return [
        Row(f"p{i}", {"service": s, "period": m})
        for i, (s, m) in enumerate(zip(services, months, strict=True))
    ]


def timed(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_release(n: int) -> dict[str, Any]:
    rows = synthetic_rows(n)
    keys = {"service": tuple(SERVICES), "period": tuple(MONTHS)}
    table = TableSpec(name="by-service-and-month", rows="service", columns="period")

    def confide_count() -> Any:
        counter = _Counter(table, keys, None)
        for row in rows:
            counter.add(row)
        return counter.counts

    s_index = {k: i for i, k in enumerate(SERVICES)}
    m_index = {k: j for j, k in enumerate(MONTHS)}
    flat = np.array(
        [s_index[r.values["service"]] * len(MONTHS) + m_index[r.values["period"]] for r in rows]
    )

    def floor_count() -> Any:
        return np.bincount(flat, minlength=len(SERVICES) * len(MONTHS)).reshape(
            len(SERVICES), len(MONTHS)
        )

    def script_count() -> Any:
        # What a hand-written script does: a Counter over (service, month) pairs.
        return collections.Counter((r.values["service"], r.values["period"]) for r in rows)

    t_count, counts = timed(confide_count)
    t_floor, floor = timed(floor_count, repeat=5)
    t_script, tally = timed(script_count)
    assert (counts == floor).all()
    assert all(counts[s_index[s], m_index[m]] == c for (s, m), c in tally.items())
    small = int(((counts > 0) & (counts < 5)).sum())
    t_suppress, suppressed = timed(lambda: suppress(counts, 5), repeat=1)
    t_dp, _ = timed(lambda: noisy_counts([int(c) for c in counts.ravel()], epsilon=1.0))

    # Mean absolute error at ε = 1 over the 1,000 cells, a few independent releases.
    errors: list[float] = []
    for _ in range(20):
        noisy = noisy_counts([int(c) for c in counts.ravel()], epsilon=1.0)
        errors.extend(abs(a - b) for a, b in zip(noisy.counts, counts.ravel(), strict=True))
    mae = statistics.fmean(errors)

    spec = _spec()
    results: dict[str, Any] = {}
    for method in ("suppression", "dp"):

        def run(method: str = method) -> int:
            counter = _Counter(table, keys, 1 if method == "dp" else None)
            for row in rows:
                counter.add(row)
            published: PublishedCounts = (
                _suppressed(table, counter.counts, keys, 5)
                if method == "suppression"
                else _noisy(table, counter.counts, keys, 1.0, 1)
            )
            made = Release(spec, (published,), dt.datetime.now(dt.UTC), "sha256:" + "0" * 64, n)
            return len(table_csv(made, published) + json.dumps(made.to_json()))

        elapsed, size = timed(run, repeat=2)
        tracemalloc.start()  # a separate run: tracing slows Python down several times
        run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[method] = {"seconds": elapsed, "peak_mib": peak / 2**20, "bytes": size}
    return {
        "records": n,
        "cells": int(counts.size),
        "small_cells": small,
        "count_s": t_count,
        "count_floor_s": t_floor,
        "count_ratio": t_floor / t_count,
        "count_script_s": t_script,
        "count_script_ratio": t_script / t_count,
        "suppress_s": t_suppress,
        "suppressed": len(suppressed.suppressed),
        "dp_s": t_dp,
        "dp_mae_eps1": mae,
        "dp_mae_closed_form": expected_absolute_error(1.0),
        "release": results,
        "rows_in_memory_note": "the benchmark holds its synthetic rows; release() streams",
    }


def _spec() -> ReleaseSpec:
    """A spec for the synthetic services (not in any policy: only its shape is used)."""
    return ReleaseSpec.model_validate(
        {
            "version": 1,
            "release": "bench",
            "title": "Synthetic services by month",
            "dataset": "bench",
            "source": "records",
            "services": SERVICES,
            "period": {"from": "2026-01-01", "to": "2027-08-31"},
            "case_types": ["care"],
            "tables": [{"name": "by-service-and-month", "rows": "service", "columns": "period"}],
            "protection": {"method": "suppression", "k": 5},
        }
    )


def bench_extract(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        settings = Settings.resolve(home=home, database_url=f"sqlite:///{home / 'confide.db'}")
        init(settings)
        confide = Confide.open(settings)
        try:
            rng = random.Random(3)
            for i in range(n):
                confide.vault.put(
                    holder="st-marys-clinic",
                    subject=f"bench-{i}",
                    purpose="care.treatment",
                    values={
                        "identity.sex_gender": rng.choice(["female", "male", "x"]),
                        "identity.date_of_birth": f"{rng.randint(1940, 2020)}-01-01",
                    },
                )
            today = dt.datetime.now(dt.UTC).date()
            spec = parse_spec(
                json.dumps(
                    {
                        "version": 1,
                        "release": "bench-extract",
                        "title": "bench",
                        "dataset": "bench",
                        "source": "records",
                        "services": ["st-marys-clinic"],
                        "period": {"from": str(today), "to": str(today)},
                        "case_types": ["care"],
                        "tables": [{"name": "t", "rows": "age_band", "columns": "sex_gender"}],
                        "protection": {"method": "suppression"},
                    }
                ),
                confide.policy,
            )
            start = time.perf_counter()
            seen = sum(1 for _ in extract(confide, spec))
            elapsed = time.perf_counter() - start
        finally:
            confide.close()
    assert seen == n
    return {"records": n, "seconds": elapsed, "rows_per_s": n / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--extract", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    n = args.records or (100_000 if args.quick else 1_000_000)
    release = bench_release(n)
    extraction = bench_extract(1000 if args.quick else args.extract)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r = release
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"{r['records']:,} records in {r['cells']:,} cells ({r['small_cells']} small cells)")
    print(
        f"count: Confide {r['count_s']:.2f} s; collections.Counter script "
        f"{r['count_script_s']:.2f} s (Confide {r['count_script_ratio']:.2f}x its speed); "
        f"numpy.bincount floor {r['count_floor_s']:.3f} s (Confide {r['count_ratio']:.3f}x)"
    )
    print(f"suppress (k = 5, LP audit): {r['suppress_s']:.2f} s, {r['suppressed']} suppressed")
    print(f"DP noise over 1,000 keys: {r['dp_s'] * 1000:.1f} ms")
    print(
        f"DP mean absolute error at eps = 1: {r['dp_mae_eps1']:.3f} "
        f"(closed form {r['dp_mae_closed_form']:.3f})"
    )
    for method, m in r["release"].items():
        print(
            f"release ({method}): {m['seconds']:.2f} s end to end, "
            f"peak {m['peak_mib']:.1f} MiB allocated"
        )
    print(f"process max resident size: {maxrss:.0f} MiB (includes the benchmark's own rows)")
    print(
        f"extract through the vault (SQLite): {extraction['rows_per_s']:.0f} records/s "
        f"({extraction['records']:,} records)"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"release": release, "extract": extraction, "maxrss_mib": maxrss}, indent=2)
        )


if __name__ == "__main__":
    main()
