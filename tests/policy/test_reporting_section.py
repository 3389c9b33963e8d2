"""The policy's `reporting:` section: channels are checked when the policy loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from confide.errors import PolicyError
from confide.policy import baseline_path, load_text

BASE = Path(baseline_path()).read_text(encoding="utf-8")


def test_baseline_channels() -> None:
    policy = load_text(BASE).policy
    assert {c.org: c.acknowledge_days for c in policy.reporting} == {
        "city-police-victim-unit": 2,
        "safe-harbour-shelter": 1,
        "labour-inspectorate": 5,
        "migrant-legal-aid": 7,  # the section's default
        "data-protection-office": 14,
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    - org: data-protection-office\n      types: [data_misuse]",
            "    - org: national-immigration-authority\n      types: [data_misuse]",
            "[I1] reporting channel to 'national-immigration-authority': reports never go",
        ),
        ("purpose: labour.complaint", "purpose: labour", "not the family 'labour'"),
        (
            "purpose: labour.complaint",
            "purpose: housing.support",
            "no rule lets its own staff read and write case.narrative for housing.support",
        ),
        ("    - org: labour-inspectorate", "    - org: labour-inspectorat", "did you mean"),
        ("types: [labour]", "types: [labour, status]", "'crime', 'labour' or 'data_misuse'"),
        ("purpose: legal.advice\n", "purpose: immigration.enforcement\n", "not a purpose"),
        ("acknowledge_within_days: 14", "acknowledge_within_days: 0", "greater than or equal"),
        (
            "    - org: data-protection-office",
            "    - org: labour-inspectorate",
            "has two reporting channels",
        ),
    ],
)
def test_bad_channels_are_refused_with_the_line(old: str, new: str, expected: str) -> None:
    assert old in BASE
    with pytest.raises(PolicyError) as refused:
        load_text(BASE.replace(old, new, 1))
    text = str(refused.value)
    assert expected in text
    # The problem names a line of the file's reporting section.
    found = re.search(r"<policy>:(\d+)", text)
    assert found is not None
    section = BASE[: BASE.index("\nreporting:")].count("\n") + 2
    assert section <= int(found.group(1)) <= BASE.count("\n") + 1


def test_a_policy_without_the_section_keeps_its_hash_form() -> None:
    start = BASE.index("reporting:\n")
    end = BASE.index("retention:\n")
    without = load_text(BASE[:start] + BASE[end:])
    assert without.policy.reporting == ()
    assert without.hash != load_text(BASE).hash
