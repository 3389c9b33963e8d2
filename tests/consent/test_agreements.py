"""Data-sharing agreements made at run time: activation re-proves the invariants over every
active agreement (scenario 8 at run time), expiry stops them, every worker follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from confide.consent.agreements import Agreements, effective_hash
from confide.consent.model import ConsentError
from confide.consent.tables import agreements as agreement_table
from confide.errors import InvariantViolation
from confide.runtime import Confide
from confide.service.policies import PolicySync
from confide.storage import Settings
from tests.consent.helpers import CLINIC

COUNCIL = "city-council"
ENFORCEMENT = "national-immigration-authority"


def _spec(**changes: Any) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    spec: dict[str, Any] = {
        "id": "clinic-to-council-housing",
        "description": "The surgery tells the council which patients need housing help.",
        "from": CLINIC,
        "to": COUNCIL,
        "purposes": ["housing.support"],
        "categories": ["identity.name", "contact.address"],
        "owner": "dpo@st-marys.example.org",
        "expires": (today + dt.timedelta(days=365)).isoformat(),
        "review": (today + dt.timedelta(days=180)).isoformat(),
    }
    spec.update(changes)
    return spec


def _record(confide: Confide) -> str:
    return confide.vault.put(
        holder=CLINIC,
        subject="patient-test-0001",
        purpose="care.treatment",
        values={"identity.name": "Test Patient One", "contact.address": "1 Test Street"},
    )


def _council_read(confide: Confide, record: str) -> Any:
    return confide.vault.read(
        record, requester=COUNCIL, holder=CLINIC, purpose="housing.support", role="caseworker"
    )


def _kinds(confide: Confide) -> list[str]:
    return [e.kind for e in confide.log.entries(0, confide.log.size())]


def test_a_proposed_agreement_permits_nothing_until_activated(confide: Confide) -> None:
    record = _record(confide)
    registry = Agreements(confide)
    proposed = registry.propose(_spec(), proposed_by="admin-test")
    assert proposed.state == "proposed"
    assert not _council_read(confide, record).permitted
    assert registry.check(proposed.id) == []
    before = confide.policy.hash
    registry.activate(proposed.id, by="admin-test")
    read = _council_read(confide, record)
    assert read.permitted
    assert set(read.values or {}) == {"identity.name", "contact.address"}
    # The policy in force changed, and decisions say so.
    assert read.decision.policy == confide.policy.hash != before
    assert confide.policy.policy.file_hash == before
    assert "agreement.activated" in _kinds(confide)
    registry.retire(proposed.id, by="admin-test")
    assert not _council_read(confide, record).permitted
    assert confide.policy.hash == before
    assert "agreement.retired" in _kinds(confide)


def test_only_the_service_whose_data_it_shares_activates(confide: Confide) -> None:
    from confide.errors import NotFound, NotPermitted

    registry = Agreements(confide)
    proposed = registry.propose(_spec(), proposed_by="a")
    with pytest.raises(NotPermitted):
        registry.activate(proposed.id, by="a", org=COUNCIL)
    with pytest.raises(NotFound):
        registry.get(proposed.id, org="northside-school")
    assert registry.activate(proposed.id, by="a", org=CLINIC).state == "active"


def test_a_chain_to_enforcement_is_refused_at_activation_naming_the_path(
    confide: Confide,
) -> None:
    registry = Agreements(confide)
    registry.activate(registry.propose(_spec(), proposed_by="a").id, by="a")
    onward = registry.propose(
        _spec(
            id="council-to-enforcement",
            **{"from": COUNCIL, "to": ENFORCEMENT, "purposes": ["housing.support"]},
        ),
        proposed_by="a",
    )
    problems = registry.check(onward.id)
    assert problems
    assert "st-marys-clinic → city-council → national-immigration-authority" in str(problems[0])
    with pytest.raises((InvariantViolation, ConsentError)) as refused:
        registry.activate(onward.id, by="a")
    assert "national-immigration-authority" in str(refused.value)
    assert registry.get(onward.id).state == "proposed"
    assert "agreement.refused" in _kinds(confide)


def test_protected_data_cannot_be_passed_on_from_legal_aid(confide: Confide) -> None:
    """The clinic may send status to legal aid the patient chose; an agreement passing it on
    from there would open a path for protected data, and is refused (I2, I10)."""
    registry = Agreements(confide)
    onward = registry.propose(
        _spec(
            id="legal-aid-to-council",
            **{
                "from": "migrant-legal-aid",
                "to": COUNCIL,
                "categories": ["identity.name", "immigration.status"],
            },
        ),
        proposed_by="a",
    )
    with pytest.raises(InvariantViolation) as refused:
        registry.activate(onward.id, by="a")
    assert any(p.invariant == "I2" for p in refused.value.problems)


def test_an_expired_agreement_stops_permitting(confide: Confide) -> None:
    record = _record(confide)
    registry = Agreements(confide)
    registry.activate(registry.propose(_spec(), proposed_by="a").id, by="a")
    assert _council_read(confide, record).permitted
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with confide.db.transaction() as conn:
        conn.execute(
            agreement_table.update()
            .where(agreement_table.c.id == "clinic-to-council-housing")
            .values(expires=yesterday)
        )
    sync = PolicySync(interval=0)
    sync.refresh(confide, force=True)
    assert not _council_read(confide, record).permitted
    assert registry.get("clinic-to-council-housing").summary()["state"] == "expired"


def test_another_process_follows_an_activation(confide: Confide, settings: Settings) -> None:
    other = Confide.open(settings)
    try:
        registry = Agreements(confide)
        registry.activate(registry.propose(_spec(), proposed_by="a").id, by="a")
        assert other.policy.hash != confide.policy.hash
        PolicySync(interval=0).refresh(other, force=True)
        assert other.policy.hash == confide.policy.hash
        restarted = Confide.open(settings)
        assert restarted.policy.hash == confide.policy.hash
        restarted.close()
    finally:
        other.close()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"to": "nowhere-org"}, "not in the policy"),
        ({"categories": ["identity.nonsense"]}, "unknown data category"),
        ({"owner": None}, "owner"),
        ({"expires": "2001-01-01"}, "past"),
        ({"review": "2999-01-01"}, "review date"),
        ({"id": "gp-to-hospital-referrals"}, "already used"),
        ({"when": "warrant"}, "consent"),
        ({"unexpected": 1}, "malformed"),
    ],
)
def test_a_bad_proposal_says_why_and_stores_nothing(
    confide: Confide, changes: dict[str, Any], says: str
) -> None:
    with pytest.raises(ConsentError, match=says):
        Agreements(confide).propose(_spec(**changes), proposed_by="a")
    assert Agreements(confide).list() == []


def test_the_effective_hash_is_the_file_hash_without_agreements() -> None:
    assert effective_hash("sha256:" + "0" * 64, []) == "sha256:" + "0" * 64


def test_a_new_policy_version_must_hold_with_the_active_agreements(confide: Confide) -> None:
    """A new policy version that closes the council, while the council shares with
    children's services under a run-time agreement, would break the promise of a closed
    service: the upload is refused, naming the agreement, and the running policy stays."""
    from confide.errors import PolicyError
    from confide.policy import baseline_path
    from confide.service.policies import upload

    registry = Agreements(confide)
    spec = _spec(
        id="council-to-childrens-services",
        purposes=["safeguarding.child"],
        categories=["identity.name"],
        **{"from": COUNCIL, "to": "children-services"},
    )
    registry.activate(registry.propose(spec, proposed_by="a").id, by="a")
    running = confide.policy.hash
    text = baseline_path().read_text(encoding="utf-8")
    closed = text.replace(
        "  - id: city-council\n    sector: local_government\n",
        "  - id: city-council\n    sector: local_government\n    closed: true\n",
        1,
    )
    assert closed != text
    with pytest.raises(PolicyError, match="council-to-childrens-services"):
        upload(confide, closed, "admin-test")
    assert confide.policy.hash == running
