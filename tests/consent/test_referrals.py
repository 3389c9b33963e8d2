"""Referrals: the full life of a hand-over from a refuge to a surgery to legal aid, with
withdrawal and expiry, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from confide.consent.consents import ConsentBook
from confide.consent.model import ConsentError
from confide.consent.referrals import Referrals
from confide.consent.tables import referrals as referral_table
from confide.errors import NotFound, NotPermitted
from confide.runtime import Confide
from tests.consent.helpers import (
    CLINIC,
    LEGAL_AID,
    RESIDENT,
    SHELTER,
    SHELTER_CASE,
    shelter_records,
)


def _consent(
    confide: Confide, holder: str, recipient: str, purpose: str, categories: list[str]
) -> str:
    return (
        ConsentBook(confide)
        .give(
            holder=holder,
            recipient=recipient,
            purpose=purpose,
            categories=categories,
            language="en",
            recorded_by="staff-test",
            subject=RESIDENT,
        )
        .id
    )


def _states(confide: Confide, referral: str) -> list[str]:
    return [
        str(e.fields["state"])
        for e in confide.log.entries(0, confide.log.size())
        if e.kind == "referral.state" and e.fields["referral"] == referral
    ]


def test_refuge_to_surgery_to_legal_aid(confide: Confide) -> None:
    """The full lifecycle: the refuge refers her to the surgery with her consent; the
    surgery reads only the listed fields while the referral is accepted, records its own
    care, and refers her on to legal aid; both referrals complete, every step logged."""
    shelter_records(confide)
    desk = Referrals(confide)
    to_clinic = _consent(
        confide, SHELTER, CLINIC, "care.treatment", ["identity.name", "health.condition"]
    )
    offered = desk.offer(
        holder=SHELTER, recipient=CLINIC, consent=to_clinic, created_by="staff-test"
    )
    assert offered.state == "offered"
    # Offered is not accepted: nothing can be read yet, and the refusal is logged.
    assert all(not d.permitted for d in desk.read(offered.id, org=CLINIC))
    desk.accept(offered.id, org=CLINIC)
    reads = desk.read(offered.id, org=CLINIC)
    # Only the case file holds a listed field; the refuge's status note is not even named.
    assert len(reads) == 1
    released = [d for d in reads if d.permitted]
    assert released
    for d in released:
        assert set(d.values or {}) <= {"identity.name", "health.condition"}
        assert "case.risk" not in (d.values or {})
    assert {"identity.name": SHELTER_CASE["identity.name"]}.items() <= (
        released[0].values or {}
    ).items()
    # The surgery records its own care, then refers her to legal aid with her consent.
    confide.vault.put(
        holder=CLINIC,
        subject=RESIDENT,
        purpose="care.treatment",
        values={"identity.name": "Test Resident One", "health.condition": "synthetic"},
    )
    desk.complete(offered.id, org=CLINIC)
    to_lawyer = _consent(
        confide, CLINIC, LEGAL_AID, "legal.advice", ["identity.name", "health.condition"]
    )
    onward = desk.offer(
        holder=CLINIC, recipient=LEGAL_AID, consent=to_lawyer, created_by="staff-test"
    )
    desk.accept(onward.id, org=LEGAL_AID)
    lawyer_reads = [d for d in desk.read(onward.id, org=LEGAL_AID) if d.permitted]
    assert lawyer_reads
    assert set(lawyer_reads[0].values or {}) <= {"identity.name", "health.condition"}
    desk.complete(onward.id, org=LEGAL_AID)
    assert _states(confide, offered.id) == ["offered", "accepted", "completed"]
    assert _states(confide, onward.id) == ["offered", "accepted", "completed"]
    # Completed: the hand-over is over, and the surgery reads nothing more under it.
    assert all(not d.permitted for d in desk.read(offered.id, org=CLINIC))


def test_withdrawing_consent_mid_referral_stops_it(confide: Confide) -> None:
    shelter_records(confide)
    desk = Referrals(confide)
    consent = _consent(confide, SHELTER, CLINIC, "care.treatment", ["identity.name"])
    ref = desk.offer(holder=SHELTER, recipient=CLINIC, consent=consent, created_by="s")
    desk.accept(ref.id, org=CLINIC)
    assert any(d.permitted for d in desk.read(ref.id, org=CLINIC))
    ConsentBook(confide).withdraw(consent, by="person", subject=ref.subject)
    assert desk.get(ref.id, org=CLINIC).state == "withdrawn"
    after = desk.read(ref.id, org=CLINIC)
    assert after
    assert all(not d.permitted for d in after)
    assert _states(confide, ref.id) == ["offered", "accepted", "withdrawn"]
    with pytest.raises(ConsentError):
        desk.complete(ref.id, org=CLINIC)


def test_an_expired_referral_opens_nothing(confide: Confide) -> None:
    shelter_records(confide)
    desk = Referrals(confide)
    consent = _consent(confide, SHELTER, CLINIC, "care.treatment", ["identity.name"])
    ref = desk.offer(holder=SHELTER, recipient=CLINIC, consent=consent, created_by="s")
    desk.accept(ref.id, org=CLINIC)
    with confide.db.transaction() as conn:  # a month later
        conn.execute(
            referral_table.update()
            .where(referral_table.c.id == ref.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert desk.expire_due() == 1
    assert desk.get(ref.id, org=SHELTER).state == "expired"
    assert all(not d.permitted for d in desk.read(ref.id, org=CLINIC))
    assert _states(confide, ref.id)[-1] == "expired"


def test_only_the_right_party_moves_a_referral(confide: Confide) -> None:
    shelter_records(confide)
    desk = Referrals(confide)
    consent = _consent(confide, SHELTER, CLINIC, "care.treatment", ["identity.name"])
    ref = desk.offer(holder=SHELTER, recipient=CLINIC, consent=consent, created_by="s")
    with pytest.raises(NotPermitted):
        desk.accept(ref.id, org=SHELTER)
    with pytest.raises(NotFound):
        desk.accept(ref.id, org=LEGAL_AID)
    with pytest.raises(NotFound):
        desk.read(ref.id, org=LEGAL_AID)
    desk.decline(ref.id, org=CLINIC)
    with pytest.raises(ConsentError):
        desk.accept(ref.id, org=CLINIC)
    assert _states(confide, ref.id) == ["offered", "declined"]


def test_a_referral_carries_no_more_than_the_consent(confide: Confide) -> None:
    shelter_records(confide)
    desk = Referrals(confide)
    consent = _consent(confide, SHELTER, CLINIC, "care.treatment", ["identity.name"])
    with pytest.raises(ConsentError, match="does not cover"):
        desk.offer(
            holder=SHELTER,
            recipient=CLINIC,
            consent=consent,
            categories=["identity.name", "health.condition"],
            created_by="s",
        )
    with pytest.raises(ConsentError, match="was given for"):
        desk.offer(holder=SHELTER, recipient=LEGAL_AID, consent=consent, created_by="s")
    with pytest.raises(NotFound):
        desk.offer(holder=CLINIC, recipient=CLINIC, consent=consent, created_by="s")


def test_a_closed_service_refers_nobody(confide: Confide) -> None:
    """A humanitarian service point in closed mode: not even a referral takes data out."""
    with pytest.raises(ConsentError, match="closed service"):
        _consent(confide, "red-cross-point", CLINIC, "care.treatment", ["identity.name"])
