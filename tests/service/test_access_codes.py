"""Subject access codes: random, typeable, stored hashed, expiring, revocable, holder-bound."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from confide.errors import NotFound
from confide.runtime import Confide
from confide.service import access_codes
from confide.service.tables import subject_access_codes


def _record(confide: Confide, subject: str = "subject-0003") -> str:
    return confide.vault.put(
        holder="st-marys-clinic",
        subject=subject,
        purpose="care.treatment",
        values={"identity.name": "Ana Example", "health.condition": "asthma"},
        role="clinician",
    )


def test_code_resolves_to_the_pseudonym_and_is_stored_hashed(confide: Confide) -> None:
    _record(confide)
    code, info = access_codes.issue(confide.vault, "st-marys-clinic", "subject-0003")
    groups = code.split("-")
    assert len(groups) == 7 and all(len(g) == 4 for g in groups)
    ps = confide.vault.keyring.pseudonym("subject-0003")
    assert info.subject == ps
    assert access_codes.resolve(confide.db, code) == ps
    # Typed sloppily: lower case, spaces, O for 0 and l for 1 still work.
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert access_codes.resolve(confide.db, sloppy) == ps
    with confide.db.connect() as conn:
        row = conn.execute(select(subject_access_codes)).one()
    normalised = code.replace("-", "")
    assert (
        bytes(row.code_hash)
        == hashlib.sha256(f"{access_codes.CODE_FORMAT}:{normalised}".encode()).digest()
    )
    assert "subject-0003" not in repr(tuple(row))


def test_only_a_holder_of_her_record_can_issue(confide: Confide) -> None:
    _record(confide)
    with pytest.raises(NotFound, match="holds no record"):
        access_codes.issue(confide.vault, "city-police", "subject-0003")
    with pytest.raises(NotFound):
        access_codes.issue(confide.vault, "st-marys-clinic", "subject-9999")


def test_malformed_codes(confide: Confide) -> None:
    for code in (None, "", "ABCD", "UUUU-" * 6 + "UUUU"):
        with pytest.raises(access_codes.InvalidAccessCode):
            access_codes.resolve(confide.db, code)


def test_unknown_expired_and_revoked(confide: Confide) -> None:
    _record(confide)
    with pytest.raises(access_codes.InvalidAccessCode, match="not valid"):
        access_codes.resolve(confide.db, "ABCD-" * 6 + "ABCD")
    code, _ = access_codes.issue(confide.vault, "st-marys-clinic", "subject-0003")
    access_codes.revoke(confide.db, code)
    with pytest.raises(access_codes.InvalidAccessCode, match="revoked"):
        access_codes.resolve(confide.db, code)
    code2, _ = access_codes.issue(confide.vault, "st-marys-clinic", "subject-0003")
    with confide.db.transaction() as conn:
        conn.execute(
            update(subject_access_codes).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            )
        )
    with pytest.raises(access_codes.InvalidAccessCode, match="expired"):
        access_codes.resolve(confide.db, code2)


def test_history_and_export_by_pseudonym(confide: Confide) -> None:
    record = _record(confide)
    confide.vault.read(record, requester="city-police", purpose="criminal_investigation.victim_support",
                       role="officer", holder="st-marys-clinic")  # fmt: skip
    code, _ = access_codes.issue(confide.vault, "st-marys-clinic", "subject-0003")
    ps = access_codes.resolve(confide.db, code)
    kinds = [(e.kind, e.fields.get("decision")) for e in access_codes.history(confide.log, ps)]
    assert ("decision", "deny") in kinds  # the police's refused read is in her history
    exported = access_codes.export(confide.vault, ps)
    assert exported["records"][0]["fields"] == {
        "identity.name": "Ana Example",
        "health.condition": "asthma",
    }
    # The export itself is a logged subject.portability decision (I7, I8).
    last = access_codes.history(confide.log, ps)[-1].fields
    assert last["purpose"] == "subject.portability" and last["decision"] == "permit"
