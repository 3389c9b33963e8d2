"""One exception tree for Confide.

Every error a caller can act on is a :class:`ConfideError`. Messages say what was wrong
and how to fix it; they never carry a secret, a key, a receipt code or personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfideError",
    "ConfigurationError",
    "InvariantViolation",
    "NotFound",
    "NotPermitted",
    "PolicyError",
    "PolicyProblem",
    "RequestError",
    "StorageError",
    "TaxonomyError",
    "VerificationError",
]


class ConfideError(Exception):
    """The root of every error Confide raises on purpose."""


class ConfigurationError(ConfideError):
    """Confide is set up wrongly (data directory, key file, database URL)."""


class TaxonomyError(ConfideError):
    """A taxonomy data file is malformed or a name is not in the taxonomy."""


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One problem in a policy file, located as precisely as the file allows."""

    message: str
    file: str = "<policy>"
    line: int | None = None
    column: int | None = None
    invariant: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        tag = f"[{self.invariant}] " if self.invariant else ""
        return f"{where}: {tag}{self.message}"


class PolicyError(ConfideError):
    """A policy file cannot be loaded: it is malformed, refers to unknown names,
    or would allow a flow that an invariant forbids.

    ``problems`` lists every problem found, each with file, line and column.
    """

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"the policy has {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class InvariantViolation(PolicyError):
    """The policy is well-formed but would permit a flow that I1-I10 forbid (I10)."""


class RequestError(ConfideError):
    """A decision request is malformed. The decision path turns this into a deny (I5)."""


class VerificationError(ConfideError):
    """A proof, checkpoint, signature or log does not verify."""


class NotPermitted(ConfideError):
    """The policy engine denied the action. Carries nothing about whether a record exists (I6)."""


class NotFound(ConfideError):
    """A name or object the caller asked for does not exist (never used for denied records, I6)."""


class StorageError(ConfideError):
    """The database cannot be reached or written; the action did not happen."""
