"""Cookie attributes off the loopback interface: Secure with the ``__Host-`` prefix."""

from __future__ import annotations

from fastapi.testclient import TestClient

from confide.api.app import create_app
from confide.runtime import Confide


def test_cookies_are_secure_and_host_bound_behind_tls(confide: Confide) -> None:
    client = TestClient(create_app(confide), base_url="https://staff.example.org")
    page = client.get("/staff/sign-in")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-confide_signin=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute in cookie
    # A sign-in POST without the token is refused before anything is looked at.
    refused = client.post("/staff/sign-in", data={"username": "x", "password": "y" * 12})
    assert refused.status_code == 403
