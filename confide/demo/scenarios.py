"""The acceptance scenarios of DESIGN.md that are decisions, as requests to the baseline policy.

Each carries the answer the firewall must give. The demo prints them; the tests check them.
All identifiers are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scenario:
    number: str
    title: str
    request: dict[str, Any]
    expected: str
    #: Fields that must be released (permits) — nothing else may be.
    fields: tuple[str, ...] = ()


def _request(
    org: str,
    role: str,
    purpose: str,
    holder: str,
    fields: list[str],
    *,
    record_subject: str = "subject-0001",
    action: str = "read",
    **context: Any,
) -> dict[str, Any]:
    return {
        "requester": {"org": org, "role": role},
        "action": action,
        "purpose": purpose,
        "record": {"holder": holder, "subject": record_subject},
        "fields": fields,
        "context": context,
    }


WARRANT = {
    "reference": "EXW-2026-0042",
    "issued_by": "Exampleton Crown Court (synthetic)",
    "judicial": True,
    "subject": "subject-0007",
    "offence": "violence.homicide",
    "fields": ["identity.name", "contact.address", "immigration.status"],
}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "1a",
        "Police ask the victim unit's file for a DV victim's status",
        _request(
            "city-police",
            "officer",
            "criminal_investigation.victim_support",
            "city-police-victim-unit",
            ["immigration.status"],
        ),
        "deny",
    ),
    Scenario(
        "1b",
        "The victim unit reads its own case file: status is not part of it",
        _request(
            "city-police-victim-unit",
            "officer",
            "criminal_investigation.victim_support",
            "city-police-victim-unit",
            ["identity.name", "contact.phone", "case.narrative", "immigration.status"],
        ),
        "permit",
        ("identity.name", "contact.phone", "case.narrative"),
    ),
    Scenario(
        "2",
        "Immigration enforcement asks the hospital whether a named person is a patient",
        _request(
            "national-immigration-authority",
            "officer",
            "immigration.enforcement",
            "city-hospital",
            ["identity.name"],
            action="search",
        ),
        "deny",
    ),
    Scenario(
        "3",
        "An asylum decision-maker asks for a child's medical records",
        _request(
            "national-immigration-authority",
            "caseworker",
            "immigration.asylum_decision",
            "st-marys-clinic",
            ["health.mental_health", "health.notes"],
        ),
        "deny",
    ),
    Scenario(
        "4",
        "Police open a 'criminal investigation' of overstaying",
        _request(
            "city-police",
            "officer",
            "criminal_investigation.serious_crime",
            "st-marys-clinic",
            ["contact.address"],
            offence="immigration.overstaying",
        ),
        "deny",
    ),
    Scenario(
        "5",
        "Homicide investigation with a judicial warrant naming the person",
        _request(
            "city-police",
            "officer",
            "criminal_investigation.serious_crime",
            "st-marys-clinic",
            ["identity.name", "contact.address", "contact.phone", "immigration.status"],
            record_subject="subject-0007",
            offence="violence.homicide",
            warrant=WARRANT,
        ),
        "permit",
        ("identity.name", "contact.address"),
    ),
    Scenario(
        "6",
        "The police ask the labour inspectorate who complained about an employer",
        _request(
            "city-police",
            "officer",
            "criminal_investigation.victim_support",
            "labour-inspectorate",
            ["identity.name", "contact.phone"],
        ),
        "deny",
    ),
    Scenario(
        "6b",
        "Immigration enforcement asks the labour inspectorate for a complaint file",
        _request(
            "national-immigration-authority",
            "inspector",
            "labour.inspection",
            "labour-inspectorate",
            ["identity.name", "employment.employer"],
        ),
        "deny",
    ),
    Scenario(
        "7",
        "Children's services ask the school for a pupil's nationality",
        _request(
            "children-services",
            "caseworker",
            "safeguarding.child",
            "northside-school",
            ["identity.name", "immigration.nationality"],
        ),
        "permit",
        ("identity.name",),
    ),
    Scenario(
        "7b",
        "The council asks the school for its census nationality data",
        _request(
            "city-council",
            "caseworker",
            "education.enrolment",
            "northside-school",
            ["immigration.nationality", "immigration.country_of_birth"],
        ),
        "deny",
    ),
    Scenario(
        "I7",
        "A patient asks the surgery for everything it holds about her",
        _request(
            "st-marys-clinic",
            "subject",
            "subject.access",
            "st-marys-clinic",
            ["identity", "contact", "health", "immigration"],
            record_subject="subject-0003",
            subject="subject-0003",
        ),
        "permit",
        (
            "identity.name",
            "identity.date_of_birth",
            "identity.sex_gender",
            "identity.reference",
            "contact.address",
            "contact.phone",
            "contact.email",
            "contact.emergency_contact",
            "health.condition",
            "health.medication",
            "health.allergies",
            "health.mental_health",
            "health.pregnancy",
            "health.notes",
            "immigration.status",
            "immigration.nationality",
            "immigration.country_of_birth",
            "immigration.document_number",
        ),
    ),
    Scenario(
        "care",
        "A hospital clinician reads a patient's allergies in an emergency",
        _request(
            "city-hospital",
            "clinician",
            "care.emergency",
            "st-marys-clinic",
            ["identity.name", "health.allergies", "immigration.status"],
        ),
        "permit",
        ("identity.name", "health.allergies"),
    ),
)
