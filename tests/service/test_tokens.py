"""API tokens: issued once, stored hashed, scoped, expiring, revocable; never to enforcement."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from confide.errors import NotFound
from confide.runtime import Confide
from confide.service import tokens
from confide.service.tables import api_tokens

DAY = dt.timedelta(days=1)


def _issue(confide: Confide, **overrides: object) -> tuple[str, tokens.TokenInfo]:
    args: dict[str, object] = {
        "org": "st-marys-clinic",
        "label": "case system",
        "purposes": ["care"],
        "roles": ["clinician"],
        "expires_in": 30 * DAY,
        "created_by": "test",
    }
    args.update(overrides)
    return tokens.issue(confide.db, confide.policy, **args)  # type: ignore[arg-type]


def test_issue_and_authenticate(confide: Confide) -> None:
    token, info = _issue(confide)
    assert token.startswith(f"ct1_{info.id}_")
    secret = token.split("_", 2)[2]
    assert len(bytes.fromhex(secret)) == 32  # 256 bits
    got = tokens.authenticate(confide.db, f"Bearer {token}")
    assert got.id == info.id and got.org == "st-marys-clinic"
    assert got.allows_purpose("care.treatment") and got.allows_purpose("care")
    assert not got.allows_purpose("education.enrolment")
    assert got.allows_role("clinician") and not got.allows_role("admin")
    with confide.db.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == info.id)).one()
    # Only the hash is stored; the secret is nowhere in the row.
    assert bytes(row.secret_hash) == hashlib.sha256(secret.encode()).digest()
    assert secret not in repr(tuple(row))


BAD_HEADERS = [
    (None, "no API token"),
    ("", "no API token"),
    ("Basic abc", "Bearer scheme"),
    ("Bearer nonsense", "malformed"),
    ("Bearer ct1_0123456789abcdef_" + "0" * 64, "not valid"),
]


def test_bad_headers_are_refused(confide: Confide) -> None:
    for header, reason in BAD_HEADERS:
        with pytest.raises(tokens.InvalidToken, match=reason):
            tokens.authenticate(confide.db, header)


def test_wrong_secret_expired_and_revoked(confide: Confide) -> None:
    token, info = _issue(confide)
    wrong = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    with pytest.raises(tokens.InvalidToken, match="not valid") as caught:
        tokens.authenticate(confide.db, f"Bearer {wrong}")
    assert token.split("_")[2] not in str(caught.value)
    with confide.db.transaction() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == info.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - DAY)
        )
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.authenticate(confide.db, f"Bearer {token}")

    token2, info2 = _issue(confide)
    revoked = tokens.revoke(confide.db, info2.id, "test")
    assert revoked.status() == "revoked"
    with pytest.raises(tokens.InvalidToken, match="revoked"):
        tokens.authenticate(confide.db, f"Bearer {token2}")


def test_refuses_enforcement_unknown_names_and_long_lives(confide: Confide) -> None:
    with pytest.raises(tokens.TokenError, match="I1"):
        _issue(confide, org="national-immigration-authority", roles=["officer"])
    with pytest.raises(tokens.TokenError, match="not in the policy"):
        _issue(confide, org="no-such-org")
    with pytest.raises(tokens.TokenError, match="unknown purpose"):
        _issue(confide, purposes=["carre"])
    with pytest.raises(tokens.TokenError, match="I1"):
        _issue(confide, purposes=["immigration.enforcement"])
    with pytest.raises(tokens.TokenError, match="unknown role"):
        _issue(confide, roles=["wizard"])
    with pytest.raises(tokens.TokenError, match="subject access code"):
        _issue(confide, roles=["subject"])
    with pytest.raises(tokens.TokenError, match="at most"):
        _issue(confide, expires_in=400 * DAY)
    with pytest.raises(tokens.TokenError, match="future"):
        _issue(confide, expires_in=-DAY)
    assert tokens.list_tokens(confide.db) == []


def test_list_and_revoke_by_org(confide: Confide) -> None:
    _, a = _issue(confide)
    _, b = _issue(confide, org="city-hospital")
    assert [t.id for t in tokens.list_tokens(confide.db, org="city-hospital")] == [b.id]
    with pytest.raises(NotFound):
        tokens.revoke(confide.db, a.id, "test", org="city-hospital")
    assert tokens.get(confide.db, a.id).status() == "active"
