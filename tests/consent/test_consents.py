"""Consent: given, checked on every read, withdrawn (scenario 13), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from confide.consent.consents import ConsentBook, receipt
from confide.consent.model import ConsentError
from confide.errors import NotFound
from confide.runtime import Confide
from tests.consent.helpers import (
    CLINIC,
    LEGAL_AID,
    OTHER,
    RESIDENT,
    SHELTER,
    STATUS,
    VICTIM_UNIT,
    shelter_records,
)


def _legal_aid_consent(confide: Confide, **changes: object) -> str:
    terms: dict[str, object] = {
        "holder": SHELTER,
        "recipient": LEGAL_AID,
        "purpose": "legal.advice",
        "categories": ["identity.name", "immigration.status"],
        "language": "en",
        "recorded_by": "staff-test",
        "subject": RESIDENT,
    }
    terms.update(changes)
    return ConsentBook(confide).give(**terms).id  # type: ignore[arg-type]


def _entries(confide: Confide, kind: str) -> list[dict[str, object]]:
    return [e.fields for e in confide.log.entries(0, confide.log.size()) if e.kind == kind]


def test_scenario_13_withdrawn_consent_denies_the_next_read(confide: Confide) -> None:
    _, status = shelter_records(confide)
    consent = _legal_aid_consent(confide)
    read = confide.vault.read(
        status,
        requester=LEGAL_AID,
        holder=SHELTER,
        purpose="legal.advice",
        categories=["immigration.status"],
        consent=consent,
    )
    assert read.permitted
    assert read.values == STATUS
    book = ConsentBook(confide)
    book.withdraw(consent, by="staff", org=SHELTER)
    again = confide.vault.read(
        status,
        requester=LEGAL_AID,
        holder=SHELTER,
        purpose="legal.advice",
        categories=["immigration.status"],
        consent=consent,
    )
    assert not again.permitted
    assert again.values is None or again.values == {}
    decisions = [e for e in _entries(confide, "decision") if e.get("consent") == consent]
    assert [d["decision"] for d in decisions] == ["permit", "deny"]
    assert _entries(confide, "consent.withdrawn")[0]["by"] == "staff"


def test_status_goes_only_to_the_legal_aid_she_chose(confide: Confide) -> None:
    """Consent for legal aid carrying status, and the same consent never reaching any
    other recipient, on any purpose."""
    _, status = shelter_records(confide)
    consent = _legal_aid_consent(confide)
    for requester, purpose in (
        (VICTIM_UNIT, "criminal_investigation.victim_support"),
        (CLINIC, "care.treatment"),
        (LEGAL_AID, "legal.representation"),
        ("national-immigration-authority", "legal.advice"),
    ):
        d = confide.vault.read(
            status,
            requester=requester,
            holder=SHELTER,
            purpose=purpose,
            categories=["immigration.status"],
            consent=consent,
        )
        assert not d.permitted, (requester, purpose)


def test_her_consent_opens_only_her_records(confide: Confide) -> None:
    _, status = shelter_records(confide)
    _, other_status = shelter_records(confide, OTHER)
    consent = _legal_aid_consent(confide)
    with pytest.raises(NotFound):
        confide.vault.read(
            other_status,
            requester=LEGAL_AID,
            holder=SHELTER,
            purpose="legal.advice",
            categories=["immigration.status"],
            consent=consent,
        )
    assert (
        confide.vault.read(
            status, requester=LEGAL_AID, holder=SHELTER, purpose="legal.advice", consent=consent
        ).values
        == STATUS
    )


def test_an_expired_consent_opens_nothing(confide: Confide) -> None:
    _, status = shelter_records(confide)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    consent = _legal_aid_consent(confide, days=2, now=long_ago)
    d = confide.vault.read(
        status, requester=LEGAL_AID, holder=SHELTER, purpose="legal.advice", consent=consent
    )
    assert not d.permitted
    assert ConsentBook(confide).get(consent, org=SHELTER).state() == "expired"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"recipient": "national-immigration-authority"}, "I1"),
        ({"recipient": VICTIM_UNIT, "purpose": "criminal_investigation.victim_support"}, "I2"),
        ({"holder": "red-cross-point", "categories": ["identity.name"]}, "closed service"),
        ({"purpose": "legal"}, "specific purpose"),
        ({"categories": ["identity.nonsense"]}, "unknown data category"),
        ({"recipient": "city-council", "categories": ["identity.name"]}, "no agreement"),
        ({"categories": ["identity.name", "health.condition"]}, "never lets"),
        ({"language": "xx"}, "unknown language"),
        ({"days": 0}, "days"),
    ],
)
def test_a_consent_that_cannot_be_given_says_why(
    confide: Confide, changes: dict[str, object], says: str
) -> None:
    with pytest.raises(ConsentError, match=says):
        _legal_aid_consent(confide, **changes)
    assert _entries(confide, "consent.given") == []


def test_the_receipt_carries_the_words_she_was_shown(confide: Confide) -> None:
    consent_id = _legal_aid_consent(confide, language="es")
    book = ConsentBook(confide)
    consent = book.get(consent_id, subject=confide.vault.keyring.pseudonym(RESIDENT))
    assert consent.text
    data = receipt(consent, confide.policy)
    assert data["format"] == "confide-consent-receipt/1"
    assert data["sensitive"] is True
    assert data["to"]["id"] == LEGAL_AID
    assert data["language"] == "es"
    assert data["text"] == consent.text
    import hashlib

    assert data["text_sha256"] == "sha256:" + hashlib.sha256(consent.text.encode()).hexdigest()


def test_only_the_parties_and_the_person_see_a_consent(confide: Confide) -> None:
    consent_id = _legal_aid_consent(confide)
    book = ConsentBook(confide)
    assert book.get(consent_id, org=SHELTER).id == consent_id
    assert book.get(consent_id, org=LEGAL_AID).id == consent_id
    with pytest.raises(NotFound):
        book.get(consent_id, org=CLINIC)
    with pytest.raises(NotFound):
        book.get(consent_id, subject=confide.vault.keyring.pseudonym(OTHER))
    with pytest.raises(NotFound):
        book.withdraw(consent_id, by="person", subject=confide.vault.keyring.pseudonym(OTHER))


def test_forgetting_her_ends_her_consents(confide: Confide) -> None:
    shelter_records(confide)
    consent_id = _legal_aid_consent(confide)
    confide.vault.forget(RESIDENT)
    consent = ConsentBook(confide).get(consent_id, org=SHELTER)
    assert consent.state() == "withdrawn"
    assert consent.text is None  # sealed under her destroyed key
