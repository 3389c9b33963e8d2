"""``confide log``: checkpoints, verification, proofs, monitoring, a subject's history and
the public transparency report.

Exit codes: 0 when all is well; 1 when the command could not run (configuration,
database, bad input); 3 when something did not verify: a tampered log, a proof that
fails, or a monitor alarm (fork, rollback). Proofs are printed as JSON for machines;
everything else through rich for people.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from confide.cli.common import err, fail, out
from confide.crypto import FileKeyProvider, pseudonym
from confide.errors import ConfideError, ConfigurationError, VerificationError
from confide.policy import CompiledPolicy, load
from confide.storage import Database, Settings
from confide.transparency.audit import LogTampered
from confide.transparency.checkpoint import VerifierKey
from confide.transparency.log import TransparencyLog
from confide.transparency.monitor import check_log
from confide.transparency.proofs import (
    consistency_document,
    inclusion_document,
    verify_proof_document,
)
from confide.transparency.report import build_report
from confide.transparency.signer import (
    load_signing_key,
    load_verifier_key,
    signing_key_path,
    verifier_key_path,
)

__all__ = ["EXIT_UNVERIFIED", "app"]

app = typer.Typer(
    help=(
        "The transparency log: checkpoints, verification, proofs, monitoring, history, "
        "the transparency report."
    ),
    no_args_is_help=True,
)

#: The exit code for "it does not verify", distinct from "the command could not run".
EXIT_UNVERIFIED = 3

Home = Annotated[
    Path | None,
    typer.Option("--home", help="Confide's data directory (default: $CONFIDE_HOME)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="The database (default: $CONFIDE_DATABASE_URL)."),
]
VkeyOption = Annotated[
    Path | None,
    typer.Option("--vkey", help="The log's verifier key file (default: HOME/log.vkey)."),
]


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    # Every ConfideError becomes a message and an exit code, never a traceback.
    try:
        yield
    except LogTampered as exc:
        _unverified("the log does not verify", exc)
    except VerificationError as exc:
        _unverified("verification failed", exc)
    except ConfideError as exc:
        fail(str(exc))


def _unverified(headline: str, exc: VerificationError) -> NoReturn:
    err.print(f"[bold red]{headline}:[/] ", markup=True, end="")
    err.print(str(exc), markup=False)
    index = getattr(exc, "index", None)
    if index is not None:
        err.print(f"first bad entry: {index}", markup=False)
    checkpoint = getattr(exc, "checkpoint", None)
    if checkpoint is not None:
        err.print(f"bad checkpoint: {checkpoint}", markup=False)
    raise typer.Exit(EXIT_UNVERIFIED)


def _settings(home: Path | None, database_url: str | None) -> Settings:
    return Settings.resolve(home=home, database_url=database_url)


@contextlib.contextmanager
def _open_log(settings: Settings) -> Iterator[TransparencyLog]:
    db = Database(settings.database_url)
    try:
        yield TransparencyLog(db)
    finally:
        db.dispose()


def _verifier_key(settings: Settings, vkey: Path | None) -> VerifierKey:
    return load_verifier_key(vkey or verifier_key_path(settings.home))


def _emit(text: str) -> None:
    # Machine-read output goes out byte for byte: no markup, no wrapping.
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


@app.command("checkpoint")
def checkpoint(
    home: Home = None,
    database_url: DatabaseUrl = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The log signing key (default: HOME/log-signing.key)."),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option("--origin", help="The log's origin (default: the name in HOME/log.vkey)."),
    ] = None,
) -> None:
    """Sign and store a checkpoint of the log now, and print it (a C2SP signed note)."""
    with _errors():
        settings = _settings(home, database_url)
        signing_key = load_signing_key(key or signing_key_path(settings.home))
        published_path = verifier_key_path(settings.home)
        if published_path.exists():
            published = load_verifier_key(published_path)
            if published.public_key != signing_key.public_key():
                raise ConfigurationError(
                    f"the signing key does not match the verifier key published at "
                    f"{published_path}; monitors would reject its checkpoints"
                )
            if origin is not None and origin != published.name:
                raise ConfigurationError(
                    f"the published verifier key names the log {published.name!r}; a "
                    "checkpoint under another origin would not verify with it"
                )
            origin = published.name
        if origin is None:
            raise ConfigurationError(
                f"no verifier key is published at {published_path}; pass --origin, or run "
                "`confide init`"
            )
        with _open_log(settings) as log:
            note = log.checkpoint(signing_key, origin)
        _emit(note)


@app.command("verify")
def verify(home: Home = None, database_url: DatabaseUrl = None, vkey: VkeyOption = None) -> None:
    """Recompute the log from its entries and check every node and checkpoint.

    Names the first bad entry and exits 3 if anything was tampered with.
    """
    with _errors():
        settings = _settings(home, database_url)
        key = _verifier_key(settings, vkey)
        with _open_log(settings) as log:
            summary = log.verify(key)
        out.print(
            f"[green]ok[/] the log verifies: {summary.size} entries, "
            f"{summary.nodes} tree nodes, {summary.checkpoints} checkpoints",
        )
        out.print(f"  root {summary.root.hex()}", markup=False)
        if summary.latest_checkpoint_size is not None:
            out.print(f"  latest checkpoint covers {summary.latest_checkpoint_size} entries")


@app.command("prove")
def prove(
    index: Annotated[int, typer.Option("--index", help="The entry to prove.")],
    size: Annotated[
        int | None,
        typer.Option("--size", help="The tree size (default: the latest checkpoint's)."),
    ] = None,
    home: Home = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print an inclusion proof of entry INDEX as JSON, with the checkpoint of its size."""
    with _errors(), _open_log(_settings(home, database_url)) as log:
        latest = log.latest_checkpoint()
        if size is None:
            size = latest.size if latest is not None and index < latest.size else log.size()
        entry = log.entry(index)
        proof = log.inclusion_proof(index, size)
        note = _checkpoint_of(log, size)
        _emit(json.dumps(inclusion_document(entry, size, proof, note), indent=2))


@app.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="The older tree size.")],
    new: Annotated[int, typer.Argument(help="The newer tree size.")],
    home: Home = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print a consistency proof from tree size OLD to NEW as JSON."""
    with _errors(), _open_log(_settings(home, database_url)) as log:
        proof = log.consistency_proof(old, new)
        document = consistency_document(
            old,
            new,
            log.root(old),
            log.root(new),
            proof,
            old_checkpoint=_checkpoint_of(log, old),
            checkpoint=_checkpoint_of(log, new),
        )
        _emit(json.dumps(document, indent=2))


def _checkpoint_of(log: TransparencyLog, size: int) -> str | None:
    found = [c for c in log.checkpoints() if c.size == size]
    return found[-1].note if found else None


@app.command("verify-proof")
def verify_proof(
    proof: Annotated[str, typer.Argument(help="The proof JSON file, or - for standard input.")],
    vkey: VkeyOption = None,
    checkpoint_file: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="The signed checkpoint (default: the proof's own)."),
    ] = None,
    old_checkpoint_file: Annotated[
        Path | None,
        typer.Option("--old-checkpoint", help="For a consistency proof: the older checkpoint."),
    ] = None,
    home: Home = None,
) -> None:
    """Check a proof offline against a checkpoint and the log's verifier key; no database."""
    with _errors():
        settings = Settings.resolve(home=home)
        key = _verifier_key(settings, vkey)
        document = _read_json(proof)
        result = verify_proof_document(
            document,
            key,
            checkpoint=_read_text(checkpoint_file),
            old_checkpoint=_read_text(old_checkpoint_file),
        )
        if result.type == "inclusion":
            out.print(
                f"[green]ok[/] entry {result.index} is in the log {result.origin!r} "
                f"of {result.size} entries",
            )
        else:
            out.print(
                f"[green]ok[/] the log {result.origin!r} of {result.size} entries extends "
                f"its tree of {result.old_size} entries",
            )
            if not result.old_root_signed:
                out.print(
                    "  note: the old root came from the proof file, not a signed checkpoint; "
                    "pass --old-checkpoint to check it too"
                )


def _read_json(source: str) -> Any:
    try:
        raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        return json.loads(raw)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {source}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VerificationError(f"{source} is not a JSON proof document") from None


def _read_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None


@app.command("monitor")
def monitor(
    source: Annotated[str, typer.Argument(help="The log to watch: a database URL.")],
    state: Annotated[
        Path, typer.Option("--state", help="Where this monitor keeps the last checkpoint.")
    ],
    vkey: VkeyOption = None,
    home: Home = None,
) -> None:
    """Check the log's latest checkpoint against the last one this monitor saw.

    Same log, no fork, no rollback; remembers it in --state. Exits 3 with ALARM on a fork
    or a rollback.
    """
    with _errors():
        settings = Settings.resolve(home=home, database_url=source)
        key = _verifier_key(settings, vkey)
        with _open_log(settings) as log:
            report = check_log(log, key, state)
        if report.status == "first":
            out.print(f"[green]ok[/] first checkpoint of {report.origin!r}: {report.size} entries")
        elif report.status == "unchanged":
            out.print(f"[green]ok[/] {report.origin!r} unchanged at {report.size} entries")
        else:
            out.print(
                f"[green]ok[/] {report.origin!r} grew consistently from {report.old_size} "
                f"to {report.size} entries"
            )


@app.command("history")
def history(
    subject_ref: Annotated[str, typer.Argument(help="The subject's reference in the vault.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    home: Home = None,
    database_url: DatabaseUrl = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="The key file (default: HOME/confide.key).")
    ] = None,
) -> None:
    """Every log entry about one subject, every access and every refusal (scenario 9)."""
    with _errors():
        settings = Settings.resolve(home=home, database_url=database_url, key_file=key_file)
        subject = pseudonym(subject_ref, FileKeyProvider(settings.key_file).pseudonym_key())
        with _open_log(settings) as log:
            entries = log.history(subject)
        if as_json:
            for entry in entries:
                _emit(entry.data.decode("utf-8"))
            return
        table = Table(title=f"Log entries about subject {subject}", title_justify="left")
        for column in ("#", "time", "kind", "who", "purpose", "decision", "released"):
            table.add_column(column)
        for entry in entries:
            f = entry.fields
            who = "/".join(str(f[k]) for k in ("requester", "role") if f.get(k))
            cells = (
                str(entry.index),
                str(f.get("time", "")),
                str(f.get("kind", "")),
                who or str(f.get("holder") or ""),
                str(f.get("purpose") or ""),
                str(f.get("decision") or ""),
                ", ".join(map(str, f.get("released") or [])),
            )
            table.add_row(*map(escape, cells))
        out.print(table)
        out.print(f"{len(entries)} entries", markup=False)


class ReportPeriod(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"


def _policy_in_force(settings: Settings, db: Database) -> CompiledPolicy:
    # The registry the deployment runs with: an uploaded policy, else the file. No key
    # file needed, so a monitor with a copy of the database can run the report too.
    from confide.service.policies import load_active  # noqa: PLC0415 - avoids a cycle

    stored = load_active(db)
    if stored is not None:
        return stored
    if not settings.policy.exists():
        raise ConfigurationError(
            f"no policy at {settings.policy}; pass --home or set CONFIDE_POLICY so the "
            "report can map organisations to their sectors"
        )
    return load(settings.policy)


@app.command("report")
def report(
    org: Annotated[
        str | None,
        typer.Option("--org", help="One organisation's report (default: the deployment's)."),
    ] = None,
    period: Annotated[
        ReportPeriod, typer.Option("--period", help="Count by month, quarter or year.")
    ] = ReportPeriod.month,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="json, or csv with HXL hashtags.")
    ] = ReportFormat.json,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the report here (default: stdout).")
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(
            "--size", min=0, help="The tree size to compute it at (default: the whole log)."
        ),
    ] = None,
    home: Home = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The public transparency report, computed from the log alone at one tree size.

    The same size always gives the same report; it cites the latest signed checkpoint at
    or below that size (docs/transparency-report.md).
    """
    with _errors():
        settings = _settings(home, database_url)
        with _open_log(settings) as log:
            policy = _policy_in_force(settings, log.db)
            computed = build_report(log, policy, org=org, period=period.value, size=size)
        text = computed.to_json() if output_format is ReportFormat.json else computed.to_csv()
        if out_file is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        try:
            # newline="": the CSV's CRLF line ends (RFC 4180) are written as they are.
            with out_file.open("w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise ConfigurationError(f"cannot write {out_file}: {exc.strerror}") from None
        err.print(
            f"report at tree size {computed.size} written to {out_file}",
            markup=False,
        )
