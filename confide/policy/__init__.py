"""The policy engine: YAML → typed model → verified → compiled table → decide.

``confide.policy.load(path)`` returns a :class:`CompiledPolicy` whose ``decide(request)``
answers the decision contract in-process.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from confide.policy.compile import CompiledPolicy
from confide.policy.decision import Decision
from confide.policy.explain import Explanation, explain
from confide.policy.load import parse_policy, read_policy
from confide.policy.model import Policy
from confide.policy.request import ConsentScope, DecisionRequest, Warrant, parse_request
from confide.policy.verify import verify_policy
from confide.taxonomy import Taxonomy

__all__ = [
    "CompiledPolicy",
    "ConsentScope",
    "Decision",
    "DecisionRequest",
    "Explanation",
    "Policy",
    "Warrant",
    "baseline_path",
    "compile_policy",
    "explain",
    "load",
    "load_text",
    "parse_policy",
    "parse_request",
    "read_policy",
    "verify_policy",
]


def compile_policy(policy: Policy, *, today: dt.date | None = None) -> CompiledPolicy:
    """Verify (I10) and compile a resolved policy."""
    verify_policy(policy, today=today)
    return CompiledPolicy(policy, today=today)


def load(path: str | Path, *, taxonomy: Taxonomy | None = None) -> CompiledPolicy:
    """Read, validate, verify and compile a policy file. Raises ``PolicyError`` on any problem."""
    return compile_policy(read_policy(path, taxonomy))


def load_text(
    text: str,
    file: str = "<policy>",
    *,
    taxonomy: Taxonomy | None = None,
    today: dt.date | None = None,
) -> CompiledPolicy:
    """Like :func:`load`, from text."""
    return compile_policy(parse_policy(text, file, taxonomy), today=today)


def baseline_path() -> Path:
    """The baseline policy shipped with Confide (a synthetic city)."""
    return Path(str(resources.files("confide.policy") / "baseline.yaml"))
