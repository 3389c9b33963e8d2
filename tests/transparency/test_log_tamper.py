"""Scenario 10: anyone edits, deletes or reorders log rows with SQL → verify names it.

Each test builds the same 40-entry log with checkpoints at 20 and 40 on SQLite and on
PostgreSQL, tampers with it directly in SQL, and checks that ``verify`` raises naming the
first bad entry (or checkpoint), and that ``confide log verify`` exits 3 and prints it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from confide.crypto.signing import PrivateKey
from confide.storage import Database
from confide.transparency import (
    Checkpoint,
    LogTampered,
    TransparencyLog,
    leaf_hash,
    publish_verifier_key,
    sign_checkpoint,
    verifier_key,
)
from confide.transparency.store import Node, extend, write_head
from confide.transparency.tables import log_checkpoints, log_entries, log_nodes
from tests.transparency.test_log import ORIGIN, entries_for

KEY = PrivateKey(bytes(range(32)))
VKEY = verifier_key(KEY, ORIGIN)
SIZE = 40


@pytest.fixture
def log(database: Database) -> TransparencyLog:
    log = TransparencyLog(database)
    with database.transaction() as conn:
        log.append_many(conn, entries_for(20))
    log.checkpoint(KEY, ORIGIN)
    with database.transaction() as conn:
        for entry in entries_for(SIZE - 20, 20):
            log.append(conn, entry)
    log.checkpoint(KEY, ORIGIN)
    log.verify(VKEY)  # sound before anyone touches it
    return log


def data_of(conn: Connection, index: int) -> bytes:
    return bytes(
        conn.execute(select(log_entries.c.entry).where(log_entries.c.idx == index)).scalar_one()
    )


def rehash(conn: Connection) -> None:
    """What a careful forger does after editing entries: redo every hash, node and the head
    so that the stored tree is self-consistent again. Only signed checkpoints remain."""
    rows = conn.execute(
        select(log_entries.c.idx, log_entries.c.entry).order_by(log_entries.c.idx)
    ).all()
    for idx, data in rows:
        conn.execute(
            update(log_entries)
            .where(log_entries.c.idx == idx)
            .values(leaf_hash=leaf_hash(bytes(data)))
        )
    frontier: list[bytes] = []
    nodes: list[Node] = []
    size = extend(frontier, 0, (leaf_hash(bytes(data)) for _, data in rows), nodes)
    conn.execute(delete(log_nodes))
    if nodes:
        conn.execute(insert(log_nodes), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes])
    write_head(conn, size, frontier)


def expect(log: TransparencyLog, pattern: str, *, index: int | None) -> LogTampered:
    with pytest.raises(LogTampered, match=pattern) as caught:
        log.verify(VKEY)
    assert caught.value.index == index
    return caught.value


def test_an_edited_entry_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        forged = data_of(conn, 9).replace(b'"deny"', b'"permit"')
        assert forged != data_of(conn, 9)
        conn.execute(update(log_entries).where(log_entries.c.idx == 9).values(entry=forged))
    expect(log, r"entry 9 was changed", index=9)


def test_an_entry_edited_with_its_leaf_hash_is_caught_by_the_nodes(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        forged = data_of(conn, 9).replace(b'"deny"', b'"permit"')
        conn.execute(
            update(log_entries)
            .where(log_entries.c.idx == 9)
            .values(entry=forged, leaf_hash=leaf_hash(forged))
        )
    expect(log, r"entries 8\.\.9 does not match", index=8)


def test_a_deleted_row_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(delete(log_entries).where(log_entries.c.idx == 12))
    expect(log, r"entry 12 is missing", index=12)


def test_the_deleted_last_row_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(delete(log_entries).where(log_entries.c.idx == SIZE - 1))
    expect(log, rf"entry {SIZE - 1} is missing", index=SIZE - 1)


def test_swapped_rows_are_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        a, b = (
            conn.execute(select(log_entries).where(log_entries.c.idx == i)).one()._asdict()
            for i in (3, 9)
        )
        for target, source in ((3, b), (9, a)):
            values = {k: v for k, v in source.items() if k != "idx"}
            conn.execute(update(log_entries).where(log_entries.c.idx == target).values(values))
    expect(log, r"entry 3 holds the entry written at position 9", index=3)


def test_renumbered_rows_are_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(update(log_entries).where(log_entries.c.idx == 5).values(idx=-1))
        conn.execute(update(log_entries).where(log_entries.c.idx == 6).values(idx=5))
        conn.execute(update(log_entries).where(log_entries.c.idx == -1).values(idx=6))
    expect(log, r"entry 5 holds the entry written at position 6", index=5)


def test_an_edited_subject_column_is_named(log: TransparencyLog) -> None:
    # Hiding an access from a person's history by moving it to another pseudonym.
    with log.db.transaction() as conn:
        conn.execute(
            update(log_entries).where(log_entries.c.idx == 6).values(subject="ps1:" + "0" * 32)
        )
    expect(log, r"entry 6: its kind or subject column was edited", index=6)


def test_an_edited_node_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(
            update(log_nodes)
            .where(log_nodes.c.level == 2, log_nodes.c.idx == 3)
            .values(hash=b"\x00" * 32)
        )
    expect(log, r"node over entries 12\.\.15 does not match", index=12)


def test_a_deleted_node_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(delete(log_nodes).where(log_nodes.c.level == 3, log_nodes.c.idx == 2))
    expect(log, r"node over entries 16\.\.23 is missing", index=16)


def test_a_full_rewrite_is_caught_by_the_signed_checkpoint(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        forged = data_of(conn, 27).replace(b'"deny"', b'"permit"')
        assert forged != data_of(conn, 27)
        conn.execute(update(log_entries).where(log_entries.c.idx == 27).values(entry=forged))
        rehash(conn)
    error = expect(log, r"no longer match signed checkpoint .*from 20 to 39", index=20)
    assert error.checkpoint is not None


def test_a_forged_checkpoint_is_named(log: TransparencyLog) -> None:
    forger = PrivateKey.generate()
    root, when = log.root(), log.checkpoints()[0].created_at
    note = sign_checkpoint(Checkpoint(ORIGIN, SIZE, root), ORIGIN, forger)
    with log.db.transaction() as conn:
        conn.execute(
            insert(log_checkpoints).values(size=SIZE, root=root, note=note, created_at=when)
        )
    error = expect(log, r"checkpoint 3 \(size 40\) does not verify", index=None)
    assert error.checkpoint == 3


def test_an_edited_checkpoint_row_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(update(log_checkpoints).where(log_checkpoints.c.id == 1).values(size=21))
    expect(log, r"checkpoint 1: its stored size or root was edited", index=None)


def test_a_rollback_of_the_newest_entries_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        conn.execute(delete(log_entries).where(log_entries.c.idx >= 30))
        rehash(conn)
    expect(log, r"vouches for 40 entries but the log has only 30", index=30)


def test_an_entry_beyond_the_head_is_named(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        row = conn.execute(select(log_entries).where(log_entries.c.idx == 0)).one()._asdict()
        conn.execute(insert(log_entries).values({**row, "idx": SIZE + 3}))
    expect(log, rf"entry {SIZE + 3} lies beyond the log head", index=SIZE + 3)


def test_a_tampered_head_row_is_caught(log: TransparencyLog) -> None:
    with log.db.transaction() as conn:
        write_head(conn, SIZE, [b"\x01" * 32] * SIZE.bit_count())
    expect(log, r"head row does not match", index=None)


# -- the command line -----------------------------------------------------------------------


def confide(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confide", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_confide_log_verify_exits_non_zero_and_names_the_entry(
    log: TransparencyLog, database_url: str, tmp_path: Path
) -> None:
    publish_verifier_key(tmp_path, KEY, ORIGIN)
    args = ("log", "verify", "--database-url", database_url, "--home", str(tmp_path))
    good = confide(*args)
    assert good.returncode == 0, good.stderr
    assert f"{SIZE} entries" in good.stdout
    with log.db.transaction() as conn:
        conn.execute(delete(log_entries).where(log_entries.c.idx == 17))
    bad = confide(*args)
    assert bad.returncode == 3
    assert "entry 17 is missing" in bad.stderr
    assert "first bad entry: 17" in bad.stderr
    assert "Traceback" not in bad.stderr
