"""Staff accounts: creation rules, Argon2id passwords, TOTP with replay protection, and
throttling that a stranger cannot turn against the account's owner. Both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

from confide.runtime import Confide
from confide.service import staff as staff_service
from confide.service.staff import (
    FREE_FAILURES,
    MAX_DELAY,
    SignInRefused,
    SignInThrottled,
    StaffError,
    TotpReplayed,
    create_staff,
    device_staff_id,
    issue_device_token,
    list_staff,
    throttle_delay,
    verify_password,
    verify_totp,
)
from confide.service.tables import staff

PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    staff_service._memory.clear()
    yield
    staff_service._memory.clear()


def _code(secret: str, when: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def test_create_returns_id_uri_and_secret_sealed_in_the_database(confide: Confide) -> None:
    staff_id, uri, secret = create_staff(
        confide, "st-marys-clinic", "Dr.Ana", PASSWORD, "staff", "clinician"
    )
    assert uri.startswith("otpauth://totp/") and secret in uri
    assert len(secret) == 32
    [member] = list_staff(confide)
    assert (member.id, member.username, member.work_role) == (staff_id, "dr.ana", "clinician")
    with confide.db.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.id == staff_id)).one()
    assert secret.encode() not in row.totp_secret
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


@pytest.mark.parametrize(
    ("org", "username", "password", "role", "work_role", "says"),
    [
        ("national-immigration-authority", "x-officer", PASSWORD, "staff", "officer", "I1"),
        ("nowhere-clinic", "someone", PASSWORD, "staff", "clinician", "not in the policy"),
        ("st-marys-clinic", "someone", "short", "staff", "clinician", "at least 12"),
        ("st-marys-clinic", "someone", PASSWORD, "root", "clinician", "role must be"),
        ("st-marys-clinic", "someone", PASSWORD, "staff", "wizard", "work role"),
        ("st-marys-clinic", "someone", PASSWORD, "staff", "subject", "work role"),
        ("st-marys-clinic", "a b", PASSWORD, "staff", "clinician", "username"),
        ("st-marys-clinic", "someone-long", "someone-long", "staff", "clinician", "username"),
    ],
)
def test_create_refuses_with_a_reason(
    confide: Confide, org: str, username: str, password: str, role: str, work_role: str,
    says: str,
) -> None:  # fmt: skip
    with pytest.raises(StaffError, match=says) as caught:
        create_staff(confide, org, username, password, role, work_role)
    assert password not in str(caught.value) or password == username
    assert list_staff(confide) == []


def test_usernames_are_unique_ignoring_case(confide: Confide) -> None:
    create_staff(confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician")
    with pytest.raises(StaffError, match="taken"):
        create_staff(confide, "city-hospital", "ANA", PASSWORD, "staff", "clinician")


def test_password_then_totp_and_a_code_is_never_accepted_twice(confide: Confide) -> None:
    staff_id, _, secret = create_staff(
        confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician"
    )
    assert verify_password(confide, "ANA ", PASSWORD).id == staff_id
    code = _code(secret, T0)
    assert verify_totp(confide, staff_id, code, now=T0).id == staff_id
    with pytest.raises(TotpReplayed):
        verify_totp(confide, staff_id, code, now=T0)
    # The previous step's code is within the window but older than the one used: refused.
    with pytest.raises(SignInRefused):
        verify_totp(confide, staff_id, _code(secret, T0 - dt.timedelta(seconds=30)), now=T0)
    # The next step's code is accepted once.
    later = T0 + dt.timedelta(seconds=30)
    assert verify_totp(confide, staff_id, _code(secret, later), now=later).id == staff_id
    with pytest.raises(SignInRefused):
        verify_totp(confide, staff_id, "000000x", now=later)
    far = T0 + dt.timedelta(minutes=5)
    with pytest.raises(SignInRefused):
        verify_totp(confide, staff_id, _code(secret, T0 + dt.timedelta(minutes=2)), now=far)


def test_wrong_password_and_unknown_user_look_the_same(confide: Confide) -> None:
    create_staff(confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician")
    with pytest.raises(SignInRefused) as wrong:
        verify_password(confide, "ana", "not the password at all")
    with pytest.raises(SignInRefused) as unknown:
        verify_password(confide, "nobody-here", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    assert "ana" not in str(wrong.value) and "nobody" not in str(unknown.value)


def test_the_delay_grows_and_is_capped() -> None:
    assert throttle_delay(FREE_FAILURES - 1) == dt.timedelta(0)
    assert throttle_delay(FREE_FAILURES) == dt.timedelta(seconds=30)
    assert throttle_delay(FREE_FAILURES + 1) == dt.timedelta(seconds=60)
    assert throttle_delay(FREE_FAILURES + 100) == MAX_DELAY


def test_throttling_holds_back_strangers_but_not_a_known_device(confide: Confide) -> None:
    staff_id, _, secret = create_staff(
        confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician"
    )
    # Ana signed in on her own browser before: it holds a known-device token.
    device = issue_device_token(confide, staff_id, now=T0)
    assert device_staff_id(confide, device, now=T0) == staff_id
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInRefused) as caught:
            verify_password(confide, "ana", "guessing the password", now=T0)
        assert not isinstance(caught.value, SignInThrottled)
    # A stranger (no token) is now held back, even with the right password …
    with pytest.raises(SignInThrottled) as held:
        verify_password(confide, "ana", PASSWORD, now=T0)
    assert 0 < held.value.retry_after <= 31
    # … and so is a forged or another person's token …
    with pytest.raises(SignInThrottled):
        verify_password(confide, "ana", PASSWORD, device_token=device[:-2] + "AA", now=T0)
    # … but Ana's browser signs in at once, and a full sign-in clears the count.
    assert verify_password(confide, "ana", PASSWORD, device_token=device, now=T0).id == staff_id
    verify_totp(confide, staff_id, _code(secret, T0), device_token=device, now=T0)
    assert verify_password(confide, "ana", PASSWORD, now=T0).id == staff_id
    # After the delay a stranger may try again.
    with confide.db.connect() as conn:
        row = conn.execute(select(staff).where(staff.c.id == staff_id)).one()
    assert row.failed_attempts == 0 and row.locked_until is None


def test_a_known_device_is_throttled_on_its_own(confide: Confide) -> None:
    staff_id, _, _ = create_staff(confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician")
    device = issue_device_token(confide, staff_id, now=T0)
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInRefused):
            verify_password(confide, "ana", "guessing the password", device_token=device, now=T0)
    with pytest.raises(SignInThrottled):
        verify_password(confide, "ana", PASSWORD, device_token=device, now=T0)
    # The account itself was not held back by the device's failures.
    assert verify_password(confide, "ana", PASSWORD, now=T0).id == staff_id


def test_unknown_names_are_throttled_like_known_ones(confide: Confide) -> None:
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInRefused):
            verify_password(confide, "nobody-here", PASSWORD, now=T0)
    with pytest.raises(SignInThrottled):
        verify_password(confide, "nobody-here", PASSWORD, now=T0)


def test_a_device_token_expires_and_names_one_account(confide: Confide) -> None:
    staff_id, _, _ = create_staff(confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician")
    token = issue_device_token(confide, staff_id, now=T0)
    assert device_staff_id(confide, token, now=T0 + dt.timedelta(days=91)) is None
    assert device_staff_id(confide, "kd1.x.y.z.w", now=T0) is None
    assert device_staff_id(confide, None, now=T0) is None


def test_a_disabled_account_cannot_sign_in(confide: Confide) -> None:
    staff_id, _, _ = create_staff(confide, "st-marys-clinic", "ana", PASSWORD, "staff", "clinician")
    staff_service.disable_staff(confide, staff_id)
    with pytest.raises(SignInRefused):
        verify_password(confide, "ana", PASSWORD)
    assert staff_service.get_staff(confide, staff_id) is None

    size = confide.log.size()
    admin_actions = [
        e.fields for e in confide.log.entries(0, size) if e.fields["kind"].startswith("staff.")
    ]
    assert [(a["kind"], a["staff"]) for a in admin_actions] == [
        ("staff.created", staff_id),
        ("staff.disabled", staff_id),
    ]
    assert "ana" not in str(admin_actions)
