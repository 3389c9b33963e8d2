"""Policy versions: verified before they take effect, logged, seen by other processes."""

from __future__ import annotations

import pytest

from confide.errors import PolicyError
from confide.policy import baseline_path
from confide.runtime import Confide
from confide.service import policies

REQUEST = {
    "requester": {"org": "city-hospital", "role": "clinician"},
    "action": "read",
    "purpose": "care.emergency",
    "record": {"holder": "st-marys-clinic", "subject": "s-1"},
    "fields": ["health.allergies"],
}


def _baseline() -> str:
    return baseline_path().read_text(encoding="utf-8")


def _without_emergency_rule() -> str:
    text = _baseline()
    start = text.index("  - id: emergency-care-between-health-services")
    end = text.index("  - id: break-glass-emergency")
    return text[:start] + text[end:]


def test_current_is_the_file_before_any_upload(confide: Confide) -> None:
    current = policies.current(confide)
    assert current.hash == confide.policy.hash
    assert current.text == _baseline()
    assert policies.versions(confide.db) == []


def test_upload_changes_engine_logs_and_keeps_history(confide: Confide) -> None:
    old = confide.policy.hash
    assert confide.vault.policy.decide(REQUEST).decision == "permit"
    size = confide.log.size()
    version, changed = policies.upload(confide, _without_emergency_rule(), "token:abc")
    assert changed and version.hash != old and version.active
    assert confide.policy is confide.vault.policy
    assert confide.vault.policy.decide(REQUEST).decision == "deny"
    entry = confide.log.entry(size).fields
    assert entry["kind"] == "policy.changed"
    assert (entry["policy"], entry["previous"]) == (version.hash, old)
    history = policies.versions(confide.db)
    assert [v.hash for v in history] == [version.hash, old]
    assert [v.active for v in history] == [True, False]
    assert policies.current(confide).text == _without_emergency_rule()
    # Re-uploading the same policy changes nothing and logs nothing.
    _, again = policies.upload(confide, _without_emergency_rule(), "token:abc")
    assert not again and confide.log.size() == size + 1
    # Going back reactivates the stored version.
    back, changed = policies.upload(confide, _baseline(), "token:abc")
    assert changed and back.hash == old
    assert confide.vault.policy.decide(REQUEST).decision == "permit"


def test_a_policy_that_does_not_compile_changes_nothing(confide: Confide) -> None:
    old, size = confide.policy.hash, confide.log.size()
    broken = _baseline() + "\nbogus: 1\nmore_bogus: 2\n"
    with pytest.raises(PolicyError) as caught:
        policies.upload(confide, broken, "token:abc")
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) >= 2 and all(line.startswith("policy.yaml:") for line in lines)
    assert confide.policy.hash == old and confide.log.size() == size
    assert policies.versions(confide.db) == []


def test_an_i10_violation_is_refused(confide: Confide) -> None:
    # Turning the written-out refusal into a permit must not compile (I1, I10).
    marker = "  - id: immigration-authority-gets-nothing\n    effect: forbid"
    text = _baseline().replace(marker, marker.replace("forbid", "permit"))
    assert text != _baseline()
    with pytest.raises(PolicyError):
        policies.upload(confide, text, "token:abc")


def test_another_process_notices(confide: Confide) -> None:
    other = Confide.open(confide.settings)
    try:
        sync = policies.PolicySync(interval=0.0)
        version, _ = policies.upload(confide, _without_emergency_rule(), "token:abc")
        assert other.policy.hash != version.hash
        sync.refresh(other)
        assert other.policy.hash == version.hash == other.vault.policy.hash
        assert policies.load_active(other.db) is not None
    finally:
        other.close()
