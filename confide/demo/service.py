"""The demo deployment: the baseline policy, staff to sign in as, synthetic people, and the
scenario table — then the service on localhost. Everything in it is synthetic."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from confide.consent.consents import ConsentBook
from confide.consent.referrals import Referrals
from confide.reporting import ReportDesk, Submission
from confide.runtime import Confide, init
from confide.service import access_codes
from confide.service.staff import count_staff, create_staff
from confide.storage import Settings

#: Demo staff: (organisation, username, account role, work role). Passwords are printed.
DEMO_STAFF = (
    ("st-marys-clinic", "demo-clinician", "staff", "clinician"),
    ("st-marys-clinic", "demo-admin", "admin", "admin"),
    ("city-hospital", "demo-er-doctor", "staff", "clinician"),
    ("city-hospital", "demo-dpo", "dpo", "dpo"),
    ("city-police-victim-unit", "demo-victim-officer", "staff", "officer"),
    ("labour-inspectorate", "demo-inspector", "staff", "inspector"),
    ("migrant-legal-aid", "demo-lawyer", "staff", "lawyer"),
    ("safe-harbour-shelter", "demo-shelter-worker", "staff", "caseworker"),
)

#: Synthetic people: (holder, subject reference, purpose, fields).
DEMO_PEOPLE = (
    ("st-marys-clinic", "demo-patient-001", "care.treatment",
     {"identity.name": "Demo Patient One", "contact.phone": "+00 0000 000001",
      "health.condition": "demo-condition", "health.allergies": "demo-allergen"}),
    ("st-marys-clinic", "demo-patient-002", "care.treatment",
     {"identity.name": "Demo Patient Two", "health.notes": "demo clinical note"}),
    ("migrant-legal-aid", "demo-client-001", "legal.advice",
     {"identity.name": "Demo Client One", "immigration.status": "demo-status"}),
    ("northside-school", "demo-pupil-001", "education.enrolment",
     {"identity.name": "Demo Pupil One", "immigration.nationality": "demo-nationality"}),
    ("safe-harbour-shelter", "demo-resident-001", "safeguarding.adult",
     {"identity.name": "Demo Resident One", "contact.phone": "+00 0000 000004",
      "health.condition": "demo-condition", "case.risk": "demo risk assessment",
      "immigration.status": "demo-status"}),
)  # fmt: skip

#: The demo resident's consents: (recipient, purpose, categories, language, refer her?).
DEMO_CONSENTS = (
    ("migrant-legal-aid", "legal.advice", ["identity.name", "contact.phone", "immigration.status"],
     "ar", False),
    ("st-marys-clinic", "care.treatment", ["identity.name", "health.condition"], "ar", True),
)  # fmt: skip

#: Synthetic safe reports: (type, who, receiving service, language, text).
DEMO_REPORTS = (
    ("crime", "victim", "city-police-victim-unit", "ar",
     "زوجي يضربني ويحتفظ بجواز سفري. أنا بدون أوراق. (نص تجريبي)"),
    ("labour", "victim", "labour-inspectorate", "es",
     "Mi jefe no me paga desde marzo y estoy sin papeles. (texto de demostración)"),
)  # fmt: skip

CREDENTIALS_FILE = "demo-credentials.json"


@dataclass(frozen=True)
class DemoAccount:
    org: str
    username: str
    password: str
    role: str
    totp_secret: str
    totp_uri: str


def prepare(settings: Settings) -> tuple[list[DemoAccount], dict[str, str]]:
    """Create (once) the demo deployment; return the accounts and the people's record ids.

    The credentials are kept in the data directory (mode 0600) so a second run can print
    them again: this is a demo with synthetic data, never a way to run a real service.
    """
    init(settings)
    store = settings.home / CREDENTIALS_FILE
    if store.exists():
        saved = json.loads(store.read_text(encoding="utf-8"))
        return [DemoAccount(**a) for a in saved["accounts"]], dict(saved["records"])
    confide = Confide.open(settings)
    try:
        accounts: list[DemoAccount] = []
        if count_staff(confide) == 0:
            for org, username, role, work_role in DEMO_STAFF:
                password = f"{username}-synthetic-password"
                _, uri, secret = create_staff(confide, org, username, password, role, work_role)
                accounts.append(DemoAccount(org, username, password, role, secret, uri))
        records: dict[str, str] = {}
        reports: dict[str, str] = {}
        desk = ReportDesk(confide)
        for report_type, role, holder, lang, text in DEMO_REPORTS:
            sent = desk.submit(Submission(report_type, role, holder, text, lang))  # type: ignore[arg-type]
            reports[f"{holder} ({lang})"] = sent.receipt
        for holder, subject, purpose, values in DEMO_PEOPLE:
            # The school's census fields are its administrator's to collect.
            acting = "admin" if holder == "northside-school" else None
            records[subject] = confide.vault.put(
                holder=holder, subject=subject, purpose=purpose, values=values, role=acting
            )
        codes = _consents(confide)
    finally:
        confide.close()
    payload = {
        "accounts": [a.__dict__ for a in accounts],
        "records": records,
        "reports": reports,
        "access_codes": codes,
    }
    fd = os.open(store, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
    return accounts, records


def _consents(confide: Confide) -> dict[str, str]:
    """The demo resident's consents, a referral to the surgery resting on one, and her
    access code for her own pages. Returns subject reference → access code."""
    book = ConsentBook(confide)
    referrals = Referrals(confide)
    holder, subject = "safe-harbour-shelter", "demo-resident-001"
    for recipient, purpose, categories, lang, refer in DEMO_CONSENTS:
        consent = book.give(
            holder=holder,
            recipient=recipient,
            purpose=purpose,
            categories=categories,
            language=lang,
            recorded_by="demo",
            subject=subject,
        )
        if refer:
            referrals.offer(
                holder=holder, recipient=recipient, consent=consent.id, created_by="demo"
            )
    code, _ = access_codes.issue(confide.vault, holder, subject, log=confide.log)
    return {subject: code}


def demo_access_codes(settings: Settings) -> dict[str, str]:
    """The demo people's access codes (subject reference → code), for their own pages."""
    store = settings.home / CREDENTIALS_FILE
    if not store.exists():
        return {}
    return dict(json.loads(store.read_text(encoding="utf-8")).get("access_codes", {}))


def default_home() -> Path:
    """The demo's data directory: ``$CONFIDE_HOME`` if set, else ``./var/demo``."""
    return Path(os.environ.get("CONFIDE_HOME") or Path.cwd() / "var" / "demo")


def demo_receipts(settings: Settings) -> dict[str, str]:
    """The receipts of the demo's synthetic reports (service and language → code)."""
    store = settings.home / CREDENTIALS_FILE
    if not store.exists():
        return {}
    return dict(json.loads(store.read_text(encoding="utf-8")).get("reports", {}))
