"""Subject access codes: how a person sees her own access history without an account.

A service that holds a record about her issues a code and hands it to her (on paper, in a
message). With it she sees every access to her data, denials included (scenario 9), and
exports what is held about her (I7); no name, e-mail or password is ever asked.

A code is 140 random bits written as 28 Crockford base32 characters in groups of four
(``K3QF-8ZRM-…``): no I, L, O or U to misread, case and dashes ignored when typed. It is
shown once and stored only as SHA-256 (it is random, so a slow hash adds nothing), with
the person's pseudonym, never her reference. It expires and can be revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from confide.errors import ConfideError, NotFound, NotPermitted
from confide.service.tables import subject_access_codes
from confide.storage import Database
from confide.storage.tables import records
from confide.transparency.entries import ENTRY_KINDS, LogEntry
from confide.transparency.log import TransparencyLog
from confide.vault import Vault

__all__ = [
    "CODE_FORMAT",
    "DEFAULT_LIFETIME",
    "MAX_LIFETIME",
    "AccessCodeError",
    "AccessCodeInfo",
    "InvalidAccessCode",
    "export",
    "history",
    "issue",
    "normalise",
    "resolve",
    "revoke",
]

#: Version tag hashed with every code, so a later format cannot collide with this one.
CODE_FORMAT = "confide-subject-code/1"
DEFAULT_LIFETIME = dt.timedelta(days=90)
MAX_LIFETIME = dt.timedelta(days=366)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_LENGTH = 28  # 28 × 5 = 140 bits
_GROUP = 4
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


class AccessCodeError(ConfideError, ValueError):
    """A code cannot be issued as asked."""


class InvalidAccessCode(NotPermitted):
    """The code is missing, malformed, unknown, expired or revoked. Never echoes the code."""


@dataclass(frozen=True, slots=True)
class AccessCodeInfo:
    holder: str
    subject: str  # the pseudonym, never the reference
    created_at: dt.datetime
    expires_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def normalise(code: str) -> str:
    """The code as stored: upper case, no spaces or dashes, O→0 and I/L→1.

    Raises :class:`InvalidAccessCode` if it cannot be a code."""
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_TYPO)
    if len(cleaned) != _LENGTH or any(c not in _ALPHABET for c in cleaned):
        raise InvalidAccessCode(
            f"an access code is {_LENGTH} letters and digits in groups of {_GROUP} "
            "(for example ABCD-EFGH-…); check it was typed in full"
        )
    return cleaned


def _hash(normalised: str) -> bytes:
    return hashlib.sha256(f"{CODE_FORMAT}:{normalised}".encode("ascii")).digest()


def _format(raw: str) -> str:
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def _log(log: TransparencyLog | None, conn: Connection, entry: dict[str, object]) -> None:
    # Registered by the lead when the access-code kinds exist; until then not logged.
    if log is not None and entry["kind"] in ENTRY_KINDS:
        log.append(conn, entry)


def issue(
    vault: Vault,
    holder: str,
    subject: str,
    expires_in: dt.timedelta = DEFAULT_LIFETIME,
    *,
    log: TransparencyLog | None = None,
) -> tuple[str, AccessCodeInfo]:
    """Issue a code for the person with reference ``subject``, by ``holder``, which must
    hold a record about her: a service cannot open anyone else's history."""
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        raise AccessCodeError("a subject reference is an opaque id of 1 to 200 characters")
    if expires_in <= dt.timedelta(0) or expires_in > MAX_LIFETIME:
        raise AccessCodeError(f"an access code lives between 1 second and {MAX_LIFETIME.days} days")
    ps = vault.keyring.pseudonym(subject)
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    now = _now()
    info = AccessCodeInfo(holder, ps, now, now + expires_in)
    with vault.db.transaction() as conn:
        held = conn.execute(
            select(records.c.id).where(records.c.subject == ps, records.c.holder == holder).limit(1)
        ).first()
        if held is None:
            raise NotFound(
                f"{holder} holds no record about this subject; a service issues access codes "
                "only to people whose data it holds"
            )
        conn.execute(
            subject_access_codes.insert().values(
                code_hash=_hash(raw),
                subject=ps,
                holder=holder,
                created_at=info.created_at,
                expires_at=info.expires_at,
                revoked_at=None,
            )
        )
        _log(log, conn, {"kind": "access_code.issued", "holder": holder, "subject": ps})
    return _format(raw), info


def _lookup(db: Database, code: str | None) -> Any:
    if code is None or not code.strip():
        raise InvalidAccessCode(
            "no access code: send the header `Authorization: SubjectCode XXXX-XXXX-…` with "
            "the code the service gave you"
        )
    digest = _hash(normalise(code))
    with db.connect() as conn:
        row = conn.execute(
            select(subject_access_codes).where(subject_access_codes.c.code_hash == digest)
        ).first()
    if row is None:
        raise InvalidAccessCode("the access code is not valid; check it or ask the service")
    return row


def resolve(db: Database, code: str | None) -> str:
    """The pseudonym of the person the code was issued for, or :class:`InvalidAccessCode`."""
    row = _lookup(db, code)
    if row.revoked_at is not None:
        raise InvalidAccessCode("the access code was revoked; ask the service for a new one")
    if _aware(row.expires_at) <= _now():
        raise InvalidAccessCode(
            f"the access code expired on {_aware(row.expires_at):%Y-%m-%d}; ask the service "
            "for a new one"
        )
    return str(row.subject)


def revoke(db: Database, code: str) -> None:
    """Revoke one code (the person, or the service that gave it to her)."""
    row = _lookup(db, code)
    with db.transaction() as conn:
        conn.execute(
            update(subject_access_codes)
            .where(
                subject_access_codes.c.code_hash == row.code_hash,
                subject_access_codes.c.revoked_at.is_(None),
            )
            .values(revoked_at=_now())
        )


def history(log: TransparencyLog, pseudonym: str) -> list[LogEntry]:
    """Every log entry about the person: every access and every refusal (scenario 9)."""
    return log.history(pseudonym)


def export(vault: Vault, pseudonym: str) -> dict[str, Any]:
    """Everything the vault holds about the person with ``pseudonym`` (see
    :meth:`Vault.export_pseudonym`), for a person who proved herself with a code."""
    return vault.export_pseudonym(pseudonym)
