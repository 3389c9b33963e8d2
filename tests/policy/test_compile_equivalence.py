"""The compiled table agrees with the reference evaluator on generated policies and requests.

The engine is built without verification here, so even policies that break invariants are
compared: the guards must agree too.
"""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from confide.policy import CompiledPolicy, Policy
from confide.policy.reference import reference_fields
from tests.policy.strategies import TODAY, policies, requests


@given(st.data(), policies())
def test_compiled_table_equals_reference(data: st.DataObject, policy: Policy) -> None:
    engine = CompiledPolicy(policy, today=TODAY)
    for _ in range(40):
        r = data.draw(requests(policy))
        decision = engine.decide(r)
        expected = reference_fields(policy, r, TODAY)
        if expected is None:
            assert decision.decision == "deny", (r, decision)
            assert decision.fields == ()
        else:
            assert decision.decision == "permit", (r, decision)
            assert decision.fields == expected, (r, decision)
            event("permit")
        # A memoised answer is the same answer.
        assert engine.decide(r) == decision
