"""Scenario 14 through the vault, on SQLite and PostgreSQL: a clinician's break-glass read
in an emergency is allowed, logged, and on the DPO's review list until reviewed."""

from __future__ import annotations

import pytest

from confide.errors import NotFound
from confide.runtime import Confide
from confide.service.break_glass import open_reviews, review
from confide.vault import VaultInputError

RECORD = {
    "identity.name": "Glass Synthetic",
    "health.notes": "synthetic-clinical-note",
    "health.allergies": "synthetic-allergen",
}


def test_scenario_14_break_glass_is_allowed_logged_and_reviewed(confide: Confide) -> None:
    record = confide.vault.put(
        holder="st-marys-clinic", subject="glass-0001", purpose="care.treatment", values=RECORD
    )
    # Without break-glass, the hospital sees only what emergency care needs.
    ordinary = confide.vault.read(
        record, requester="city-hospital", holder="st-marys-clinic", purpose="care.emergency"
    )
    assert "health.notes" not in ordinary.values
    glass = confide.vault.read(
        record,
        requester="city-hospital",
        holder="st-marys-clinic",
        purpose="care.emergency",
        break_glass="patient unconscious in A&E, no other record available",
        actor="dr-synthetic",
    )
    assert glass.values["health.notes"] == "synthetic-clinical-note"
    assert "break-glass-emergency" in glass.decision.rules

    reviews = open_reviews(confide, "city-hospital")
    assert len(reviews) == 1
    assert reviews[0].reason == "patient unconscious in A&E, no other record available"
    assert reviews[0].actor == "dr-synthetic"
    assert "health.notes" in reviews[0].released
    entry = confide.log.entry(reviews[0].log_index).fields
    assert entry["kind"] == "break_glass"
    assert entry["review"] == reviews[0].id
    assert "unconscious" not in str(entry)  # the reason is not in the public log

    with pytest.raises(NotFound):
        review(confide, reviews[0].id, org="st-marys-clinic", reviewer="dpo", outcome="justified")
    review(
        confide, reviews[0].id, org="city-hospital", reviewer="dpo-synthetic", outcome="justified"
    )
    assert open_reviews(confide, "city-hospital") == []
    closed = open_reviews(confide, "city-hospital", include_reviewed=True)
    assert closed[0].outcome == "justified"
    kinds = [e.fields["kind"] for e in confide.history("glass-0001")]
    assert "break_glass" in kinds and "break_glass.reviewed" in kinds


def test_break_glass_is_no_way_around_the_invariants(confide: Confide) -> None:
    record = confide.vault.put(
        holder="migrant-legal-aid",
        subject="glass-0002",
        purpose="legal.advice",
        values={"identity.name": "Glass Client", "immigration.status": "synthetic-status"},
    )
    for requester, purpose in (
        ("national-immigration-authority", "immigration.enforcement"),
        ("city-hospital", "care.emergency"),
    ):
        d = confide.vault.read(
            record,
            requester=requester,
            role="clinician",
            holder="migrant-legal-aid",
            purpose=purpose,
            break_glass="emergency",
        )
        assert "immigration.status" not in d.values
    assert open_reviews(confide, "city-hospital") == []
    with pytest.raises(VaultInputError, match="written reason"):
        confide.vault.read(
            record, requester="city-hospital", purpose="care.emergency", break_glass=" "
        )


def test_forgetting_the_person_erases_the_reason(confide: Confide) -> None:
    record = confide.vault.put(
        holder="st-marys-clinic", subject="glass-0003", purpose="care.treatment", values=RECORD
    )
    confide.vault.read(
        record, requester="city-hospital", holder="st-marys-clinic", purpose="care.emergency",
        break_glass="synthetic emergency reason",
    )  # fmt: skip
    confide.vault.forget("glass-0003")
    [item] = open_reviews(confide, "city-hospital")
    assert item.reason.startswith("(erased")
