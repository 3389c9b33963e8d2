"""Explain a decision to a person: which rules matched, which invariant forbade, what was
released and what was withheld, in words a data protection officer can check against the
policy file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from confide.errors import ConfideError
from confide.policy.compile import CompiledPolicy
from confide.policy.decision import Decision
from confide.policy.request import DecisionRequest, parse_request

INVARIANTS: Mapping[str, str] = {
    "I1": "Nothing is disclosed to immigration enforcement or for an immigration purpose.",
    "I2": "Immigration status, nationality, country of birth and document numbers leave the "
    "collecting service only to the person, or to legal aid they chose with consent.",
    "I3": "An immigration offence is never a criminal-justice exemption.",
    "I4": "Serious-crime disclosure needs a judicial warrant naming the person and offence, and "
    "releases only the fields it lists.",
    "I5": "Unknown names, missing context or any engine error means deny (fail closed).",
    "I6": "A deny does not say whether the record exists.",
    "I7": "The person's own access, correction and portability are never blocked.",
}


@dataclass(frozen=True, slots=True)
class MatchedRule:
    id: str
    kind: str
    effect: str
    line: int | None
    description: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    decision: Decision
    request: DecisionRequest | None
    matched: tuple[MatchedRule, ...]
    invariants: tuple[tuple[str, str], ...]
    withheld: tuple[str, ...]


def explain(engine: CompiledPolicy, request: DecisionRequest | Mapping[str, Any]) -> Explanation:
    """Decide ``request`` and gather what a person needs to understand the answer."""
    decision = engine.decide(request)
    parsed: DecisionRequest | None
    try:
        parsed = request if isinstance(request, DecisionRequest) else parse_request(request)
    except ConfideError:
        parsed = None
    matched: list[MatchedRule] = []
    withheld: tuple[str, ...] = ()
    if parsed is not None:
        grants = {g.id: g for g in engine.policy.grants}
        key = (
            parsed.requester_org,
            parsed.role,
            parsed.action,
            parsed.purpose,
            parsed.holder,
            parsed.context_class,
        )
        cell = engine.table.get(key)
        if cell is not None:
            for grant_id, mask in (*cell.permits, *cell.forbids):
                g = grants[grant_id]
                matched.append(
                    MatchedRule(g.id, g.kind, g.effect, g.line, g.description, engine.names(mask))
                )
        known = [f for f in parsed.fields if f in engine.policy.taxonomy.categories]
        leaves = [leaf for f in known for leaf in engine.policy.taxonomy.leaves("category", f)]
        withheld = tuple(dict.fromkeys(f for f in leaves if f not in decision.fields))
    invariants = tuple((i, INVARIANTS[i]) for i in decision.rules if i in INVARIANTS)
    return Explanation(decision, parsed, tuple(matched), invariants, withheld)
