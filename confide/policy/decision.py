"""The answer to a decision request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["permit", "deny"]


@dataclass(frozen=True, slots=True)
class Decision:
    """``decision``, ``fields`` released, human-readable ``reasons``, rule ``rules`` ids and the
    ``policy`` content hash. A deny never says whether the record exists (I6).

    ``warrant`` carries the warrant reference of an I4 release so the log can record it.
    """

    decision: Verdict
    fields: tuple[str, ...]
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    policy: str
    warrant: str | None = field(default=None, compare=False)

    @property
    def permitted(self) -> bool:
        return self.decision == "permit"

    def to_json(self) -> dict[str, object]:
        """The decision contract's answer, exactly its five keys."""
        return {
            "decision": self.decision,
            "fields": list(self.fields),
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "policy": self.policy,
        }
