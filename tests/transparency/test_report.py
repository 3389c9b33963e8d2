"""The public transparency report, on SQLite and PostgreSQL: exact counts from a realistic
log made through the library, no personal data in any format, the same report at the same
size however the log grows, one organisation's rows only, checkpoints and proofs that
verify, a refusal to count a tampered log, and the real command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from confide.consent.consents import ConsentBook
from confide.consent.referrals import Referrals
from confide.errors import NotFound, RequestError, VerificationError
from confide.policy import baseline_path
from confide.reporting import ReportDesk, Submission
from confide.runtime import Confide
from confide.service import policies
from confide.service.break_glass import open_reviews, review
from confide.storage import Settings
from confide.transparency import (
    REPORT_FORMAT,
    TransparencyLog,
    build_report,
    verify_checkpoint,
    verify_consistency,
)
from confide.transparency.entries import LogEntry
from confide.transparency.report import (
    ActivityCount,
    BreakGlassCount,
    DecisionCount,
    ReportBuilder,
    period_bounds,
    period_of,
)
from confide.transparency.report_formats import CSV_COLUMNS
from confide.transparency.signer import (
    load_signing_key,
    load_verifier_key,
    signing_key_path,
    verifier_key_path,
)
from confide.transparency.tables import log_entries

CLINIC = "st-marys-clinic"
HOSPITAL = "city-hospital"
LEGAL_AID = "migrant-legal-aid"
ENFORCEMENT = "national-immigration-authority"
POLICE = "city-police"
UNIT = "city-police-victim-unit"

CLINIC_VALUES = {
    "identity.name": "Report Synthetic Person",
    "health.allergies": "synthetic-allergen-xq",
    "health.notes": "synthetic-clinical-note-xq",
}
LEGAL_VALUES = {"identity.name": "Report Synthetic Client", "immigration.status": "synthetic-st"}
STORY = "Synthetic story: a worker was beaten at the depot; passport number Z0000000."
REASONS = ("synthetic emergency reason one", "synthetic emergency reason two")


@dataclass
class Made:
    """What the scenario put into the deployment: everything that must never show."""

    secrets: set[str] = field(default_factory=set)
    baseline_hash: str = ""
    uploaded_hash: str = ""


def _without_emergency_rule() -> str:
    text = baseline_path().read_text(encoding="utf-8")
    start = text.index("  - id: emergency-care-between-health-services")
    end = text.index("  - id: break-glass-emergency")
    return text[:start] + text[end:]


def make_realistic_log(confide: Confide) -> Made:
    """A clinic's and a legal-aid service's records, reads permitted and refused (by the
    immigration authority, and by the police for immigration enforcement or naming an
    immigration offence), two break-glass reads (one reviewed), a consent with a referral
    that its withdrawal ends, a safe report, and a policy upload."""
    made = Made(baseline_hash=confide.policy.policy.file_hash)
    vault = confide.vault
    subjects = ("report-subject-0001", "report-subject-0002")
    clinic_record = vault.put(
        holder=CLINIC, subject=subjects[0], purpose="care.treatment", values=CLINIC_VALUES
    )
    legal_record = vault.put(
        holder=LEGAL_AID, subject=subjects[1], purpose="legal.advice", values=LEGAL_VALUES
    )
    vault.read(clinic_record, requester=HOSPITAL, holder=CLINIC, purpose="care.emergency")
    for requester, holder, record in (
        (ENFORCEMENT, CLINIC, clinic_record),
        (POLICE, CLINIC, clinic_record),
        (ENFORCEMENT, LEGAL_AID, legal_record),
    ):
        refused = vault.read(
            record, requester=requester, holder=holder, purpose="immigration.enforcement"
        )
        assert not refused.decision.permitted
    refused = vault.read(
        clinic_record,
        requester=POLICE,
        holder=CLINIC,
        purpose="criminal_investigation.serious_crime",
        offence="immigration.overstaying",
    )
    assert set(refused.decision.rules) == {"I1", "I3"}
    for reason, actor in zip(REASONS, ("dr-synthetic-a", "dr-synthetic-b"), strict=True):
        vault.read(
            clinic_record,
            requester=HOSPITAL,
            holder=CLINIC,
            purpose="care.emergency",
            break_glass=reason,
            actor=actor,
        )
    reviews = open_reviews(confide, HOSPITAL)
    assert len(reviews) == 2
    review(confide, reviews[0].id, org=HOSPITAL, reviewer="dpo-synthetic", outcome="justified")
    book = ConsentBook(confide)
    consent = book.give(
        holder=CLINIC,
        recipient=LEGAL_AID,
        purpose="legal.advice",
        categories=["identity.name"],
        language="en",
        recorded_by="staff-synthetic",
        subject=subjects[0],
    )
    referral = Referrals(confide).offer(
        holder=CLINIC, recipient=LEGAL_AID, consent=consent.id, created_by="staff-synthetic"
    )
    book.withdraw(consent.id, by="person", subject=consent.subject)
    sent = ReportDesk(confide).submit(
        Submission("crime", "witness", UNIT, STORY, "en", {"contact.phone": "0000 000 222"})
    )
    version, changed = policies.upload(confide, _without_emergency_rule(), "admin-synthetic")
    assert changed
    made.uploaded_hash = version.hash
    pseudonyms = {vault.keyring.pseudonym(s) for s in subjects}
    made.secrets |= {clinic_record, legal_record, consent.id, referral.id, sent.report_id}
    made.secrets |= {r.id for r in reviews} | set(subjects) | pseudonyms | set(REASONS)
    made.secrets |= {"dr-synthetic-a", "dr-synthetic-b", "dpo-synthetic", "staff-synthetic"}
    made.secrets |= set(CLINIC_VALUES.values()) | set(LEGAL_VALUES.values())
    made.secrets |= {"Z0000000", "0000 000 222", "beaten at the depot"}
    return made


def assert_no_personal_data(text: str, made: Made) -> None:
    assert "ps1:" not in text
    for secret in made.secrets:
        assert secret not in text, "the report leaks a personal value or an id"


def sign(confide: Confide) -> str:
    home = confide.settings.home
    key = load_signing_key(signing_key_path(home))
    return confide.log.checkpoint(key, load_verifier_key(verifier_key_path(home)).name)


def made_record(confide: Confide) -> str:
    created = [e.fields for e in confide.log.entries(0, confide.log.size())]
    return next(str(f["record"]) for f in created if f["kind"] == "record.created")


def ask_for_immigration(confide: Confide, requester: str) -> None:
    """One more refused request for the clinic's record for immigration enforcement."""
    confide.vault.read(
        made_record(confide), requester=requester, holder=CLINIC, purpose="immigration.enforcement"
    )


@pytest.fixture
def made(confide: Confide) -> Made:
    return make_realistic_log(confide)


# -- the counts ------------------------------------------------------------------------------


def test_the_counts_of_a_realistic_log(confide: Confide, made: Made) -> None:
    report = build_report(confide.log, confide.policy)
    month = period_of(str(confide.log.entry(0).fields["time"]), "month")
    assert report.periods == (month,)
    assert report.size == confide.log.size()
    assert report.root == confide.log.root()
    assert report.registry == made.uploaded_hash
    assert report.org is None and report.period == "month"
    assert set(report.decisions) == {
        DecisionCount(month, "health", "care.treatment", "write", "permit", 1),
        DecisionCount(month, "legal_aid", "legal.advice", "write", "permit", 1),
        DecisionCount(month, "health", "care.emergency", "read", "permit", 3),
        DecisionCount(
            month, "immigration_enforcement", "immigration.enforcement", "read", "deny", 2
        ),
        DecisionCount(month, "law_enforcement", "immigration.enforcement", "read", "deny", 1),
        DecisionCount(
            month, "law_enforcement", "criminal_investigation.serious_crime", "read", "deny", 1
        ),
        DecisionCount(
            month, "law_enforcement", "criminal_investigation.victim_support", "write", "permit", 1
        ),
    }
    assert (report.decided("permit"), report.decided("deny")) == (6, 4)
    by_holder = {
        (h.holder, h.sector, h.purpose, h.decision): h.count for h in report.decisions_by_holder
    }
    assert by_holder[(LEGAL_AID, "immigration_enforcement", "immigration.enforcement", "deny")] == 1
    assert by_holder[(CLINIC, "immigration_enforcement", "immigration.enforcement", "deny")] == 1
    assert sum(by_holder.values()) == 10

    # Every request from immigration enforcement or for immigration is listed, refused.
    listed = [(e.requester, e.holder, e.purpose, e.rules) for e in report.enforcement]
    assert listed == [
        (ENFORCEMENT, CLINIC, "immigration.enforcement", ("I1",)),
        (POLICE, CLINIC, "immigration.enforcement", ("I1",)),
        (ENFORCEMENT, LEGAL_AID, "immigration.enforcement", ("I1",)),
        (POLICE, CLINIC, "criminal_investigation.serious_crime", ("I3", "I1")),
    ]
    assert all(e.decision == "deny" and e.released == () for e in report.enforcement)
    assert report.enforcement_permitted == ()
    for e in report.enforcement:
        entry = confide.log.entry(e.index).fields
        assert (entry["requester"], entry["time"], entry["decision"]) == (
            e.requester,
            e.time,
            e.decision,
        )

    assert report.break_glass == (BreakGlassCount(month, HOSPITAL, CLINIC, 2, 1, 0),)
    assert (report.break_glass[0].reviewed, report.break_glass[0].pending) == (1, 1)
    [change] = report.policy_history
    assert (change.kind, change.policy, change.previous) == (
        "policy.changed",
        made.uploaded_hash,
        made.baseline_hash,
    )
    assert set(report.activity) == {
        ActivityCount(month, "consent.given", "", 1),
        ActivityCount(month, "consent.withdrawn", "", 1),
        ActivityCount(month, "referral.state", "offered", 1),
        ActivityCount(month, "referral.state", "withdrawn", 1),
        ActivityCount(month, "report.received", "crime", 1),
    }


def test_no_personal_data_in_json_or_csv(confide: Confide, made: Made) -> None:
    for org in (None, CLINIC, LEGAL_AID, HOSPITAL, UNIT, ENFORCEMENT):
        for period in ("month", "quarter", "year"):
            report = build_report(confide.log, confide.policy, org=org, period=period)
            assert_no_personal_data(report.to_json(), made)
            assert_no_personal_data(report.to_csv(), made)


def test_json_is_versioned_and_stable(confide: Confide, made: Made) -> None:
    sign(confide)
    report = build_report(confide.log, confide.policy, period="quarter")
    document = json.loads(report.to_json())
    assert document["format"] == REPORT_FORMAT == "confide-transparency-report/1"
    assert list(document) == [
        "format",
        "scope",
        "tree",
        "checkpoint",
        "registry",
        "totals",
        "decisions",
        "decisions_by_holder",
        "enforcement",
        "break_glass",
        "policy_history",
        "activity",
    ]
    assert document["tree"]["size"] == report.size
    assert document["tree"]["root_hex"] == confide.log.root().hex()
    assert document["totals"] == {
        "requests": 10,
        "permit": 6,
        "deny": 4,
        "enforcement_requests": 4,
        "enforcement_permitted": 0,
        "break_glass_uses": 2,
        "break_glass_pending": 1,
    }
    assert document["checkpoint"]["size"] == report.size
    assert document["checkpoint"]["consistency"] == []
    assert "-Q" in document["decisions"][0]["period"]
    assert report.to_json() == build_report(confide.log, confide.policy, period="quarter").to_json()


def test_csv_is_one_long_table_with_hxl_hashtags(confide: Confide, made: Made) -> None:
    report = build_report(confide.log, confide.policy)
    text = report.to_csv()
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    header, tags, *data = rows
    assert header == [name for name, _ in CSV_COLUMNS]
    assert tags[0] == "#meta +section" and all(tag.startswith("#") for tag in tags)
    assert tags[header.index("value")] == "#indicator +num"
    assert tags[header.index("requester")] == "#org +code +requester"
    assert tags[header.index("sector")] == "#sector +code +requester"
    assert tags[header.index("period_start")] == "#date +start"
    assert all(len(row) == len(header) for row in data)
    records = [dict(zip(header, row, strict=True)) for row in data]
    sections = {r["section"] for r in records}
    assert sections == {
        "report",
        "decisions",
        "decisions_by_holder",
        "enforcement",
        "break_glass",
        "policy_history",
        "activity",
    }
    size = [r for r in records if r["section"] == "report" and r["indicator"] == "tree_size"]
    assert size[0]["value"] == str(report.size)
    decided = sum(int(r["value"]) for r in records if r["section"] == "decisions")
    assert decided == 10
    enforcement = [r for r in records if r["section"] == "enforcement"]
    assert len(enforcement) == 4 and {r["decision"] for r in enforcement} == {"deny"}
    pending = [r for r in records if r["indicator"] == "break_glass.pending"]
    assert [r["value"] for r in pending] == ["1"]
    start, end = period_bounds(enforcement[0]["time"][:7])
    assert records[-1]["period_start"] == start and records[-1]["period_end"] == end


# -- verifiable, reproducible ----------------------------------------------------------------


def test_the_same_size_gives_the_same_report(confide: Confide, made: Made) -> None:
    sign(confide)
    ask_for_immigration(confide, ENFORCEMENT)
    first = build_report(confide.log, confide.policy)
    size = first.size
    # The log grows: more refusals, another break-glass review, a checkpoint past N.
    ask_for_immigration(confide, POLICE)
    [pending] = open_reviews(confide, HOSPITAL)
    review(confide, pending.id, org=HOSPITAL, reviewer="dpo-synthetic", outcome="unjustified")
    sign(confide)
    assert confide.log.size() > size
    again = build_report(confide.log, confide.policy, size=size)
    assert again == first
    assert again.to_json() == first.to_json() and again.to_csv() == first.to_csv()
    later = build_report(confide.log, confide.policy)
    assert later != first
    assert len(later.enforcement) == len(first.enforcement) + 1
    assert later.break_glass[0].unjustified == 1 and later.break_glass[0].pending == 0


def test_the_checkpoint_cited_and_its_proof_verify(confide: Confide, made: Made) -> None:
    assert build_report(confide.log, confide.policy).checkpoint is None
    note = sign(confide)
    signed_at = confide.log.size()
    vkey = load_verifier_key(verifier_key_path(confide.settings.home))
    exact = build_report(confide.log, confide.policy)
    assert exact.checkpoint is not None and exact.checkpoint.size == exact.size == signed_at
    assert exact.checkpoint.note == note and exact.checkpoint.consistency == ()
    ask_for_immigration(confide, ENFORCEMENT)
    report = build_report(confide.log, confide.policy)
    cited = report.checkpoint
    assert cited is not None and cited.size == signed_at < report.size
    checkpoint = verify_checkpoint(cited.note, vkey)
    assert (checkpoint.size, checkpoint.root_hash) == (cited.size, cited.root)
    verify_consistency(cited.size, report.size, cited.root, report.root, cited.consistency)
    assert report.root == confide.log.root(report.size)
    # Computed below the checkpoint's size, a report cannot cite it.
    assert build_report(confide.log, confide.policy, size=signed_at - 1).checkpoint is None


def test_a_tampered_log_gives_no_report(confide: Confide, made: Made) -> None:
    # Turn the hospital's permitted read into a refusal, without rehashing anything.
    entries = confide.log.entries(0, confide.log.size())
    index = next(
        e.index
        for e in entries
        if e.fields["kind"] == "decision" and e.fields["requester"] == HOSPITAL
    )
    forged = entries[index].data.replace(b'"decision":"permit"', b'"decision":"deny"')
    assert forged != entries[index].data
    with confide.db.transaction() as conn:
        conn.execute(update(log_entries).where(log_entries.c.idx == index).values(entry=forged))
    with pytest.raises(VerificationError, match="root"):
        build_report(confide.log, confide.policy)
    # The entries before the edit still make the root of their own tree.
    assert build_report(confide.log, confide.policy, size=index).size == index


@pytest.mark.parametrize(
    "data",
    [
        b'{"index":0,"kind":"decision","time":"2026-01-05T00:00:00Z","v":1}',
        b'{"index":0,"kind":"consent.given","time":"yesterday","holder":"a","recipient":"b"}',
        b'{"index":7,"kind":"report.received","time":"2026-01-05T00:00:00Z"}',
        b'["not", "an", "object"]',
    ],
)
def test_an_entry_that_lost_its_schema_gives_no_report(confide: Confide, data: bytes) -> None:
    with pytest.raises(VerificationError, match="entry 0 does not fit"):
        ReportBuilder(confide.policy).feed([LogEntry(0, data)])


def test_a_gap_in_the_log_gives_no_report(confide: Confide) -> None:
    with pytest.raises(VerificationError, match="entry 0 is missing"):
        ReportBuilder(confide.policy).feed([LogEntry(1, b"{}")])


# -- one organisation --------------------------------------------------------------------------


def test_an_organisations_report_has_only_its_rows(confide: Confide, made: Made) -> None:
    everything = build_report(confide.log, confide.policy)
    for org in (CLINIC, HOSPITAL, LEGAL_AID, ENFORCEMENT, POLICE, UNIT):
        report = build_report(confide.log, confide.policy, org=org)
        assert report.org == org
        assert report.org_sector == confide.policy.policy.organisations[org].sector
        for e in report.enforcement:
            assert org in (e.requester, e.holder)
        for b in report.break_glass:
            assert org in (b.requester, b.holder)
        for p in report.policy_history:
            assert p.kind == "policy.changed" or org in (p.source, p.recipient)
        assert report.decided("permit") <= everything.decided("permit")
        assert len(report.policy_history) == 1  # a policy change binds everyone
    legal = build_report(confide.log, confide.policy, org=LEGAL_AID)
    assert {(c.sector, c.purpose, c.action, c.decision, c.count) for c in legal.decisions} == {
        ("legal_aid", "legal.advice", "write", "permit", 1),
        ("immigration_enforcement", "immigration.enforcement", "read", "deny", 1),
    }
    assert {h.holder for h in legal.decisions_by_holder} == {LEGAL_AID}
    assert [e.holder for e in legal.enforcement] == [LEGAL_AID]
    assert legal.break_glass == ()
    assert {(a.indicator, a.detail) for a in legal.activity} == {
        ("consent.given", ""),
        ("consent.withdrawn", ""),
        ("referral.state", "offered"),
        ("referral.state", "withdrawn"),
    }
    unit = build_report(confide.log, confide.policy, org=UNIT)
    assert [(a.indicator, a.detail, a.count) for a in unit.activity] == [
        ("report.received", "crime", 1)
    ]
    assert unit.enforcement == () and unit.break_glass == ()
    authority = build_report(confide.log, confide.policy, org=ENFORCEMENT)
    assert len(authority.enforcement) == 2 and authority.decided("permit") == 0
    hospital = build_report(confide.log, confide.policy, org=HOSPITAL)
    assert hospital.break_glass == everything.break_glass and hospital.enforcement == ()
    clinic_csv = build_report(confide.log, confide.policy, org=CLINIC).to_csv()
    rows = list(csv.DictReader(io.StringIO(clinic_csv)))[1:]  # after the HXL row
    for row in rows:
        if row["section"] in ("enforcement", "break_glass", "decisions_by_holder"):
            assert CLINIC in (row["requester"], row["holder"])


# -- periods, chunks and odd entries -----------------------------------------------------------

POLICY_HASH = "sha256:" + "ab" * 32


def _append(confide: Confide, moment: dt.datetime, **fields: Any) -> None:
    log = TransparencyLog(confide.db, clock=lambda: moment)
    entry: dict[str, Any] = {
        "kind": "decision",
        "requester": CLINIC,
        "role": "clinician",
        "action": "read",
        "purpose": "care.treatment",
        "holder": CLINIC,
        "requested": ["health.notes"],
        "released": ["health.notes"],
        "decision": "permit",
        "rules": ["clinic-own-care"],
        "policy": POLICY_HASH,
        "subject": None,
        "record": None,
        "warrant": None,
        "context": None,
    }
    entry.update(fields)
    with confide.db.transaction() as conn:
        log.append(conn, entry)


def _at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def test_periods_by_month_quarter_and_year(confide: Confide) -> None:
    for moment in (_at(2025, 12, 31, 23, 59, 59), _at(2026, 1, 1), _at(2026, 3, 31, 12)):
        _append(confide, moment)
    _append(confide, _at(2026, 4, 1), decision="deny", released=[], rules=["I5"])
    _append(confide, _at(2026, 11, 15))

    def counts(period: str) -> dict[tuple[str, str], int]:
        report = build_report(confide.log, confide.policy, period=period)
        return {(c.period, c.decision): c.count for c in report.decisions}

    assert counts("month") == {
        ("2025-12", "permit"): 1,
        ("2026-01", "permit"): 1,
        ("2026-03", "permit"): 1,
        ("2026-04", "deny"): 1,
        ("2026-11", "permit"): 1,
    }
    assert counts("quarter") == {
        ("2025-Q4", "permit"): 1,
        ("2026-Q1", "permit"): 2,
        ("2026-Q2", "deny"): 1,
        ("2026-Q4", "permit"): 1,
    }
    assert counts("year") == {("2025", "permit"): 1, ("2026", "permit"): 3, ("2026", "deny"): 1}
    assert period_bounds("2026-02") == ("2026-02-01", "2026-02-28")
    assert period_bounds("2024-Q1") == ("2024-01-01", "2024-03-31")
    assert period_bounds("2026") == ("2026-01-01", "2026-12-31")
    with pytest.raises(RequestError, match="period"):
        build_report(confide.log, confide.policy, period="decade")


def test_chunks_give_the_same_report_and_bound_every_read(
    confide: Confide, made: Made, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = build_report(confide.log, confide.policy)
    asked: list[int] = []
    read = TransparencyLog.entries

    def spy(self: TransparencyLog, start: int, end: int, conn: Any = None) -> list[LogEntry]:
        asked.append(end - start)
        return read(self, start, end, conn)

    monkeypatch.setattr(TransparencyLog, "entries", spy)
    for chunk in (1, 3, 7):
        asked.clear()
        assert build_report(confide.log, confide.policy, chunk=chunk) == whole
        assert max(asked) <= chunk and sum(asked) == whole.size


def test_unknown_organisations_sectors_and_sizes(confide: Confide) -> None:
    _append(
        confide,
        _at(2026, 2, 2),
        requester="retired-org",
        decision="deny",
        released=[],
        rules=["I5"],
    )
    _append(confide, _at(2026, 2, 3), requester=ENFORCEMENT, decision="permit")  # invariants broken
    report = build_report(confide.log, confide.policy)
    assert (
        DecisionCount("2026-02", "unknown", "care.treatment", "read", "deny", 1) in report.decisions
    )
    # A permitted enforcement request can only come from a broken or forged log: flagged.
    assert [e.index for e in report.enforcement_permitted] == [1]
    with pytest.raises(NotFound, match="registry"):
        build_report(confide.log, confide.policy, org="retired-org")
    with pytest.raises(NotFound, match="not 99"):
        build_report(confide.log, confide.policy, size=99)
    empty = build_report(confide.log, confide.policy, size=0)
    assert empty.decisions == () and empty.size == 0 and empty.periods == ()


# -- the command line ------------------------------------------------------------------------


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_")}
    return subprocess.run(
        [
            *(sys.executable, "-m", "confide", "log", "report"),
            *("--home", str(settings.home), "--database-url", settings.database_url),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_command_line_prints_the_same_report(
    confide: Confide, made: Made, tmp_path: Path
) -> None:
    size = confide.log.size()
    ask_for_immigration(confide, POLICE)  # the command is asked for the report before this
    expected = build_report(confide.log, confide.policy, org=CLINIC, period="year", size=size)
    done = _cli(confide.settings, "--org", CLINIC, "--period", "year", "--size", str(size))
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected.to_json()
    out = tmp_path / "report.csv"
    done = _cli(confide.settings, "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == build_report(confide.log, confide.policy).to_csv().encode()
    assert_no_personal_data(out.read_text(encoding="utf-8"), made)
    unknown = _cli(confide.settings, "--org", "no-such-org")
    assert unknown.returncode == 1 and "registry" in unknown.stderr
    too_far = _cli(confide.settings, "--size", str(confide.log.size() + 1))
    assert too_far.returncode == 1 and "entries" in too_far.stderr
