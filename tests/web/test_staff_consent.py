"""The staff pages for consent, referrals and agreements over real HTTP against ``confide
serve``, on SQLite and PostgreSQL, and in Debian's Chromium: a refuge records a resident's
consent and refers her to the surgery, which accepts and reads only the listed fields; other
services see nothing; only administrators act on agreements, and an agreement that would
open a path to immigration enforcement is refused with the path shown."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from confide.consent.agreements import Agreements
from confide.consent.consents import ConsentBook
from confide.consent.referrals import Referrals
from tests.web.conftest import CHROMIUM, Deployment, csrf_of
from tests.web.test_accessibility import axe_script, run_axe  # noqa: F401 - a fixture
from tests.web.test_browser import _watch
from tests.web.test_browser import sign_in as browser_sign_in
from tests.web.test_http import client, sign_in
from tests.web.test_public_browser import SCREENSHOTS

SHELTER = "safe-harbour-shelter"
CLINIC = "st-marys-clinic"
COUNCIL = "city-council"
ENFORCEMENT = "national-immigration-authority"
CASE_FILE = {
    "identity.name": "Test Resident One",
    "contact.phone": "0000 000 1234",
    "health.condition": "synthetic condition",
    "case.risk": "synthetic risk note",
}
STATUS_NOTE = {"immigration.status": "synthetic-status-value"}
_CSRF_FIELD = re.compile(r'name="csrf" value="[^"]+"')


def _records(d: Deployment, subject: str) -> None:
    """The refuge's case file and its separate status note for ``subject``."""
    confide = d.open()
    try:
        for values in (CASE_FILE, STATUS_NOTE):
            confide.vault.put(
                holder=SHELTER, subject=subject, purpose="safeguarding.adult", values=values
            )
    finally:
        confide.close()


def _record_consent(c: httpx.Client, person: str, **changes: Any) -> httpx.Response:
    page = c.get("/staff/consents")
    assert page.status_code == 200
    form: dict[str, Any] = {
        "csrf": csrf_of(page.text),
        "subject": person,
        "recipient": CLINIC,
        "purpose": "care.treatment",
        "categories": ["identity.name", "health.condition"],
        "language": "es",
        "days": "90",
    }
    form.update(changes)
    return c.post("/staff/consents", data=form)


def _recorded_id(sent: httpx.Response) -> str:
    assert sent.status_code == 303, sent.text
    found = re.fullmatch(r"/staff/consents/([0-9a-f-]{36})\?recorded=1", sent.headers["location"])
    assert found is not None
    return found.group(1)


def _post(c: httpx.Client, action: str, **data: Any) -> httpx.Response:
    """Submit a form to ``action`` with the session's CSRF token (the consents page always
    has a form; pages with nothing left to do have none)."""
    shown = c.get("/staff/consents")
    return c.post(action, data={"csrf": csrf_of(shown.text), **data})


def _without_csrf(text: str) -> str:
    return _CSRF_FIELD.sub("", text)


def _text_of(page: str) -> str:
    found = re.search(
        r'<blockquote class="reason" id="consent-text"[^>]*>(.*?)</blockquote>', page, re.S
    )
    assert found is not None, "the page does not show the consent text"
    return html.unescape(found.group(1))


# -- consents -------------------------------------------------------------------------------


def test_a_consent_is_recorded_shown_found_and_withdrawn(deployment: Deployment) -> None:
    subject = "resident-test-0001"
    with client(deployment) as c:
        sign_in(c, deployment.accounts["shelter-case"])
        page = c.get("/staff/consents")
        assert page.status_code == 200
        offered = set(re.findall(r'<option value="([a-z-]+)"', page.text))
        # The refuge may share, with consent, with the surgery, legal aid and the victim unit.
        assert {CLINIC, "migrant-legal-aid", "city-police-victim-unit"} <= offered
        assert ENFORCEMENT not in page.text
        for code in ("en", "es", "ar", "ti", "fa"):
            assert f'<option value="{code}"' in page.text
        consent_id = _recorded_id(_record_consent(c, subject))
        shown = c.get(f"/staff/consents/{consent_id}?recorded=1")
        assert shown.status_code == 200
        assert "Consent recorded" in shown.text
        assert consent_id in shown.text
        assert 'lang="es" dir="ltr"' in shown.text
        text = _text_of(shown.text)
        listed = c.get("/staff/consents")
        assert f"/staff/consents/{consent_id}" in listed.text
        download = c.get(f"/staff/consents/{consent_id}/receipt.json")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/json")
        assert "attachment" in download.headers["content-disposition"]
        receipt = json.loads(download.text)
        assert receipt["format"] == "confide-consent-receipt/1"
        assert receipt["consent"] == consent_id
        assert receipt["text"] == text
        assert receipt["to"]["id"] == CLINIC
        assert receipt["categories"] == ["identity.name", "health.condition"]
        found = _post(c, "/staff/consents/person", subject=subject)
        assert found.status_code == 200
        assert "1 consent found" in found.text and consent_id in found.text
        nobody = _post(c, "/staff/consents/person", subject="resident-test-9999")
        assert "0 consents found" in nobody.text and consent_id not in nobody.text
        withdrawn = _post(c, f"/staff/consents/{consent_id}/withdraw")
        assert withdrawn.status_code == 200
        assert "Consent withdrawn on her behalf" in withdrawn.text
        assert "<dd>Withdrawn</dd>" in withdrawn.text
        assert "Withdraw the consent on her behalf" not in withdrawn.text
        # Withdrawing twice changes nothing (the page has no form left: reuse the token).
        again = c.post(f"/staff/consents/{consent_id}/withdraw", data={"csrf": csrf_of(shown.text)})
        assert again.status_code == 200
        forged = c.post(f"/staff/consents/{consent_id}/withdraw", data={"csrf": "wrong"})
        assert forged.status_code == 403
    confide = deployment.open()
    try:
        stored = ConsentBook(confide).get(consent_id, org=SHELTER)
    finally:
        confide.close()
    assert stored.text == text
    assert stored.language == "es"
    assert stored.state() == "withdrawn" and stored.withdrawn_by == "staff"
    assert stored.recorded_by == f"staff:{deployment.accounts['shelter-case'].staff_id}"


REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"categories": ["identity.name", "immigration.status"]}, "only to legal aid"),
    ({"categories": []}, "at least one category"),
    ({"recipient": ENFORCEMENT}, "immigration enforcement"),
    ({"purpose": "immigration.enforcement"}, "immigration enforcement"),
    ({"language": "xx"}, "unknown language"),
    ({"days": "0"}, "1 to"),
    ({"subject": " "}, "reference"),
]


def test_a_consent_that_cannot_be_given_says_why(deployment: Deployment) -> None:
    with client(deployment) as c:
        sign_in(c, deployment.accounts["shelter-case"])
        for changes, says in REFUSALS:
            refused = _record_consent(c, "resident-test-0002", **changes)
            assert refused.status_code == 422, changes
            assert says in html.unescape(refused.text), changes
            assert "There is a problem" in refused.text
            assert "Traceback" not in refused.text
        assert "resident-test-0002" not in c.get("/staff/consents").text


def test_another_services_consent_is_not_found(deployment: Deployment) -> None:
    confide = deployment.open()
    try:
        consent = ConsentBook(confide).give(
            holder=SHELTER,
            recipient=CLINIC,
            purpose="care.treatment",
            categories=["identity.name"],
            language="en",
            recorded_by="staff-test",
            subject="resident-test-0003",
        )
        referral = Referrals(confide).offer(
            holder=SHELTER, recipient=CLINIC, consent=consent.id, created_by="staff-test"
        )
    finally:
        confide.close()
    missing = "00000000-0000-0000-0000-000000000000"
    with client(deployment) as c:
        sign_in(c, deployment.accounts["council-worker"])
        assert consent.id not in c.get("/staff/consents").text
        existing = c.get(f"/staff/consents/{consent.id}")
        absent = c.get(f"/staff/consents/{missing}")
        assert existing.status_code == absent.status_code == 404
        # The same page whether the consent exists at another service or not at all (I6).
        assert _without_csrf(existing.text) == _without_csrf(absent.text)
        assert c.get(f"/staff/consents/{consent.id}/receipt.json").status_code == 404
        token = csrf_of(c.get("/staff/consents").text)
        assert (
            c.post(f"/staff/consents/{consent.id}/withdraw", data={"csrf": token}).status_code
            == 404
        )
        assert c.get(f"/staff/referrals/{referral.id}").status_code == 404
        for step in ("accepted", "withdrawn"):
            moved = c.post(
                f"/staff/referrals/{referral.id}/state", data={"csrf": token, "state": step}
            )
            assert moved.status_code == 404
        read = c.post(f"/staff/referrals/{referral.id}/read", data={"csrf": token})
        assert read.status_code == 404
        offer = c.post("/staff/referrals", data={"csrf": token, "consent": consent.id})
        assert offer.status_code == 404
    confide = deployment.open()
    try:
        assert ConsentBook(confide).get(consent.id, org=SHELTER).in_force()
        assert Referrals(confide).get(referral.id, org=SHELTER).state == "offered"
    finally:
        confide.close()


# -- referrals ------------------------------------------------------------------------------


def test_a_referral_is_offered_accepted_read_and_completed(deployment: Deployment) -> None:
    subject = "resident-test-0004"
    _records(deployment, subject)
    with client(deployment) as shelter:
        sign_in(shelter, deployment.accounts["shelter-case"])
        consent_id = _recorded_id(
            _record_consent(
                shelter, subject, categories=["identity.name", "health.condition", "contact.phone"]
            )
        )
        # As the consent's page offers it: narrowed to two of the three fields she agreed to.
        sent = _post(
            shelter,
            "/staff/referrals",
            consent=consent_id,
            categories=["identity.name", "health.condition"],
            days="14",
        )
        assert sent.status_code == 303
        referral_path = sent.headers["location"].split("?")[0]
        referral_id = referral_path.rsplit("/", 1)[1]
        page = shelter.get(sent.headers["location"])
        assert page.status_code == 200 and "Referral offered" in page.text
        assert "Withdraw the referral" in page.text and ">Accept<" not in page.text
        # A second one, from the referrals page, which the refuge then withdraws.
        second = _post(shelter, "/staff/referrals", consent=consent_id)
        assert second.status_code == 303
        second_path = second.headers["location"].split("?")[0]
        gone = _post(shelter, second_path + "/state", state="withdrawn")
        assert gone.status_code == 200 and "Referral withdrawn" in gone.text
        listed = shelter.get("/staff/referrals")
        assert referral_path in listed.text and second_path in listed.text
        # Only the receiving service accepts.
        wrong_side = _post(shelter, referral_path + "/state", state="accepted")
        assert wrong_side.status_code == 403
        not_theirs = _post(shelter, referral_path + "/read")
        assert not_theirs.status_code == 403
    with client(deployment) as clinic:
        sign_in(clinic, deployment.accounts["gp-clin"])
        incoming = clinic.get("/staff/referrals")
        assert referral_path in incoming.text
        page = clinic.get(referral_path)
        assert ">Accept<" in page.text and ">Decline<" in page.text
        assert "Read the released fields" not in page.text
        # Before it is accepted every read is refused and logged, reasons only.
        early = _post(clinic, referral_path + "/read")
        assert early.status_code == 403
        assert "Refused" in early.text and "result permit" not in early.text
        assert CASE_FILE["identity.name"] not in early.text
        accepted = _post(clinic, referral_path + "/state", state="accepted")
        assert accepted.status_code == 200 and "Referral accepted" in accepted.text
        assert "Read the released fields" in accepted.text
        read = _post(clinic, referral_path + "/read")
        assert read.status_code == 200
        assert CASE_FILE["identity.name"] in read.text
        assert CASE_FILE["health.condition"] in read.text
        # Not listed in the referral, or never to a surgery (I2): not on the page.
        for value in (CASE_FILE["contact.phone"], CASE_FILE["case.risk"], "synthetic-status"):
            assert value not in read.text
        completed = _post(clinic, referral_path + "/state", state="completed")
        assert completed.status_code == 200 and "Referral completed" in completed.text
        again = _post(clinic, referral_path + "/state", state="accepted")
        assert again.status_code == 422 and "cannot become accepted" in again.text
        after = _post(clinic, referral_path + "/read")
        assert after.status_code == 403
        assert CASE_FILE["identity.name"] not in after.text
    confide = deployment.open()
    try:
        states = [
            e.fields["state"]
            for e in confide.log.entries(0, confide.log.size())
            if e.kind == "referral.state" and e.fields["referral"] == referral_id
        ]
    finally:
        confide.close()
    assert states == ["offered", "accepted", "completed"]


def test_a_declined_referral_opens_nothing(deployment: Deployment) -> None:
    subject = "resident-test-0005"
    _records(deployment, subject)
    confide = deployment.open()
    try:
        consent = ConsentBook(confide).give(
            holder=SHELTER,
            recipient=CLINIC,
            purpose="care.treatment",
            categories=["identity.name"],
            language="fr",
            recorded_by="staff-test",
            subject=subject,
        )
        referral = Referrals(confide).offer(
            holder=SHELTER, recipient=CLINIC, consent=consent.id, created_by="staff-test"
        )
    finally:
        confide.close()
    path = f"/staff/referrals/{referral.id}"
    with client(deployment) as clinic:
        sign_in(clinic, deployment.accounts["gp-clin"])
        declined = _post(clinic, path + "/state", state="declined")
        assert declined.status_code == 200 and "Referral declined" in declined.text
        assert ">Accept<" not in declined.text
        nonsense = _post(clinic, path + "/state", state="offered")
        assert nonsense.status_code == 422
        read = _post(clinic, path + "/read")
        assert read.status_code == 403 and CASE_FILE["identity.name"] not in read.text


# -- agreements -----------------------------------------------------------------------------


def _spec(agreement_id: str, source: str, recipient: str, **changes: Any) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    form: dict[str, Any] = {
        "agreement_id": agreement_id,
        "description": "Synthetic test agreement.",
        "source": source,
        "recipient": recipient,
        "purposes": ["housing.support"],
        "categories": ["identity.name", "contact.address"],
        "owner": "dpo@example.org",
        "expires": (today + dt.timedelta(days=365)).isoformat(),
        "review": (today + dt.timedelta(days=180)).isoformat(),
    }
    form.update(changes)
    return form


def _propose(c: httpx.Client, form: dict[str, Any]) -> httpx.Response:
    return _post(c, "/staff/agreements", **form)


def _state(d: Deployment, agreement_id: str) -> str:
    confide = d.open()
    try:
        return Agreements(confide).get(agreement_id).state
    finally:
        confide.close()


def test_only_administrators_act_on_agreements(deployment: Deployment) -> None:
    name = "clinic-to-council-test-a"
    path = f"/staff/agreements/{name}"
    with client(deployment) as admin:
        sign_in(admin, deployment.accounts["gp-admin"])
        proposed = _propose(admin, _spec(name, CLINIC, COUNCIL))
        assert proposed.status_code == 303 and proposed.headers["location"] == path + "?proposed=1"
        page = admin.get(path)
        assert "Agreement proposed" not in page.text
        assert ">Check<" in page.text and ">Activate<" in page.text and ">Retire<" in page.text
        checked = _post(admin, path + "/check")
        assert checked.status_code == 200 and "breaks no invariant" in checked.text
        bad = _propose(admin, _spec("not-ours", COUNCIL, "city-hospital"))
        assert bad.status_code == 422 and "one of the two parties" in bad.text
        late = _propose(admin, _spec("too-late", CLINIC, COUNCIL, expires="2001-01-01"))
        assert late.status_code == 422 and "past" in late.text
    with client(deployment) as staff:
        sign_in(staff, deployment.accounts["gp-clin"])
        listed = staff.get("/staff/agreements")
        assert listed.status_code == 200 and path in listed.text
        assert "Propose the agreement" not in listed.text
        page = staff.get(path)
        assert page.status_code == 200
        assert ">Activate<" not in page.text and ">Retire<" not in page.text
        for action in ("check", "activate", "retire"):
            refused = _post(staff, f"{path}/{action}")
            assert refused.status_code == 403
            assert "Only an administrator" in refused.text
        assert _propose(staff, _spec("by-staff", CLINIC, COUNCIL)).status_code == 403
    with client(deployment) as other:
        # An admin at the receiving service does not open the surgery's data.
        sign_in(other, deployment.accounts["council-admin"])
        page = other.get(path)
        assert ">Check<" in page.text and ">Activate<" not in page.text
        assert _post(other, path + "/activate").status_code == 403
    assert _state(deployment, name) == "proposed"


def test_a_path_to_immigration_enforcement_is_refused_and_shown(deployment: Deployment) -> None:
    first = "clinic-to-council-test-b"
    onward = "council-to-enforcement-test"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with client(deployment) as clinic:
        sign_in(clinic, deployment.accounts["gp-admin"])
        assert _propose(clinic, _spec(first, CLINIC, COUNCIL, review=today)).status_code == 303
        path = f"/staff/agreements/{first}"
        active = _post(clinic, path + "/activate")
        assert active.status_code == 200 and "Agreement activated" in active.text
        assert '<dd id="agreement-state">Active</dd>' in active.text
        listed = clinic.get("/staff/agreements")
        assert "review due" in listed.text
        again = _post(clinic, path + "/activate")
        assert again.status_code == 422 and "not proposed" in html.unescape(again.text)
    with client(deployment) as council:
        sign_in(council, deployment.accounts["council-admin"])
        assert _propose(council, _spec(onward, COUNCIL, ENFORCEMENT)).status_code == 303
        path = f"/staff/agreements/{onward}"
        chain = f"{CLINIC} → {COUNCIL} → {ENFORCEMENT}"
        checked = _post(council, path + "/check")
        assert checked.status_code == 200
        assert "It cannot be activated" in checked.text and chain in checked.text
        refused = _post(council, path + "/activate")
        assert refused.status_code == 409
        text = html.unescape(refused.text)
        assert "Activation refused" in text
        problems = re.findall(r"<li>(.*?)</li>", text.split('id="problems"')[1].split("</div>")[0])
        assert problems and all("[I" in p for p in problems)
        assert any(chain in p for p in problems)
        assert "Traceback" not in refused.text
        retired = _post(council, path + "/retire")
        assert retired.status_code == 200 and "Agreement retired" in retired.text
    assert _state(deployment, onward) == "retired"
    with client(deployment) as clinic:
        sign_in(clinic, deployment.accounts["gp-admin"])
        path = f"/staff/agreements/{first}"
        assert _post(clinic, path + "/retire").status_code == 200
    assert _state(deployment, first) == "retired"


def test_pages_need_sign_in(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.base_url, follow_redirects=False) as c:
        for path in ("/staff/consents", "/staff/referrals", "/staff/agreements"):
            assert c.get(path).status_code == 303
        assert c.get("/staff/consents/x/receipt.json").status_code == 303
        assert c.post("/staff/consents", data={}).status_code == 403
        assert c.post("/staff/agreements/x/activate", data={}).status_code == 403


# -- in the browser -------------------------------------------------------------------------

browser_only = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
)


def _shoot(page: Page, deployment: Deployment, name: str) -> None:
    if deployment.settings.database_url.startswith("sqlite"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"staff-consent-{name}.png"), full_page=True)


@browser_only
def test_refuge_refers_a_resident_and_the_surgery_reads_only_the_listed_fields(
    browser: Browser, deployment: Deployment
) -> None:
    """With JavaScript off: the caseworker records the consent in Arabic, reads her the
    text, offers the referral; the clinician accepts it and sees the two listed fields."""
    subject = "resident-test-0006"
    _records(deployment, subject)
    shelter = browser.new_context(base_url=deployment.base_url, java_script_enabled=False)
    page = shelter.new_page()
    problems = _watch(page, deployment)
    browser_sign_in(page, deployment.accounts["shelter-case"])
    page.get_by_role("navigation", name="Staff pages").get_by_role(
        "link", name="Consents", exact=True
    ).click()
    page.get_by_label("The person's reference at your service").last.fill(subject)
    page.get_by_label("Share with").select_option(CLINIC)
    page.get_by_label("Only for").select_option("care.treatment")
    page.get_by_label("identity.name").check()
    page.get_by_label("health.condition").check()
    page.get_by_label("Her language").select_option("ar")
    _shoot(page, deployment, "record")
    page.get_by_role("button", name="Record her consent").click()
    assert page.get_by_role("heading", name="Consent recorded").is_visible()
    consent_id = page.locator("#consent-id").inner_text().strip()
    text = page.locator("#consent-text")
    assert text.get_attribute("dir") == "rtl" and text.get_attribute("lang") == "ar"
    assert text.inner_text().strip()
    _shoot(page, deployment, "recorded")
    page.get_by_role("button", name="Offer the referral").click()
    assert page.get_by_role("status").inner_text().startswith("Referral offered")
    referral_path = page.url.split(deployment.base_url, 1)[1].split("?")[0]
    assert page.locator("#referral-state").inner_text() == "Offered"
    shelter.close()

    clinic = browser.new_context(base_url=deployment.base_url, java_script_enabled=False)
    page = clinic.new_page()
    problems += _watch(page, deployment)
    browser_sign_in(page, deployment.accounts["gp-clin"])
    page.get_by_role("navigation", name="Staff pages").get_by_role(
        "link", name="Referrals", exact=True
    ).click()
    incoming = page.locator('table[aria-labelledby="incoming-heading"]')
    incoming.locator(f'a[href="{referral_path}"]').click()
    _shoot(page, deployment, "referral")
    page.get_by_role("button", name="Accept").click()
    assert page.locator("#referral-state").inner_text() == "Accepted"
    page.get_by_role("button", name="Read the released fields").click()
    released = page.locator("section.result.permit")
    # Her status note at the refuge holds none of the listed fields: it is not even listed.
    assert released.count() == 1
    fields = set(released.locator("tbody th").all_inner_texts())
    assert fields == {"identity.name", "health.condition"}
    body = page.locator("main").inner_text()
    assert CASE_FILE["identity.name"] in body and CASE_FILE["health.condition"] in body
    for value in (CASE_FILE["contact.phone"], CASE_FILE["case.risk"], "synthetic-status"):
        assert value not in body
    _shoot(page, deployment, "released")
    clinic.close()
    assert problems == []
    confide = deployment.open()
    try:
        consent = ConsentBook(confide).get(consent_id, org=CLINIC)
    finally:
        confide.close()
    assert consent.language == "ar"
    assert set(consent.categories) == {"identity.name", "health.condition"}


@browser_only
def test_the_pages_have_no_serious_accessibility_problems(
    browser: Browser,
    deployment: Deployment,
    axe_script: Path,  # noqa: F811 - the fixture
) -> None:
    """axe-core on every page here, each with something on it (WCAG 2.2 A and AA)."""
    confide = deployment.open()
    try:
        consent = ConsentBook(confide).give(
            holder=SHELTER,
            recipient=CLINIC,
            purpose="care.treatment",
            categories=["identity.name"],
            language="fa",
            recorded_by="staff-test",
            subject="resident-test-0007",
        )
        referral = Referrals(confide).offer(
            holder=SHELTER, recipient=CLINIC, consent=consent.id, created_by="staff-test"
        )
        spec = _spec("clinic-to-council-test-c", CLINIC, COUNCIL)
        agreement = Agreements(confide).propose(
            {
                "id": spec["agreement_id"],
                "from": CLINIC,
                "to": COUNCIL,
                "purposes": spec["purposes"],
                "categories": spec["categories"],
                "owner": spec["owner"],
                "expires": spec["expires"],
                "review": spec["review"],
            },
            proposed_by="staff-test",
        )
    finally:
        confide.close()
    context = browser.new_context(base_url=deployment.base_url, bypass_csp=True)
    page = context.new_page()
    browser_sign_in(page, deployment.accounts["gp-admin"])
    blocking: list[str] = []
    paths = [
        "/staff/consents",
        f"/staff/consents/{consent.id}",
        "/staff/referrals",
        f"/staff/referrals/{referral.id}",
        "/staff/agreements",
        f"/staff/agreements/{agreement.id}",
    ]
    for path in paths:
        page.goto(path)
        for violation in run_axe(page, axe_script):
            line = f"{path}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            print(line)
            if violation["impact"] in ("serious", "critical"):
                blocking.append(line)
    context.close()
    assert blocking == []
