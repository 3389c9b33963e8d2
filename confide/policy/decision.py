"""The answer to a decision request."""

from __future__ import annotations

from typing import Literal, NamedTuple

Verdict = Literal["permit", "deny"]


class Decision(NamedTuple):
    """``decision``, ``fields`` released, human-readable ``reasons``, rule ``rules`` ids and the
    ``policy`` content hash. A deny never says whether the record exists (I6).

    ``warrant`` carries the warrant reference of an I4 release so the log can record it.
    A named tuple rather than a dataclass: decisions are made in hot paths, and creating one
    costs a third of a frozen dataclass.
    """

    decision: Verdict
    fields: tuple[str, ...]
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    policy: str
    warrant: str | None = None

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
