"""Vault throughput and read latency: Confide vs. raw AES-GCM, in memory and over plain SQL.

One run, the same synthetic payloads for every contender (issue 4). From the repository root::

    .venv/bin/python bench/vault.py                  # everything, 1,000,000 records; ~6 minutes
    .venv/bin/python bench/vault.py --quick          # 10,000 vs 100,000 records; ~1 minute
    .venv/bin/python bench/vault.py --records 300000 --json vault.json
    .venv/bin/python bench/vault.py --quick --profile   # also a cProfile of SQLite reads

What is measured:

1. **Stores and reads per second**, on SQLite (WAL, synchronous=FULL) and PostgreSQL, through
   ``Vault.put`` / ``Vault.read``: a store is a write decision, key creation or unwrap,
   four sealed fields, two blind indexes and two log entries in one transaction; a read is
   a decision, a transparency-log append in the same transaction, a key unwrap and the
   decryption of the released fields. Side by side, interleaved pass by pass, with

   * **raw AES-GCM in memory**: ``cryptography``'s ``AESGCM`` encrypting / decrypting the
     same four field values (one key, random nonce, no associated data, nothing stored);
   * **raw AES-GCM + plain SQL**: the same fields encrypted the same way and written / read
     with one SQLAlchemy Core ``INSERT`` / ``SELECT`` per record, one row per record in a
     plain table of the same database, through the same engine (no policy, no log, no key
     wrapping, no blind index);
   * supplementary rows: plain SQL with one audit-row ``INSERT`` committed with each read
     (what any audited read pays for durability), Confide reads naming the four categories
     instead of asking for every category (the ``confide vault get`` default), and Confide's
     crypto alone in memory (unwrap the data key, open the four envelopes).

   Confide has no batched or read-only read: every read is its own decision and log append
   in its own transaction (I8). ``export`` reads all of one person's records in one
   transaction, but only for the person themself (I7), so it is not a holder's batch read.
2. **Where a read's time goes**: wall-clock time attributed to decision, log entry, log
   append, key unwrap, decryption, each SQL statement in the driver, SQLAlchemy around the
   statements, and BEGIN / COMMIT, with low-overhead timers (``--profile`` adds a cProfile).
3. **Read latency at two sizes on PostgreSQL** (10,000 and ``--records``): two deployments
   side by side, each started with ``vault.put`` and then bulk-loaded to size with the rows
   ``put`` would have written (see :func:`bulk_load`), read alternately in small rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: TID251
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    event,
    insert,
    select,
)
from sqlalchemy.engine import Result
from sqlalchemy.sql.dml import DMLWhereBase, ValuesBase
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.selectable import GenerativeSelect, Select

import confide.transparency.log as log_module
import confide.transparency.store as store_module
import confide.vault.keyring as keyring_module
import confide.vault.vault as vault_module
from confide.crypto import (
    BlindIndexer,
    FieldSealer,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
    wrapped_key_id,
)
from confide.policy import DecisionRequest
from confide.runtime import Confide, init
from confide.storage import Settings
from confide.storage.tables import fields, records, subject_keys
from confide.transparency import leaf_hash, verify_inclusion
from confide.transparency.entries import canonical_entry, format_time, validate_entry
from confide.transparency.store import TreeBuilder, lock_head, write_head
from confide.vault.retention import retain_until

PG_DSN = os.environ.get("CONFIDE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SEED = 20260504
HOLDER = "st-marys-clinic"
PURPOSE = "care.treatment"
CATEGORIES = ("identity.name", "contact.phone", "health.condition", "health.notes")
#: Two records per person: half the stores create the person's data key, half reuse it.
RECORDS_PER_SUBJECT = 2
CONDITIONS = tuple(f"synthetic-condition-{c}" for c in "abcdefgh")
NOTE = "Synthetic bench note; it describes no real person and no real case. " * 6
#: The in-memory rows loop over their pass's records this many times (a pass of 1,000
#: records is a few milliseconds, too short to time well on its own).
MEMORY_REPEAT = 20


# -- payloads ---------------------------------------------------------------------------------


def payload(i: int) -> dict[str, str]:
    """Record ``i``'s four synthetic field values (the notes are 40 to 239 bytes)."""
    return {
        "identity.name": f"Synthetic Person {i:07d}",
        "contact.phone": f"+00 0000 {i:07d}",
        "health.condition": CONDITIONS[i % len(CONDITIONS)],
        "health.notes": NOTE[: 40 + (i * 37) % 200],
    }


def subject_ref(i: int) -> str:
    return f"bench-subject-{i // RECORDS_PER_SUBJECT:07d}"


def record_uuid(i: int) -> str:
    """A deterministic version-4 UUID for record ``i`` (bulk-loaded rows and the SQL peer)."""
    digest = hashlib.blake2b(f"{SEED}:{i}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


# -- deployments ------------------------------------------------------------------------------


class Deployment:
    """A fresh Confide: its own data directory and key file, and a SQLite file or a
    PostgreSQL schema of its own (dropped by :meth:`close`)."""

    def __init__(self, dialect: str, folder: Path, label: str) -> None:
        self.dialect = dialect
        home = folder / label
        self.schema: str | None = None
        if dialect == "sqlite":
            url = f"sqlite:///{home / 'confide.db'}"
        else:
            self.schema = f"bench_vault_{secrets.token_hex(5)}"
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            url = f"{PG_DSN}?options=-csearch_path%3D{self.schema}"
        settings = Settings.resolve(
            home=home,
            database_url=url,
            key_file=home / "confide.key",
            policy=home / "policy.yaml",
        )
        init(settings)
        self.confide = Confide.open(settings)
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.confide.close()
        if self.schema is not None:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def sizes(self) -> dict[str, int]:
        """Bytes on disk per table, indexes and TOAST included (PostgreSQL only)."""
        assert self.schema is not None
        with psycopg.connect(PG_DSN) as conn:
            rows = conn.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind = 'r'",
                (self.schema,),
            ).fetchall()
        return {str(name): int(size) for name, size in rows}


@contextlib.contextmanager
def deployments(folder: Path) -> Iterator[Callable[[str, str], Deployment]]:
    """Make deployments on demand; every one is closed (its schema dropped) at the end."""
    made: list[Deployment] = []

    def make(dialect: str, label: str) -> Deployment:
        made.append(Deployment(dialect, folder, label))
        return made[-1]

    try:
        yield make
    finally:
        for d in made:
            d.close()


# -- the peers --------------------------------------------------------------------------------


class RawAesGcm:
    """The floor: AES-256-GCM over each field value, one key, random nonce, no AD."""

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(self, values: Mapping[str, str]) -> list[bytes]:
        aead = self._aead
        out = []
        for value in values.values():
            nonce = os.urandom(12)
            out.append(nonce + aead.encrypt(nonce, value.encode("utf-8"), None))
        return out

    def open(self, sealed: Sequence[bytes]) -> list[str]:
        aead = self._aead
        return [aead.decrypt(s[:12], s[12:], None).decode("utf-8") for s in sealed]


_plain = MetaData()
#: The plain-SQL peer's table: one row per record, one column per field, no index but the key.
plain_records = Table(
    "bench_plain_records",
    _plain,
    Column("id", String(36), primary_key=True),
    Column("name", LargeBinary, nullable=False),
    Column("phone", LargeBinary, nullable=False),
    Column("condition", LargeBinary, nullable=False),
    Column("notes", LargeBinary, nullable=False),
)
#: The supplementary peer's audit trail: one row per read, committed with it.
plain_audit = Table(
    "bench_plain_audit",
    _plain,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(36), nullable=False),
    Column("requester", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
_PLAIN_COLUMNS = ("name", "phone", "condition", "notes")


class PlainSql:
    """Raw AES-GCM + plain SQLAlchemy Core statements in the deployment's own database,
    through the same engine (so the same pool, WAL mode and fsync setting as Confide)."""

    def __init__(self, deployment: Deployment, aead: RawAesGcm) -> None:
        self.db = deployment.confide.db
        self.aead = aead
        _plain.create_all(self.db.engine)
        self._select = select(*(plain_records.c[c] for c in _PLAIN_COLUMNS))

    def store(self, record_id: str, values: Mapping[str, str]) -> None:
        sealed = self.aead.seal(values)
        with self.db.transaction() as conn:
            columns = dict(zip(_PLAIN_COLUMNS, sealed, strict=True))
            conn.execute(insert(plain_records).values(id=record_id, **columns))

    def read(self, record_id: str) -> list[str]:
        with self.db.connect() as conn:
            row = conn.execute(self._select.where(plain_records.c.id == record_id)).one()
        return self.aead.open(row)

    def read_audited(self, record_id: str) -> list[str]:
        with self.db.transaction() as conn:
            row = conn.execute(self._select.where(plain_records.c.id == record_id)).one()
            conn.execute(
                insert(plain_audit).values(
                    record_id=record_id,
                    requester=HOLDER,
                    purpose=PURPOSE,
                    at=dt.datetime.now(dt.UTC),
                )
            )
        return self.aead.open(row)


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One timed contender. ``run(p)`` makes pass ``p`` over ``per_pass`` records."""

    name: str
    database: str
    kind: str  # "store" or "read"
    per_pass: int
    run: Callable[[int], object]
    note: str = ""
    #: Confide, a peer, or supplementary: which ratios the report shows.
    role: str = "supplementary"
    passes: list[int] = field(default_factory=list)

    def once(self, p: int) -> None:
        gc.collect()
        start = time.perf_counter_ns()
        self.run(p)
        self.passes.append(time.perf_counter_ns() - start)

    @property
    def best(self) -> float:
        return self.per_pass / (min(self.passes) / 1e9)

    @property
    def median(self) -> float:
        return self.per_pass / (statistics.median(self.passes) / 1e9)


def round_robin(rows: Sequence[Row], passes: int) -> None:
    """Pass i of every row runs before pass i+1 of any, so that a burst of load from
    elsewhere on the machine hurts every contender alike rather than one of them."""
    for p in range(passes):
        for row in rows:
            row.once(p)
        print(f"  {rows[0].kind} pass {p + 1}/{passes} done", flush=True)


# -- 1. throughput ----------------------------------------------------------------------------


@dataclass
class Side:
    """One database's contenders and what they stored."""

    dialect: str
    deployment: Deployment
    plain: PlainSql
    confide_ids: dict[int, str] = field(default_factory=dict)


def _put(vault: Any, i: int, values: Mapping[str, str]) -> str:
    record_id: str = vault.put(
        holder=HOLDER, subject=subject_ref(i), purpose=PURPOSE, values=values
    )
    return record_id


def store_rows(
    sides: Sequence[Side], raw: RawAesGcm, payloads: Sequence[dict[str, str]], batch: int
) -> tuple[list[Row], dict[int, list[bytes]]]:
    sealed: dict[int, list[bytes]] = {}

    def memory(p: int) -> None:
        for _ in range(MEMORY_REPEAT):
            for i in range(p * batch, (p + 1) * batch):
                sealed[i] = raw.seal(payloads[i])

    rows = [
        Row(
            "raw AES-GCM in memory (encrypt 4 fields)",
            "memory",
            "store",
            batch * MEMORY_REPEAT,
            memory,
            f"each pass's {batch:,} records encrypted {MEMORY_REPEAT} times over",
            role="raw",
        )
    ]
    for side in sides:

        def confide(p: int, side: Side = side) -> None:
            vault = side.deployment.confide.vault
            for i in range(p * batch, (p + 1) * batch):
                side.confide_ids[i] = _put(vault, i, payloads[i])

        def plain(p: int, side: Side = side) -> None:
            for i in range(p * batch, (p + 1) * batch):
                side.plain.store(record_uuid(i), payloads[i])

        rows.append(
            Row(
                "Confide vault.put",
                side.dialect,
                "store",
                batch,
                confide,
                "one transaction per record (plus an empty one, see the profile)",
                role="confide",
            )
        )
        rows.append(
            Row(
                "raw AES-GCM + plain SQL INSERT",
                side.dialect,
                "store",
                batch,
                plain,
                "encrypt 4 fields, one INSERT, one commit per record",
                role="plain",
            )
        )
    return rows, sealed


def crypto_inputs(
    deployment: Deployment, ids: Sequence[str]
) -> list[tuple[str, str, bytes, list[tuple[str, bytes]]]]:
    """For Confide's crypto-alone row: each record's pseudonym, wrapped key and envelopes,
    read straight from the tables (outside any timing)."""
    out = []
    with deployment.confide.db.connect() as conn:
        for record_id in ids:
            subject = conn.execute(
                select(records.c.subject).where(records.c.id == record_id)
            ).scalar_one()
            wrapped = conn.execute(
                select(subject_keys.c.wrapped_key).where(subject_keys.c.subject == subject)
            ).scalar_one()
            envelopes = [
                (str(c), bytes(e))
                for c, e in conn.execute(
                    select(fields.c.category, fields.c.envelope).where(
                        fields.c.subject == subject, fields.c.record_id == record_id
                    )
                )
            ]
            out.append((record_id, subject, bytes(wrapped), envelopes))
    return out


def read_rows(
    sides: Sequence[Side],
    raw: RawAesGcm,
    sealed: Mapping[int, list[bytes]],
    chosen: Sequence[int],
) -> list[Row]:
    n = len(chosen)
    memory_sealed = [sealed[i] for i in chosen]
    keys = sides[0].deployment.confide.keys
    crypto = crypto_inputs(sides[0].deployment, [sides[0].confide_ids[i] for i in chosen])

    def memory(_p: int) -> None:
        for _ in range(MEMORY_REPEAT):
            for s in memory_sealed:
                raw.open(s)

    def confide_crypto(_p: int) -> None:
        for _ in range(MEMORY_REPEAT):
            for record_id, subject, wrapped, envelopes in crypto:
                sealer = FieldSealer(unwrap_data_key(wrapped, keys, subject=subject))
                for category, envelope in envelopes:
                    sealer.open(
                        envelope, record_id=record_id, field=category, subject=subject
                    ).decode("utf-8")

    rows = [
        Row(
            "raw AES-GCM in memory (decrypt 4 fields)",
            "memory",
            "read",
            n * MEMORY_REPEAT,
            memory,
            f"the same {n:,} records decrypted {MEMORY_REPEAT} times over",
            role="raw",
        ),
        Row(
            "Confide crypto alone (unwrap + open 4 fields)",
            "memory",
            "read",
            n * MEMORY_REPEAT,
            confide_crypto,
            "unwrap_data_key + FieldSealer.open x4 in memory: no decision, no SQL, no log",
        ),
    ]
    for side in sides:
        ids = [side.confide_ids[i] for i in chosen]
        plain_ids = [record_uuid(i) for i in chosen]

        def confide(_p: int, side: Side = side, ids: list[str] = ids) -> None:
            read = side.deployment.confide.vault.read
            for record_id in ids:
                read(record_id, requester=HOLDER, purpose=PURPOSE)

        def confide_named(_p: int, side: Side = side, ids: list[str] = ids) -> None:
            read = side.deployment.confide.vault.read
            for record_id in ids:
                read(record_id, requester=HOLDER, purpose=PURPOSE, categories=CATEGORIES)

        def plain(_p: int, side: Side = side, ids: list[str] = plain_ids) -> None:
            for record_id in ids:
                side.plain.read(record_id)

        def audited(_p: int, side: Side = side, ids: list[str] = plain_ids) -> None:
            for record_id in ids:
                side.plain.read_audited(record_id)

        rows += [
            Row(
                "Confide vault.read",
                side.dialect,
                "read",
                n,
                confide,
                "asks for every category, as `confide vault get` does; 17 released, 4 present",
                role="confide",
            ),
            Row(
                "Confide vault.read, 4 categories named",
                side.dialect,
                "read",
                n,
                confide_named,
                "categories= the record's four",
            ),
            Row(
                "raw AES-GCM + plain SQL SELECT",
                side.dialect,
                "read",
                n,
                plain,
                "one SELECT by primary key, read-only transaction, decrypt 4 fields",
                role="plain",
            ),
            Row(
                "raw AES-GCM + plain SQL SELECT + audit INSERT",
                side.dialect,
                "read",
                n,
                audited,
                "the SELECT and one audit-row INSERT, committed together",
            ),
        ]
    return rows


def check_reads(sides: Sequence[Side], chosen: Sequence[int]) -> None:
    """Every contender returns the stored values (outside any timing)."""
    for side in sides:
        for i in chosen[:50]:
            d = side.deployment.confide.vault.read(
                side.confide_ids[i], requester=HOLDER, purpose=PURPOSE
            )
            assert d.values == payload(i), f"Confide on {side.dialect} read back other values"
            assert side.plain.read(record_uuid(i)) == list(payload(i).values())


def throughput(sides: Sequence[Side], batch: int, passes: int, seed: int) -> dict[str, Any]:
    raw = RawAesGcm()
    payloads = [payload(i) for i in range(batch * passes)]
    warm = batch * passes + 10_000  # indices outside the timed ones
    for side in sides:  # connections, statement caches, the first subject key
        for i in range(warm, warm + 4):
            side.confide_ids[i] = _put(side.deployment.confide.vault, i, payload(i))
            side.plain.store(record_uuid(i), payload(i))
            side.deployment.confide.vault.read(
                side.confide_ids[i], requester=HOLDER, purpose=PURPOSE
            )
            side.plain.read(record_uuid(i))
            side.plain.read_audited(record_uuid(i))
    stores, sealed = store_rows(sides, raw, payloads, batch)
    print(f"timing stores: {len(stores)} contenders, {passes} passes, interleaved", flush=True)
    round_robin(stores, passes)
    chosen = random.Random(seed).sample(range(batch * passes), batch)
    reads = read_rows(sides, raw, sealed, chosen)
    print(f"timing reads: {len(reads)} contenders, {passes} passes, interleaved", flush=True)
    round_robin(reads, passes)
    check_reads(sides, chosen)
    return {"stores": stores, "reads": reads, "chosen": chosen}


def rows_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    raw = next(r for r in rows if r.role == "raw")
    plain = {r.database: r for r in rows if r.role == "plain"}
    out = []
    for r in rows:
        entry: dict[str, Any] = {
            "name": r.name,
            "database": r.database,
            "kind": r.kind,
            "role": r.role,
            "per_pass": r.per_pass,
            "best_per_s": r.best,
            "median_per_s": r.median,
            "best_us_each": 1e6 / r.best,
            "vs_raw_aes_gcm": r.best / raw.best,
            "note": r.note,
            "passes_ns": r.passes,
        }
        if r.database in plain:
            entry["vs_plain_sql"] = r.best / plain[r.database].best
        out.append(entry)
    return out


# -- 2. where a read's time goes --------------------------------------------------------------


class Attribution:
    """Wall-clock time by component, each component's own time (its children subtracted).

    Timers are plain ``perf_counter_ns`` pairs around the functions patched in
    :func:`attributed`, so they cost about a microsecond each, not cProfile's per-call
    overhead on every SQLAlchemy function.
    """

    def __init__(self) -> None:
        self.own: dict[str, int] = defaultdict(int)
        self.calls: Counter[str] = Counter()
        self._stack: list[list[Any]] = []

    def enter(self, label: str) -> None:
        self._stack.append([label, time.perf_counter_ns(), 0])

    def exit(self) -> None:
        label, start, children = self._stack.pop()
        took = time.perf_counter_ns() - start
        self.own[label] += took - children
        self.calls[label] += 1
        if self._stack:
            self._stack[-1][2] += took

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter(label)
            try:
                return fn(*args, **kwargs)
            finally:
                self.exit()

        return timed


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def statement_label(sql: str) -> str:
    words = sql.split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb == "BEGIN":
        return "BEGIN"
    found = _TABLE.search(sql)
    table = found.group(1) if found else "?"
    lock = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
    return f"{verb} {table}{lock}"


#: Labels of the statement-building and result-fetching parts of SQLAlchemy Core. Building a
#: statement (``select(...).where(col == value)``) runs in the caller's frame, so without these
#: it would be counted as the vault's or the log's own code.
_BUILD = "SQLAlchemy: building statements"
_FETCH = "SQLAlchemy: fetching results"


def _patch_targets(c: Confide) -> list[tuple[Any, str, str]]:
    """(object, attribute, label) for every function :func:`attributed` times."""
    targets: list[tuple[Any, str, str]] = [
        (c.vault, "read", "vault: own code"),
        (c.vault, "put", "vault: own code"),
        (c.policy, "decide", "policy decision"),
        (c.vault, "decision_entry", "log: entry dict (decision_entry, _token)"),
        (c.log, "append_many", "log: append_many own (Merkle tree, rows)"),
        (log_module, "validate_entry", "log: validate entry"),
        (log_module, "canonical_entry", "log: RFC 8785 canonical JSON"),
        (c.vault.keyring, "pseudonym", "crypto: pseudonym (HMAC)"),
        (keyring_module, "unwrap_data_key", "crypto: data key unwrap (AES-GCM)"),
        (keyring_module, "wrap_data_key", "crypto: data key wrap (AES-GCM)"),
        (FieldSealer, "__init__", "crypto: fields seal/open (AES-GCM)"),
        (FieldSealer, "open", "crypto: fields seal/open (AES-GCM)"),
        (FieldSealer, "seal", "crypto: fields seal/open (AES-GCM)"),
        (BlindIndexer, "index", "crypto: blind index (HMAC)"),
        (Connection, "execute", "SQLAlchemy: execute (cache key, compiled, params)"),
        (c.db.engine, "connect", "transaction: pool checkout"),
        (Connection, "begin", "transaction: BEGIN"),
        (c.db.engine.dialect, "do_commit", "transaction: COMMIT"),
        (Connection, "close", "transaction: return to pool"),
        (vault_module, "select", _BUILD),
        (keyring_module, "select", _BUILD),
        (keyring_module, "_insert", _BUILD),
        (store_module, "select", _BUILD),
        (store_module, "update", _BUILD),
        (log_module, "insert", _BUILD),
        (TableClause, "insert", _BUILD),
        (Select, "where", _BUILD),
        (GenerativeSelect, "with_for_update", _BUILD),
        (DMLWhereBase, "where", _BUILD),
        (ValuesBase, "values", _BUILD),
        (ColumnElement, "operate", _BUILD),
    ]
    targets += [
        (Result, name, _FETCH)
        for name in ("first", "all", "one", "one_or_none", "scalar_one", "scalar_one_or_none")
    ]
    return targets


@contextlib.contextmanager
def attributed(deployment: Deployment, attribution: Attribution) -> Iterator[None]:
    """Time the pieces of ``vault.put`` / ``vault.read`` (patched for the block only); the
    time inside the database driver is timed per statement with SQLAlchemy's cursor events."""
    c = deployment.confide
    engine: Engine = c.db.engine
    labels: dict[str, str] = {}

    def before(*args: Any) -> None:
        sql = args[2]
        label = labels.get(sql)
        if label is None:
            label = labels[sql] = "driver: " + statement_label(sql)
        attribution.enter(label)

    def after(*_args: Any) -> None:
        attribution.exit()

    with contextlib.ExitStack() as stack:
        for target, name, label in _patch_targets(c):
            wrapped = attribution.wrap(label, getattr(target, name))
            stack.enter_context(mock.patch.object(target, name, wrapped))
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)


def breakdown(side: Side, chosen: Sequence[int], puts: int) -> dict[str, Any]:
    """Attributed reads of ``chosen`` and ``puts`` attributed stores, on one deployment."""
    vault = side.deployment.confide.vault
    ids = [side.confide_ids[i] for i in chosen]
    out: dict[str, Any] = {}
    for kind in ("read", "put"):
        attribution = Attribution()
        with attributed(side.deployment, attribution):
            gc.collect()
            start = time.perf_counter_ns()
            if kind == "read":
                for record_id in ids:
                    vault.read(record_id, requester=HOLDER, purpose=PURPOSE)
                n = len(ids)
            else:
                base = 5_000_000
                for i in range(base, base + puts):
                    _put(vault, i, payload(i))
                n = puts
            total = time.perf_counter_ns() - start
        parts = {k: v / n / 1e3 for k, v in sorted(attribution.own.items(), key=lambda x: -x[1])}
        out[kind] = {
            "operations": n,
            "instrumented_us_each": total / n / 1e3,
            "us_each_by_component": parts,
            "calls_each": {k: v / n for k, v in attribution.calls.items()},
        }
    return out


def cprofile_reads(side: Side, chosen: Sequence[int], top: int) -> str:
    vault = side.deployment.confide.vault
    ids = [side.confide_ids[i] for i in chosen]
    prof = cProfile.Profile()
    prof.enable()
    for record_id in ids:
        vault.read(record_id, requester=HOLDER, purpose=PURPOSE)
    prof.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(prof, stream=buffer)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


# -- 3. bulk load and read latency ------------------------------------------------------------

_SENTINEL_SUBJECT = "ps1:" + "e" * 32
_SENTINEL_RECORD = "00000000-0000-4000-8000-0000000e0e0e"
_SENTINEL_INDEX = 987_654_321_012_345


class EntryTemplate:
    """A log entry as ``put`` would append it, with the subject, record and index left to
    fill in: RFC 8785 costs ~25 µs an entry in pure Python, a byte replacement ~1 µs. The
    result is checked against ``canonical_entry`` for sample records in :func:`bulk_load`."""

    def __init__(self, entry: Mapping[str, Any], time_text: str) -> None:
        kind, values = validate_entry(entry)
        self.kind = kind.name
        self._time = time_text
        self.data = canonical_entry(kind, values, _SENTINEL_INDEX, time_text)
        for sentinel in (_SENTINEL_SUBJECT, _SENTINEL_RECORD, str(_SENTINEL_INDEX)):
            assert self.data.count(sentinel.encode()) == 1, "a sentinel is not unique"

    def fill(self, subject: str, record_id: str, index: int) -> bytes:
        return (
            self.data.replace(_SENTINEL_SUBJECT.encode(), subject.encode())
            .replace(_SENTINEL_RECORD.encode(), record_id.encode())
            .replace(b"%d" % _SENTINEL_INDEX, b"%d" % index)
        )


def put_records(deployment: Deployment, n: int) -> list[str]:
    vault = deployment.confide.vault
    return [_put(vault, i, payload(i)) for i in range(n)]


def bulk_load(deployment: Deployment, start: int, stop: int, chunk: int = 20_000) -> dict[str, Any]:
    """Add records ``start`` .. ``stop - 1`` with the rows ``vault.put`` would write, made
    with the same functions, and written with PostgreSQL ``COPY`` in one transaction:

    * ``subjects`` and ``subject_keys``: for each new person (every second record), a fresh
      data key (``new_data_key``) wrapped by the deployment's key file
      (``wrap_data_key(key, c.keys, subject=pseudonym)``);
    * ``records``: holder, purpose, collected now, ``retain_until`` from the policy, policy
      hash; the record id a deterministic version-4 UUID;
    * ``fields``: the four values sealed with ``FieldSealer(key).seal`` (record, field and
      subject in the associated data);
    * ``blind_indexes``: ``BlindIndexer(keys.blind_index_root_key(), holder=...)`` over the
      identifying fields (name, phone);
    * the transparency log: the two entries ``put`` appends (the write decision and
      ``record.created``), their leaf hashes, every completed Merkle node and the new head,
      continuing the tree the deployment already has.

    Foreign keys and indexes stay in place during the load, as in production. Afterwards,
    for the first and last loaded record, the stored log entry must equal ``canonical_entry``
    of what ``put`` would have logged, its inclusion proof must verify against the log's
    root, and ``vault.search`` by phone must find the record. Then ``VACUUM (ANALYZE)`` of
    every table and a ``CHECKPOINT``, so the reads that follow are not paying for the load.
    """
    c = deployment.confide
    vault, policy = c.vault, c.policy
    request = DecisionRequest(
        requester_org=HOLDER,
        role=vault.default_role(HOLDER),
        action="write",
        purpose=PURPOSE,
        holder=HOLDER,
        fields=CATEGORIES,
    )
    decision = policy.decide(request)
    assert decision.fields == CATEGORIES, "the policy no longer lets the clinic write these"
    taxonomy = policy.policy.taxonomy
    identifying = [cat for cat in CATEGORIES if taxonomy.categories[cat].identifying]
    indexer = BlindIndexer(c.keys.blind_index_root_key(), holder=HOLDER)
    moment = dt.datetime.now(dt.UTC)
    keep_until = retain_until(policy.policy, PURPOSE, moment)
    time_text = format_time(moment)
    written = {
        "kind": "record.created",
        "record": _SENTINEL_RECORD,
        "subject": _SENTINEL_SUBJECT,
        "holder": HOLDER,
        "purpose": PURPOSE,
        "categories": sorted(CATEGORIES),
        "policy": policy.hash,
    }
    templates = [
        EntryTemplate(
            vault.decision_entry(
                decision, request, subject=_SENTINEL_SUBJECT, record=_SENTINEL_RECORD
            ),
            time_text,
        ),
        EntryTemplate(written, time_text),
    ]
    assert start % RECORDS_PER_SUBJECT == 0, "bulk loads start at a person's first record"
    assert chunk % RECORDS_PER_SUBJECT == 0, "a chunk holds whole people"
    counts: Counter[str] = Counter()
    began = time.perf_counter()
    with c.db.transaction() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        tree = TreeBuilder(*lock_head(conn))
        first_index = tree.size
        sealer = FieldSealer(new_data_key())
        subject = ""
        for lo in range(start, stop, chunk):
            tables: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            for i in range(lo, min(stop, lo + chunk)):
                if i % RECORDS_PER_SUBJECT == 0:
                    subject = vault.keyring.pseudonym(subject_ref(i))
                    key = new_data_key()
                    wrapped = wrap_data_key(key, c.keys, subject=subject)
                    tables["subjects"].append((subject, moment, None))
                    tables["subject_keys"].append(
                        (subject, wrapped, wrapped_key_id(wrapped), moment)
                    )
                    sealer = FieldSealer(key)
                record_id = record_uuid(i)
                values = payload(i)
                tables["records"].append(
                    (subject, record_id, HOLDER, PURPOSE, moment, keep_until, policy.hash)
                )
                for cat in CATEGORIES:
                    envelope = sealer.seal(
                        values[cat].encode("utf-8"), record_id=record_id, field=cat, subject=subject
                    )
                    tables["fields"].append((subject, record_id, cat, envelope))
                for cat in identifying:
                    digest = indexer.index(values[cat], category=cat)
                    tables["blind_indexes"].append((HOLDER, cat, digest, subject, record_id))
                for template in templates:
                    index = tree.size
                    data = template.fill(subject, record_id, index)
                    leaf = tree.append(data)
                    tables["log_entries"].append(
                        (index, data, leaf, template.kind, subject, moment)
                    )
            with raw.cursor() as cursor:
                for table, rows in tables.items():
                    with cursor.copy(f"COPY {table} ({COPY_COLUMNS[table]}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    counts[table] += len(rows)
            print(f"  loaded {min(stop, lo + chunk):,} records", end="\r", flush=True)
        nodes = list(tree.nodes())
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY log_nodes (level, idx, hash) FROM STDIN") as copy,
        ):
            for node in nodes:
                copy.write_row(node)
        counts["log_nodes"] += len(nodes)
        write_head(conn, tree.size, tree.frontier)
    load_s = time.perf_counter() - began
    print(flush=True)
    # The template's bytes are the real canonical bytes: check the first and last records.
    for i in (start, stop - 1):
        ps = vault.keyring.pseudonym(subject_ref(i))
        kind, values = validate_entry(
            vault.decision_entry(decision, request, subject=ps, record=record_uuid(i))
        )
        index = first_index + len(templates) * (i - start)
        stored = c.log.entries(index, index + 1)[0].data
        assert stored == canonical_entry(kind, values, index, time_text), "template drifted"
        # The stored nodes and head are the tree's: the entry's inclusion proof verifies.
        verify_inclusion(
            leaf_hash(stored), index, c.log.size(), c.log.inclusion_proof(index), c.log.root()
        )
        # The blind index finds the record, as it would one that went through put.
        found = vault.search(
            requester=HOLDER,
            purpose=PURPOSE,
            category="contact.phone",
            value=payload(i)["contact.phone"],
        )
        assert record_uuid(i) in found.records, "the blind index does not find a loaded record"
    began = time.perf_counter()
    assert deployment.schema is not None
    with psycopg.connect(
        PG_DSN, autocommit=True, options=f"-csearch_path={deployment.schema}"
    ) as admin:
        for table in (*COPY_COLUMNS, "log_nodes", "log_head"):
            admin.execute(f"VACUUM (ANALYZE) {table}")
        admin.execute("CHECKPOINT")
    return {
        "records": stop - start,
        "rows": dict(counts),
        "load_s": load_s,
        "vacuum_analyze_checkpoint_s": time.perf_counter() - began,
    }


COPY_COLUMNS = {
    "subjects": "subject, created_at, forgotten_at",
    "subject_keys": "subject, wrapped_key, kek_id, created_at",
    "records": "subject, id, holder, purpose, collected_at, retain_until, policy",
    "fields": "subject, record_id, category, envelope",
    "blind_indexes": "holder, category, digest, subject, record_id",
    "log_entries": "idx, entry, leaf_hash, kind, subject, created_at",
}


@dataclass
class Sized:
    """A deployment of ``n`` records whose first ``puts`` went through ``vault.put``."""

    n: int
    puts: int
    deployment: Deployment
    put_ids: list[str]
    load: dict[str, Any]
    sample: list[int] = field(default_factory=list)
    latencies_ns: list[int] = field(default_factory=list)

    def record_id(self, i: int) -> str:
        return self.put_ids[i] if i < self.puts else record_uuid(i)

    def read(self, i: int) -> int:
        vault = self.deployment.confide.vault
        record_id = self.record_id(i)
        start = time.perf_counter_ns()
        d = vault.read(record_id, requester=HOLDER, purpose=PURPOSE)
        took = time.perf_counter_ns() - start
        assert d.values == payload(i), f"record {i} did not read back its values"
        return took


def percentile(values: Sequence[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] / 1e6


def latency(
    make: Callable[[str, str], Deployment],
    sizes: Sequence[int],
    puts: int,
    samples: int,
    seed: int,
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    stores: list[Sized] = []
    for n in sizes:
        deployment = make("postgresql", f"latency-{n}")
        began = time.perf_counter()
        put_ids = put_records(deployment, puts)
        put_s = time.perf_counter() - began
        print(f"PostgreSQL, {n:,} records: {puts:,} put in {put_s:.1f} s; bulk loading", flush=True)
        load = bulk_load(deployment, puts, n) | {"puts": puts, "put_s": put_s}
        load["bytes"] = deployment.sizes()
        print(
            f"  {n - puts:,} records bulk-loaded in {load['load_s']:.1f} s; vacuum, analyze, "
            f"checkpoint {load['vacuum_analyze_checkpoint_s']:.1f} s",
            flush=True,
        )
        stores.append(Sized(n, puts, deployment, put_ids, load))
    for s in stores:
        # A tenth of the sample from the records that went through put, the rest uniform.
        old = [rng.randrange(s.puts) for _ in range(samples // 10)]
        s.sample = old + [rng.randrange(s.n) for _ in range(samples - len(old))]
        rng.shuffle(s.sample)
        for i in rng.sample(range(s.n), 50):  # untimed: pool, statement caches
            s.read(i)
    rounds = 50
    print(f"timing {samples:,} reads per size, interleaved in rounds of {rounds}", flush=True)
    for lo in range(0, samples, rounds):
        for s in stores:
            gc.collect()
            s.latencies_ns += [s.read(i) for i in s.sample[lo : lo + rounds]]
    return [
        {
            "records": s.n,
            "through_put": s.puts,
            "bulk_loaded": s.n - s.puts,
            "reads": len(s.latencies_ns),
            "from_put_rows": sum(i < s.puts for i in s.sample),
            "p50_ms": percentile(s.latencies_ns, 0.50),
            "p95_ms": percentile(s.latencies_ns, 0.95),
            "p99_ms": percentile(s.latencies_ns, 0.99),
            "mean_ms": statistics.mean(s.latencies_ns) / 1e6,
            "load": s.load,
        }
        for s in stores
    ]


# -- report -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = None
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        cpu = next((ln.partition(":")[2].strip() for ln in f if ln.startswith("model name")), None)
    with psycopg.connect(PG_DSN) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    return {
        "nproc": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "processor": cpu or platform.machine(),
        "postgresql": row[0] if row else None,
        "shared_buffers": buffers[0] if buffers else None,
        "loadavg_start": os.getloadavg(),
    }


def print_rates(title: str, rows: Sequence[dict[str, Any]]) -> None:
    head = (
        f"{'contender':<48} {'db':<10} {'timed':>7} {'best/s':>11} {'median/s':>11} "
        f"{'µs each':>9} {'×raw':>8} {'×plain':>7}"
    )
    print(f"\n{title}\n{head}\n{'-' * len(head)}")
    for r in rows:
        plain = f"{r['vs_plain_sql']:.3f}" if "vs_plain_sql" in r else ""
        print(
            f"{r['name']:<48} {r['database']:<10} {r['per_pass']:>7,} {r['best_per_s']:>11,.0f} "
            f"{r['median_per_s']:>11,.0f} {r['best_us_each']:>9.1f} "
            f"{r['vs_raw_aes_gcm']:>8.4f} {plain:>7}"
        )


def print_breakdown(dialect: str, kind: str, b: Mapping[str, Any], plain_us: float) -> None:
    parts = b["us_each_by_component"]
    total = sum(parts.values())
    print(
        f"\n{dialect}: where a vault.{kind} spends its time (µs each, own time, "
        f"{b['operations']:,} operations; {b['instrumented_us_each']:.0f} µs instrumented, "
        f"{plain_us:.0f} µs uninstrumented best pass)"
    )
    for name, us in parts.items():
        calls = b["calls_each"].get(name, 0)
        print(f"  {name:<52} {us:>8.1f}  {us / total:>6.1%}  ({calls:.2f} calls)")


def report(result: Mapping[str, Any]) -> None:
    print_rates("Stores (records per second)", result["stores"])
    print_rates("Reads (records per second)", result["reads"])
    print(
        "×raw: against raw AES-GCM in memory (same operation); ×plain: against raw AES-GCM + "
        "plain SQL on the same database.\nConfide has no batched or read-only read: each "
        "read is its own decision + log append + commit."
    )
    raw = next(r for r in result["reads"] if r["role"] == "raw")
    for r in result["reads"]:
        if r["role"] == "confide":
            met = "met" if r["vs_raw_aes_gcm"] >= 0.5 else "MISSED"
            print(
                f"goal, reads on {r['database']}: ≥ 0.5× raw AES-GCM in memory {met} "
                f"({r['vs_raw_aes_gcm']:.4f}× of {raw['best_per_s']:,.0f}/s); "
                f"against raw AES-GCM + plain SQL: {r['vs_plain_sql']:.3f}× "
                f"({'met' if r['vs_plain_sql'] >= 0.5 else 'MISSED'})"
            )
    best_us = {
        (r["database"], r["kind"]): r["best_us_each"]
        for r in (*result["stores"], *result["reads"])
        if r["role"] == "confide"
    }
    for dialect, b in result["breakdown"].items():
        print_breakdown(dialect, "read", b["read"], best_us[(dialect, "read")])
        print_breakdown(dialect, "put", b["put"], best_us[(dialect, "store")])
    if result.get("latency"):
        print("\nvault.read latency on PostgreSQL (ms)")
        head = f"{'records':>10} {'reads':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7}"
        print(head + "\n" + "-" * len(head))
        for r in result["latency"]:
            print(
                f"{r['records']:>10,} {r['reads']:>6,} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} "
                f"{r['p99_ms']:>7.2f} {r['mean_ms']:>7.2f}"
            )
        small, large = result["latency"][0], result["latency"][-1]
        g50, g95 = large["p50_ms"] / small["p50_ms"], large["p95_ms"] / small["p95_ms"]
        ok = "met" if g50 <= 1.2 and g95 <= 1.2 else "MISSED"
        print(
            f"goal, no visible growth (p50 and p95 within 1.2× from {small['records']:,} to "
            f"{large['records']:,}): {ok} (p50 {g50:.2f}×, p95 {g95:.2f}×, "
            f"p99 {large['p99_ms'] / small['p99_ms']:.2f}×)"
        )
        for r in result["latency"]:
            load = r["load"]
            size = sum(load["bytes"].values()) / 2**30
            print(
                f"  {r['records']:,}: {load['puts']:,} put ({load['put_s']:.1f} s), "
                f"{load['records']:,} bulk-loaded ({load['load_s']:.1f} s, "
                f"{load['records'] / load['load_s']:,.0f}/s), vacuum+analyze+checkpoint "
                f"{load['vacuum_analyze_checkpoint_s']:.1f} s, {size:.2f} GiB on disk; "
                f"rows {load['rows']}"
            )
    print(f"\ntotal run time {result['elapsed_s']:.0f} s")


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    batch = args.batch or (200 if args.quick else 1000)
    passes = args.passes or (3 if args.quick else 5)
    large = args.records or (100_000 if args.quick else 1_000_000)
    small = min(10_000, large)
    samples = args.samples or (500 if args.quick else 2000)
    result: dict[str, Any] = {"benchmark": "vault (issue 4)", "machine": machine()}
    result["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    result["settings"] = {
        "batch": batch,
        "passes": passes,
        "sizes": [small, large],
        "samples": samples,
        "seed": args.seed,
    }
    print(json.dumps(result["machine"]), flush=True)
    with tempfile.TemporaryDirectory() as folder, deployments(Path(folder)) as make:
        dialects = ["sqlite"] if args.no_postgres else ["sqlite", "postgresql"]
        raw = RawAesGcm()
        sides = []
        for dialect in dialects:
            deployment = make(dialect, f"throughput-{dialect}")
            sides.append(Side(dialect, deployment, PlainSql(deployment, raw)))
        timed = throughput(sides, batch, passes, args.seed)
        result["stores"] = rows_json(timed["stores"])
        result["reads"] = rows_json(timed["reads"])
        print(f"# throughput done ({time.perf_counter() - started:.0f} s)", flush=True)
        result["breakdown"] = {
            side.dialect: breakdown(side, timed["chosen"], batch // 2) for side in sides
        }
        if args.profile:
            print(cprofile_reads(sides[0], timed["chosen"], args.top))
        for side in sides:
            side.deployment.close()
        if not args.no_postgres:
            puts = min(args.puts or (500 if args.quick else 1000), small)
            puts -= puts % RECORDS_PER_SUBJECT
            result["latency"] = latency(make, [small, large], puts, samples, args.seed)
    result["machine"]["loadavg_end"] = os.getloadavg()
    result["elapsed_s"] = time.perf_counter() - started
    report(result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 vs 100,000; small passes")
    parser.add_argument("--records", type=int, help="the large size (default 1,000,000)")
    parser.add_argument("--batch", type=int, help="records per throughput pass (1000)")
    parser.add_argument("--passes", type=int, help="interleaved passes (5)")
    parser.add_argument("--samples", type=int, help="timed reads per size (2000)")
    parser.add_argument("--puts", type=int, help="records put before bulk loading (1000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only, no latency")
    parser.add_argument("--profile", action="store_true", help="also cProfile SQLite reads")
    parser.add_argument("--top", type=int, default=25, help="functions the cProfile lists")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
