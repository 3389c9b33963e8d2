"""Acceptance scenarios 13 (consent withdrawn → the next read is denied) and 8 at run time
(an agreement chain to enforcement refused when activated), through the library, on SQLite
and PostgreSQL. The decision-level scenario 8 is in test_policy_scenarios.py."""

from __future__ import annotations

import datetime as dt

import pytest

from confide.consent.agreements import Agreements
from confide.consent.consents import ConsentBook
from confide.consent.model import ConsentError
from confide.errors import InvariantViolation
from confide.runtime import Confide


def test_13_consent_withdrawn_then_the_next_read_is_denied_and_logged(confide: Confide) -> None:
    record = confide.vault.put(
        holder="st-marys-clinic",
        subject="patient-test-0013",
        purpose="care.treatment",
        values={"identity.name": "Test Patient Thirteen", "health.condition": "synthetic"},
    )
    book = ConsentBook(confide)
    consent = book.give(
        holder="st-marys-clinic",
        recipient="migrant-legal-aid",
        purpose="legal.advice",
        categories=["identity.name", "health.condition"],
        language="fr",
        recorded_by="staff-test",
        subject="patient-test-0013",
    )

    def read() -> bool:
        return confide.vault.read(
            record,
            requester="migrant-legal-aid",
            holder="st-marys-clinic",
            purpose="legal.advice",
            consent=consent.id,
        ).permitted

    assert read()
    book.withdraw(consent.id, by="person", subject=consent.subject)
    assert not read()
    history = confide.history("patient-test-0013")
    kinds = [(e.kind, e.fields.get("decision")) for e in history]
    assert kinds[-3:] == [
        ("decision", "permit"),
        ("consent.withdrawn", None),
        ("decision", "deny"),
    ]
    assert history[-1].fields["consent"] == consent.id


def test_8_an_agreement_chain_to_enforcement_is_refused_at_activation(confide: Confide) -> None:
    today = dt.datetime.now(dt.UTC).date()
    registry = Agreements(confide)

    def propose(agreement_id: str, source: str, recipient: str) -> str:
        return registry.propose(
            {
                "id": agreement_id,
                "from": source,
                "to": recipient,
                "purposes": ["housing.support"],
                "categories": ["identity.name", "contact.address"],
                "owner": "dpo@example.org",
                "expires": (today + dt.timedelta(days=300)).isoformat(),
                "review": (today + dt.timedelta(days=100)).isoformat(),
            },
            proposed_by="admin-test",
        ).id

    registry.activate(propose("clinic-council", "st-marys-clinic", "city-council"), by="a")
    liaison = propose("council-liaison", "city-council", "national-immigration-authority")
    with pytest.raises((InvariantViolation, ConsentError)) as refused:
        registry.activate(liaison, by="admin-test")
    assert "st-marys-clinic → city-council → national-immigration-authority" in str(refused.value)
    assert registry.get(liaison).state == "proposed"
