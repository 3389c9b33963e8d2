"""Policy files: shapes, names and locations of errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import confide.policy as policy_api
from confide.errors import PolicyError
from confide.policy import parse_policy

HEAD = """\
version: 1
name: test city
organisations:
  - {id: clinic, sector: health}
  - {id: school, sector: education}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        policy_api.load_text(textwrap.dedent(text), "city.yaml")
    return [str(p) for p in info.value.problems]


def test_the_baseline_loads_and_has_the_promised_services(
    baseline: policy_api.CompiledPolicy,
) -> None:
    sectors = {o.sector for o in baseline.policy.organisations.values()}
    assert {
        "health", "education", "law_enforcement", "labour_inspection", "shelter",
        "humanitarian", "legal_aid", "immigration_enforcement",
    } <= sectors  # fmt: skip
    hospitals = [o for o in baseline.policy.organisations.values() if o.sector == "health"]
    assert len(hospitals) >= 2
    enforcement = [
        o.id
        for o in baseline.policy.organisations.values()
        if o.sector == "immigration_enforcement"
    ]
    assert enforcement
    assert not any(
        enforcement[0] in g.requesters and g.effect == "permit" for g in baseline.policy.grants
    )


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    found = problems(
        HEAD
        + """\
rules:
  - id: r1
    effect: permit
    requester: {sector: health}
    holder: same
    actions: [read]
    purposes: [care]
    categories: [identity]
    categories: [health]
"""
    )
    assert found == [
        "city.yaml:14:5: duplicate key 'categories' (first at line 13): a second value would "
        "silently replace the first; remove or rename one"
    ]


def test_duplicate_rule_ids_are_errors() -> None:
    rule = """\
  - id: r1
    effect: permit
    requester: {sector: health}
    holder: same
    actions: [read]
    purposes: [care]
    categories: [identity]
"""
    found = problems(HEAD + "rules:\n" + rule + rule)
    assert len(found) == 1
    assert found[0] == "city.yaml:14:9: id 'r1' is used twice (first at line 7); ids must be unique"


def test_unknown_keys_name_the_line_and_column() -> None:
    found = problems(HEAD + "  - {id: shelter, sector: shelter, colour: red}\n")
    assert found == [
        "city.yaml:6:36: unknown key 'colour': check its spelling (docs/policy.md lists the keys)"
    ]


def test_unknown_names_are_all_reported_with_suggestions() -> None:
    found = problems(
        HEAD
        + """\
rules:
  - id: r1
    effect: permit
    requester: {sector: helth, roles: [clinican]}
    holder: {org: clinik}
    actions: [read]
    purposes: [care.treatmnt]
    categories: [identity.nam]
"""
    )
    assert found == [
        "city.yaml:9:25: unknown sector 'helth'; did you mean 'health'? (see docs/taxonomy.md)",
        "city.yaml:9:40: unknown role 'clinican'; did you mean 'clinician'? (see docs/taxonomy.md)",
        "city.yaml:10:19: unknown organisation 'clinik'; did you mean 'clinic'?",
        "city.yaml:12:16: unknown purpose 'care.treatmnt'; did you mean 'care.treatment'? "
        "(see docs/taxonomy.md)",
        "city.yaml:13:18: unknown category 'identity.nam'; did you mean 'identity.name'? "
        "(see docs/taxonomy.md)",
    ]


def test_wrong_types_are_reported_where_they_are() -> None:
    found = problems(
        HEAD
        + """\
rules:
  - id: r1
    effect: allow
    requester: {sector: health}
    holder: same
    actions: [read]
    purposes: [care]
    categories: [identity]
"""
    )
    assert len(found) == 1
    assert found[0].startswith("city.yaml:8:13: effect: Input should be 'permit' or 'forbid'")


def test_malformed_yaml_is_located() -> None:
    found = problems(HEAD + "rules: [\n")
    assert len(found) == 1
    assert found[0].startswith("city.yaml:7:1: this is not valid YAML")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- just\n- a list\n", "a policy is a mapping"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
        ("version: !!python/object:os.system x\n", "is not allowed in a policy"),
    ],
)
def test_odd_documents_are_refused(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(text, "odd.yaml")


def test_missing_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="confide policy init"):
        policy_api.load(tmp_path / "nope.yaml")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEAD.encode() + "description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PolicyError, match="not UTF-8"):
        policy_api.load(path)


def test_hash_ignores_comments_and_layout_but_not_meaning() -> None:
    base = parse_policy(HEAD)
    commented = parse_policy(
        "# a comment\n"
        + HEAD.replace("{id: clinic, sector: health}", "{sector: health,   id: clinic}")
    )
    renamed = parse_policy(HEAD.replace("test city", "another city"))
    assert base.hash == commented.hash
    assert base.hash != renamed.hash
    assert base.hash.startswith("sha256:") and len(base.hash) == len("sha256:") + 64


def test_retention_parents_are_overridden_by_specific_purposes() -> None:
    policy = parse_policy(HEAD + "retention:\n  care.emergency: P30D\n  care: P8Y\n")
    assert policy.retention["care.treatment"].years == 8
    assert policy.retention["care.emergency"].days == 30
    assert policy.retention["care.emergency"].years == 0
