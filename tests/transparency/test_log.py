"""The stored transparency log on SQLite and PostgreSQL: appends, roots, proofs, history,
checkpoints, its signing key, and the entry schema."""

from __future__ import annotations

import json
import math
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, select, update

from confide.crypto import pseudonym
from confide.crypto.signing import PrivateKey
from confide.errors import ConfideError, ConfigurationError, NotFound
from confide.storage import Database
from confide.transparency import (
    ENTRY_KINDS,
    EntryError,
    EntryKind,
    TransparencyLog,
    consistency_proof,
    create_signing_key,
    inclusion_proof,
    leaf_hash,
    load_signing_key,
    merkle_root,
    publish_verifier_key,
    verifier_key,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from confide.transparency.store import perfect_pieces
from confide.transparency.subtrees import consistency_proof_ranges, inclusion_proof_ranges
from confide.transparency.tables import log_entries, log_head, log_nodes

ORIGIN = "confide.test/log"
PSEUDONYM_KEY = bytes(range(32))
POLICY = "sha256:" + "5d" * 32


def subject(name: str) -> str:
    return pseudonym(name, PSEUDONYM_KEY)


def decision(i: int, *, who: str = "subject-a", permit: bool = False) -> dict[str, Any]:
    return {
        "kind": "decision",
        "requester": "border-agency" if not permit else "st-marys-clinic",
        "role": "officer",
        "action": "read",
        "purpose": "immigration.enforcement" if not permit else "health.treatment",
        "holder": "st-marys-clinic",
        "requested": ["immigration.status", "contact.phone"],
        "released": ["contact.phone"] if permit else [],
        "decision": "permit" if permit else "deny",
        "rules": ["I1"] if not permit else [f"r{i}"],
        "policy": POLICY,
        "subject": subject(who),
        "record": None,
        "warrant": None,
        "context": None,
    }


def entries_for(n: int, start: int = 0) -> list[dict[str, Any]]:
    kinds: list[dict[str, Any]] = []
    for i in range(start, start + n):
        if i % 3 == 0:
            kinds.append(decision(i, who=f"subject-{i % 5}", permit=i % 2 == 0))
        elif i % 3 == 1:
            kinds.append(
                {
                    "kind": "record.created",
                    "subject": subject(f"subject-{i % 5}"),
                    "record": f"rec-{i}",
                    "holder": "st-marys-clinic",
                    "purpose": "health.treatment",
                }
            )
        else:
            kinds.append({"kind": "policy.changed", "policy": POLICY, "previous": None})
    return kinds


def stored_data(log: TransparencyLog) -> list[bytes]:
    return [e.data for e in log.entries(0, log.size())]


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Reads only: SQLite's BEGIN IMMEDIATE is the database layer's, not a read.
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# -- appending ---------------------------------------------------------------------------


def test_appends_get_consecutive_indexes_and_canonical_bytes(database: Database) -> None:
    log = TransparencyLog(database)
    with database.transaction() as conn:
        assert log.append(conn, decision(0)) == 0
        assert log.append_many(conn, entries_for(4, 1)) == [1, 2, 3, 4]
    with database.transaction() as conn:
        assert log.append(conn, decision(5)) == 5
    assert log.size() == 6
    for entry in log.entries(0, 6):
        fields = entry.fields
        assert fields["v"] == 1 and fields["index"] == entry.index
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", fields["time"])
        assert bytes(rfc8785.dumps(fields)) == entry.data
    assert log.entry(0).kind == "decision"
    with pytest.raises(NotFound):
        log.entry(6)


def test_an_empty_log(database: Database) -> None:
    log = TransparencyLog(database)
    assert log.size() == 0
    assert log.root() == merkle_root([])
    assert log.entries(0, 10) == []
    assert log.consistency_proof(0, 0) == []
    with pytest.raises(NotFound):
        log.inclusion_proof(0)
    with database.transaction() as conn:
        assert log.append_many(conn, []) == []
    assert log.latest_checkpoint() is None


def test_roots_and_proofs_equal_the_reference_for_every_size(database: Database) -> None:
    log = TransparencyLog(database)
    n = 37
    with database.transaction() as conn:
        log.append_many(conn, entries_for(20))
    with database.transaction() as conn:
        for entry in entries_for(n - 20, 20):
            log.append(conn, entry)
    data = stored_data(log)
    assert len(data) == n
    for size in range(n + 1):
        assert log.root(size) == merkle_root(data[:size])
        for index in range(size):
            assert log.inclusion_proof(index, size) == inclusion_proof(data[:size], index)
        for old in range(size + 1):
            assert log.consistency_proof(old, size) == consistency_proof(data[:size], old)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.integers(1, 9), min_size=1, max_size=5), data=st.data())
def test_any_sequence_of_batches_gives_reference_proofs(
    database: Database, batches: list[int], data: st.DataObject
) -> None:
    log = TransparencyLog(database)
    with database.transaction() as conn:  # each example starts from an empty log
        conn.execute(delete(log_entries))
        conn.execute(delete(log_nodes))
        conn.execute(update(log_head).values(size=0, frontier=b""))
    for batch in batches:
        with database.transaction() as conn:
            log.append_many(conn, entries_for(batch, log.size(conn)))
    stored = stored_data(log)
    size = data.draw(st.integers(1, len(stored)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    old = data.draw(st.integers(0, size), label="old")
    prefix = stored[:size]
    root = log.root(size)
    assert root == merkle_root(prefix)
    proof = log.inclusion_proof(index, size)
    assert proof == inclusion_proof(prefix, index)
    verify_inclusion(leaf_hash(prefix[index]), index, size, proof, root)
    proof = log.consistency_proof(old, size)
    assert proof == consistency_proof(prefix, old)
    verify_consistency(old, size, merkle_root(stored[:old]), root, proof)
    assert log.root() == merkle_root(stored)


def test_proofs_read_o_log_n_rows(database: Database) -> None:
    log = TransparencyLog(database)
    n = 3000
    with database.transaction() as conn:
        log.append_many(conn, entries_for(n))
    bound = 2 * math.log2(n) + 3
    for index, size in [(0, n), (1234, n), (2999, n), (777, 2049), (5, 1500)]:
        pieces = perfect_pieces(inclusion_proof_ranges(index, size))
        assert len(pieces) <= bound
        with counting(database) as statements:
            log.inclusion_proof(index, size)
        # One read of the head, then at most one query for leaves and one for nodes.
        assert len(statements) <= 3 <= bound
    for old, new in [(1, n), (1000, n), (2048, n), (1500, 2999)]:
        assert len(perfect_pieces(consistency_proof_ranges(old, new))) <= bound
        with counting(database) as statements:
            log.consistency_proof(old, new)
        assert len(statements) <= 3
    with counting(database) as statements:
        log.root(2999)
    assert len(statements) <= 3
    with counting(database) as statements:
        log.root()
    assert len(statements) == 1


def test_appends_write_amortised_constant_nodes(database: Database) -> None:
    log = TransparencyLog(database)
    with database.transaction() as conn:
        for entry in entries_for(64):
            log.append(conn, entry)
    with database.connect() as conn:
        nodes = conn.execute(select(func.count()).select_from(log_nodes)).scalar_one()
    # A tree of n entries has n - popcount(n) complete nodes above its leaves.
    assert nodes == 63


# -- I8: atomic with the caller's transaction ---------------------------------------------


class Boom(Exception):
    pass


def test_a_rolled_back_transaction_leaves_no_entry_and_no_node(database: Database) -> None:
    log = TransparencyLog(database)
    with database.transaction() as conn:
        log.append_many(conn, entries_for(3))
    root = log.root()

    def fail_after_appending() -> None:
        with database.transaction() as conn:
            log.append_many(conn, entries_for(9, 3))
            assert log.size(conn) == 12  # visible inside the transaction...
            raise Boom

    with pytest.raises(Boom):
        fail_after_appending()
    assert log.size() == 3  # ...and gone with it
    assert log.root() == root
    with database.connect() as conn:
        assert conn.execute(select(func.count()).select_from(log_entries)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(log_nodes)).scalar_one() == 1
        assert conn.execute(select(log_head.c.size)).scalar_one() == 3
    with database.transaction() as conn:
        assert log.append(conn, decision(3)) == 3  # the index is not lost or reused


def test_a_bad_entry_in_a_batch_appends_nothing(database: Database) -> None:
    log = TransparencyLog(database)
    batch = [*entries_for(3), {"kind": "decision", "name": "Maria Lopez"}]
    with pytest.raises(EntryError), database.transaction() as conn:
        log.append_many(conn, batch)
    assert log.size() == 0


# -- the entry schema ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "gossip"}, "registered 'kind'"),
        ({"name": "Maria Lopez"}, "field 'name' is not in its schema"),
        ({"subject": "Maria Lopez"}, "field 'subject' must be a subject pseudonym"),
        ({"subject": "+15551234567"}, "field 'subject' must be a subject pseudonym"),
        ({"holder": "Maria Lopez"}, "field 'holder' must be a identifier"),
        ({"holder": "maria@example.org"}, "field 'holder' must be a identifier"),
        ({"requested": ["ok", "not ok"]}, "field 'requested' must be a list of identifiers"),
        ({"decision": "maybe"}, "field 'decision'"),
        ({"policy": "abc"}, "field 'policy' must be a policy hash"),
        ({"v": 2}, "the log sets 'v' itself"),
        ({"index": 5}, "the log sets 'index' itself"),
        ({"time": "2026-01-01T00:00:00Z"}, "the log sets 'time' itself"),
    ],
)
def test_entries_outside_the_schema_are_refused(change: dict[str, Any], message: str) -> None:
    from confide.transparency.entries import validate_entry

    entry = {**decision(0), **change}
    with pytest.raises(EntryError, match=re.escape(message)) as caught:
        validate_entry(entry)
    # The message names the field, never the value that might be personal data.
    for value in change.values():
        if isinstance(value, str) and value not in ("gossip",):
            assert value not in str(caught.value)


def test_a_missing_field_is_refused() -> None:
    from confide.transparency.entries import validate_entry

    entry = decision(0)
    del entry["warrant"]
    with pytest.raises(EntryError, match="'warrant' is missing"):
        validate_entry(entry)


def test_kinds_are_a_registry_later_features_extend() -> None:
    from confide.transparency import register_kind
    from confide.transparency.entries import ID, PSEUDONYM, validate_entry

    kind = EntryKind("test.kind", "a test", required={"subject": PSEUDONYM, "thing": ID})
    register_kind(kind)
    try:
        validate_entry({"kind": "test.kind", "subject": subject("x"), "thing": "t-1"})
        with pytest.raises(ValueError, match="already registered"):
            register_kind(EntryKind("test.kind", "other", required={}))
        with pytest.raises(ValueError, match="reserved"):
            EntryKind("bad", "x", required={"index": ID})
    finally:
        del ENTRY_KINDS["test.kind"]


def test_every_kind_and_field_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "transparency.md").read_text()
    for kind in ENTRY_KINDS.values():
        heading = f"#### `{kind.name}`"
        assert heading in doc, kind.name
        section = doc.split(heading, 1)[1].split("\n#### ", 1)[0]
        for name in (*kind.required, *kind.optional):
            assert f"| `{name}` |" in section, (kind.name, name)


# -- history (scenario 9) -------------------------------------------------------------------


def test_a_subject_sees_every_access_denials_included(database: Database) -> None:
    log = TransparencyLog(database)
    with database.transaction() as conn:
        log.append(conn, decision(0, who="maria"))  # deny
        log.append(conn, decision(1, who="someone-else"))
        log.append(conn, decision(2, who="maria", permit=True))
        log.append(conn, {"kind": "subject.forgotten", "subject": subject("maria")})
        log.append(conn, {"kind": "policy.changed", "policy": POLICY, "previous": None})
    found = log.history(subject("maria"))
    assert [e.index for e in found] == [0, 2, 3]
    assert [e.fields.get("decision") for e in found] == ["deny", "permit", None]
    assert all(e.fields["subject"] == subject("maria") for e in found)
    assert log.history(subject("nobody")) == []
    with pytest.raises(EntryError, match="pseudonym"):
        log.history("maria")


# -- checkpoints and verification ---------------------------------------------------------


def test_checkpoints_are_signed_stored_and_verify(database: Database) -> None:
    log = TransparencyLog(database)
    key = PrivateKey.generate()
    vkey = verifier_key(key, ORIGIN)
    with database.transaction() as conn:
        log.append_many(conn, entries_for(11))
    note = log.checkpoint(key, ORIGIN)
    checkpoint = verify_checkpoint(note, vkey, origin=ORIGIN)
    assert checkpoint.size == 11 and checkpoint.root_hash == log.root()
    latest = log.latest_checkpoint()
    assert latest is not None and latest.note == note and latest.size == 11
    assert latest.checkpoint == checkpoint
    with database.transaction() as conn:
        log.append_many(conn, entries_for(5, 11))
    log.checkpoint(key, ORIGIN)
    assert [c.size for c in log.checkpoints()] == [11, 16]
    summary = log.verify(vkey)
    assert (summary.size, summary.checkpoints, summary.latest_checkpoint_size) == (16, 2, 16)
    assert summary.root == merkle_root(stored_data(log))
    with pytest.raises(ConfigurationError):
        log.checkpoint(key, "has a space")


def test_verify_walks_chunk_boundaries(database: Database) -> None:
    from confide.transparency.audit import verify_log

    log = TransparencyLog(database)
    key = PrivateKey.generate()
    with database.transaction() as conn:
        log.append_many(conn, entries_for(45))
    log.checkpoint(key, ORIGIN)
    with database.transaction() as conn:
        log.append_many(conn, entries_for(30, 45))
    log.checkpoint(key, ORIGIN)
    with database.connect() as conn:
        for level in (1, 2, 3, 12):  # chunks of 2, 4, 8 and 4096 entries
            summary = verify_log(conn, verifier_key(key, ORIGIN), chunk_level=level)
            assert summary.size == 75 and summary.nodes == 75 - (75).bit_count()


# -- the signing key ----------------------------------------------------------------------


def test_the_signing_key_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "log-signing.key"
    key = create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_key(path).public_key() == key.public_key()
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        create_signing_key(path)
    assert not list(tmp_path.glob(".*tmp"))
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_signing_key(path)
    with pytest.raises(ConfigurationError, match="confide init"):
        load_signing_key(tmp_path / "missing.key")
    garbage = tmp_path / "garbage.key"
    garbage.write_bytes(b"not a key")
    garbage.chmod(0o600)
    with pytest.raises(ConfigurationError, match="PEM"):
        load_signing_key(garbage)


def test_the_verifier_key_is_published_once(tmp_path: Path) -> None:
    from confide.transparency import load_verifier_key, new_origin

    key = create_signing_key(tmp_path / "log-signing.key")
    origin = new_origin()
    path = publish_verifier_key(tmp_path, key, origin)
    assert path == tmp_path / "log.vkey"
    assert path.read_text().strip() == verifier_key(key, origin)
    assert publish_verifier_key(tmp_path, key, origin) == path  # same key: fine
    loaded = load_verifier_key(path)
    assert loaded.name == origin and loaded.public_key == key.public_key()
    with pytest.raises(ConfigurationError, match="already published"):
        publish_verifier_key(tmp_path, PrivateKey.generate(), origin)
    with pytest.raises(ConfigurationError):
        verifier_key(key, "no spaces allowed")


def test_errors_are_confide_errors() -> None:
    assert issubclass(EntryError, ConfideError)
    assert json.loads(json.dumps(decision(0)))  # entries are plain JSON
