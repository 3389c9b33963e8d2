"""Transparency log throughput: Confide vs. pymerkle vs. raw SHA-256, durable rates, 1M proofs.

One run, the same entries for every contender (issue 5). From the repository root::

    .venv/bin/python bench/log.py                 # everything, about 3-4 minutes
    .venv/bin/python bench/log.py --quick         # smaller sizes, well under a minute
    .venv/bin/python bench/log.py --no-postgres   # SQLite only

What is measured:

1. **In memory**, over the same pre-serialised canonical entries: raw SHA-256 of each entry
   (the floor: one hash per entry, nothing kept); Confide's append path (leaf hash, then
   every completed node hashed and kept, exactly what a stored append computes, through
   ``confide.transparency.store.TreeBuilder``, the class ``append_many`` uses); and
   pymerkle's ``InmemoryTree.append_entry`` (which hashes the leaf and defers interior
   nodes until a root or proof is asked for), with and without computing the root at the
   end. Best of several passes, interleaved.
2. **Durable**: ``TransparencyLog.append`` through the database, each append its own
   committed transaction, and ``append_many`` in batches, on SQLite (WAL, synchronous=FULL)
   and PostgreSQL. This includes validation and RFC 8785 canonicalisation.
3. **1M entries**: a store of 1,000,000 entries built by bulk insert (same rows, nodes and
   head as appends would write), then inclusion and consistency proofs generated from it
   with ``TransparencyLog`` and verified with ``verify_inclusion``/``verify_consistency``;
   pymerkle's in-memory proofs at the same size for comparison; and a full ``verify`` of the
   1M-entry SQLite log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import io
import os
import platform
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
import rfc8785
from pymerkle import InmemoryTree  # type: ignore[import-untyped]
from pymerkle import verify_inclusion as pymerkle_verify_inclusion

from confide.crypto.signing import PrivateKey
from confide.storage import Database
from confide.transparency import (
    TransparencyLog,
    leaf_hash,
    merkle_root,
    verifier_key,
    verify_consistency,
    verify_inclusion,
)
from confide.transparency.store import TreeBuilder, write_head

PG_DSN = os.environ.get("CONFIDE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SUBJECT = "ps1:" + "3f" * 16
POLICY = "sha256:" + "5d" * 32
TIME = "2026-05-03T12:00:00.123456Z"
ORIGIN = "confide.bench/log"


def decision(i: int) -> dict[str, Any]:
    return {
        "kind": "decision",
        "requester": "border-agency",
        "role": "officer",
        "action": "read",
        "purpose": "immigration.enforcement",
        "holder": "st-marys-clinic",
        "requested": ["immigration.status", "contact.phone"],
        "released": [],
        "decision": "deny",
        "rules": ["I1"],
        "policy": POLICY,
        "subject": "ps1:" + f"{i:032x}",
        "record": None,
        "warrant": None,
        "context": None,
    }


def canonical_entries(n: int) -> list[bytes]:
    """n distinct canonical decision entries, as the log would store them.

    RFC 8785 costs ~25 µs an entry in pure Python, so a template is filled in instead; a
    sample is checked byte for byte against rfc8785 so the bytes are the real thing.
    """
    sample = {**decision(0), "v": 1, "index": 0, "time": TIME}
    head, _, tail = bytes(rfc8785.dumps(sample)).partition(b'"index":0')
    pre, _, post = tail.partition(b'"subject":"ps1:' + b"0" * 32 + b'"')
    out = [b'%s"index":%d%s"subject":"ps1:%032x"%s' % (head, i, pre, i, post) for i in range(n)]
    for i in (0, 1, n // 2, n - 1):
        document = {**decision(i), "v": 1, "index": i, "time": TIME}
        assert out[i] == bytes(rfc8785.dumps(document)), "template drifted from RFC 8785"
    return out


# -- 1. in memory ------------------------------------------------------------------------------


def raw_sha256(data: Sequence[bytes]) -> None:
    sha = hashlib.sha256
    for d in data:
        sha(d).digest()


def confide_append(data: Sequence[bytes]) -> TreeBuilder:
    tree = TreeBuilder()
    append = tree.append
    for d in data:
        append(d)
    return tree


def confide_append_root(data: Sequence[bytes]) -> bytes:
    return confide_append(data).root()


def confide_append_all(data: Sequence[bytes], batch: int = 1000) -> bytes:
    tree = TreeBuilder()
    for start in range(0, len(data), batch):
        tree.append_all(data[start : start + batch])
    return tree.root()


def pymerkle_append(data: Sequence[bytes]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")
    for d in data:
        tree.append_entry(d)
    return tree


def pymerkle_append_root(data: Sequence[bytes]) -> bytes:
    return bytes(pymerkle_append(data).get_root())


def best_rates(
    contenders: dict[str, Callable[[], object]], n: int, passes: int
) -> dict[str, tuple[float, float]]:
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(passes):  # interleaved, so load from elsewhere hits all alike
        for name, run in contenders.items():
            gc.collect()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: (n / min(t), n / statistics.median(t)) for name, t in times.items()}


def bench_memory(n: int, passes: int) -> dict[str, Any]:
    data = canonical_entries(n)
    reference = merkle_root(data)
    assert confide_append_root(data) == reference
    assert confide_append_all(data) == reference
    assert pymerkle_append_root(data) == reference, "pymerkle disagrees on the root"
    rates = best_rates(
        {
            "raw SHA-256 (one hash per entry, nothing kept)": lambda: raw_sha256(data),
            "Confide TreeBuilder.append (leaf + completed nodes kept)": lambda: confide_append(
                data
            ),
            "Confide TreeBuilder.append + root": lambda: confide_append_root(data),
            "Confide TreeBuilder.append_all, batches of 1000 + root": lambda: confide_append_all(
                data
            ),
            "pymerkle append_entry": lambda: pymerkle_append(data),
            "pymerkle append_entry + get_root": lambda: pymerkle_append_root(data),
        },
        n,
        passes,
    )
    sample = [{**decision(i), "v": 1, "index": i, "time": TIME} for i in range(min(n, 20_000))]
    start = time.perf_counter()
    for document in sample:
        rfc8785.dumps(document)
    canonical = len(sample) / (time.perf_counter() - start)
    return {"n": n, "rates": rates, "rfc8785_per_s": canonical, "entry_bytes": len(data[0])}


# -- 2. durable ------------------------------------------------------------------------------


class Store:
    """A fresh, upgraded database: a SQLite file or a PostgreSQL schema of its own."""

    def __init__(self, dialect: str, folder: Path) -> None:
        self.dialect = dialect
        if dialect == "sqlite":
            self.url = f"sqlite:///{folder / f'bench-{secrets.token_hex(4)}.db'}"
            self.schema = None
        else:
            self.schema = f"confide_bench_{secrets.token_hex(6)}"
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            self.url = f"{PG_DSN}?options=-csearch_path%3D{self.schema}"
        self.db = Database(self.url, check_schema=False)
        self.db.upgrade()

    def close(self) -> None:
        self.db.dispose()
        if self.schema is not None:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def bench_durable(store: Store, seconds: float, batches: int, batch: int) -> dict[str, float]:
    log = TransparencyLog(store.db)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        with store.db.transaction() as conn:
            log.append(conn, decision(count))
        count += 1
    single = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for b in range(batches):
        with store.db.transaction() as conn:
            log.append_many(conn, [decision(b * batch + k) for k in range(batch)])
    batched = batches * batch / (time.perf_counter() - start)
    return {"single": single, "single_n": count, "batched": batched, "batch": batch}


# -- 3. one million entries ---------------------------------------------------------------------


def bulk_build(store: Store, data: Sequence[bytes]) -> bytes:
    """Write the rows appends would write (entries, nodes, head) with the driver's bulk path."""
    tree = TreeBuilder()
    hashes = tree.append_all(data)
    nodes = list(tree.nodes())
    moment = dt.datetime(2026, 5, 3, 12, 0, 0, 123456, tzinfo=dt.UTC)
    with store.db.transaction() as conn:
        if store.dialect == "sqlite":
            stamp = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
            conn.exec_driver_sql(
                "INSERT INTO log_entries (idx, entry, leaf_hash, kind, subject, created_at) "
                "VALUES (?, ?, ?, 'decision', ?, ?)",
                [
                    (i, d, h, f"ps1:{i:032x}", stamp)
                    for i, (d, h) in enumerate(zip(data, hashes, strict=True))
                ],
            )
            conn.exec_driver_sql("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        else:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                with cursor.copy(
                    "COPY log_entries (idx, entry, leaf_hash, kind, subject, created_at) FROM STDIN"
                ) as copy:
                    for i, (d, h) in enumerate(zip(data, hashes, strict=True)):
                        copy.write_row((i, d, h, "decision", f"ps1:{i:032x}", moment))
                with cursor.copy("COPY log_nodes (level, idx, hash) FROM STDIN") as copy:
                    for node in nodes:
                        copy.write_row(node)
        write_head(conn, tree.size, tree.frontier)
    if store.dialect == "postgresql":
        with store.db.transaction() as conn:
            conn.exec_driver_sql("ANALYZE log_entries")
            conn.exec_driver_sql("ANALYZE log_nodes")
    return tree.root()


def bench_proofs(store: Store, root: bytes, data: Sequence[bytes], samples: int) -> dict[str, Any]:
    log = TransparencyLog(store.db)
    n = len(data)
    assert log.root() == root
    assert log.size() == n
    rng = random.Random(20260503)
    indexes = [rng.randrange(n) for _ in range(samples)]
    log.inclusion_proof(indexes[0])  # warm the pool
    gen: list[float] = []
    proofs = []
    for i in indexes:
        start = time.perf_counter()
        proofs.append(log.inclusion_proof(i))
        gen.append(time.perf_counter() - start)
    start = time.perf_counter()
    for i, proof in zip(indexes, proofs, strict=True):
        verify_inclusion(leaf_hash(data[i]), i, n, proof, root)
    verify_s = (time.perf_counter() - start) / samples
    olds = [rng.randrange(1, n) for _ in range(samples // 4)]
    cgen: list[float] = []
    cproofs = []
    for old in olds:
        start = time.perf_counter()
        cproofs.append(log.consistency_proof(old, n))
        cgen.append(time.perf_counter() - start)
    # The old roots come from the store too (an O(log n) read each); check one fully.
    old_root = log.root(olds[0])
    assert old_root == merkle_root(data[: olds[0]])
    verify_consistency(olds[0], n, old_root, root, cproofs[0])
    return {
        "inclusion_gen_ms": statistics.median(gen) * 1e3,
        "inclusion_gen_p99_ms": sorted(gen)[int(len(gen) * 0.99)] * 1e3,
        "inclusion_verify_us": verify_s * 1e6,
        "consistency_gen_ms": statistics.median(cgen) * 1e3,
        "proof_hashes": len(proofs[0]),
    }


def bench_pymerkle_proofs(data: Sequence[bytes], samples: int) -> dict[str, float]:
    start = time.perf_counter()
    tree = pymerkle_append(data)
    build = time.perf_counter() - start
    n = len(data)
    rng = random.Random(20260503)
    indexes = [rng.randrange(n) for _ in range(samples)]
    root = tree.get_root()
    start = time.perf_counter()
    proofs = [tree.prove_inclusion(i + 1) for i in indexes]
    gen = (time.perf_counter() - start) / samples
    start = time.perf_counter()
    for i, proof in zip(indexes, proofs, strict=True):
        pymerkle_verify_inclusion(leaf_hash(data[i]), root, proof)
    verify = (time.perf_counter() - start) / samples
    return {"build_s": build, "gen_ms": gen * 1e3, "verify_us": verify * 1e6}


def full_verify(store: Store, key: PrivateKey) -> float:
    log = TransparencyLog(store.db)
    log.checkpoint(key, ORIGIN)
    start = time.perf_counter()
    summary = log.verify(verifier_key(key, ORIGIN))
    elapsed = time.perf_counter() - start
    assert summary.size == log.size()
    return elapsed


# -- report ----------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    lines: list[str] = []
    mem = results["memory"]
    floor = mem["rates"]["raw SHA-256 (one hash per entry, nothing kept)"][0]
    lines.append(f"### In memory: {mem['n']:,} entries of {mem['entry_bytes']} bytes\n")
    lines.append("| contender | best entries/s | median entries/s | × raw SHA-256 |")
    lines.append("|---|---:|---:|---:|")
    for name, (best, median) in mem["rates"].items():
        lines.append(f"| {name} | {best:,.0f} | {median:,.0f} | {best / floor:.2f} |")
    lines.append(
        f"\nRFC 8785 canonicalisation of a decision entry (rfc8785 package): "
        f"{mem['rfc8785_per_s']:,.0f} entries/s\n"
    )
    lines.append("### Durable appends (each append its own committed transaction)\n")
    lines.append("| database | single appends/s | batched appends/s |")
    lines.append("|---|---:|---:|")
    for dialect, d in results["durable"].items():
        lines.append(
            f"| {dialect} | {d['single']:,.0f} ({d['single_n']:,} appends) | "
            f"{d['batched']:,.0f} (batches of {d['batch']}) |"
        )
    for dialect, p in results["million"].items():
        lines.append(f"\n### {p['n']:,} entries on {dialect}\n")
        lines.append(f"- bulk build (entries, nodes, head): {p['build_s']:.1f} s")
        lines.append(
            f"- inclusion proof generation: median {p['inclusion_gen_ms']:.2f} ms, "
            f"p99 {p['inclusion_gen_p99_ms']:.2f} ms ({p['proof_hashes']} hashes)"
        )
        lines.append(f"- inclusion proof verification: {p['inclusion_verify_us']:.1f} µs")
        lines.append(f"- consistency proof generation: median {p['consistency_gen_ms']:.2f} ms")
        if "verify_s" in p:
            rate = p["n"] / p["verify_s"]
            lines.append(
                f"- full `verify` of the log: {p['verify_s']:.1f} s ({rate:,.0f} entries/s)"
            )
    if "pymerkle" in results:
        pm = results["pymerkle"]
        lines.append(f"\n### pymerkle InmemoryTree at {results['pymerkle_n']:,} entries\n")
        lines.append(f"- build (append_entry each): {pm['build_s']:.1f} s")
        lines.append(f"- inclusion proof generation: {pm['gen_ms']:.2f} ms")
        lines.append(f"- inclusion proof verification: {pm['verify_us']:.1f} µs")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--million", type=int, default=1_000_000, help="the big store's size")
    args = parser.parse_args()
    memory_n = 20_000 if args.quick else 200_000
    million = 50_000 if args.quick else args.million
    seconds = 1.0 if args.quick else 4.0
    dialects = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        flush=True,
    )
    t0 = time.perf_counter()
    results: dict[str, Any] = {"memory": bench_memory(memory_n, 3 if args.quick else 5)}
    print(f"# in memory done ({time.perf_counter() - t0:.0f} s)", flush=True)
    results["durable"] = {}
    results["million"] = {}
    key = PrivateKey.generate()
    data = canonical_entries(million)
    with tempfile.TemporaryDirectory() as folder:
        for dialect in dialects:
            store = Store(dialect, Path(folder))
            try:
                results["durable"][dialect] = bench_durable(
                    store, seconds, 20 if args.quick else 50, 200
                )
            finally:
                store.close()
            print(f"# durable {dialect} done ({time.perf_counter() - t0:.0f} s)", flush=True)
            store = Store(dialect, Path(folder))
            try:
                start = time.perf_counter()
                root = bulk_build(store, data)
                build = time.perf_counter() - start
                proofs = bench_proofs(store, root, data, 200 if args.quick else 2000)
                results["million"][dialect] = {"n": million, "build_s": build, **proofs}
                if dialect == "sqlite":
                    results["million"][dialect]["verify_s"] = full_verify(store, key)
            finally:
                store.close()
            print(f"# {million:,} on {dialect} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    results["pymerkle"] = bench_pymerkle_proofs(data, 200 if args.quick else 2000)
    results["pymerkle_n"] = million
    print(f"# total {time.perf_counter() - t0:.0f} s\n", flush=True)
    buffer = io.StringIO()
    buffer.write(report(results))
    print(buffer.getvalue())


if __name__ == "__main__":
    main()
