"""Hypothesis strategies for policies and decision requests over the shipped taxonomy."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import yaml
from hypothesis import strategies as st

from confide.policy import ConsentScope, DecisionRequest, Policy, Warrant, parse_policy
from confide.taxonomy import default_taxonomy

TAX = default_taxonomy()
SECTORS = sorted(TAX.sectors)
PURPOSES = sorted(TAX.purposes)
LEAF_PURPOSES = sorted(TAX.leaf_purposes())
CATEGORIES = sorted(TAX.categories)
ROLES = sorted(TAX.roles)
OFFENCES = sorted(TAX.offences)
ACTIONS = ["read", "search", "write"]
SERIOUS = sorted(n for n, o in TAX.offences.items() if o.serious)
TODAY = dt.date(2026, 11, 25)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    count = draw(st.integers(2, 5))
    ids = [f"org-{i}" for i in range(count)]
    sectors = [
        draw(st.sampled_from(["health", "legal_aid", "immigration_enforcement", *SECTORS]))
        for _ in ids
    ]
    organisations = [
        {"id": i, "sector": s, "closed": draw(st.booleans()) and draw(st.booleans())}
        for i, s in zip(ids, sectors, strict=True)
    ]

    def some(values: list[str], high: int = 3) -> list[str]:
        return draw(st.lists(st.sampled_from(values), min_size=1, max_size=high, unique=True))

    rules: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 6))):
        requester: Any = draw(st.sampled_from(["any", "org", "sector"]))
        if requester == "org":
            requester = {"org": some(ids)}
        elif requester == "sector":
            requester = {"sector": some(sorted(set(sectors)))}
        if requester != "any" and draw(st.booleans()):
            requester["roles"] = some(ROLES)
        holder: Any = draw(st.sampled_from(["same", "any", "org", "sector"]))
        if holder == "org":
            holder = {"org": some(ids)}
        elif holder == "sector":
            holder = {"sector": some(sorted(set(sectors)))}
        rule: dict[str, Any] = {
            "id": f"rule-{n}",
            "effect": draw(st.sampled_from(["permit", "permit", "forbid"])),
            "requester": requester,
            "holder": holder,
            "actions": some(ACTIONS),
            "purposes": some(PURPOSES),
            "categories": some(CATEGORIES, 4),
        }
        when = draw(st.sampled_from([None, None, "warrant", "consent", "break_glass"]))
        if when:
            rule["when"] = when
        permits = [r for r in rules if r["effect"] == "permit"]
        aimed: bool = draw(st.booleans())
        if permits and aimed:
            # A forbid aimed at an earlier permit, so that forbid-overrides-permit is exercised.
            target = draw(st.sampled_from(permits))
            rule = {**copy.deepcopy(target), "id": f"rule-{n}", "effect": "forbid"}
            rule["categories"] = draw(
                st.lists(st.sampled_from(target["categories"]), min_size=1, unique=True)
            )
        rules.append(rule)
    agreements: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 3))):
        source, target = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        agreement: dict[str, Any] = {
            "id": f"agreement-{n}",
            "from": source,
            "to": target,
            "purposes": some(PURPOSES),
            "categories": some(CATEGORIES, 4),
        }
        if draw(st.booleans()):
            agreement["expires"] = TODAY + dt.timedelta(days=draw(st.integers(-3, 3)))
        if draw(st.booleans()):
            agreement["when"] = draw(st.sampled_from(["consent", "warrant", "break_glass"]))
        agreements.append(agreement)
    document = {
        "version": 1,
        "name": "generated",
        "organisations": organisations,
        "rules": rules,
        "agreements": agreements,
    }
    return parse_policy(yaml.safe_dump(document, sort_keys=False), "generated.yaml")


@st.composite
def requests(draw: st.DrawFn, policy: Policy) -> DecisionRequest:
    """Half the requests aim at a grant (so permits are common), half are drawn at random."""
    orgs = sorted(policy.organisations)
    org = draw(st.sampled_from([*orgs, *orgs, "stranger"]))
    holder = draw(st.sampled_from([org, *orgs, "stranger"]))
    role = draw(st.sampled_from(ROLES))
    action = draw(st.sampled_from([*ACTIONS, "delete"]))
    purpose = draw(st.sampled_from([*LEAF_PURPOSES, *LEAF_PURPOSES, "care", "subject"]))
    contexts = ["none", "none", "offence", "warrant", "consent", "glass", "self"]
    context = draw(st.sampled_from(contexts))
    fields = tuple(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4, unique=True)))
    grants = [g for g in policy.grants if g.requesters and g.purposes]
    aim: bool = draw(st.booleans())
    if grants and aim:
        g = draw(st.sampled_from(grants))
        org = draw(st.sampled_from(sorted(g.requesters)))
        holder = org if g.holders is None else draw(st.sampled_from(sorted(g.holders) or [org]))
        role = draw(st.sampled_from(sorted(g.roles)))
        action = draw(st.sampled_from(sorted(g.actions)))
        purpose = draw(st.sampled_from(sorted(g.purposes)))
        fields = tuple(
            dict.fromkeys(
                draw(st.lists(st.sampled_from(sorted(g.categories)), min_size=1, max_size=3))
                + draw(st.lists(st.sampled_from(CATEGORIES), max_size=2))
            )
        )
        context = {"warrant": "warrant", "consent": "consent", "break_glass": "glass"}.get(
            g.when or "", draw(st.sampled_from(["none", "none", "none", *contexts]))
        )
    subject = draw(st.sampled_from(["subject-1", "subject-2"]))
    kwargs: dict[str, Any] = {}
    if context == "offence":
        kwargs["offence"] = draw(st.sampled_from(OFFENCES))
    elif context == "warrant":
        kwargs["warrant"] = Warrant(
            reference="W-1",
            issued_by="court",
            judicial=draw(st.booleans()) or draw(st.booleans()),
            subject=draw(st.sampled_from([subject, subject, "subject-3"])),
            offence=draw(st.sampled_from([*SERIOUS, *OFFENCES])),
            fields=tuple(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4))),
        )
    elif context == "consent":
        kwargs["consent"] = "consent-1"
        # A checked consent usually matches the request; sometimes it names another
        # recipient, holder, purpose or id, or is missing (a bare id from JSON).
        if draw(st.integers(0, 5)):
            kwargs["consent_scope"] = ConsentScope(
                id=draw(st.sampled_from(["consent-1", "consent-1", "consent-2"])),
                recipient=draw(st.sampled_from([org, org, org, holder])),
                holder=draw(st.sampled_from([holder, holder, holder, org])),
                purpose=draw(st.sampled_from([purpose, purpose, purpose, *LEAF_PURPOSES])),
                categories=tuple(
                    draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=4))
                ),
            )
    elif context == "glass":
        kwargs["break_glass"] = "emergency"
    elif context == "self":
        kwargs["subject_self"] = draw(st.sampled_from([subject, "subject-3"]))
    if context == "self" and draw(st.booleans()):
        role = "subject"
    return DecisionRequest(
        requester_org=org,
        role=role,
        action=action,
        purpose=purpose,
        holder=holder,
        fields=fields,
        subject=subject,
        **kwargs,
    )
