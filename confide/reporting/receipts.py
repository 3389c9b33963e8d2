"""Receipt codes: how a reporter comes back without an account.

A receipt is 120 random bits written as 24 Crockford base32 characters in groups of four
(``K3QF-8ZRM-…``): no I, L, O or U to misread, case, spaces and dashes ignored when typed.
The first 8 characters (40 bits) are a look-up id, stored as is, so a code is checked
against one row and never against every report; the other 16 (80 bits) are the secret,
stored only as an Argon2id hash (OWASP's minimum profile: m = 19 MiB, t = 2, p = 1) behind a
version tag. A stolen database gives neither the codes nor a way to test guesses cheaply.

Guessing is throttled without knowing who guesses (no IP address is ever kept): each
look-up id locks for a while after a few wrong secrets, and each process allows only so many
wrong codes a minute in all. Unknown look-up ids cost the same Argon2id work as known ones,
so timing does not tell which exist.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from confide.errors import NotPermitted

__all__ = [
    "RECEIPT_FORMAT",
    "FailureBudget",
    "InvalidReceipt",
    "ReceiptThrottled",
    "check",
    "format_code",
    "hash_secret",
    "new_code",
    "split",
]

RECEIPT_FORMAT: Final = "confide-receipt/1"
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
LOOKUP_LENGTH: Final = 8  # 40 bits
SECRET_LENGTH: Final = 16  # 80 bits
_GROUP: Final = 4
_TYPO: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: OWASP Password Storage Cheat Sheet, Argon2id minimum: 19 MiB, 2 iterations, 1 lane.
HASHER: Final = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Wrong secrets for one look-up id before it locks, and for how long.
LOCK_AFTER: Final = 5
LOCK_SECONDS: Final = 15 * 60


class InvalidReceipt(NotPermitted):
    """The receipt code is malformed, unknown, or its report withdrawn. Never echoes it."""

    def __init__(
        self, message: str = "this receipt code is not valid; check that it was typed in full"
    ) -> None:
        super().__init__(message)


class ReceiptThrottled(NotPermitted):
    """Too many wrong receipt codes lately; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        minutes = (self.retry_after + 59) // 60
        super().__init__(
            f"too many wrong receipt codes were tried; try again in {minutes} minute"
            + ("" if minutes == 1 else "s")
        )


def new_code() -> tuple[str, str, str]:
    """A fresh receipt: (code as shown, look-up id, secret)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LOOKUP_LENGTH + SECRET_LENGTH))
    return format_code(raw), raw[:LOOKUP_LENGTH], raw[LOOKUP_LENGTH:]


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def split(code: str | None) -> tuple[str, str]:
    """(look-up id, secret) of a typed code, or :class:`InvalidReceipt`."""
    cleaned = "".join((code or "").split()).replace("-", "").upper().translate(_TYPO)
    if len(cleaned) != LOOKUP_LENGTH + SECRET_LENGTH or any(c not in ALPHABET for c in cleaned):
        raise InvalidReceipt(
            "a receipt code is 24 letters and digits in groups of four (ABCD-EFGH-…); "
            "check that it was typed in full"
        )
    return cleaned[:LOOKUP_LENGTH], cleaned[LOOKUP_LENGTH:]


def hash_secret(secret: str) -> str:
    return f"{RECEIPT_FORMAT}${HASHER.hash(f'{RECEIPT_FORMAT}:{secret}')}"


_DUMMY: Final = hash_secret("0" * SECRET_LENGTH)


def check(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored``; with ``stored=None`` (an unknown look-up id) the
    same Argon2id work is done against a dummy hash and the answer is no."""
    tag, _, encoded = (stored or _DUMMY).partition("$")
    if tag != RECEIPT_FORMAT:
        encoded = _DUMMY.partition("$")[2]
        stored = None
    try:
        HASHER.verify(encoded, f"{RECEIPT_FORMAT}:{secret}")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored is not None


class FailureBudget:
    """Wrong codes allowed per process per minute, whoever sends them (a sliding window).

    When it is spent every receipt check waits, the reporter's included: a report is never
    lost by waiting, while a guesser's rate is capped without tracking anyone."""

    def __init__(self, per_minute: int = 30) -> None:
        self.per_minute = per_minute
        self._times: list[float] = []
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        cutoff = now - 60.0
        while self._times and self._times[0] <= cutoff:
            self._times.pop(0)

    def check(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            if len(self._times) >= self.per_minute:
                raise ReceiptThrottled(int(self._times[0] + 60.0 - now) + 1)

    def spend(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            self._times.append(now)
