"""Many writers at once, on SQLite and PostgreSQL: processes and threads appending
together never fork the log, skip an index or give one twice."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

from sqlalchemy import select

from confide.crypto.signing import PrivateKey
from confide.storage import Database
from confide.transparency import TransparencyLog, merkle_root, verifier_key
from confide.transparency.tables import log_entries
from tests.transparency.test_log import ORIGIN, subject

PROCESSES = 3
THREADS = 3
ROUNDS = 15
BATCH = 3  # every other round appends a batch


def entry(writer: str, round_: int, k: int) -> dict[str, Any]:
    return {
        "kind": "record.created",
        "subject": subject(writer),
        "record": f"{writer}-{round_}-{k}",
        "holder": "st-marys-clinic",
        "purpose": "health.treatment",
    }


def write(url: str, writer: str, start: Any = None) -> list[int]:
    db = Database(url)
    log = TransparencyLog(db)
    if start is not None:
        start.wait(60)
    indexes: list[int] = []
    try:
        for round_ in range(ROUNDS):
            with db.transaction() as conn:
                if round_ % 2:
                    indexes += log.append_many(
                        conn, [entry(writer, round_, k) for k in range(BATCH)]
                    )
                else:
                    indexes.append(log.append(conn, entry(writer, round_, 0)))
    finally:
        db.dispose()
    return indexes


def _process_main(url: str, writer: str, start: Any, results: Any) -> None:
    results.put((writer, write(url, writer, start)))


def per_writer() -> int:
    return sum(BATCH if r % 2 else 1 for r in range(ROUNDS))


def test_processes_and_threads_append_without_gaps_or_duplicates(
    database: Database, database_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(database_url, f"proc{p}", start, results))
        for p in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    thread_results: dict[str, list[int]] = {}
    thread_start = threading.Event()

    def run_thread(name: str) -> None:
        thread_start.wait(60)
        thread_results[name] = write(database_url, name)

    threads = [threading.Thread(target=run_thread, args=(f"thread{t}",)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    start.set()
    thread_start.set()
    for thread in threads:
        thread.join(300)
    reported = dict(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    reported.update(thread_results)

    total = (PROCESSES + THREADS) * per_writer()
    claimed = [i for indexes in reported.values() for i in indexes]
    assert sorted(claimed) == list(range(total))  # every index handed out exactly once
    log = TransparencyLog(database)
    assert log.size() == total
    with database.connect() as conn:
        rows = conn.execute(select(log_entries.c.idx).order_by(log_entries.c.idx)).scalars()
        assert list(rows) == list(range(total))
    records = Counter(e.fields["record"] for e in log.entries(0, total))
    assert len(records) == total and set(records.values()) == {1}
    for writer, indexes in reported.items():
        # Each writer's entries are where the log says it put them, in its own order.
        assert [log.entry(i).fields["record"].split("-")[0] for i in indexes] == [writer] * len(
            indexes
        )
        assert indexes == sorted(indexes)
    key = PrivateKey.generate()
    log.checkpoint(key, ORIGIN)
    summary = log.verify(verifier_key(key, ORIGIN))
    assert summary.size == total
    assert summary.root == merkle_root([e.data for e in log.entries(0, total)])
