"""What the vault returns, and the limits on what it accepts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection

from confide.policy import Decision

#: The largest value one field may hold, in bytes of UTF-8. A case narrative fits; a file
#: does not (attachments are not fields).
MAX_FIELD_BYTES = 64 * 1024
#: The most fields one record may carry.
MAX_FIELDS = 256
#: The longest subject reference accepted (an opaque id, never a name).
MAX_SUBJECT_CHARS = 200


class AccessLog(Protocol):
    """Where the vault records every decision and change, in the same transaction (I8)."""

    def append(self, conn: Connection, entry: Mapping[str, Any]) -> int: ...

    def append_many(self, conn: Connection, entries: Sequence[Mapping[str, Any]]) -> list[int]: ...


@dataclass(frozen=True)
class Disclosure:
    """The answer to a read: the decision, and the values of the released fields.

    ``values`` holds only fields that were both released and present on the record.
    """

    decision: Decision
    record_id: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def permitted(self) -> bool:
        return self.decision.permitted

    def to_json(self) -> dict[str, Any]:
        answer = self.decision.to_json()
        if self.decision.permitted:
            answer["record"] = self.record_id
            answer["values"] = dict(self.values)
        return answer


@dataclass(frozen=True)
class SearchResult:
    decision: Decision
    records: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        answer = self.decision.to_json()
        if self.decision.permitted:
            answer["records"] = list(self.records)
        return answer


@dataclass(frozen=True)
class ForgetReport:
    subject: str
    records: int
    fields: int
    key_destroyed: bool


@dataclass(frozen=True)
class PurgeReport:
    records: int
    fields: int
    subjects_forgotten: int
    by_purpose: dict[str, int]
