"""The vault on SQLite and PostgreSQL: every read a decision, I6, I7, forgetting, retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, update

from confide.errors import NotFound, NotPermitted, StorageError
from confide.policy import Warrant
from confide.runtime import Confide
from confide.storage.tables import blind_indexes, fields, records, subject_keys, subjects
from confide.vault import VaultInputError, purge

PATIENT = {
    "identity.name": "Testperson Alpha-Synthetic",
    "contact.phone": "+00 0000 000111",
    "health.condition": "synthetic-condition-x",
    "health.allergies": "synthetic-allergen-y",
}


def clinic_record(confide: Confide, subject: str = "subject-0001") -> str:
    return confide.vault.put(
        holder="st-marys-clinic", subject=subject, purpose="care.treatment", values=PATIENT
    )


def test_the_holder_reads_its_own_record(confide: Confide) -> None:
    record = clinic_record(confide)
    d = confide.vault.read(record, requester="st-marys-clinic", purpose="care.treatment")
    assert d.permitted
    assert d.values == PATIENT
    assert d.to_json()["record"] == record


def test_a_partial_permit_returns_only_the_released_fields(confide: Confide) -> None:
    record = clinic_record(confide)
    d = confide.vault.read(
        record, requester="city-hospital", holder="st-marys-clinic", purpose="care.emergency"
    )
    assert d.permitted
    assert d.values == {
        "identity.name": PATIENT["identity.name"],
        "health.condition": PATIENT["health.condition"],
        "health.allergies": PATIENT["health.allergies"],
    }


def test_scenario_2_enforcement_gets_the_same_deny_for_a_patient_and_a_stranger(
    confide: Confide,
) -> None:
    record = clinic_record(confide)
    answers = set()
    for record_id in (record, "00000000-0000-4000-8000-000000000000"):
        d = confide.vault.read(
            record_id,
            requester="national-immigration-authority",
            holder="st-marys-clinic",
            purpose="immigration.enforcement",
        )
        assert not d.permitted
        assert d.values == {}
        answer = d.to_json()
        answers.add(json.dumps(answer, sort_keys=True))
    assert len(answers) == 1
    assert "record" not in json.loads(answers.pop())


def test_scenario_2_a_search_by_name_is_denied_the_same_way(confide: Confide) -> None:
    clinic_record(confide)
    results = set()
    for name in (PATIENT["identity.name"], "Nobody Synthetic"):
        r = confide.vault.search(
            requester="national-immigration-authority",
            holder="city-hospital",
            purpose="immigration.enforcement",
            category="identity.name",
            value=name,
        )
        results.add(json.dumps(r.to_json(), sort_keys=True))
    assert len(results) == 1


def test_scenario_3_an_asylum_decision_maker_cannot_read_a_childs_medical_record(
    confide: Confide,
) -> None:
    record = confide.vault.put(
        holder="st-marys-clinic",
        subject="child-0001",
        purpose="care.treatment",
        values={"identity.name": "Child Synthetic", "health.mental_health": "synthetic-note"},
    )
    d = confide.vault.read(
        record,
        requester="national-immigration-authority",
        role="caseworker",
        holder="st-marys-clinic",
        purpose="immigration.asylum_decision",
        categories=["health.mental_health"],
    )
    assert not d.permitted
    assert d.decision.rules == ("I1",)


def test_scenario_7_pupil_nationality_stays_in_the_school(confide: Confide) -> None:
    record = confide.vault.put(
        holder="northside-school",
        subject="pupil-0001",
        purpose="education.enrolment",
        role="admin",
        values={"identity.name": "Pupil Synthetic", "immigration.nationality": "synthetic-land"},
    )
    own = confide.vault.read(
        record, requester="northside-school", role="admin", purpose="education.enrolment"
    )
    assert own.values["immigration.nationality"] == "synthetic-land"
    for org, role, purpose in [
        ("children-services", "caseworker", "safeguarding.child"),
        ("city-council", "caseworker", "education.enrolment"),
        ("national-immigration-authority", "officer", "education.enrolment"),
    ]:
        d = confide.vault.read(
            record, requester=org, role=role, holder="northside-school", purpose=purpose
        )
        assert "immigration.nationality" not in d.values, org


def test_a_permitted_requester_asking_the_wrong_holder_learns_nothing(confide: Confide) -> None:
    record = clinic_record(confide)
    with pytest.raises(NotFound) as first:
        confide.vault.read(
            record, requester="city-hospital", holder="city-hospital", purpose="care.treatment"
        )
    with pytest.raises(NotFound) as second:
        confide.vault.read(
            "00000000-0000-4000-8000-000000000000",
            requester="city-hospital",
            holder="city-hospital",
            purpose="care.treatment",
        )
    assert str(first.value).replace(record, "ID") == str(second.value).replace(
        "00000000-0000-4000-8000-000000000000", "ID"
    )


def test_a_warrant_reads_only_its_person_and_fields(confide: Confide) -> None:
    record = clinic_record(confide, "subject-0007")
    warrant = Warrant(
        reference="EXW-2026-0042",
        issued_by="Exampleton Crown Court (synthetic)",
        judicial=True,
        subject="subject-0007",
        offence="violence.homicide",
        fields=("identity.name", "contact.phone"),
    )
    d = confide.vault.read(
        record,
        requester="city-police",
        role="officer",
        holder="st-marys-clinic",
        purpose="criminal_investigation.serious_crime",
        warrant=warrant,
    )
    assert d.values == {k: PATIENT[k] for k in ("identity.name", "contact.phone")}
    assert d.decision.warrant == "EXW-2026-0042"
    other = clinic_record(confide, "subject-0008")
    with pytest.raises(NotFound):
        confide.vault.read(
            other,
            requester="city-police",
            role="officer",
            holder="st-marys-clinic",
            purpose="criminal_investigation.serious_crime",
            warrant=warrant,
        )


def test_writes_are_limited_to_what_the_purpose_may_collect(confide: Confide) -> None:
    with pytest.raises(NotPermitted, match=r"collect immigration\.status"):
        confide.vault.put(
            holder="st-marys-clinic",
            subject="subject-0002",
            purpose="care.treatment",
            values={"identity.name": "Synthetic", "immigration.status": "synthetic-status"},
        )
    with confide.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"identity.shoe_size": "42"}, "unknown data category"),
        ({"health": "x"}, "unknown data category"),
        ({"identity.name": "x" * (64 * 1024 + 1)}, "at most 65536"),
        ({"identity.name": "bad \udcff byte"}, "not valid UTF-8"),
        ({"identity.date_of_birth": "yesterday"}, "ISO 8601 calendar date"),
        ({}, "at least one field"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    confide: Confide, values: dict[str, str], message: str
) -> None:
    with pytest.raises(VaultInputError, match=message):
        confide.vault.put(
            holder="st-marys-clinic",
            subject="subject-0003",
            purpose="care.treatment",
            values=values,
        )
    with confide.db.connect() as conn:
        for table in (records, fields, subject_keys, blind_indexes):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_search_finds_through_the_holders_blind_index_only(confide: Confide) -> None:
    record = clinic_record(confide)
    found = confide.vault.search(
        requester="st-marys-clinic",
        purpose="care.treatment",
        category="contact.phone",
        value="+00 0000-000-111",  # normalised like the stored value
    )
    assert found.records == (record,)
    with confide.db.connect() as conn:
        digests = conn.execute(select(blind_indexes.c.digest)).scalars().all()
    assert all(d.startswith("bi1:") for d in digests)
    assert PATIENT["contact.phone"] not in " ".join(digests)


def test_export_gives_the_person_everything_including_status(confide: Confide) -> None:
    confide.vault.put(
        holder="migrant-legal-aid",
        subject="subject-0004",
        purpose="legal.advice",
        values={"identity.name": "Client Synthetic", "immigration.status": "synthetic-status"},
    )
    clinic_record(confide, "subject-0004")
    exported = confide.vault.export("subject-0004")
    assert exported["format"] == "confide-export/1"
    holders = {r["holder"]: r["fields"] for r in exported["records"]}
    assert holders["migrant-legal-aid"]["immigration.status"] == "synthetic-status"
    assert holders["st-marys-clinic"] == PATIENT


def test_forget_leaves_only_a_tombstone(confide: Confide) -> None:
    record = clinic_record(confide, "subject-0005")
    keep = clinic_record(confide, "subject-0006")
    report = confide.vault.forget("subject-0005")
    assert (report.records, report.fields, report.key_destroyed) == (1, 4, True)
    with pytest.raises(NotFound):
        confide.vault.read(record, requester="st-marys-clinic", purpose="care.treatment")
    assert confide.vault.export("subject-0005")["records"] == []
    assert confide.vault.read(keep, requester="st-marys-clinic", purpose="care.treatment").values
    with confide.db.connect() as conn:
        tombstones = conn.execute(
            select(subjects).where(subjects.c.forgotten_at.is_not(None))
        ).all()
        assert len(tombstones) == 1
        assert tombstones[0].subject.startswith("ps1:")
        assert conn.execute(select(func.count()).select_from(subject_keys)).scalar_one() == 1


def test_retention_purges_what_is_due(confide: Confide) -> None:
    old = clinic_record(confide, "subject-0010")
    young = clinic_record(confide, "subject-0011")
    with confide.db.transaction() as conn:
        conn.execute(
            update(records)
            .where(records.c.id == old)
            .values(retain_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        )
    report = purge(confide.vault)
    assert (report.records, report.fields, report.subjects_forgotten) == (1, 4, 1)
    assert report.by_purpose == {"care.treatment": 1}
    with pytest.raises(NotFound):
        confide.vault.read(old, requester="st-marys-clinic", purpose="care.treatment")
    assert confide.vault.read(young, requester="st-marys-clinic", purpose="care.treatment").values
    assert purge(confide.vault).records == 0


def test_retention_periods_come_from_the_policy(confide: Confide) -> None:
    record = clinic_record(confide)
    with confide.db.connect() as conn:
        row = conn.execute(select(records).where(records.c.id == record)).one()
    years = (row.retain_until - row.collected_at).days / 365.25
    assert 7.9 < years < 8.1  # care: P8Y in the baseline


def test_a_log_that_cannot_be_written_means_no_disclosure(
    confide: Confide, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = clinic_record(confide)

    def broken(*_: object, **__: object) -> int:
        raise StorageError("the log is unavailable (test)")

    monkeypatch.setattr(confide.vault.log, "append", broken)
    with pytest.raises(StorageError):
        confide.vault.read(record, requester="st-marys-clinic", purpose="care.treatment")
    with pytest.raises(StorageError):
        clinic_record(confide, "subject-0099")
    monkeypatch.undo()
    with confide.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 1
