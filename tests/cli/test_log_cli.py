"""``confide log``, run as a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from confide.cli.log import app
from confide.crypto import FileKeyProvider, create_key_file, pseudonym
from confide.crypto.signing import PrivateKey
from confide.storage import Database
from confide.transparency import (
    TransparencyLog,
    create_signing_key,
    publish_verifier_key,
    verify_checkpoint,
)
from confide.transparency.tables import log_checkpoints, log_entries
from tests.transparency.test_log import ORIGIN, decision, entries_for
from tests.transparency.test_log_tamper import rehash


def confide(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confide", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, stdin: str | None = None) -> Ran:
    """The same sub-app in-process: much faster than a subprocess, same output and codes."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


@dataclass
class Setup:
    home: Path
    url: str
    db: Database
    log: TransparencyLog
    key: PrivateKey
    maria: str  # her pseudonym

    def opts(self) -> tuple[str, ...]:
        return ("--home", str(self.home), "--database-url", self.url)

    def run(self, *args: str) -> Ran:
        return invoke(*args, *self.opts())

    def run_subprocess(self, *args: str) -> subprocess.CompletedProcess[str]:
        return confide("log", *args, *self.opts())

    def append(self, n: int) -> None:
        with self.db.transaction() as conn:
            self.log.append_many(conn, entries_for(n, self.log.size(conn)))


@pytest.fixture
def setup(database: Database, database_url: str, tmp_path: Path) -> Setup:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    create_key_file(home / "confide.key")
    key = create_signing_key(home / "log-signing.key")
    publish_verifier_key(home, key, ORIGIN)
    maria = pseudonym("maria-ref-1", FileKeyProvider(home / "confide.key").pseudonym_key())
    log = TransparencyLog(database)
    with database.transaction() as conn:
        log.append_many(conn, entries_for(6))
        deny = {**decision(6), "subject": maria}
        permit = {**decision(7, permit=True), "subject": maria}
        log.append_many(conn, [deny, permit])
        log.append_many(conn, entries_for(4, 8))
    return Setup(home, database_url, database, log, key, maria)


def test_checkpoint_verify_prove_and_verify_proof(setup: Setup, tmp_path: Path) -> None:
    made = setup.run_subprocess("checkpoint")
    assert made.returncode == 0, made.stderr
    checkpoint = verify_checkpoint(made.stdout, (setup.home / "log.vkey").read_text().strip())
    assert checkpoint.size == 12 and checkpoint.origin == ORIGIN

    verified = setup.run_subprocess("verify")
    assert verified.returncode == 0, verified.stderr
    assert "12 entries" in verified.stdout and "1 checkpoints" in verified.stdout

    setup.append(5)  # the proof defaults to the latest checkpoint's size, not the head's
    proved = setup.run_subprocess("prove", "--index", "7")
    assert proved.returncode == 0, proved.stderr
    document = json.loads(proved.stdout)
    assert document["size"] == 12 and document["checkpoint"] == made.stdout
    assert json.loads(base64.b64decode(document["entry"]))["decision"] == "permit"
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(proved.stdout)

    # Offline: no database, only the proof, (its) checkpoint and the verifier key.
    vkey = str(setup.home / "log.vkey")
    ok = confide("log", "verify-proof", str(proof_file), "--vkey", vkey)
    assert ok.returncode == 0, ok.stderr
    assert "entry 7 is in the log" in ok.stdout
    from_stdin = invoke("verify-proof", "-", "--vkey", vkey, stdin=proved.stdout)
    assert from_stdin.returncode == 0, from_stdin.stderr

    document["proof"][1] = base64.b64encode(b"\x00" * 32).decode()
    proof_file.write_text(json.dumps(document))
    bad = confide("log", "verify-proof", str(proof_file), "--vkey", vkey)
    assert bad.returncode == 3
    assert "does not lead to the given root" in bad.stderr and "Traceback" not in bad.stderr

    other = tmp_path / "other.vkey"
    publish_verifier_key(tmp_path, PrivateKey.generate(), ORIGIN)
    (tmp_path / "log.vkey").rename(other)
    proof_file.write_text(proved.stdout)
    wrong_key = invoke("verify-proof", str(proof_file), "--vkey", str(other))
    assert wrong_key.returncode == 3


def test_consistency_proofs_verify_offline(setup: Setup, tmp_path: Path) -> None:
    old_note = setup.run("checkpoint").stdout
    setup.append(9)
    new_note = setup.run("checkpoint").stdout
    result = setup.run("consistency", "12", "21")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["old_checkpoint"] == old_note and document["checkpoint"] == new_note
    (tmp_path / "c.json").write_text(result.stdout)
    vkey = str(setup.home / "log.vkey")
    ok = invoke("verify-proof", str(tmp_path / "c.json"), "--vkey", vkey)
    assert ok.returncode == 0, ok.stderr
    assert "extends its tree of 12 entries" in ok.stdout

    # Between sizes with no checkpoint, the old root comes unsigned from the file.
    unsigned = json.loads(setup.run("consistency", "5", "21").stdout)
    assert unsigned["old_checkpoint"] is None
    (tmp_path / "u.json").write_text(json.dumps(unsigned))
    ok = invoke("verify-proof", str(tmp_path / "u.json"), "--vkey", vkey)
    assert ok.returncode == 0 and "not a signed checkpoint" in ok.stdout

    unsigned["old_root"] = base64.b64encode(b"\x07" * 32).decode()
    (tmp_path / "u.json").write_text(json.dumps(unsigned))
    bad = invoke("verify-proof", str(tmp_path / "u.json"), "--vkey", vkey)
    assert bad.returncode == 3


def test_monitor_accepts_growth_and_alarms_on_rollback(setup: Setup, tmp_path: Path) -> None:
    state = tmp_path / "monitor.json"
    vkey = str(setup.home / "log.vkey")

    def monitor() -> Ran:
        return invoke("monitor", setup.url, "--state", str(state), "--vkey", vkey)

    setup.run("checkpoint")
    first = monitor()
    assert first.returncode == 0, first.stderr
    assert "first checkpoint" in first.stdout
    again = monitor()
    assert again.returncode == 0 and "unchanged at 12" in again.stdout
    setup.append(7)
    setup.run("checkpoint")
    grew = monitor()
    assert grew.returncode == 0, grew.stderr
    assert "grew consistently from 12 to 19" in grew.stdout

    # The operator restores an old backup: the newest checkpoint it shows is smaller.
    with setup.db.transaction() as conn:
        conn.execute(delete(log_checkpoints).where(log_checkpoints.c.size == 19))
    rolled_back = monitor()
    assert rolled_back.returncode == 3
    assert "ALARM: rollback" in rolled_back.stderr
    assert json.loads(state.read_text())["checkpoint"].split("\n")[1] == "19"  # kept


def test_monitor_alarms_on_a_fork(setup: Setup, tmp_path: Path) -> None:
    state = tmp_path / "monitor.json"
    vkey = str(setup.home / "log.vkey")
    args = ("monitor", setup.url, "--state", str(state), "--vkey", vkey)
    setup.run("checkpoint")
    assert invoke(*args).returncode == 0

    # The operator rewrites history (entry 3 goes), rehashes everything, keeps appending
    # and signs the result with the real key.
    with setup.db.transaction() as conn:
        conn.execute(update(log_entries).where(log_entries.c.idx == 3).values(idx=1000))
        conn.execute(delete(log_entries).where(log_entries.c.idx == 3))
        rows = conn.execute(log_entries.select().order_by(log_entries.c.idx)).all()
        conn.execute(delete(log_entries))
        conn.execute(
            log_entries.insert(),
            [{**row._asdict(), "idx": i} for i, row in enumerate(rows)],
        )
        rehash(conn)
    setup.append(8)
    setup.run("checkpoint")
    forked = invoke(*args)
    assert forked.returncode == 3
    assert "ALARM: fork" in forked.stderr and "does not extend" in forked.stderr

    # Same size, different root: also a fork.
    same_state = tmp_path / "same.json"
    assert invoke("monitor", setup.url, "--state", str(same_state), "--vkey", vkey).returncode == 0
    with setup.db.transaction() as conn:
        conn.execute(
            update(log_entries)
            .where(log_entries.c.idx == 0)
            .values(entry=b'{"kind":"x","v":1,"index":0}')
        )
        rehash(conn)
    setup.run("checkpoint")
    same = invoke("monitor", setup.url, "--state", str(same_state), "--vkey", vkey)
    assert same.returncode == 3 and "two different trees of 20 entries" in same.stderr


def test_history_lists_every_access_denials_included(setup: Setup) -> None:
    result = setup.run("history", "maria-ref-1", "--json")
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["decision"] for e in entries] == ["deny", "permit"]
    assert all(e["subject"] == setup.maria for e in entries)
    assert "maria-ref-1" not in result.stdout  # only the pseudonym is ever shown

    table = setup.run("history", "maria-ref-1")
    assert table.returncode == 0, table.stderr
    assert "deny" in table.stdout and "permit" in table.stdout and "2 entries" in table.stdout
    nobody = setup.run("history", "nobody")
    assert nobody.returncode == 0 and "0 entries" in nobody.stdout


def test_errors_are_messages_not_tracebacks(setup: Setup, tmp_path: Path) -> None:
    no_vkey = invoke("verify", "--home", str(tmp_path), "--database-url", setup.url)
    assert no_vkey.returncode == 1
    assert "no verifier key" in no_vkey.stderr and "Traceback" not in no_vkey.stderr

    no_key = invoke("checkpoint", "--home", str(tmp_path), "--database-url", setup.url)
    assert no_key.returncode == 1 and "no log signing key" in no_key.stderr

    no_entry = setup.run("prove", "--index", "99")
    assert no_entry.returncode == 1 and "no entry 99" in no_entry.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    no_db = invoke(
        "verify", "--home", str(setup.home), "--database-url", f"sqlite:///{empty / 'none.db'}"
    )
    assert no_db.returncode == 1 and "confide init" in no_db.stderr

    wrong_origin = setup.run("checkpoint", "--origin", "another.log/x")
    assert wrong_origin.returncode == 1 and "names the log" in wrong_origin.stderr

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    vkey = str(setup.home / "log.vkey")
    bad_json = invoke("verify-proof", str(garbage), "--vkey", vkey)
    assert bad_json.returncode == 3 and "not a JSON proof" in bad_json.stderr

    no_checkpoint = invoke(
        "monitor", setup.url, "--state", str(tmp_path / "s.json"), "--home", str(setup.home)
    )
    assert no_checkpoint.returncode == 1 and "not issued a checkpoint" in no_checkpoint.stderr


def test_the_sub_app_runs_in_process(setup: Setup) -> None:
    result = CliRunner().invoke(app, ["verify", *setup.opts()])
    assert result.exit_code == 0, result.output
    assert "12 entries" in result.output
