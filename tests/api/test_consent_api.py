"""Consents, referrals and run-time agreements over real HTTP against ``confide serve``, on
SQLite and PostgreSQL (docs/api.md#consent-referrals-and-agreements).

Synthetic people only. Each test uses its own subjects; the agreements a test activates are
retired before it ends, so the module's server is back on the file's policy.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx

from tests.api.conftest import Server

PROBLEM = "application/problem+json"
SHELTER = "safe-harbour-shelter"
CLINIC = "st-marys-clinic"
LEGAL_AID = "migrant-legal-aid"
COUNCIL = "city-council"
CLOSED = "red-cross-point"
ENFORCEMENT = "national-immigration-authority"
CASE = {
    "identity.name": "Test Resident Api",
    "contact.phone": "0000 000 9999",
    "health.condition": "synthetic condition",
    "case.risk": "synthetic risk note",
}
STATUS = {"immigration.status": "synthetic-status-value"}


def _problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind) and body["status"] == status
    return body


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _last_entry(server: Server) -> dict[str, Any]:
    return server.confide.log.entry(server.confide.log.size() - 1).fields


def _shelter(server: Server) -> str:
    token, _ = server.token(SHELTER, ["safeguarding"], ["caseworker"])
    return token


def _record(server: Server, token: str, subject: str, values: dict[str, str]) -> str:
    with server.client(token) as http:
        created = http.post(
            "/v1/records",
            json={"subject": subject, "purpose": "safeguarding.adult", "values": values},
        )
    return str(_ok(created, 201)["record"])


def _consent(server: Server, token: str, **terms: Any) -> dict[str, Any]:
    with server.client(token) as http:
        given: dict[str, Any] = _ok(http.post("/v1/consents", json=terms), 201)
    return given


# -- consents ---------------------------------------------------------------------------------


def test_scenario_13_consent_given_listed_withdrawn_then_the_read_is_denied(
    server: Server,
) -> None:
    shelter = _shelter(server)
    lawyer, _ = server.token(LEGAL_AID, ["legal"], ["lawyer"])
    hospital, _ = server.token("city-hospital", ["care"], ["clinician"])
    record = _record(server, shelter, "api-consent-0013", {**CASE, **STATUS})
    given = _consent(
        server, shelter, subject="api-consent-0013", recipient=LEGAL_AID, purpose="legal.advice",
        categories=["identity.name", "immigration.status"], language="fr",
    )  # fmt: skip
    assert given["state"] == "active" and given["holder"] == SHELTER
    assert given["categories"] == ["identity.name", "immigration.status"]
    assert given["text"] and given["text_sha256"].startswith("sha256:")
    assert "subject" not in given  # never her pseudonym or reference
    consent = given["id"]
    entry = _last_entry(server)
    assert entry["kind"] == "consent.given" and entry["consent"] == consent

    for token in (shelter, lawyer):  # holder and recipient both see it
        with server.client(token) as http:
            assert consent in [c["id"] for c in _ok(http.get("/v1/consents"))["consents"]]
            assert _ok(http.get(f"/v1/consents/{consent}"))["text"] == given["text"]
    with server.client(shelter) as http:
        active = _ok(http.get("/v1/consents", params={"state": "active"}))["consents"]
        assert consent in [c["id"] for c in active]
        receipt = _ok(http.get(f"/v1/consents/{consent}/receipt"))
    assert receipt["format"] == "confide-consent-receipt/1" and receipt["consent"] == consent
    assert receipt["from"]["id"] == SHELTER and receipt["to"]["id"] == LEGAL_AID
    assert receipt["sensitive"] is True and receipt["language"] == "fr"
    digest = hashlib.sha256(given["text"].encode("utf-8")).hexdigest()
    assert receipt["text_sha256"] == given["text_sha256"] == f"sha256:{digest}"

    # Another organisation: the same 404 as an id that does not exist (I6).
    ghost = str(uuid.uuid4())
    with server.client(hospital) as http:
        assert consent not in [c["id"] for c in _ok(http.get("/v1/consents"))["consents"]]
        for path in ("", "/receipt"):
            seen = _problem(http.get(f"/v1/consents/{consent}{path}"), 404, "not-found")
            missing = _problem(http.get(f"/v1/consents/{ghost}{path}"), 404, "not-found")
            assert seen["detail"].replace(consent, ghost) == missing["detail"]
        _problem(http.post(f"/v1/consents/{consent}/withdraw"), 404, "not-found")

    params = {"purpose": "legal.advice", "holder": SHELTER, "consent": consent,
              "fields": ["identity.name", "immigration.status"]}  # fmt: skip
    with server.client(lawyer) as http:
        before = _ok(http.get(f"/v1/records/{record}", params=params))
    assert before["decision"] == "permit", before
    assert before["values"] == {"identity.name": CASE["identity.name"], **STATUS}
    with server.client(shelter) as http:
        withdrawn = _ok(http.post(f"/v1/consents/{consent}/withdraw"))
        again = _ok(http.post(f"/v1/consents/{consent}/withdraw"))  # changes nothing
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_by"] == "staff"
    assert again["withdrawn_at"] == withdrawn["withdrawn_at"]
    with server.client(lawyer) as http:
        after = _ok(http.get(f"/v1/records/{record}", params=params))
    assert after["decision"] == "deny" and after["values"] == {}
    entry = _last_entry(server)
    assert entry["kind"] == "decision" and entry["decision"] == "deny" and "consent" in entry


def test_the_person_sees_and_withdraws_her_consent_with_her_code(server: Server) -> None:
    shelter = _shelter(server)
    _record(server, shelter, "api-consent-0020", CASE)
    _record(server, shelter, "api-consent-0021", CASE)
    given = _consent(
        server, shelter, subject="api-consent-0020", recipient=CLINIC, purpose="care.treatment",
        categories=["identity", "health"], language="en", days=30,
        text="I agree that the refuge may send my name and health needs to the surgery.",
    )  # fmt: skip
    consent = given["id"]
    assert given["text"].startswith("I agree that the refuge")
    with server.client(shelter) as http:
        mine = _ok(http.post("/v1/subjects/api-consent-0020/access-codes"), 201)["code"]
        other = _ok(http.post("/v1/subjects/api-consent-0021/access-codes"), 201)["code"]
        # A token is not her code.
        _problem(http.get("/v1/me/consents"), 401, "unauthenticated")

    with server.client(other, scheme="SubjectCode") as http:
        assert _ok(http.get("/v1/me/consents"))["consents"] == []
        _problem(http.get(f"/v1/me/consents/{consent}/receipt"), 404, "not-found")
        _problem(http.post(f"/v1/me/consents/{consent}/withdraw"), 404, "not-found")
    with server.client(mine, scheme="SubjectCode") as http:
        listed = _ok(http.get("/v1/me/consents"))["consents"]
        assert [(c["id"], c["state"], c["text"]) for c in listed] == [
            (consent, "active", given["text"])
        ]
        receipt = _ok(http.get(f"/v1/me/consents/{consent}/receipt"))
        assert receipt["consent"] == consent and receipt["to"]["id"] == CLINIC
        withdrawn = _ok(http.post(f"/v1/me/consents/{consent}/withdraw"))
        assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawn_by"] == "person"
        history = _ok(http.get("/v1/me/history"))["entries"]
    kinds = [(e["entry"]["kind"], e["entry"].get("purpose")) for e in history]
    assert ("decision", "subject.access") in kinds  # her look at them is logged (I8)
    assert ("decision", "subject.portability") in kinds
    assert ("consent.withdrawn", None) in kinds
    assert mine not in server.stderr.read_text()
    with server.client(shelter) as http:
        assert _ok(http.get(f"/v1/consents/{consent}"))["state"] == "withdrawn"


def test_a_consent_the_policy_forbids_is_refused_naming_why(server: Server) -> None:
    shelter = _shelter(server)
    point, _ = server.token(CLOSED, ["humanitarian"], ["caseworker"])
    terms = {"subject": "api-consent-0030", "purpose": "legal.advice",
             "categories": ["identity.name"], "language": "en"}  # fmt: skip
    with server.client(shelter) as http:
        to_enforcement = http.post("/v1/consents", json={**terms, "recipient": ENFORCEMENT})
        status_to_clinic = http.post("/v1/consents", json={
            **terms, "recipient": CLINIC, "purpose": "care.treatment",
            "categories": ["immigration.status"]})  # fmt: skip
        unknown = http.post("/v1/consents", json={**terms, "recipient": "no-such-service"})
    assert "(I1)" in _problem(to_enforcement, 422, "consent-invalid")["detail"]
    assert "(I2)" in _problem(status_to_clinic, 422, "consent-invalid")["detail"]
    assert "not in the policy" in _problem(unknown, 422, "consent-invalid")["detail"]
    with server.client(point) as http:
        closed = http.post("/v1/consents", json={**terms, "recipient": LEGAL_AID})
    assert "closed service" in _problem(closed, 422, "consent-invalid")["detail"]


# -- referrals --------------------------------------------------------------------------------


def test_referral_lifecycle_and_reads_under_it(server: Server) -> None:
    shelter = _shelter(server)
    clinic, _ = server.token(CLINIC, ["care"], ["clinician"])
    clinic_admin_only, _ = server.token(CLINIC, ["service"], ["clinician"])
    hospital, _ = server.token("city-hospital", ["care"], ["clinician"])
    record = _record(server, shelter, "api-referral-0001", CASE)
    consent = _consent(
        server, shelter, subject="api-referral-0001", recipient=CLINIC, purpose="care.treatment",
        categories=["identity", "contact", "health"], language="es",
    )["id"]  # fmt: skip

    def offer(**more: Any) -> dict[str, Any]:
        with server.client(shelter) as http:
            offered: dict[str, Any] = _ok(
                http.post("/v1/referrals", json={"consent": consent, **more}), 201
            )
        return offered

    offered = offer(categories=["identity.name", "health.condition"], days=10)
    referral = offered["id"]
    assert offered["state"] == "offered" and offered["recipient"] == CLINIC
    assert offered["consent"] == consent and offered["purpose"] == "care.treatment"
    assert offered["categories"] == ["identity.name", "health.condition"]

    with server.client(clinic) as http:
        waiting = _ok(http.get("/v1/referrals", params={"state": "offered"}))["referrals"]
        assert referral in [r["id"] for r in waiting]
        # Not accepted yet: each read is a logged deny with its reasons, never an error.
        early = _ok(http.get(f"/v1/referrals/{referral}/records"))
        assert early["referral"] == referral and early["reads"]
        assert all(r["decision"] == "deny" and r["reasons"] for r in early["reads"])
        assert all(r["values"] == {} and r["record"] is None for r in early["reads"])
        # The consent is the holder's to refer under, not the recipient's.
        _problem(http.post("/v1/referrals", json={"consent": consent}), 404, "not-found")
    with server.client(hospital) as http:  # not a party: as if it did not exist (I6)
        assert referral not in [r["id"] for r in _ok(http.get("/v1/referrals"))["referrals"]]
        for step in ("", "/records"):
            _problem(http.get(f"/v1/referrals/{referral}{step}"), 404, "not-found")
        _problem(http.post(f"/v1/referrals/{referral}/accept"), 404, "not-found")
    with server.client(shelter) as http:  # only the receiving service accepts or reads
        _problem(http.post(f"/v1/referrals/{referral}/accept"), 403, "not-permitted")
        _problem(http.get(f"/v1/referrals/{referral}/records"), 403, "not-permitted")

    with server.client(clinic) as http:
        assert _ok(http.post(f"/v1/referrals/{referral}/accept"))["state"] == "accepted"
        read = _ok(http.get(f"/v1/referrals/{referral}/records"))
    assert [(r["decision"], r["record"], r["values"]) for r in read["reads"]] == [
        ("permit", record, {k: CASE[k] for k in ("identity.name", "health.condition")})
    ]
    entry = _last_entry(server)
    assert entry["kind"] == "decision" and "referral" in entry
    with server.client(clinic_admin_only) as http:  # the token must cover the purpose
        _problem(http.get(f"/v1/referrals/{referral}/records"), 403, "token-scope")
    assert _last_entry(server)["rules"] == ["token-scope"]

    with server.client(clinic) as http:
        assert _ok(http.post(f"/v1/referrals/{referral}/complete"))["state"] == "completed"
        refused = _problem(http.post(f"/v1/referrals/{referral}/accept"), 422, "referral-invalid")
        assert "completed" in refused["detail"]
        after = _ok(http.get(f"/v1/referrals/{referral}/records"))
        assert [r["decision"] for r in after["reads"]] == ["deny"]

    declined, withdrawn, resting = offer()["id"], offer()["id"], offer()["id"]
    with server.client(clinic) as http:
        assert _ok(http.post(f"/v1/referrals/{declined}/decline"))["state"] == "declined"
        assert _ok(http.post(f"/v1/referrals/{resting}/accept"))["state"] == "accepted"
    with server.client(shelter) as http:
        assert _ok(http.post(f"/v1/referrals/{withdrawn}/withdraw"))["state"] == "withdrawn"
        assert _ok(http.get(f"/v1/referrals/{resting}"))["state"] == "accepted"
        # Her consent withdrawn: the referrals resting on it end, and reads are denied.
        _ok(http.post(f"/v1/consents/{consent}/withdraw"))
        assert _ok(http.get(f"/v1/referrals/{resting}"))["state"] == "withdrawn"
        gone = _problem(http.post("/v1/referrals", json={"consent": consent}), 422,
                        "referral-invalid")  # fmt: skip
        assert "no longer in force" in gone["detail"]
    with server.client(clinic) as http:
        denied = _ok(http.get(f"/v1/referrals/{resting}/records"))["reads"]
        assert [r["decision"] for r in denied] == ["deny"]


# -- agreements -------------------------------------------------------------------------------


def _agreement(agreement_id: str, source: str, recipient: str, **more: Any) -> dict[str, Any]:
    return {
        "id": agreement_id,
        "description": "Synthetic agreement made by the API tests.",
        "from": source,
        "to": recipient,
        "purposes": ["housing.support"],
        "categories": ["identity.name", "contact.address"],
        "owner": "dpo@example.org",
        "expires": "2030-06-30",
        "review": "2029-06-30",
        **more,
    }


def test_agreement_propose_check_activate_retire(server: Server) -> None:
    clinic_admin, _ = server.token(CLINIC, ["service"], ["admin"])
    council_admin, _ = server.token(COUNCIL, ["service"], ["admin"])
    hospital_admin, _ = server.token("city-hospital", ["service"], ["admin"])
    clinician, _ = server.token(CLINIC, ["care"], ["clinician"])
    housing, _ = server.token(COUNCIL, ["housing"], ["caseworker"])
    with server.client(clinician) as http:
        record = _ok(http.post("/v1/records", json={
            "subject": "api-agreement-0001", "purpose": "care.treatment",
            "values": {"identity.name": "Test Patient Api", "contact.address": "1 Test Street"},
        }), 201)["record"]  # fmt: skip
    read = {"purpose": "housing.support", "holder": CLINIC, "role": "caseworker"}
    spec = _agreement("api-clinic-to-council", CLINIC, COUNCIL)

    with server.client(clinician) as http:
        _problem(http.post("/v1/agreements", json=spec), 403, "admin-required")
    with server.client(hospital_admin) as http:
        _problem(http.post("/v1/agreements", json=spec), 403, "not-permitted")
    with server.client(housing) as http:
        assert _ok(http.get(f"/v1/records/{record}", params=read))["decision"] == "deny"
    with server.client(clinic_admin) as http:
        proposed = _ok(http.post("/v1/agreements", json=spec), 201)
        assert proposed["state"] == "proposed" and proposed["from"] == CLINIC
        assert proposed["proposed_by"].startswith("token:")
        twice = _problem(http.post("/v1/agreements", json=spec), 422, "agreement-invalid")
        assert "already exists" in twice["detail"]
        listed = _ok(http.get("/v1/agreements", params={"state": "proposed"}))["agreements"]
        assert spec["id"] in [a["id"] for a in listed]
        assert _ok(http.post(f"/v1/agreements/{spec['id']}/check")) == {
            "agreement": spec["id"], "problems": []}  # fmt: skip
    with server.client(hospital_admin) as http:  # not a party: as if it did not exist (I6)
        seen = _problem(http.get(f"/v1/agreements/{spec['id']}"), 404, "not-found")
        missing = _problem(http.get("/v1/agreements/no-such-agreement"), 404, "not-found")
        assert seen["detail"].replace(spec["id"], "no-such-agreement") == missing["detail"]
        _problem(http.post(f"/v1/agreements/{spec['id']}/activate"), 404, "not-found")
    with server.client(housing) as http:  # a party's ordinary token may look
        assert _ok(http.get(f"/v1/agreements/{spec['id']}"))["state"] == "proposed"
        _problem(http.post(f"/v1/agreements/{spec['id']}/activate"), 403, "admin-required")
    with server.client(council_admin) as http:  # the data is the clinic's to let go
        _problem(http.post(f"/v1/agreements/{spec['id']}/activate"), 403, "not-permitted")

    policy_before = server.confide.policy.hash
    with server.client(clinic_admin) as http:
        active = _ok(http.post(f"/v1/agreements/{spec['id']}/activate"))
        assert active["state"] == "active" and active["activated_at"]
        again = _problem(http.post(f"/v1/agreements/{spec['id']}/activate"), 422,
                         "agreement-invalid")  # fmt: skip
        assert "not proposed" in again["detail"]
    try:
        with server.client(housing) as http:
            permitted = _ok(http.get(f"/v1/records/{record}", params=read))
        assert permitted["decision"] == "permit" and permitted["policy"] != policy_before
        assert permitted["values"] == {
            "identity.name": "Test Patient Api", "contact.address": "1 Test Street"}  # fmt: skip

        # Scenario 8 at run time: the next link of a chain to enforcement is refused.
        onward = _agreement("api-council-onward", COUNCIL, ENFORCEMENT)
        with server.client(council_admin) as http:
            _ok(http.post("/v1/agreements", json=onward), 201)
            checked = _ok(http.post(f"/v1/agreements/{onward['id']}/check"))["problems"]
            refused = _problem(http.post(f"/v1/agreements/{onward['id']}/activate"), 409,
                               "agreement-refused")  # fmt: skip
            assert refused["problems"] == checked and refused["problems"]
            assert any("[I1]" in p and f"{CLINIC} → {COUNCIL} → {ENFORCEMENT}" in p
                       for p in refused["problems"])  # fmt: skip
            assert _ok(http.get(f"/v1/agreements/{onward['id']}"))["state"] == "proposed"
            assert _ok(http.post(f"/v1/agreements/{onward['id']}/retire"))["state"] == "retired"
        assert _last_entry(server)["kind"] == "agreement.retired"
    finally:
        with server.client(clinic_admin) as http:
            retired = _ok(http.post(f"/v1/agreements/{spec['id']}/retire"))
    assert retired["state"] == "retired" and retired["retired_at"]
    with server.client(housing) as http:
        after = _ok(http.get(f"/v1/records/{record}", params=read))
    assert after["decision"] == "deny" and after["policy"] == policy_before


def test_an_agreement_from_a_closed_service_is_refused_naming_the_invariant(
    server: Server,
) -> None:
    point_admin, _ = server.token(CLOSED, ["service"], ["admin"])
    spec = _agreement("api-point-to-council", CLOSED, COUNCIL)
    with server.client(point_admin) as http:
        _ok(http.post("/v1/agreements", json=spec), 201)
        refused = _problem(http.post(f"/v1/agreements/{spec['id']}/activate"), 409,
                           "agreement-refused")  # fmt: skip
        _ok(http.post(f"/v1/agreements/{spec['id']}/retire"))
    assert any("[I10]" in p and "closed service" in p for p in refused["problems"])
    # The server's directories are not the caller's business.
    assert not any(p.startswith("/") or str(server.settings.home) in p
                   for p in refused["problems"])  # fmt: skip
    assert _last_entry(server)["kind"] == "agreement.retired"
    kinds = [e.fields["kind"] for e in server.confide.log.entries(0, server.confide.log.size())]
    assert "agreement.refused" in kinds


def test_an_agreement_the_library_refuses_is_a_422(server: Server) -> None:
    admin, _ = server.token(CLINIC, ["service"], ["admin"])
    with server.client(admin) as http:
        past = http.post("/v1/agreements", json=_agreement(
            "api-past", CLINIC, COUNCIL, expires="2020-01-01", review="2019-06-01"))  # fmt: skip
        unknown = http.post("/v1/agreements", json=_agreement(
            "api-unknown", CLINIC, COUNCIL, purposes=["no_such.purpose"]))  # fmt: skip
        _problem(http.post("/v1/agreements/api-past/check"), 404, "not-found")
    assert "past" in _problem(past, 422, "agreement-invalid")["detail"]
    assert "unknown purpose" in _problem(unknown, 422, "agreement-invalid")["detail"]


# -- malformed requests -----------------------------------------------------------------------


def test_malformed_bodies_and_ids_are_422_problems_without_the_input(server: Server) -> None:
    shelter = _shelter(server)
    admin, _ = server.token(CLINIC, ["service"], ["admin"])
    consent = {"subject": "api-malformed-secret", "recipient": LEGAL_AID,
               "purpose": "legal.advice", "categories": ["identity.name"], "language": "en"}  # fmt: skip
    bad_consents = [
        {**consent, "surprise": "extra"},
        {k: v for k, v in consent.items() if k != "categories"},
        {**consent, "categories": []},
        {**consent, "categories": "identity.name"},
        {**consent, "days": 0},
        {**consent, "days": 5000},
        {**consent, "text": ""},
    ]
    with server.client(shelter) as http:
        for body in bad_consents:
            problem = _problem(http.post("/v1/consents", json=body), 422, "request-invalid")
            assert problem["errors"] and "api-malformed-secret" not in str(problem)
        not_json = http.post("/v1/consents", content=b"{not json",
                             headers={"Content-Type": "application/json"})  # fmt: skip
        _problem(not_json, 422, "request-invalid")
        for body in ({}, {"consent": "../../etc"}, {"consent": str(uuid.uuid4()), "days": 0}):
            _problem(http.post("/v1/referrals", json=body), 422, "request-invalid")
        _problem(http.get("/v1/consents/not%20an%20id"), 422, "request-invalid")
        _problem(http.get("/v1/referrals", params={"state": "lost"}), 422, "request-invalid")
    spec = _agreement("api-malformed", CLINIC, COUNCIL)
    bad_agreements = [
        {k: v for k, v in spec.items() if k != "owner"},
        {**spec, "from": [CLINIC]},
        {**spec, "id": "Not An Id"},
        {**spec, "when": "warrant"},
        {**spec, "expires": "someday"},
        {**spec, "from_": CLINIC},
    ]
    with server.client(admin) as http:
        for body in bad_agreements:
            _problem(http.post("/v1/agreements", json=body), 422, "request-invalid")
        _problem(http.get("/v1/agreements/UPPER"), 422, "request-invalid")


def test_openapi_documents_the_consent_routes(server: Server) -> None:
    with server.client() as http:
        document = http.get("/openapi.json").json()
    operations = {(m, p) for p, ops in document["paths"].items() for m in ops}
    expected = {
        ("post", "/v1/consents"), ("get", "/v1/consents"), ("get", "/v1/consents/{consent_id}"),
        ("get", "/v1/consents/{consent_id}/receipt"),
        ("post", "/v1/consents/{consent_id}/withdraw"), ("get", "/v1/me/consents"),
        ("get", "/v1/me/consents/{consent_id}/receipt"),
        ("post", "/v1/me/consents/{consent_id}/withdraw"), ("post", "/v1/referrals"),
        ("get", "/v1/referrals"), ("get", "/v1/referrals/{referral_id}"),
        ("post", "/v1/referrals/{referral_id}/accept"),
        ("post", "/v1/referrals/{referral_id}/decline"),
        ("post", "/v1/referrals/{referral_id}/complete"),
        ("post", "/v1/referrals/{referral_id}/withdraw"),
        ("get", "/v1/referrals/{referral_id}/records"), ("post", "/v1/agreements"),
        ("get", "/v1/agreements"), ("get", "/v1/agreements/{agreement_id}"),
        ("post", "/v1/agreements/{agreement_id}/check"),
        ("post", "/v1/agreements/{agreement_id}/activate"),
        ("post", "/v1/agreements/{agreement_id}/retire"),
    }  # fmt: skip
    assert expected <= operations
    activate = document["paths"]["/v1/agreements/{agreement_id}/activate"]["post"]
    assert "409" in activate["responses"]
    schemas = document["components"]["schemas"]
    assert {"ConsentCreate", "ConsentReceipt", "ReferralReads", "AgreementCreate"} <= set(schemas)
    assert schemas["ConsentCreate"]["additionalProperties"] is False
