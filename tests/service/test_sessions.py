"""Server-side sessions: hashed ids, idle and absolute expiry, rotation, CSRF. Both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from confide.runtime import Confide
from confide.service.sessions import (
    ABSOLUTE_LIFETIME,
    IDLE_TIMEOUT,
    PENDING_LIFETIME,
    CsrfError,
    check_csrf,
    end_all_sessions,
    end_session,
    load_session,
    promote_session,
    purge_expired_sessions,
    start_session,
)
from confide.service.tables import sessions

T0 = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)


def test_the_id_is_random_and_stored_only_as_its_hash(confide: Confide) -> None:
    sid, session = start_session(confide, "s1", second_factor=True, now=T0)
    other, _ = start_session(confide, "s1", second_factor=True, now=T0)
    assert sid != other and len(sid) >= 43
    with confide.db.connect() as conn:
        rows = conn.execute(select(sessions)).all()
    assert len(rows) == 2
    for row in rows:
        assert sid.encode() not in row.id_hash and len(row.id_hash) == 32
    loaded = load_session(confide, sid, now=T0)
    assert loaded is not None and loaded.staff_id == "s1" and loaded.second_factor
    assert session.csrf_token not in repr(loaded)
    assert load_session(confide, "not-a-session", now=T0) is None
    assert load_session(confide, None) is None


def test_idle_expiry_is_extended_by_use(confide: Confide) -> None:
    sid, _ = start_session(confide, "s1", second_factor=True, now=T0)
    step = IDLE_TIMEOUT - dt.timedelta(minutes=1)
    assert load_session(confide, sid, now=T0 + step) is not None
    assert load_session(confide, sid, now=T0 + 2 * step) is not None
    assert load_session(confide, sid, now=T0 + 3 * step + IDLE_TIMEOUT) is None
    # Once expired it is gone for good.
    assert load_session(confide, sid, now=T0 + 2 * step) is None


def test_absolute_expiry_ends_even_a_busy_session(confide: Confide) -> None:
    sid, _ = start_session(confide, "s1", second_factor=True, now=T0)
    when = T0
    while when < T0 + ABSOLUTE_LIFETIME - IDLE_TIMEOUT:
        when += IDLE_TIMEOUT - dt.timedelta(minutes=1)
        assert load_session(confide, sid, now=when) is not None
    assert load_session(confide, sid, now=T0 + ABSOLUTE_LIFETIME) is None


def test_a_pending_session_is_short_and_promotion_replaces_the_id(confide: Confide) -> None:
    sid, pending = start_session(confide, "s1", now=T0)
    assert not pending.second_factor
    assert load_session(confide, sid, now=T0 + PENDING_LIFETIME) is None
    sid, pending = start_session(confide, "s1", now=T0)
    new_sid, full = promote_session(confide, sid, now=T0 + dt.timedelta(minutes=1))
    assert new_sid != sid and full.second_factor and full.csrf_token != pending.csrf_token
    assert load_session(confide, sid, now=T0 + dt.timedelta(minutes=1)) is None
    assert load_session(confide, new_sid, now=T0 + dt.timedelta(minutes=2)) is not None


def test_sign_out_and_end_all(confide: Confide) -> None:
    a, _ = start_session(confide, "s1", second_factor=True, now=T0)
    b, _ = start_session(confide, "s1", second_factor=True, now=T0)
    c, _ = start_session(confide, "s2", second_factor=True, now=T0)
    end_session(confide, a)
    assert load_session(confide, a, now=T0) is None
    assert end_all_sessions(confide, "s1") == 1
    assert load_session(confide, b, now=T0) is None
    assert load_session(confide, c, now=T0) is not None
    assert purge_expired_sessions(confide, now=T0 + ABSOLUTE_LIFETIME) == 1


def test_csrf_is_the_sessions_own_token(confide: Confide) -> None:
    _, one = start_session(confide, "s1", second_factor=True, now=T0)
    _, two = start_session(confide, "s1", second_factor=True, now=T0)
    check_csrf(one, one.csrf_token)
    for token in ("", None, two.csrf_token, one.csrf_token + "x", "é"):
        with pytest.raises(CsrfError) as caught:
            check_csrf(one, token)
        assert one.csrf_token not in str(caught.value)
    with pytest.raises(CsrfError):
        check_csrf(None, one.csrf_token)
