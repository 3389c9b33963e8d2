"""Blind indexes and pseudonyms: normalisation, holder separation, formats, no leaks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.crypto import (
    BLIND_INDEX_PREFIX,
    PSEUDONYM_PREFIX,
    BlindIndexer,
    NormalisationError,
    blind_index,
    derive_index_key,
    normaliser_for,
    pseudonym,
)
from confide.errors import ConfideError

ROOT = bytes(range(32))
OTHER_ROOT = bytes(range(1, 33))
INDEX_FORMAT = re.compile(r"bi1:[0-9a-f]{32}")
PSEUDONYM_FORMAT = re.compile(r"ps1:[0-9a-f]{32}")
CATEGORIES = [
    "identity.name",
    "contact.phone",
    "contact.email",
    "identity.reference",
    "contact.address",
]

# A small alphabet with case, width, spacing and separator variants, so that hypothesis
# finds many pairs that normalise equal as well as many that do not.
variants = st.text(alphabet="aAbBéÉ  \t\n-()０１1٢2.+ﬁ\u200b", max_size=12)


def _index(value: str, category: str = "identity.name", holder: str = "clinic") -> str:
    return blind_index(value, ROOT, holder=holder, category=category)


@pytest.mark.parametrize(
    ("category", "a", "b"),
    [
        ("identity.name", "Maria  Garcia", "maria garcia"),
        ("identity.name", " MARIA\tGARCIA\n", "Maria Garcia"),
        ("identity.name", "Ｍａｒｉａ", "maria"),  # full-width letters (NFKC)
        ("identity.name", "Jose\u0301", "José"),  # combining accent vs precomposed
        ("identity.name", "STRASSE", "straße"),  # casefold, not lower
        ("identity.name", "Ma\u200bria", "Maria"),  # zero-width space from copy-paste
        ("identity.name", "مريم\u00a0أحمد", "مريم أحمد"),  # no-break space
        ("contact.phone", "+44 (20) 7946-0000", "+442079460000"),
        ("contact.phone", "020.7946.0000", "02079460000"),
        ("contact.phone", "٠٢٠ ٧٩٤٦ ٠٠٠٠", "02079460000"),  # Arabic-Indic digits
        ("contact.phone", "０２０–７９４６–００００", "02079460000"),  # full-width, en dash
        ("contact.email", " Maria.Garcia@Example.ORG ", "maria.garcia@example.org"),
        ("identity.date_of_birth", "1990-04-23", "19900423"),
        ("identity.date_of_birth", " ١٩٩٠-٠٤-٢٣ ", "1990-04-23"),
        ("identity.reference", "ab-12 34", "AB1234"),
    ],
)
def test_equal_after_normalisation(category: str, a: str, b: str) -> None:
    assert _index(a, category) == _index(b, category)


@pytest.mark.parametrize(
    ("category", "a", "b"),
    [
        ("identity.name", "José", "Jose"),  # diacritics are kept on purpose
        ("identity.name", "Maria Garcia", "MariaGarcia"),
        ("contact.phone", "+44 20 7946 0000", "020 7946 0000"),  # no country guessing
        ("identity.date_of_birth", "1990-04-23", "1990-04-24"),
    ],
)
def test_different_after_normalisation(category: str, a: str, b: str) -> None:
    assert _index(a, category) != _index(b, category)


@given(a=variants, b=variants, category=st.sampled_from(CATEGORIES))
def test_index_equal_exactly_when_normalised_equal(a: str, b: str, category: str) -> None:
    normalise = normaliser_for(category)
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        with pytest.raises(NormalisationError):
            _index(a if not na else b, category)
        return
    assert (_index(a, category) == _index(b, category)) == (na == nb)


@given(value=variants, category=st.sampled_from(CATEGORIES))
def test_normalisation_is_idempotent(value: str, category: str) -> None:
    normalise = normaliser_for(category)
    assert normalise(normalise(value)) == normalise(value)


@given(value=st.text(min_size=1, max_size=30).filter(lambda v: v.strip()))
def test_indexes_differ_across_holders_and_categories(value: str) -> None:
    """The school's index of a name cannot be joined with the clinic's (census matching)."""
    clinic = _index(value, holder="st-marys-clinic")
    school = _index(value, holder="oak-primary-school")
    assert clinic != school
    assert _index(value, "identity.name") != _index(value, "contact.address")
    assert clinic != blind_index(
        value, OTHER_ROOT, holder="st-marys-clinic", category="identity.name"
    )


def test_holder_and_category_are_framed_unambiguously() -> None:
    assert derive_index_key(ROOT, holder="ab", category="c") != derive_index_key(
        ROOT, holder="a", category="bc"
    )


@given(value=st.text(min_size=1, max_size=30).filter(lambda v: v.strip()))
def test_format_and_determinism(value: str) -> None:
    first = _index(value)
    assert INDEX_FORMAT.fullmatch(first)
    assert first.startswith(BLIND_INDEX_PREFIX)
    assert _index(value) == first


@given(value=variants, category=st.sampled_from(CATEGORIES))
def test_indexer_matches_function(value: str, category: str) -> None:
    if not normaliser_for(category)(value):
        return
    indexer = BlindIndexer(ROOT, holder="clinic")
    assert indexer.index(value, category=category) == _index(value, category)
    assert indexer.index(value, category=category) == _index(value, category)  # cached key


@pytest.mark.parametrize("value", ["", "   ", "\u200b", "--()"])
def test_empty_values_are_refused(value: str) -> None:
    category = "contact.phone" if value == "--()" else "identity.name"
    with pytest.raises(NormalisationError, match="empty"):
        _index(value, category)


@pytest.mark.parametrize("value", ["23/04/1990", "April 23 1990", "1990-02-30", "Maria"])
def test_unparseable_dates_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(NormalisationError, match="ISO 8601") as info:
        _index(value, "identity.date_of_birth")
    assert value not in str(info.value)
    assert isinstance(info.value, ConfideError)
    assert isinstance(info.value, ValueError)


def test_bad_root_key_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        blind_index("x", b"short", holder="h", category="identity.name")
    with pytest.raises(ValueError, match="32 bytes"):
        BlindIndexer(b"short", holder="h")


def test_indexer_repr_hides_key() -> None:
    text = repr(BlindIndexer(ROOT, holder="clinic"))
    assert ROOT.hex() not in text
    assert repr(ROOT) not in text
    assert "clinic" in text


# --- pseudonyms ------------------------------------------------------------------------------


@given(subject=st.text(max_size=40))
def test_pseudonym_format_and_determinism(subject: str) -> None:
    first = pseudonym(subject, ROOT)
    assert PSEUDONYM_FORMAT.fullmatch(first)
    assert first.startswith(PSEUDONYM_PREFIX)
    assert pseudonym(subject, ROOT) == first


@given(a=st.text(max_size=20), b=st.text(max_size=20))
def test_pseudonyms_separate_subjects_and_keys(a: str, b: str) -> None:
    assert (pseudonym(a, ROOT) == pseudonym(b, ROOT)) == (a == b)
    assert pseudonym(a, ROOT) != pseudonym(a, OTHER_ROOT)


def test_pseudonym_is_exact_not_normalised() -> None:
    assert pseudonym("Subject-1", ROOT) != pseudonym("subject-1", ROOT)


def test_pseudonym_differs_from_blind_index_of_the_same_text() -> None:
    assert pseudonym("maria", ROOT)[4:] != _index("maria")[4:]


def test_pseudonym_bad_key_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        pseudonym("s", b"")
