"""Synthetic people and records for the consent tests (no real names or numbers)."""

from __future__ import annotations

from confide.runtime import Confide

RESIDENT = "resident-test-0001"
OTHER = "resident-test-0002"
SHELTER = "safe-harbour-shelter"
CLINIC = "st-marys-clinic"
LEGAL_AID = "migrant-legal-aid"
VICTIM_UNIT = "city-police-victim-unit"
SHELTER_CASE = {
    "identity.name": "Test Resident One",
    "contact.phone": "0000 000 1234",
    "health.condition": "synthetic condition",
    "case.risk": "synthetic risk note",
}
STATUS = {"immigration.status": "synthetic-status-value"}


def shelter_records(confide: Confide, subject: str = RESIDENT) -> tuple[str, str]:
    """The refuge's case file and its separate status note for ``subject``."""
    case = confide.vault.put(
        holder=SHELTER, subject=subject, purpose="safeguarding.adult", values=SHELTER_CASE
    )
    status = confide.vault.put(
        holder=SHELTER, subject=subject, purpose="safeguarding.adult", values=STATUS
    )
    return case, status
