"""Log entries: the registry of entry kinds, their schemas, and the canonical bytes.

An entry is a JSON object canonicalised with RFC 8785 (JCS), so one entry has exactly one
byte string and its leaf hash can be recomputed by anyone. Every entry carries

* ``v``: the entry format version (:data:`ENTRY_VERSION`), the version tag STYLE.md asks
  of every persisted artefact;
* ``kind``: one of the registered :class:`EntryKind` names;
* ``index``: its position in the log, so an entry moved to another row no longer fits
  there (scenario 10: a reordering names the entry);
* ``time``: when it was appended, UTC, RFC 3339 with microseconds;

and the fields its kind documents, nothing else. The log holds no personal data: no
names, values, receipt codes or addresses. A subject appears only as a keyed pseudonym
(``ps1:`` + 32 hex digits, :func:`confide.crypto.pseudonym`). Validation enforces what it
can: unknown keys are refused, every string must be an identifier (no spaces, at most
128 characters), and ``subject`` must be a pseudonym. It is a guard against mistakes, not
a proof that a caller never puts a phone number in the ``holder`` field. Error messages
name the kind and the field, never the value.

Kinds are an explicit registry (:func:`register_kind`) so later features can add theirs;
``docs/transparency.md`` documents each one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import rfc8785

from confide.errors import ConfideError

__all__ = [
    "ENTRY_KINDS",
    "ENTRY_VERSION",
    "RESERVED_KEYS",
    "EntryError",
    "EntryKind",
    "FieldType",
    "LogEntry",
    "canonical_entry",
    "format_time",
    "is_pseudonym",
    "register_kind",
    "validate_entry",
]

#: The entry format version, the ``v`` of every entry.
ENTRY_VERSION: Final = 1
#: Keys the log sets itself; a caller may not supply them.
RESERVED_KEYS: Final = frozenset({"v", "index", "time"})

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
_PSEUDONYM = re.compile(r"ps1:[0-9a-f]{32}")
_POLICY_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_MAX_LIST = 512


class EntryError(ConfideError):
    """A log entry does not fit its kind's schema; nothing was appended."""


@dataclass(frozen=True, slots=True)
class FieldType:
    """A field's type: a name for the documentation and a check of one JSON value."""

    name: str
    check: Callable[[object], bool]


def _is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def is_pseudonym(value: object) -> bool:
    """True for a keyed subject pseudonym, ``ps1:`` + 32 lower-case hex digits."""
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 63


def _nullable(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: value is None or check(value)


def _list_of(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: (
        isinstance(value, list | tuple) and len(value) <= _MAX_LIST and all(map(check, value))
    )


def _one_of(*choices: str) -> Callable[[object], bool]:
    return lambda value: value in choices


ID = FieldType("identifier", _is_token)
ID_OR_NULL = FieldType("identifier or null", _nullable(_is_token))
IDS = FieldType("list of identifiers", _list_of(_is_token))
PSEUDONYM = FieldType("subject pseudonym (ps1:…)", is_pseudonym)
PSEUDONYM_OR_NULL = FieldType("subject pseudonym or null", _nullable(is_pseudonym))
COUNT = FieldType("non-negative integer", _is_count)
POLICY_HASH = FieldType(
    "policy hash (sha256:…)",
    lambda v: isinstance(v, str) and _POLICY_HASH.fullmatch(v) is not None,
)
POLICY_HASH_OR_NULL = FieldType("policy hash or null", _nullable(POLICY_HASH.check))
TIMESTAMP = FieldType(
    "UTC timestamp (RFC 3339, Z)",
    lambda v: isinstance(v, str) and _TIMESTAMP.fullmatch(v) is not None,
)
BOOL = FieldType("true or false", lambda v: isinstance(v, bool))
PERMIT_OR_DENY = FieldType('"permit" or "deny"', _one_of("permit", "deny"))


@dataclass(frozen=True, slots=True)
class EntryKind:
    """One kind of log entry: its name, what it records, and its fields.

    ``required`` fields must be present (a nullable type still needs the key, with
    ``null``); ``optional`` fields may be left out. Any other key is refused.
    """

    name: str
    description: str
    required: Mapping[str, FieldType]
    optional: Mapping[str, FieldType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _is_token(self.name):
            raise ValueError("an entry kind name must be an identifier")
        clash = (set(self.required) | set(self.optional)) & (RESERVED_KEYS | {"kind"})
        if clash or set(self.required) & set(self.optional):
            raise ValueError(f"entry kind {self.name!r} redefines a reserved or repeated field")

    def validate(self, fields: Mapping[str, Any]) -> None:
        """Raise :class:`EntryError` unless ``fields`` (without ``kind``) fit this kind."""
        for key in fields:
            if key in RESERVED_KEYS:
                raise EntryError(f"log entry {self.name!r}: the log sets {key!r} itself")
            if key not in self.required and key not in self.optional:
                raise EntryError(
                    f"log entry {self.name!r}: field {key!r} is not in its schema "
                    "(see docs/transparency.md); the log refuses fields it does not know, "
                    "so no personal data slips in"
                )
        for key in self.required:
            if key not in fields:
                raise EntryError(f"log entry {self.name!r}: field {key!r} is missing")
        for key, value in fields.items():
            expected = self.required.get(key) or self.optional[key]
            if not expected.check(value):
                # Never echo the value: it may be exactly the personal data being refused.
                raise EntryError(
                    f"log entry {self.name!r}: field {key!r} must be a {expected.name}"
                )


#: Every kind the log accepts, by name. Add one with :func:`register_kind`.
ENTRY_KINDS: dict[str, EntryKind] = {}


def register_kind(kind: EntryKind) -> EntryKind:
    """Add ``kind`` to the registry. Refuses to replace a kind already registered."""
    if kind.name in ENTRY_KINDS and ENTRY_KINDS[kind.name] != kind:
        raise ValueError(f"entry kind {kind.name!r} is already registered")
    ENTRY_KINDS[kind.name] = kind
    return kind


register_kind(
    EntryKind(
        "decision",
        "A policy decision on a request for a subject's data, permit or deny (I8). "
        "``subject`` is null only when the request matched no subject (a search that "
        "found nothing).",
        required={
            "requester": ID,
            "role": ID,
            "action": ID,
            "purpose": ID,
            "holder": ID,
            "requested": IDS,
            "released": IDS,
            "decision": PERMIT_OR_DENY,
            "rules": IDS,
            "policy": POLICY_HASH,
            "subject": PSEUDONYM_OR_NULL,
            "record": ID_OR_NULL,
            "warrant": ID_OR_NULL,
            "context": ID_OR_NULL,
        },
        optional={"sector": ID, "consent": ID, "referral": ID},
    )
)
register_kind(
    EntryKind(
        "record.created",
        "A holder stored a new record about a subject.",
        required={"subject": PSEUDONYM, "record": ID, "holder": ID, "purpose": ID},
        optional={"categories": IDS, "policy": POLICY_HASH},
    )
)
register_kind(
    EntryKind(
        "record.forgotten",
        "One record was erased (its fields destroyed).",
        required={"subject": PSEUDONYM, "record": ID, "holder": ID},
        optional={"reason": ID},
    )
)
register_kind(
    EntryKind(
        "record.purged",
        "One record reached the end of its retention period and was deleted.",
        required={"subject": PSEUDONYM, "record": ID, "purpose": ID},
        optional={"holder": ID},
    )
)
register_kind(
    EntryKind(
        "subject.forgotten",
        "A subject was forgotten: their data key was destroyed (crypto-shredding).",
        required={"subject": PSEUDONYM},
        optional={"reason": ID, "records": COUNT, "fields": COUNT, "key_destroyed": BOOL},
    )
)
register_kind(
    EntryKind(
        "records.purged",
        "A batch of records past their retention date was deleted (counted, not listed).",
        required={"count": COUNT, "before": TIMESTAMP, "holder": ID_OR_NULL},
    )
)
register_kind(
    EntryKind(
        "policy.changed",
        "A new policy took effect.",
        required={"policy": POLICY_HASH, "previous": POLICY_HASH_OR_NULL},
    )
)
register_kind(
    EntryKind(
        "key.rotated",
        "A new key-encryption key became active; subjects' data keys were rewrapped.",
        required={"kek": ID},
        optional={"previous": ID_OR_NULL, "rewrapped": COUNT},
    )
)
register_kind(
    EntryKind(
        "key.retired",
        "A key-encryption key was retired (no data key is wrapped under it any more).",
        required={"kek": ID},
    )
)
register_kind(
    EntryKind(
        "break_glass",
        "An emergency read outside the policy, to be reviewed by the DPO.",
        required={
            "requester": ID,
            "role": ID,
            "holder": ID,
            "purpose": ID,
            "subject": PSEUDONYM,
            "record": ID_OR_NULL,
            "released": IDS,
        },
        optional={"reason": ID, "policy": POLICY_HASH, "review": ID},
    )
)

register_kind(
    EntryKind(
        "token.issued",
        "An API token was issued to an organisation (shown once; only its id is logged).",
        required={"token": ID, "org": ID, "purposes": IDS, "roles": IDS, "by": ID},
    )
)

register_kind(
    EntryKind(
        "token.revoked",
        "An API token was revoked.",
        required={"token": ID, "org": ID, "by": ID},
    )
)

register_kind(
    EntryKind(
        "access_code.issued",
        "A holder issued a subject access code so the person can see her own history.",
        required={"holder": ID, "subject": PSEUDONYM},
    )
)

register_kind(
    EntryKind(
        "staff.created",
        "An administrator created a staff account (opaque id and roles only).",
        required={"org": ID, "staff": ID, "role": ID, "work_role": ID},
    )
)

register_kind(
    EntryKind(
        "staff.disabled",
        "A staff account was disabled.",
        required={"org": ID, "staff": ID},
    )
)

register_kind(
    EntryKind(
        "staff.sign_in",
        "A staff member's second sign-in step (the password was right): accepted, refused, "
        "replayed or throttled. Only the opaque staff id, never a name or a code.",
        required={
            "org": ID,
            "staff": ID,
            "outcome": FieldType(
                '"accepted", "refused", "replayed" or "throttled"',
                _one_of("accepted", "refused", "replayed", "throttled"),
            ),
        },
    )
)

register_kind(
    EntryKind(
        "break_glass.reviewed",
        "The data protection officer reviewed a break-glass read (scenario 14).",
        required={
            "review": ID,
            "org": ID,
            "subject": PSEUDONYM,
            "outcome": FieldType(
                '"justified" or "unjustified"', _one_of("justified", "unjustified")
            ),
        },
    )
)


def validate_entry(entry: Mapping[str, Any]) -> tuple[EntryKind, dict[str, Any]]:
    """Check ``entry`` against its kind; return the kind and the fields without ``kind``."""
    if not isinstance(entry, Mapping):
        raise EntryError("a log entry must be a mapping of field names to values")
    name = entry.get("kind")
    kind = ENTRY_KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise EntryError(
            "a log entry needs a registered 'kind' "
            f"({', '.join(sorted(ENTRY_KINDS))}); see docs/transparency.md"
        )
    fields = {k: list(v) if isinstance(v, tuple) else v for k, v in entry.items() if k != "kind"}
    kind.validate(fields)
    return kind, fields


def format_time(moment: datetime) -> str:
    """``moment`` as the entry ``time``: UTC, RFC 3339, microseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("log times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_entry(kind: EntryKind, fields: Mapping[str, Any], index: int, time: str) -> bytes:
    """The RFC 8785 bytes of a validated entry at position ``index``."""
    document = {**fields, "v": ENTRY_VERSION, "kind": kind.name, "index": index, "time": time}
    return bytes(rfc8785.dumps(document))


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A stored entry: its position and its canonical bytes."""

    index: int
    data: bytes

    @property
    def fields(self) -> dict[str, Any]:
        """The entry as a JSON object."""
        parsed = json.loads(self.data)
        if not isinstance(parsed, dict):
            raise ValueError("a log entry is not a JSON object")
        return parsed

    @property
    def kind(self) -> str:
        return str(self.fields.get("kind"))


_REPORT = {"report": ID, "holder": ID, "subject": PSEUDONYM}

register_kind(
    EntryKind(
        "report.received",
        "A safe report reached the service the reporter chose, after redaction (I9). Only "
        "its type and who filed it; never its text, nor whether anything was removed.",
        required={
            **_REPORT,
            "type": FieldType(
                '"crime", "labour" or "data_misuse"', _one_of("crime", "labour", "data_misuse")
            ),
            "reporter": FieldType(
                '"victim", "witness", "on_behalf" or "organisation"',
                _one_of("victim", "witness", "on_behalf", "organisation"),
            ),
            "policy": POLICY_HASH,
        },
        optional={"filer": ID},
    )
)

register_kind(
    EntryKind(
        "report.message",
        "A message was added to a report: a reply from the service or an answer or more "
        "information from the reporter (redacted like the report). Never its text.",
        required={
            **_REPORT,
            "author": FieldType('"reporter" or "service"', _one_of("reporter", "service")),
        },
    )
)

register_kind(
    EntryKind(
        "report.state",
        "The receiving service moved a report to a new state.",
        required={
            **_REPORT,
            "state": FieldType(
                '"new", "acknowledged", "in_progress", "referred" or "closed"',
                _one_of("new", "acknowledged", "in_progress", "referred", "closed"),
            ),
        },
    )
)

register_kind(
    EntryKind(
        "report.withdrawn",
        "The reporter withdrew a report: its key was destroyed, so its text, contact details "
        "and messages can no longer be read by anyone.",
        required=dict(_REPORT),
    )
)


_CONSENT = {"consent": ID, "subject": PSEUDONYM, "holder": ID, "recipient": ID}

register_kind(
    EntryKind(
        "consent.given",
        "A person gave express consent for ``holder`` to share ``categories`` with "
        "``recipient`` for ``purpose`` until ``expires``. Never the text she was shown.",
        required={
            **_CONSENT,
            "purpose": ID,
            "categories": IDS,
            "expires": TIMESTAMP,
            "policy": POLICY_HASH,
        },
    )
)

register_kind(
    EntryKind(
        "consent.withdrawn",
        "A consent was withdrawn, by the person or by staff on her behalf; from then on it "
        "opens nothing (scenario 13).",
        required={
            **_CONSENT,
            "by": FieldType('"person" or "staff"', _one_of("person", "staff")),
        },
    )
)

REFERRAL_STATES: Final = ("offered", "accepted", "completed", "declined", "expired", "withdrawn")

register_kind(
    EntryKind(
        "referral.state",
        "A referral was offered, or moved to a new state. ``offered`` carries the purpose, "
        "the categories and the consent it rests on.",
        required={
            "referral": ID,
            "subject": PSEUDONYM,
            "holder": ID,
            "recipient": ID,
            "consent": ID,
            "state": FieldType(
                ", ".join(f'"{s}"' for s in REFERRAL_STATES), _one_of(*REFERRAL_STATES)
            ),
        },
        optional={"purpose": ID, "categories": IDS, "expires": TIMESTAMP},
    )
)

_AGREEMENT = {"agreement": ID, "source": ID, "recipient": ID}

register_kind(
    EntryKind(
        "agreement.proposed",
        "A data-sharing agreement was proposed at run time; it permits nothing yet.",
        required={**_AGREEMENT, "purposes": IDS, "categories": IDS, "expires": ID},
        optional={"condition": ID},
    )
)

register_kind(
    EntryKind(
        "agreement.activated",
        "A run-time agreement passed the invariant check over every active agreement and "
        "took effect: ``policy`` is the effective policy hash from now on.",
        required={**_AGREEMENT, "policy": POLICY_HASH, "previous": POLICY_HASH},
    )
)

register_kind(
    EntryKind(
        "agreement.refused",
        "Activating an agreement was refused: with the others in force it would break the "
        "invariants listed (for example a chain carrying data to immigration enforcement).",
        required={**_AGREEMENT, "invariants": IDS},
    )
)

register_kind(
    EntryKind(
        "agreement.retired",
        "A run-time agreement was retired (or withdrawn before activation); it permits "
        "nothing from now on.",
        required={**_AGREEMENT, "policy": POLICY_HASH},
    )
)


register_kind(
    EntryKind(
        "stats.released",
        "A statistics release was published: its services, its method (``suppression`` with "
        "threshold ``k``, or ``dp`` spending ``epsilon`` of the dataset's budget) and the "
        "SHA-256 of what was published. Counts only ever leave Confide this way.",
        required={
            "release": ID,
            "dataset": ID,
            "services": IDS,
            "method": FieldType('"suppression" or "dp"', _one_of("suppression", "dp")),
            "output": FieldType(
                "sha256:… of the release's JSON",
                lambda v: isinstance(v, str) and _POLICY_HASH.fullmatch(v) is not None,
            ),
            "policy": POLICY_HASH,
        },
        optional={"k": COUNT, "epsilon": ID, "spent": ID, "budget": ID},
    )
)
