"""The staff pages over real HTTP against ``confide serve``, on SQLite and PostgreSQL:
sign-in with password and TOTP, refusals, CSRF, throttling, break-glass and its review."""

from __future__ import annotations

from pathlib import Path

import httpx

from confide.service.break_glass import open_reviews
from tests.web.conftest import PASSWORD, RECORD_VALUES, Account, Deployment, csrf_of


def client(d: Deployment) -> httpx.Client:
    return httpx.Client(base_url=d.base_url, follow_redirects=False, timeout=30)


def password_step(c: httpx.Client, account: Account, password: str | None = None) -> httpx.Response:
    page = c.get("/staff/sign-in")
    assert page.status_code == 200
    return c.post(
        "/staff/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "username": account.username,
            "password": PASSWORD if password is None else password,
        },
    )


def code_step(c: httpx.Client, code: str) -> httpx.Response:
    page = c.get("/staff/second-factor")
    assert page.status_code == 200
    return c.post("/staff/second-factor", data={"csrf": csrf_of(page.text), "code": code})


def sign_in(c: httpx.Client, account: Account) -> None:
    first = password_step(c, account)
    assert first.status_code == 303 and first.headers["location"] == "/staff/second-factor"
    second = code_step(c, account.code())
    assert second.status_code == 303 and second.headers["location"] == "/staff"


def test_sign_in_with_password_and_totp(deployment: Deployment) -> None:
    account = deployment.accounts["gp-clin"]
    with client(deployment) as c:
        assert c.get("/staff").headers["location"] == "/staff/sign-in"
        first = password_step(c, account)
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain http on loopback only
        # The password alone opens nothing.
        assert c.get("/staff").headers["location"] == "/staff/sign-in"
        second = code_step(c, account.code())
        assert second.status_code == 303
        cookies = second.headers.get_list("set-cookie")
        assert any(v.startswith("confide_device=") and "Max-Age" in v for v in cookies)
        page = c.get("/staff")
        assert page.status_code == 200
        assert "St Mary" in page.text and "clinic-own-care" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script" not in page.text and "style=" not in page.text
        css = c.get("/static/staff.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_wrong_password_is_refused_without_saying_which_part(deployment: Deployment) -> None:
    with client(deployment) as c:
        wrong = password_step(c, deployment.accounts["gp-clin"], "not the right password")
        assert wrong.status_code == 401
        assert "not right" in wrong.text
        assert "not the right password" not in wrong.text
        unknown = password_step(c, Account("nobody-at-all", "x", "A" * 32))
        assert unknown.status_code == 401
        assert c.get("/staff").status_code == 303


def test_a_totp_code_is_refused_the_second_time(deployment: Deployment) -> None:
    account = deployment.accounts["replay-me"]
    code = account.code()
    with client(deployment) as first:
        assert password_step(first, account).status_code == 303
        assert code_step(first, code).status_code == 303
    with client(deployment) as second:
        assert password_step(second, account).status_code == 303
        replay = code_step(second, code)
        assert replay.status_code == 401 and "used already" in replay.text
        assert second.get("/staff").status_code == 303
    # Both steps are in the transparency log, by opaque staff id only.
    confide = deployment.open()
    try:
        size = confide.log.size()
        steps = [
            e.fields
            for e in confide.log.entries(0, size)
            if e.fields["kind"] == "staff.sign_in" and e.fields["staff"] == account.staff_id
        ]
    finally:
        confide.close()
    assert [s["outcome"] for s in steps][-2:] == ["accepted", "replayed"]
    assert "replay-me" not in str(steps)


def test_a_post_without_the_csrf_token_does_nothing(deployment: Deployment) -> None:
    account = deployment.accounts["hosp-clin"]
    with client(deployment) as c:
        sign_in(c, account)
        form = {
            "record_id": deployment.record_id,
            "holder": "st-marys-clinic",
            "reason": "unconscious patient, needs allergies",
            "understood": "yes",
        }
        for bad in ({}, {"csrf": "forged"}):
            refused = c.post("/staff/break-glass", data={**form, **bad})
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["type"].endswith("/csrf-failed")
        out = c.post("/staff/sign-out", data={})
        assert out.status_code == 403
        assert c.get("/staff").status_code == 200  # still signed in: nothing was done
    with client(deployment) as anonymous:
        assert anonymous.post("/staff/sign-in", data={"username": "x"}).status_code == 403
    confide = deployment.open()
    try:
        assert open_reviews(confide, "city-hospital") == []
    finally:
        confide.close()


def test_throttling_holds_back_strangers_but_not_a_known_device(deployment: Deployment) -> None:
    account = deployment.accounts["lock-me"]
    with client(deployment) as own:
        sign_in(own, account)  # her browser is now a known device
        page = own.get("/staff/sign-out")
        assert own.post("/staff/sign-out", data={"csrf": csrf_of(page.text)}).status_code == 200
        assert own.get("/staff").status_code == 303
        with client(deployment) as stranger:
            for _ in range(5):
                assert password_step(stranger, account, "guess guess guess").status_code == 401
            held = password_step(stranger, account)
            assert held.status_code == 429
            assert "try again" in held.text
        # The owner's browser is not held back by the stranger's failures.
        sign_in(own, account)
        assert own.get("/staff").status_code == 200


def test_reading_a_record_is_a_logged_decision(deployment: Deployment) -> None:
    with client(deployment) as c:
        sign_in(c, deployment.accounts["gp-clin"])
        page = c.get("/staff/records/read")
        form = {"csrf": csrf_of(page.text), "record_id": deployment.record_id}
        permitted = c.post(
            "/staff/records/read",
            data={**form, "purpose": "care.treatment", "holder": "st-marys-clinic"},
        )
        assert permitted.status_code == 200 and "Permitted" in permitted.text
        assert RECORD_VALUES["health.allergies"] in permitted.text
        refused = c.post(
            "/staff/records/read",
            data={**form, "purpose": "research.statistics", "holder": "st-marys-clinic"},
        )
        assert refused.status_code == 403 and "Refused" in refused.text
        assert RECORD_VALUES["identity.name"] not in refused.text


def test_break_glass_is_on_the_dpos_list_until_reviewed(deployment: Deployment) -> None:
    """Scenario 14 through the staff pages."""
    with client(deployment) as clinician:
        sign_in(clinician, deployment.accounts["hosp-clin"])
        assert clinician.get("/staff/reviews").status_code == 403  # DPO only
        page = clinician.get("/staff/break-glass")
        assert "logged" in page.text and "reviews every break-glass" in page.text
        read = clinician.post(
            "/staff/break-glass",
            data={
                "csrf": csrf_of(page.text),
                "record_id": deployment.record_id,
                "holder": "st-marys-clinic",
                "reason": "Unconscious in A&E, need allergies before treatment",
                "understood": "yes",
            },
        )
        assert read.status_code == 200, read.text
        assert RECORD_VALUES["health.allergies"] in read.text
    with client(deployment) as dpo:
        sign_in(dpo, deployment.accounts["hosp-dpo"])
        listed = dpo.get("/staff/reviews")
        assert listed.status_code == 200
        assert deployment.record_id in listed.text
        assert "Unconscious in A&amp;E" in listed.text
        assert "hosp-clin" in listed.text
        review_id = listed.text.split('name="review_id" value="')[1].split('"')[0]
        done = dpo.post(
            "/staff/reviews",
            data={"csrf": csrf_of(listed.text), "review_id": review_id, "outcome": "justified"},
        )
        assert done.status_code == 200 and "justified" in done.text
        assert deployment.record_id not in dpo.get("/staff/reviews").text


def test_sign_out_ends_the_session(deployment: Deployment, tmp_path: Path) -> None:
    with client(deployment) as c:
        sign_in(c, deployment.accounts["teacher"])
        stolen = dict(c.cookies)
        page = c.get("/staff/sign-out")
        assert c.post("/staff/sign-out", data={"csrf": csrf_of(page.text)}).status_code == 200
    with httpx.Client(base_url=deployment.base_url, cookies=stolen) as replay:
        assert replay.get("/staff", follow_redirects=False).status_code == 303
