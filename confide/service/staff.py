"""Staff accounts: Argon2id passwords, a TOTP second factor, and throttling that cannot be
turned against the account's owner.

Sign-in is two steps: :func:`verify_password`, then :func:`verify_totp`. Both refuse with a
:class:`SignInRefused` whose message never says which part was wrong, and an unknown
username costs the same Argon2 work as a known one (a dummy hash is checked), so the answer
does not tell whether an account exists.

Throttling (docs/staff.md): after :data:`FREE_FAILURES` consecutive failures, an account is
closed to *unknown* browsers for a delay that doubles with each further failure, up to
:data:`MAX_DELAY`. A browser that has completed a full sign-in as that person before holds a
*known-device* token (an HMAC-signed cookie, see :func:`issue_device_token`); it is not held
back by the account's delay, so an attacker who hammers a username slows down only
themself. Failures from a known device are throttled per device instead, in the process.
Nothing is ever locked permanently.

No password, TOTP secret or code, token or username ever appears in a message or log line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, func, or_, select, update

from confide.crypto import FieldSealer
from confide.errors import ConfideError, NotFound
from confide.service.tables import staff
from confide.taxonomy.model import ENFORCEMENT_SECTOR, SUBJECT_ROLE

if TYPE_CHECKING:
    from confide.runtime import Confide

__all__ = [
    "DEVICE_LIFETIME",
    "FREE_FAILURES",
    "MAX_DELAY",
    "MIN_PASSWORD_CHARS",
    "ROLES",
    "NewStaff",
    "SignInRefused",
    "SignInThrottled",
    "StaffError",
    "StaffMember",
    "TotpReplayed",
    "create_staff",
    "device_staff_id",
    "disable_staff",
    "get_staff",
    "issue_device_token",
    "list_staff",
    "throttle_delay",
    "verify_password",
    "verify_totp",
]

#: Account roles on the service itself; the decision role is ``work_role``.
ROLES: Final = ("admin", "staff", "dpo")
MIN_PASSWORD_CHARS: Final = 12
#: Longer input is refused before hashing: Argon2 of megabytes is a denial of service.
MAX_PASSWORD_CHARS: Final = 1024
#: Consecutive failures allowed before the account's delay starts.
FREE_FAILURES: Final = 5
#: The first delay; each further failure doubles it.
BASE_DELAY: Final = dt.timedelta(seconds=30)
MAX_DELAY: Final = dt.timedelta(minutes=15)
#: How long a browser stays "known" after a full sign-in.
DEVICE_LIFETIME: Final = dt.timedelta(days=90)
#: RFC 6238 with the defaults authenticator apps expect: SHA-1, 6 digits, 30 s steps.
TOTP_STEP_SECONDS: Final = 30
#: Codes of the previous and next step are accepted too (clock drift).
TOTP_WINDOW: Final = 1

#: The keyring "subject" under whose data key TOTP secrets are sealed.
TOTP_KEY_SUBJECT: Final = "service:staff-totp"
#: The keyring "subject" whose data key signs known-device tokens.
DEVICE_KEY_SUBJECT: Final = "service:known-device"
_DEVICE_PREFIX: Final = "kd1"

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{2,63}")
_CODE = re.compile(r"[0-9]{6}")

# argon2-cffi's defaults are RFC 9106's second recommended profile (Argon2id, t=3,
# m=64 MiB, p=4).
_HASHER: Final = PasswordHasher()
_dummy_hash: str | None = None


class StaffError(ConfideError, ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class SignInRefused(ConfideError):
    """The sign-in step failed. The message is the same for every reason."""

    def __init__(self, message: str = "the username, password or code is not right") -> None:
        super().__init__(message)


class TotpReplayed(SignInRefused):
    """The code was right but has been used already (a replay); wait for the next one."""

    def __init__(self) -> None:
        super().__init__("that code has been used already; wait for the next one")


class SignInThrottled(SignInRefused):
    """Too many failures: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        minutes = (self.retry_after + 59) // 60
        super().__init__(
            f"too many failed attempts; try again in {minutes} minute"
            + ("" if minutes == 1 else "s")
            + ", or from a browser you have signed in with before"
        )


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    org: str
    username: str
    role: str
    work_role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None

    @property
    def is_dpo(self) -> bool:
        return self.role == "dpo"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class NewStaff:
    """What :func:`create_staff` returns. The secret is shown once and never again."""

    staff_id: str
    totp_provisioning_uri: str
    totp_secret: str

    def __iter__(self) -> Any:  # (staff_id, uri, secret) = create_staff(...)
        return iter((self.staff_id, self.totp_provisioning_uri, self.totp_secret))

    def __repr__(self) -> str:
        return f"NewStaff(staff_id={self.staff_id!r}, totp=<hidden>)"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _member(row: Any) -> StaffMember:
    created = _aware(row.created_at)
    assert created is not None
    return StaffMember(
        id=row.id,
        org=row.org,
        username=row.username,
        role=row.role,
        work_role=row.work_role,
        created_at=created,
        disabled_at=_aware(row.disabled_at),
    )


# -- accounts -----------------------------------------------------------------------------


def check_password(password: str, username: str = "") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise StaffError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if username and normalise_username(password) == normalise_username(username):
        raise StaffError("the password must not be the username")


def _totp_sealer(confide: Confide, conn: Connection) -> FieldSealer:
    key = confide.vault.keyring.data_key(conn, TOTP_KEY_SUBJECT, create=True)
    assert key is not None
    return FieldSealer(key)


def create_staff(  # noqa: PLR0917 - the documented call: (confide, org, username, …)
    confide: Confide,
    org: str,
    username: str,
    password: str,
    role: str,
    work_role: str,
    *,
    now: dt.datetime | None = None,
) -> NewStaff:
    """Create an account. Returns ``(staff_id, totp_provisioning_uri, totp_secret)``."""
    policy = confide.policy.policy
    organisation = policy.organisations.get(org)
    if organisation is None:
        raise StaffError(
            f"organisation {org!r} is not in the policy; staff belong to an organisation "
            "the policy names (`confide policy show` lists them)"
        )
    if organisation.sector == ENFORCEMENT_SECTOR:
        raise StaffError(
            f"{org} is an immigration enforcement body: Confide never gives it an account "
            "(invariant I1)"
        )
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    if work_role not in policy.taxonomy.roles or work_role == SUBJECT_ROLE:
        raise StaffError(
            "work role must be a taxonomy role such as clinician, receptionist, teacher, "
            "caseworker or dpo (docs/taxonomy.md)"
        )
    name = normalise_username(username)
    if not _USERNAME.fullmatch(name):
        raise StaffError(
            "a username has 3 to 64 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    check_password(password, name)
    staff_id = secrets.token_hex(16)
    secret = pyotp.random_base32(length=32)
    password_hash = _HASHER.hash(password)
    when = _now(now)
    with confide.db.transaction() as conn:
        taken = conn.execute(select(staff.c.id).where(staff.c.username == name)).first()
        if taken is None:
            sealed = _totp_sealer(confide, conn).seal(
                secret.encode("ascii"), record_id=staff_id, field="totp", subject=TOTP_KEY_SUBJECT
            )
            # The unique index on username settles a race between two creations.
            conn.execute(
                staff.insert().values(
                    id=staff_id,
                    org=org,
                    username=name,
                    password_hash=password_hash,
                    totp_secret=sealed,
                    role=role,
                    work_role=work_role,
                    failed_attempts=0,
                    locked_until=None,
                    last_totp_step=None,
                    created_at=when,
                    disabled_at=None,
                )
            )
            # An admin action: in the log, by opaque id and roles, never the name.
            confide.log.append(
                conn,
                {
                    "kind": "staff.created",
                    "org": org,
                    "staff": staff_id,
                    "role": role,
                    "work_role": work_role,
                },
            )
    if taken is not None:
        raise StaffError("that username is taken; choose another")
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=name, issuer_name=f"Confide {organisation.name}"[:64]
    )
    return NewStaff(staff_id, uri, secret)


def list_staff(confide: Confide, org: str | None = None) -> list[StaffMember]:
    query = select(staff).order_by(staff.c.org, staff.c.username)
    if org is not None:
        query = query.where(staff.c.org == org)
    with confide.db.connect() as conn:
        return [_member(row) for row in conn.execute(query).all()]


def get_staff(confide: Confide, staff_id: str) -> StaffMember | None:
    """The account, or None if there is none or it is disabled."""
    with confide.db.connect() as conn:
        row = conn.execute(
            select(staff).where(staff.c.id == staff_id, staff.c.disabled_at.is_(None))
        ).first()
    return None if row is None else _member(row)


def disable_staff(confide: Confide, staff_id: str, *, now: dt.datetime | None = None) -> None:
    with confide.db.transaction() as conn:
        done = conn.execute(
            update(staff)
            .where(staff.c.id == staff_id, staff.c.disabled_at.is_(None))
            .values(disabled_at=_now(now))
        )
        if done.rowcount:
            org = conn.execute(select(staff.c.org).where(staff.c.id == staff_id)).scalar_one()
            confide.log.append(conn, {"kind": "staff.disabled", "org": org, "staff": staff_id})
    if not done.rowcount:
        raise NotFound("no active account with that id")


# -- throttling ---------------------------------------------------------------------------


def throttle_delay(failures: int) -> dt.timedelta:
    """How long an account is closed to unknown browsers after ``failures`` in a row."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    delay: dt.timedelta = BASE_DELAY * (2 ** min(failures - FREE_FAILURES, 16))
    return min(delay, MAX_DELAY)


class _MemoryThrottle:
    """Per-key failure counts held in this process, for keys with no row to hold them:
    known devices and usernames that have no account (so that an unknown name is held back
    just like a known one and throttling does not reveal which names exist). With several
    worker processes each keeps its own counts: the limit is per process."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, dt.datetime]] = OrderedDict()
        self._capacity = capacity

    def wait(self, key: str, now: dt.datetime) -> int:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[1] <= now:
            return 0
        return int((entry[1] - now).total_seconds()) + 1

    def fail(self, key: str, now: dt.datetime) -> None:
        with self._lock:
            count = self._entries.pop(key, (0, now))[0] + 1
            self._entries[key] = (count, now + throttle_delay(count))
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def succeed(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_memory = _MemoryThrottle()


def _device_key(confide: Confide) -> bytes:
    with confide.db.transaction() as conn:
        key = confide.vault.keyring.data_key(conn, DEVICE_KEY_SUBJECT, create=True)
    assert key is not None
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def issue_device_token(confide: Confide, staff_id: str, *, now: dt.datetime | None = None) -> str:
    """A known-device token for the browser that just completed a full sign-in.

    ``kd1.<staff id>.<device id>.<expiry>.<HMAC-SHA256>``: the MAC key is a random data key
    kept wrapped in the keyring, so every worker can check tokens and no row is needed.
    """
    device = secrets.token_hex(16)
    expires = int((_now(now) + DEVICE_LIFETIME).timestamp())
    body = f"{_DEVICE_PREFIX}.{staff_id}.{device}.{expires}"
    mac = hmac.new(_device_key(confide), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def _device(confide: Confide, token: str | None, now: dt.datetime) -> tuple[str, str] | None:
    """(staff id, device id) of a valid, unexpired known-device token, else None."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != _DEVICE_PREFIX or not parts[3].isdigit():
        return None
    body = ".".join(parts[:4])
    mac = hmac.new(_device_key(confide), body.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(mac), parts[4]):
        return None
    if int(parts[3]) <= now.timestamp():
        return None
    return parts[1], parts[2]


def device_staff_id(
    confide: Confide, token: str | None, *, now: dt.datetime | None = None
) -> str | None:
    """Whose known device this token marks, or None."""
    found = _device(confide, token, _now(now))
    return None if found is None else found[0]


class _Attempt:
    """Where one sign-in attempt's failures are counted: the account row for an unknown
    browser, the process's memory for a known device or a name with no account."""

    def __init__(
        self, confide: Confide, row: Any, username_key: str, device: str | None, now: dt.datetime
    ) -> None:
        self.confide = confide
        self.row = row
        self.now = now
        self.memory_key: str | None
        if row is None:
            self.memory_key = "name:" + username_key
        elif device is not None:
            self.memory_key = f"device:{row.id}:{device}"
        else:
            self.memory_key = None

    def check(self) -> None:
        if self.memory_key is not None:
            wait = _memory.wait(self.memory_key, self.now)
        else:
            locked = _aware(self.row.locked_until)
            wait = (
                0
                if locked is None or locked <= self.now
                else (int((locked - self.now).total_seconds()) + 1)
            )
        if wait:
            raise SignInThrottled(wait)

    def fail(self) -> None:
        if self.memory_key is not None:
            _memory.fail(self.memory_key, self.now)
            return
        with self.confide.db.transaction() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == self.row.id)
                .values(failed_attempts=staff.c.failed_attempts + 1)
            )
            failures = conn.execute(
                select(staff.c.failed_attempts).where(staff.c.id == self.row.id)
            ).scalar_one()
            delay = throttle_delay(failures)
            conn.execute(
                update(staff)
                .where(staff.c.id == self.row.id)
                .values(locked_until=self.now + delay if delay else None)
            )


def _attempt(
    confide: Confide, row: Any, username_key: str, device_token: str | None, now: dt.datetime
) -> _Attempt:
    device = None
    if row is not None:
        found = _device(confide, device_token, now)
        if found is not None and found[0] == row.id:
            device = found[1]
    return _Attempt(confide, row, username_key, device, now)


def _dummy() -> str:
    global _dummy_hash  # noqa: PLW0603 - computed once, on first use, not at import
    if _dummy_hash is None:
        _dummy_hash = _HASHER.hash(secrets.token_hex(16))
    return _dummy_hash


# -- sign-in ------------------------------------------------------------------------------


def verify_password(
    confide: Confide,
    username: str,
    password: str,
    *,
    device_token: str | None = None,
    now: dt.datetime | None = None,
) -> StaffMember:
    """The first step: the member whose password this is, or :class:`SignInRefused`."""
    when = _now(now)
    name = normalise_username(username) if isinstance(username, str) else ""
    name_key = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
    row = None
    if _USERNAME.fullmatch(name):
        with confide.db.connect() as conn:
            row = conn.execute(
                select(staff).where(staff.c.username == name, staff.c.disabled_at.is_(None))
            ).first()
    attempt = _attempt(confide, row, name_key, device_token, when)
    attempt.check()
    ok = False
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        password = ""
    try:
        # An unknown name checks a dummy hash: the same work, so timing tells nothing.
        ok = _HASHER.verify(row.password_hash if row is not None else _dummy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        attempt.fail()
        raise SignInRefused
    if _HASHER.check_needs_rehash(row.password_hash):
        with confide.db.transaction() as conn:
            conn.execute(
                update(staff)
                .where(staff.c.id == row.id)
                .values(password_hash=_HASHER.hash(password))
            )
    return _member(row)


def _totp_secret(confide: Confide, conn: Connection, staff_id: str, sealed: bytes) -> str:
    opened = _totp_sealer(confide, conn).open(
        sealed, record_id=staff_id, field="totp", subject=TOTP_KEY_SUBJECT
    )
    return opened.decode("ascii")


def verify_totp(
    confide: Confide,
    staff_id: str,
    code: str,
    *,
    device_token: str | None = None,
    now: dt.datetime | None = None,
) -> StaffMember:
    """The second step, after :func:`verify_password`. A code is accepted at most once:
    the step it belongs to must be later than the last one accepted (RFC 6238 §5.2)."""
    when = _now(now)
    with confide.db.connect() as conn:
        row = conn.execute(
            select(staff).where(staff.c.id == staff_id, staff.c.disabled_at.is_(None))
        ).first()
    if row is None:
        raise SignInRefused
    attempt = _attempt(confide, row, "", device_token, when)
    attempt.check()
    cleaned = re.sub(r"[\s-]", "", code) if isinstance(code, str) else ""
    matched: int | None = None
    if _CODE.fullmatch(cleaned):
        with confide.db.transaction() as conn:
            totp = pyotp.TOTP(_totp_secret(confide, conn, row.id, row.totp_secret))
        current = int(when.timestamp()) // TOTP_STEP_SECONDS
        for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
            # Every candidate is compared, so the time taken does not depend on which matched.
            if hmac.compare_digest(totp.generate_otp(step), cleaned):
                matched = step
    if matched is None:
        attempt.fail()
        raise SignInRefused
    with confide.db.transaction() as conn:
        # Compare-and-set: of two requests racing with the same code, one wins.
        accepted = conn.execute(
            update(staff)
            .where(
                staff.c.id == row.id,
                or_(staff.c.last_totp_step.is_(None), staff.c.last_totp_step < matched),
            )
            .values(last_totp_step=matched, failed_attempts=0, locked_until=None)
        ).rowcount
    if not accepted:
        attempt.fail()
        raise TotpReplayed
    if attempt.memory_key is not None:
        _memory.succeed(attempt.memory_key)
    return _member(row)


def count_staff(confide: Confide) -> int:
    with confide.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(staff)).scalar_one())
