"""API tokens: how an organisation's own systems call Confide over HTTP.

A token is ``ct1_<id>_<secret>``: ``ct1`` is the format tag, ``<id>`` (16 hex digits) is
the public half, safe in lists and logs, and ``<secret>`` is 256 random bits (64 hex
digits), shown once and stored only as its SHA-256. A slow hash would add nothing: the
secret is random, not a password, so there is nothing to guess.

A token belongs to one organisation and is scoped to purposes (a parent purpose covers its
children) and to the roles its caller may act in. It always expires (at most
:data:`MAX_LIFETIME`) and can be revoked. No token is ever issued to an organisation of
sector ``immigration_enforcement`` (I1) or to an organisation the policy does not name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, select, update

from confide.errors import ConfideError, NotFound, NotPermitted
from confide.policy import CompiledPolicy
from confide.service.tables import api_tokens
from confide.storage import Database
from confide.taxonomy import ENFORCEMENT_SECTOR, covers
from confide.taxonomy.model import SUBJECT_ROLE, is_immigration
from confide.transparency.entries import ENTRY_KINDS
from confide.transparency.log import TransparencyLog

__all__ = [
    "MAX_LIFETIME",
    "TOKEN_PREFIX",
    "InvalidToken",
    "TokenError",
    "TokenInfo",
    "authenticate",
    "get",
    "issue",
    "list_tokens",
    "parse_header",
    "revoke",
]

#: The format tag of a token string; a new format gets a new tag.
TOKEN_PREFIX = "ct1"  # noqa: S105 - a format tag, not a secret
#: The longest a token may live: a lost token must stop working on its own.
MAX_LIFETIME = dt.timedelta(days=366)
_TOKEN = re.compile(r"ct1_([0-9a-f]{16})_([0-9a-f]{64})")
_LABEL = re.compile(r"[^\x00-\x1f\x7f]{1,128}")
#: Compared against when the id is unknown, so an unknown id costs what a wrong secret does.
_DUMMY_HASH = hashlib.sha256(b"confide-token-dummy").digest()


class TokenError(ConfideError, ValueError):
    """A token cannot be issued as asked (unknown organisation, purpose or role, I1 …)."""


class InvalidToken(NotPermitted):
    """The caller did not present a valid token. The message never carries token material."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a token may do. Never holds the secret or its hash."""

    id: str
    org: str
    label: str
    purposes: tuple[str, ...]
    roles: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_by: str

    def allows_purpose(self, purpose: str) -> bool:
        """True when ``purpose`` is one of the token's purposes or beneath one."""
        return any(covers(scope, purpose) for scope in self.purposes)

    def allows_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def actor(self) -> str:
        """How the token appears as the author of an action: ``token:<id>``."""
        return f"token:{self.id}"

    def status(self, now: dt.datetime | None = None) -> Literal["active", "expired", "revoked"]:
        now = now or _now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def _info(row: Any) -> TokenInfo:
    """A TokenInfo from an ``api_tokens`` row."""
    return TokenInfo(
        id=str(row.id),
        org=str(row.org),
        label=str(row.label),
        purposes=tuple(json.loads(row.purposes)),
        roles=tuple(json.loads(row.roles)),
        created_at=_aware(row.created_at),
        expires_at=_aware(row.expires_at),
        revoked_at=_aware(row.revoked_at) if row.revoked_at is not None else None,
        created_by=str(row.created_by),
    )


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _check_scope(
    policy: CompiledPolicy, org: str, purposes: Sequence[str], roles: Sequence[str]
) -> None:
    tax = policy.policy.taxonomy
    organisation = policy.policy.organisations.get(org)
    if organisation is None:
        raise TokenError(
            f"organisation {org!r} is not in the policy; tokens are issued only to "
            "organisations the policy names (`GET /v1/organisations` lists them)"
        )
    if organisation.sector == ENFORCEMENT_SECTOR:
        raise TokenError(
            f"{org} is an immigration enforcement body: Confide never issues it a token or "
            "an account, because nothing may be disclosed to it (I1)"
        )
    if not purposes:
        raise TokenError("a token needs at least one purpose (for example care.treatment)")
    if not roles:
        raise TokenError("a token needs at least one role (for example clinician or admin)")
    for purpose in purposes:
        if purpose not in tax.purposes:
            raise TokenError(f"unknown purpose {purpose!r}: use a purpose from docs/taxonomy.md")
        if is_immigration(purpose):
            raise TokenError(f"{purpose} is an immigration purpose, never permitted (I1)")
    for role in roles:
        if role not in tax.roles:
            raise TokenError(f"unknown role {role!r}: use a role from docs/taxonomy.md")
        if role == SUBJECT_ROLE:
            raise TokenError(
                "role `subject` is the person acting for themself; she uses a subject access "
                "code, not an organisation's token"
            )


def _log(log: TransparencyLog | None, conn: Connection, entry: dict[str, object]) -> None:
    # Admin actions belong in the transparency log, but the log refuses kinds it does not
    # know. Until the token kinds are registered (see docs/api.md) they are not logged.
    if log is not None and entry["kind"] in ENTRY_KINDS:
        log.append(conn, entry)


def _actor_id(actor: str) -> str:
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "_.:/-") else "_" for c in actor)
    return cleaned.lstrip("_.:/-")[:128] or "unnamed"


def issue(  # noqa: PLR0917 - the signature the service issue specifies
    db: Database,
    policy: CompiledPolicy,
    org: str,
    label: str,
    purposes: Sequence[str],
    roles: Sequence[str],
    expires_in: dt.timedelta,
    created_by: str,
    *,
    log: TransparencyLog | None = None,
) -> tuple[str, TokenInfo]:
    """Issue a token; return the token string (shown once, never stored) and its info."""
    purposes, roles = _unique(purposes), _unique(roles)
    _check_scope(policy, org, purposes, roles)
    if not isinstance(label, str) or _LABEL.fullmatch(label) is None:
        raise TokenError("a token's label is 1 to 128 printable characters")
    if expires_in <= dt.timedelta(0):
        raise TokenError("a token must expire in the future")
    if expires_in > MAX_LIFETIME:
        raise TokenError(
            f"a token lives at most {MAX_LIFETIME.days} days; issue a new one when it expires"
        )
    token_id = secrets.token_hex(8)
    secret = secrets.token_hex(32)
    now = _now()
    info = TokenInfo(
        id=token_id,
        org=org,
        label=label,
        purposes=purposes,
        roles=roles,
        created_at=now,
        expires_at=now + expires_in,
        revoked_at=None,
        created_by=created_by[:128],
    )
    with db.transaction() as conn:
        conn.execute(
            api_tokens.insert().values(
                id=token_id,
                org=org,
                label=label,
                secret_hash=_hash(secret),
                purposes=json.dumps(list(purposes)),
                roles=json.dumps(list(roles)),
                created_at=info.created_at,
                expires_at=info.expires_at,
                revoked_at=None,
                created_by=info.created_by,
            )
        )
        _log(
            log,
            conn,
            {
                "kind": "token.issued",
                "token": token_id,
                "org": org,
                "purposes": list(purposes),
                "roles": list(roles),
                "by": _actor_id(created_by),
            },
        )
    return f"{TOKEN_PREFIX}_{token_id}_{secret}", info


def parse_header(header_value: str | None) -> tuple[str, str]:
    """``Bearer ct1_<id>_<secret>`` → (id, secret); raises :class:`InvalidToken`."""
    if header_value is None or not header_value.strip():
        raise InvalidToken(
            "no API token: send the header `Authorization: Bearer ct1_…` with a token your "
            "administrator issued"
        )
    scheme, _, value = header_value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("the Authorization header must use the Bearer scheme")
    match = _TOKEN.fullmatch(value.strip())
    if match is None:
        raise InvalidToken(
            "the API token is malformed: a token looks like ct1_ + 16 hex digits + _ + "
            "64 hex digits"
        )
    return match.group(1), match.group(2)


def authenticate(db: Database, header_value: str | None) -> TokenInfo:
    """Check an ``Authorization`` header; return the token's info or raise
    :class:`InvalidToken` (missing, malformed, unknown, expired or revoked token)."""
    token_id, secret = parse_header(header_value)
    table = api_tokens
    with db.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == token_id)).first()
    stored = bytes(row.secret_hash) if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, _hash(secret))
    if row is None or not matches:
        raise InvalidToken("the API token is not valid: unknown or wrong")
    info = _info(row)
    if info.revoked_at is not None:
        raise InvalidToken(
            f"the API token {info.id} was revoked on {info.revoked_at:%Y-%m-%d}; ask your "
            "administrator for a new one"
        )
    if info.expires_at <= _now():
        raise InvalidToken(
            f"the API token {info.id} expired on {info.expires_at:%Y-%m-%d}; ask your "
            "administrator for a new one"
        )
    return info


def get(db: Database, token_id: str) -> TokenInfo:
    table = api_tokens
    with db.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == token_id)).first()
    if row is None:
        raise NotFound(f"no token {token_id}")
    return _info(row)


def list_tokens(db: Database, org: str | None = None) -> list[TokenInfo]:
    """Every token (of ``org``, if given), newest first. No secrets: there are none to show."""
    table = api_tokens
    query = select(table).order_by(table.c.created_at.desc(), table.c.id)
    if org is not None:
        query = query.where(table.c.org == org)
    with db.connect() as conn:
        return [_info(row) for row in conn.execute(query).all()]


def revoke(
    db: Database,
    token_id: str,
    by: str,
    *,
    org: str | None = None,
    log: TransparencyLog | None = None,
) -> TokenInfo:
    """Revoke a token at once. ``org`` restricts it to that organisation's tokens (an admin
    token manages its own organisation's). Revoking twice keeps the first time."""
    table = api_tokens
    now = _now()
    with db.transaction() as conn:
        row = conn.execute(select(table).where(table.c.id == token_id)).first()
        if row is None or (org is not None and row.org != org):
            raise NotFound(f"no token {token_id}" + (f" of {org}" if org else ""))
        if row.revoked_at is None:
            conn.execute(update(table).where(table.c.id == token_id).values(revoked_at=now))
            _log(
                log,
                conn,
                {"kind": "token.revoked", "token": token_id, "org": row.org, "by": _actor_id(by)},
            )
        row = conn.execute(select(table).where(table.c.id == token_id)).one()
    return _info(row)
