"""The /v1 API over real HTTP against ``confide serve``, on SQLite and PostgreSQL.

One server per database for the whole module; every test issues its own tokens, and the
tests that change shared state (the policy, a log row) put it back.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

import confide.policy as policy_api
from confide.demo.scenarios import SCENARIOS, Scenario
from confide.policy import baseline_path
from confide.service.break_glass import open_reviews
from confide.service.staff import StaffError, create_staff
from confide.service.tables import api_tokens
from confide.service.tokens import TokenError
from confide.transparency import (
    LogTampered,
    leaf_hash,
    load_verifier_key,
    verifier_key_path,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from confide.transparency.tables import log_entries
from tests.api.conftest import MAX_BODY, RATE_LIMIT, Server
from tests.scenarios.test_policy_scenarios import CHAIN

PROBLEM = "application/problem+json"
ANSWER_KEYS = {"decision", "fields", "reasons", "rules", "policy"}


def _scenario(number: str) -> Scenario:
    return next(s for s in SCENARIOS if s.number == number)


def _problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind) and body["status"] == status
    return body


def _last_entry(server: Server) -> dict[str, Any]:
    size = server.confide.log.size()
    return server.confide.log.entry(size - 1).fields


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


# -- the decision contract ------------------------------------------------------------------


def test_decision_contract(server: Server) -> None:
    scenario = _scenario("care")
    token, _ = server.token("city-hospital", ["care"], ["clinician"])
    with server.client(token) as http:
        response = http.post("/v1/decisions", json=scenario.request)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == ANSWER_KEYS
    assert answer["decision"] == "permit"
    assert tuple(answer["fields"]) == scenario.fields
    assert answer["policy"] == server.confide.policy.hash
    entry = _last_entry(server)  # logged before the answer was sent (I8)
    assert entry["kind"] == "decision" and entry["requester"] == "city-hospital"
    assert entry["subject"] == server.confide.vault.keyring.pseudonym("subject-0001")


@pytest.mark.parametrize(
    "scenario",
    [s for s in SCENARIOS if s.request["requester"]["role"] != "subject"
     and s.request["requester"]["org"] != "national-immigration-authority"],
    ids=lambda s: s.number,
)  # fmt: skip
def test_scenarios_through_the_api(server: Server, scenario: Scenario) -> None:
    request = scenario.request
    token, _ = server.token(request["requester"]["org"], [request["purpose"]],
                            [request["requester"]["role"]])  # fmt: skip
    with server.client(token) as http:
        answer = http.post("/v1/decisions", json=request).json()
    assert answer["decision"] == scenario.expected, answer
    if scenario.expected == "permit":
        assert tuple(answer["fields"]) == scenario.fields
    assert "immigration.status" not in answer["fields"]


def test_enforcement_never_gets_a_token_or_an_answer(server: Server) -> None:
    """Scenarios 2, 3 and 6b: the enforcement body cannot hold a token (I1), and nobody
    can ask in its name."""
    with pytest.raises(Exception, match="I1"):
        server.token("national-immigration-authority", ["care"], ["officer"])
    token, _ = server.token("city-police", ["criminal_investigation"], ["officer"])
    for number in ("2", "3", "6b"):
        with server.client(token) as http:
            response = http.post("/v1/decisions", json=_scenario(number).request)
        _problem(response, 403, "token-scope")


def test_only_the_operators_admin_may_change_the_policy(server: Server) -> None:
    school_admin, _ = server.token("northside-school", ["education"], ["admin"])
    baseline = policy_api.baseline_path().read_text()
    with server.client(school_admin) as http:
        before = http.get("/v1/policy").json()["hash"]
        changed = baseline.replace("name: Exampleton", "name: Exampletown", 1)
        assert changed != baseline
        response = http.put("/v1/policy", json={"text": changed})
        _problem(response, 403, "policy-operator-only")
        assert http.get("/v1/policy").json()["hash"] == before


def test_scenario_8_a_chain_to_enforcement_is_refused(server: Server) -> None:
    admin, _ = server.token("city-council", ["service"], ["admin"])
    before = server.confide.log.size()
    with server.client(admin) as http:
        response = http.put("/v1/policy", json={"text": CHAIN})
        body = _problem(response, 422, "policy-invalid")
        assert any("st-marys-clinic → city-council → enforcement-liaison" in p
                   for p in body["problems"])  # fmt: skip
        assert all(p.startswith("policy.yaml:") for p in body["problems"])
        assert http.get("/v1/policy").json()["hash"] == server.confide.policy.hash
    assert server.confide.log.size() == before


# -- security -------------------------------------------------------------------------------


def test_every_bad_credential_is_refused(server: Server) -> None:
    request = _scenario("care").request
    good, _ = server.token("city-hospital", ["care"], ["clinician"])
    expired, expired_info = server.token("city-hospital", ["care"], ["clinician"])
    revoked, revoked_info = server.token("city-hospital", ["care"], ["clinician"])
    with server.confide.db.transaction() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == expired_info.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    admin, _ = server.token("city-hospital", ["care"], ["admin"])
    with server.client(admin) as http:
        assert http.delete(f"/v1/tokens/{revoked_info.id}").json()["status"] == "revoked"
    wrong = good[:-8] + ("0" * 8 if not good.endswith("0" * 8) else "1" * 8)
    cases = {
        "none": None,
        "malformed": "not-a-token",
        "wrong": wrong,
        "expired": expired,
        "revoked": revoked,
    }
    for name, token in cases.items():
        with server.client(token) as http:
            response = http.post("/v1/decisions", json=request)
        _problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer", name
        secret = (token or "x_x_none").split("_")[-1]
        assert secret not in response.text, name
    assert "expired" in _detail(server, expired, request)
    assert "revoked" in _detail(server, revoked, request)


def _detail(server: Server, token: str, request: dict[str, Any]) -> str:
    with server.client(token) as http:
        return str(http.post("/v1/decisions", json=request).json()["detail"])


def test_out_of_scope_tokens_are_refused_and_logged(server: Server) -> None:
    request = _scenario("care").request
    other_org, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    other_purpose, _ = server.token("city-hospital", ["research"], ["clinician"])
    other_role, _ = server.token("city-hospital", ["care"], ["receptionist"])
    ps = server.confide.vault.keyring.pseudonym("subject-0001")
    for token, says in ((other_org, "belongs to st-marys-clinic"),
                        (other_purpose, "outside"), (other_role, "may act as")):  # fmt: skip
        with server.client(token) as http:
            body = _problem(http.post("/v1/decisions", json=request), 403, "token-scope")
        assert says in body["detail"]
        entry = _last_entry(server)
        assert entry["kind"] == "decision" and entry["decision"] == "deny"
        assert entry["rules"] == ["token-scope"] and entry["subject"] == ps


def test_a_deny_does_not_say_whether_the_record_exists(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    police, _ = server.token("city-police", ["criminal_investigation"], ["officer"])
    with server.client(clinic) as http:
        created = http.post("/v1/records", json={
            "subject": "i6-subject", "purpose": "care.treatment",
            "values": {"identity.name": "Iris Example", "health.condition": "flu"}})  # fmt: skip
    assert created.status_code == 201, created.text
    record = created.json()["record"]
    params = {"purpose": "criminal_investigation.victim_support",
              "holder": "st-marys-clinic", "fields": ["identity.name"]}  # fmt: skip
    with server.client(police) as http:
        real = http.get(f"/v1/records/{record}", params=params)
        ghost = http.get("/v1/records/00000000-0000-4000-8000-000000000000", params=params)
    assert real.status_code == ghost.status_code == 200
    assert {**real.json(), "record": None} == {**ghost.json(), "record": None}
    assert real.json()["decision"] == "deny" and real.json()["values"] == {}


# -- records and the person's own view (scenarios 5, 9, 11) ---------------------------------


def test_scenario_5_warrant_read_releases_only_its_fields(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    police, _ = server.token("city-police", ["criminal_investigation"], ["officer"])
    with server.client(clinic) as http:
        record = http.post("/v1/records", json={
            "subject": "subject-0007", "purpose": "care.treatment",
            "values": {"identity.name": "Wanda Example", "contact.address": "1 Synthetic Way",
                       "contact.phone": "+44 20 7946 0000"}}).json()["record"]  # fmt: skip
    warrant = _scenario("5").request["context"]["warrant"]
    with server.client(police) as http:
        response = http.post(f"/v1/records/{record}/read", json={
            "purpose": "criminal_investigation.serious_crime", "holder": "st-marys-clinic",
            "fields": ["identity.name", "contact.address", "contact.phone",
                       "immigration.status"],
            "offence": "violence.homicide", "warrant": warrant})  # fmt: skip
    answer = response.json()
    assert answer["decision"] == "permit", answer
    assert answer["values"] == {"identity.name": "Wanda Example",
                                "contact.address": "1 Synthetic Way"}  # fmt: skip
    assert _last_entry(server)["warrant"] == "EXW-2026-0042"


def test_scenario_14_break_glass_through_the_api(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    hospital, _ = server.token("city-hospital", ["care"], ["clinician"])
    with server.client(clinic) as http:
        record = http.post("/v1/records", json={
            "subject": "glass-api-0001", "purpose": "care.treatment",
            "values": {"identity.name": "Glass Example", "health.notes": "synthetic note"}},
        ).json()["record"]  # fmt: skip
    body = {"purpose": "care.emergency", "holder": "st-marys-clinic",
            "fields": ["identity.name", "health.notes"]}  # fmt: skip
    with server.client(hospital) as http:
        ordinary = http.post(f"/v1/records/{record}/read", json=body).json()
        glass = http.post(f"/v1/records/{record}/read",
                          json={**body, "break_glass": "unconscious, no other record"}).json()  # fmt: skip
    assert "health.notes" not in ordinary["values"]
    assert glass["decision"] == "permit"
    assert glass["values"]["health.notes"] == "synthetic note"
    assert "break-glass-emergency" in glass["rules"]
    reviews = open_reviews(server.confide, "city-hospital")
    assert any(
        r.record_id == record and r.reason == "unconscious, no other record" for r in reviews
    )
    kinds = [e.fields["kind"] for e in server.confide.history("glass-api-0001")]
    assert "break_glass" in kinds


def test_scenario_9_the_person_sees_every_access(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    police, _ = server.token("city-police", ["criminal_investigation"], ["officer"])
    with server.client(clinic) as http:
        record = http.post("/v1/records", json={
            "subject": "s9-person", "purpose": "care.treatment",
            "values": {"identity.name": "Nine Example", "health.condition": "asthma"}}
        ).json()["record"]  # fmt: skip
        http.get(f"/v1/records/{record}", params={"purpose": "care.treatment"})
        issued = http.post("/v1/subjects/s9-person/access-codes", json={"expires_days": 7})
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    with server.client(police) as http:
        http.get(
            f"/v1/records/{record}",
            params={
                "purpose": "criminal_investigation.victim_support",
                "holder": "st-marys-clinic",
            },
        )
    with server.client(code, scheme="SubjectCode") as http:
        history = http.get("/v1/me/history")
        exported = http.get("/v1/me/export")
    assert history.status_code == 200, history.text
    decisions = [(e["entry"].get("requester"), e["entry"].get("decision"))
                 for e in history.json()["entries"] if e["entry"]["kind"] == "decision"]  # fmt: skip
    assert ("st-marys-clinic", "permit") in decisions
    assert ("city-police", "deny") in decisions  # denials included
    assert exported.json()["records"][0]["fields"] == {
        "identity.name": "Nine Example", "health.condition": "asthma"}  # fmt: skip
    with server.client("ABCD-" * 6 + "ABCD", scheme="SubjectCode") as http:
        _problem(http.get("/v1/me/history"), 401, "unauthenticated")
    with server.client(police) as http:  # a service that does not hold her record
        _problem(http.post("/v1/subjects/s9-person/access-codes"), 404, "not-found")


def test_scenario_11_the_database_holds_no_plaintext(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    name, phone = "Zelda Plaintextova", "+44 7700 900123"
    with server.client(clinic) as http:
        response = http.post("/v1/records", json={
            "subject": "s11-person", "purpose": "care.treatment",
            "values": {"identity.name": name, "contact.phone": phone}})  # fmt: skip
    assert response.status_code == 201, response.text
    url = server.settings.database_url
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        dump = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())
    else:
        with server.confide.db.connect() as conn:
            tables = conn.execute(text(
                "select table_name from information_schema.tables "
                "where table_schema = current_schema()")).scalars().all()  # fmt: skip
            dump = b"".join(
                repr(conn.execute(text(f'select * from "{t}"')).all()).encode() for t in tables
            )
    for secret in (name, phone, "s11-person"):
        assert secret.encode() not in dump


def test_forget_needs_a_dpo_of_a_holder(server: Server) -> None:
    clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    dpo, _ = server.token("st-marys-clinic", ["care"], ["dpo"])
    with server.client(clinic) as http:
        http.post("/v1/records", json={"subject": "forget-me", "purpose": "care.treatment",
                                       "values": {"identity.name": "Fay Example"}})  # fmt: skip
        code = http.post("/v1/subjects/forget-me/access-codes").json()["code"]
        _problem(http.delete("/v1/subjects/forget-me"), 403, "dpo-required")
    with server.client(dpo) as http:
        gone = http.delete("/v1/subjects/forget-me")
    assert gone.status_code == 200 and gone.json()["key_destroyed"] is True
    with server.client(code, scheme="SubjectCode") as http:
        assert http.get("/v1/me/export").json()["records"] == []


# -- the public log (scenario 10) -----------------------------------------------------------


def test_scenario_10_public_log_proofs_and_tampering(server: Server) -> None:
    with server.client() as http:  # no authentication
        first = http.get("/v1/log/checkpoint").json()
        clinic, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
        with server.client(clinic) as writer:
            writer.post("/v1/decisions", json=_scenario("1b").request | {
                "requester": {"org": "st-marys-clinic", "role": "clinician"},
                "purpose": "care.treatment", "record": {"holder": "st-marys-clinic"}})  # fmt: skip
        checkpoint = http.get("/v1/log/checkpoint").json()
        vkey = load_verifier_key(verifier_key_path(server.settings.home))
        signed = verify_checkpoint(checkpoint["note"], vkey)
        assert signed.size == checkpoint["size"] > first["size"]
        assert signed.root_hash == _b64(checkpoint["root"])
        size = checkpoint["size"]
        page = http.get("/v1/log/entries", params={"start": size - 1, "end": size}).json()
        entry = page["entries"][0]
        assert leaf_hash(_b64(entry["data"])) == _b64(entry["leaf_hash"])
        proof = http.get("/v1/log/proofs/inclusion",
                         params={"index": size - 1, "size": size}).json()  # fmt: skip
        verify_inclusion(_b64(entry["leaf_hash"]), size - 1, size,
                         [_b64(h) for h in proof["hashes"]], signed.root_hash)  # fmt: skip
        consistency = http.get("/v1/log/proofs/consistency",
                               params={"old": first["size"], "new": size}).json()  # fmt: skip
        verify_consistency(first["size"], size, _b64(first["root"]), signed.root_hash,
                           [_b64(h) for h in consistency["hashes"]])  # fmt: skip
        big = http.get("/v1/log/entries", params={"start": 0, "end": 10_000}).json()
        assert len(big["entries"]) <= 256
        _problem(http.get("/v1/log/proofs/inclusion", params={"index": 10**9}), 404, "not-found")
    # Someone edits a row of the audit log in the database: verification names the entry.
    index = size - 1
    with server.confide.db.transaction() as conn:
        original = conn.execute(
            select(log_entries.c.entry).where(log_entries.c.idx == index)).scalar_one()  # fmt: skip
        edited = bytes(original).replace(b'"time":"', b'"time":"1', 1)
        assert edited != bytes(original)
        conn.execute(update(log_entries).where(log_entries.c.idx == index).values(entry=edited))
    try:
        with pytest.raises(LogTampered) as caught:
            server.confide.log.verify(vkey)
        assert caught.value.index == index
    finally:
        with server.confide.db.transaction() as conn:
            conn.execute(
                update(log_entries).where(log_entries.c.idx == index).values(entry=original))  # fmt: skip
    server.confide.log.verify(vkey)


# -- tokens and policy over the API ---------------------------------------------------------


def test_admin_manages_its_own_tokens(server: Server) -> None:
    admin, _ = server.token("northside-school", ["education"], ["admin"])
    teacher, _ = server.token("northside-school", ["education"], ["teacher"])
    with server.client(admin) as http:
        issued = http.post("/v1/tokens", json={"label": "mis", "purposes": ["education"],
                                               "roles": ["teacher"], "expires_days": 30})  # fmt: skip
        assert issued.status_code == 201, issued.text
        new = issued.json()
        assert new["token"].startswith(f"ct1_{new['id']}_") and new["org"] == "northside-school"
        listed = http.get("/v1/tokens").json()
        assert new["id"] in [t["id"] for t in listed]
        assert all("token" not in t for t in listed)
        _problem(http.post("/v1/tokens", json={"label": "x", "purposes": ["education"],
                                               "roles": ["subject"], "expires_days": 1}),
                 422, "token-invalid")  # fmt: skip
        _problem(http.post("/v1/tokens", json={"label": "x", "purposes": ["education"],
                                               "roles": ["teacher"], "expires_days": 999}),
                 422, "request-invalid")  # fmt: skip
        assert http.delete(f"/v1/tokens/{new['id']}").json()["status"] == "revoked"
    with server.client(new["token"]) as http:
        _problem(http.get("/v1/tokens"), 401, "unauthenticated")
    with server.client(teacher) as http:
        _problem(http.get("/v1/tokens"), 403, "admin-required")


def test_policy_upload_takes_effect_and_is_logged(server: Server) -> None:
    baseline = baseline_path().read_text(encoding="utf-8")
    start = baseline.index("  - id: emergency-care-between-health-services")
    end = baseline.index("  - id: break-glass-emergency")
    tighter = baseline[:start] + baseline[end:]
    admin, _ = server.token("city-council", ["service"], ["admin"])
    hospital, _ = server.token("city-hospital", ["care"], ["clinician"])
    request = _scenario("care").request
    with server.client(admin) as http:
        old = http.get("/v1/policy").json()["hash"]
        response = http.put("/v1/policy", json={"text": tighter})
        assert response.status_code == 200, response.text
        new = response.json()["hash"]
        assert new != old
        entry = _last_entry(server)
        assert entry["kind"] == "policy.changed" and entry["previous"] == old
        with server.client(hospital) as clinician:
            assert clinician.post("/v1/decisions", json=request).json()["decision"] == "deny"
        versions = http.get("/v1/policy/versions").json()
        assert [v["hash"] for v in versions][:2] == [new, old]
        restored = http.put("/v1/policy", json={"text": baseline})
        assert restored.json()["hash"] == old
    with server.client(hospital) as clinician:
        assert clinician.post("/v1/decisions", json=request).json()["decision"] == "permit"


# -- limits, the access log, OpenAPI --------------------------------------------------------


def test_body_too_large(server: Server) -> None:
    token, _ = server.token("city-hospital", ["care"], ["clinician"])
    request = copy.deepcopy(_scenario("care").request)
    request["context"] = {"legal_basis": "x" * (MAX_BODY + 10)}
    with server.client(token) as http:
        _problem(http.post("/v1/decisions", json=request), 413, "body-too-large")


def test_rate_limit(server: Server) -> None:
    admin, _ = server.token("city-hospital", ["care"], ["admin"])
    statuses = []
    with server.client(admin) as http:
        for _ in range(RATE_LIMIT + 20):
            response = http.get("/v1/tokens")
            statuses.append(response.status_code)
            if response.status_code == 429:
                _problem(response, 429, "rate-limited")
                assert int(response.headers["retry-after"]) >= 1
                break
    assert statuses[-1] == 429 and statuses.count(200) >= RATE_LIMIT - 5


def test_access_log_has_no_ip_query_or_token(server: Server) -> None:
    token, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    with server.client(token) as http:
        http.get("/v1/records/abc", params={"purpose": "care.treatment"})
    log = server.stderr.read_text()
    lines = [line for line in log.splitlines() if "confide.access" in line]
    assert any("GET /v1/records/{record_id} 404" in line for line in lines)
    assert "127.0.0.1" not in "\n".join(lines)
    assert "?" not in "\n".join(lines) and "care.treatment" not in "\n".join(lines)
    assert token.split("_")[2] not in log


def test_openapi_document_is_complete(server: Server) -> None:
    with server.client() as http:
        document = http.get("/openapi.json").json()
    paths = document["paths"]
    expected = {
        ("post", "/v1/decisions"), ("post", "/v1/records"), ("get", "/v1/records/{record_id}"),
        ("post", "/v1/records/{record_id}/read"), ("post", "/v1/records/search"),
        ("delete", "/v1/subjects/{subject}"), ("post", "/v1/subjects/{subject}/access-codes"),
        ("get", "/v1/me/history"), ("get", "/v1/me/export"), ("get", "/v1/log/checkpoint"),
        ("get", "/v1/log/entries"), ("get", "/v1/log/proofs/inclusion"),
        ("get", "/v1/log/proofs/consistency"), ("get", "/v1/organisations"),
        ("post", "/v1/tokens"), ("get", "/v1/tokens"), ("delete", "/v1/tokens/{token_id}"),
        ("get", "/v1/policy"), ("get", "/v1/policy/versions"), ("put", "/v1/policy"),
    }  # fmt: skip
    assert expected <= {(m, p) for p, ops in paths.items() for m in ops}
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok and "schema" in next(iter(op["responses"][ok[0]]["content"].values())), (
                method, path)  # fmt: skip
    schemes = document["components"]["securitySchemes"]
    assert {"ApiToken", "SubjectCode"} <= set(schemes)
    assert "DecisionAnswer" in document["components"]["schemas"]


def test_admins_manage_their_own_organisations_staff(server: Server) -> None:
    admin, _ = server.token("st-marys-clinic", ["service"], ["admin"])
    other, _ = server.token("city-hospital", ["service"], ["admin"])
    clinician, _ = server.token("st-marys-clinic", ["care"], ["clinician"])
    body = {"username": "api-made-clin", "password": "a-synthetic-passphrase",
            "role": "staff", "work_role": "clinician"}  # fmt: skip
    with server.client(clinician) as http:
        _problem(http.post("/v1/staff", json=body), 403, "admin-required")
    with server.client(admin) as http:
        created = http.post("/v1/staff", json=body)
        assert created.status_code == 201, created.text
        account = created.json()
        assert len(account["totp_secret"]) >= 16 and account["org"] == "st-marys-clinic"
        assert "password" not in account
        listed = http.get("/v1/staff").json()
        assert [a["id"] for a in listed if a["username"] == "api-made-clin"] == [account["id"]]
        assert all("totp_secret" not in a for a in listed)
    with server.client(other) as http:
        _problem(http.delete(f"/v1/staff/{account['id']}"), 404, "not-found")
    with server.client(admin) as http:
        disabled = http.delete(f"/v1/staff/{account['id']}")
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["disabled_at"] is not None
    kinds = [e.fields["kind"] for e in server.confide.log.entries(0, server.confide.log.size())]
    assert "staff.created" in kinds and "staff.disabled" in kinds


def test_no_token_and_no_staff_account_for_an_enforcement_body(server: Server) -> None:
    with pytest.raises(TokenError, match="I1"):
        server.token("national-immigration-authority", ["service"], ["admin"])
    with pytest.raises(StaffError, match="I1"):
        create_staff(server.confide, "national-immigration-authority", "border-officer",
                     "a-synthetic-passphrase", "admin", "officer")  # fmt: skip
