"""Server-side sessions for the staff pages.

A session id is 256 random bits, handed to the browser once in an HttpOnly, SameSite=Strict
cookie and stored only as its SHA-256: a copy of the database does not let anyone ride a
session. A session is *pending* between the password and the TOTP code (short-lived, good
for nothing but the second step) and *full* after it; the id is replaced when it becomes
full, so an id seen before sign-in is worthless after it (session fixation).

Each session carries its own CSRF token (the synchronizer-token pattern): every form
includes it and every POST must send it back, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import delete, or_, select, update

from confide.errors import ConfideError
from confide.service.tables import sessions

if TYPE_CHECKING:
    from confide.runtime import Confide

__all__ = [
    "ABSOLUTE_LIFETIME",
    "IDLE_TIMEOUT",
    "PENDING_LIFETIME",
    "CsrfError",
    "StaffSession",
    "check_csrf",
    "end_all_sessions",
    "end_session",
    "load_session",
    "promote_session",
    "purge_expired_sessions",
    "start_session",
]

#: A signed-in session ends after this long without a request …
IDLE_TIMEOUT: Final = dt.timedelta(minutes=30)
#: … and after this long in any case.
ABSOLUTE_LIFETIME: Final = dt.timedelta(hours=12)
#: Between the password and the code.
PENDING_LIFETIME: Final = dt.timedelta(minutes=5)
#: ``last_seen_at`` is written at most this often (a write per page is wasted work).
_TOUCH_EVERY: Final = dt.timedelta(seconds=60)


class CsrfError(ConfideError):
    """A form came back without this session's CSRF token; nothing was done."""


@dataclass(frozen=True, slots=True)
class StaffSession:
    id_hash: bytes
    staff_id: str
    csrf_token: str
    second_factor: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    last_seen_at: dt.datetime

    def __repr__(self) -> str:  # the CSRF token stays out of tracebacks and logs
        return f"StaffSession(staff_id={self.staff_id!r}, second_factor={self.second_factor})"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("ascii", "replace")).digest()


def _session(row: Any) -> StaffSession:
    return StaffSession(
        id_hash=row.id_hash,
        staff_id=row.staff_id,
        csrf_token=row.csrf_token,
        second_factor=bool(row.second_factor),
        created_at=_aware(row.created_at),
        expires_at=_aware(row.expires_at),
        last_seen_at=_aware(row.last_seen_at),
    )


def start_session(
    confide: Confide,
    staff_id: str,
    *,
    second_factor: bool = False,
    now: dt.datetime | None = None,
) -> tuple[str, StaffSession]:
    """A new session; returns the id for the cookie (never stored) and the session."""
    when = _now(now)
    session_id = secrets.token_urlsafe(32)
    session = StaffSession(
        id_hash=_hash(session_id),
        staff_id=staff_id,
        csrf_token=secrets.token_urlsafe(32),
        second_factor=second_factor,
        created_at=when,
        expires_at=when + (ABSOLUTE_LIFETIME if second_factor else PENDING_LIFETIME),
        last_seen_at=when,
    )
    with confide.db.transaction() as conn:
        conn.execute(
            sessions.insert().values(
                {name: getattr(session, name) for name in StaffSession.__slots__}
            )
        )
    return session_id, session


def load_session(
    confide: Confide, session_id: str | None, *, now: dt.datetime | None = None
) -> StaffSession | None:
    """The live session with this id, or None (unknown, expired or idle too long)."""
    if not session_id or len(session_id) > 128:
        return None
    when = _now(now)
    key = _hash(session_id)
    with confide.db.connect() as conn:
        row = conn.execute(select(sessions).where(sessions.c.id_hash == key)).first()
    if row is None:
        return None
    found = _session(row)
    idle_limit = IDLE_TIMEOUT if found.second_factor else PENDING_LIFETIME
    if found.expires_at <= when or found.last_seen_at + idle_limit <= when:
        end_session(confide, session_id)
        return None
    if when - found.last_seen_at >= _TOUCH_EVERY:
        with confide.db.transaction() as conn:
            conn.execute(
                update(sessions).where(sessions.c.id_hash == key).values(last_seen_at=when)
            )
    return found


def promote_session(
    confide: Confide, session_id: str, *, now: dt.datetime | None = None
) -> tuple[str, StaffSession]:
    """After the second factor: end the pending session and start a full one with a new id
    and a new CSRF token."""
    found = load_session(confide, session_id, now=now)
    if found is None:
        raise CsrfError("the sign-in session has ended; start again")
    end_session(confide, session_id)
    return start_session(confide, found.staff_id, second_factor=True, now=now)


def end_session(confide: Confide, session_id: str) -> None:
    """Sign out: the session is deleted, so its cookie no longer means anything."""
    with confide.db.transaction() as conn:
        conn.execute(delete(sessions).where(sessions.c.id_hash == _hash(session_id)))


def end_all_sessions(confide: Confide, staff_id: str) -> int:
    """Every session of one person (after a password change or disabling the account)."""
    with confide.db.transaction() as conn:
        return int(conn.execute(delete(sessions).where(sessions.c.staff_id == staff_id)).rowcount)


def purge_expired_sessions(confide: Confide, *, now: dt.datetime | None = None) -> int:
    when = _now(now)
    with confide.db.transaction() as conn:
        gone = conn.execute(
            delete(sessions).where(
                or_(
                    sessions.c.expires_at <= when,
                    sessions.c.last_seen_at <= when - IDLE_TIMEOUT,
                )
            )
        )
    return int(gone.rowcount)


def check_csrf(session: StaffSession | None, token: str | None) -> None:
    """Raise :class:`CsrfError` unless ``token`` is this session's CSRF token."""
    if session is None or not isinstance(token, str) or not token:
        raise CsrfError("the form has no valid CSRF token; reload the page and try again")
    if not hmac.compare_digest(session.csrf_token.encode(), token.encode("utf-8", "replace")):
        raise CsrfError("the form has no valid CSRF token; reload the page and try again")
