"""Keyed blind indexes for look-ups, and keyed pseudonyms for the transparency log.

The vault never stores a name, phone number or date of birth in the clear, yet a clinic must
find "the patient with this phone number". A blind index is an HMAC-SHA256 of the normalised
value under a secret key: equal values give equal indexes, and without the key nobody can
test a guess ("is Maria Garcia, born 1990-04-23, a patient here?").

Each holder organisation gets its own key for each data category, derived with HKDF from the
index root key. Two services' indexes therefore cannot be joined: the school's index of a
child's name shares nothing with the clinic's index of the same name, which is what stopped
the school-census match being possible.

Pseudonyms stand in for subjects in the transparency log, so a public log reveals who was
looked at only to someone who holds the pseudonym key.

Formats (``bi1:`` and ``ps1:``) are documented in ``docs/crypto.md``.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.envelope import canonical_encoding
from confide.errors import ConfideError

__all__ = [
    "BLIND_INDEX_PREFIX",
    "PSEUDONYM_PREFIX",
    "BlindIndexer",
    "NormalisationError",
    "blind_index",
    "derive_index_key",
    "normalise_date",
    "normalise_email",
    "normalise_phone",
    "normalise_reference",
    "normalise_text",
    "normaliser_for",
    "pseudonym",
]

BLIND_INDEX_PREFIX: Final = "bi1:"
PSEUDONYM_PREFIX: Final = "ps1:"
_ROOT_KEY_SIZE: Final = 32
# 128 bits of HMAC-SHA256 (truncation as in RFC 2104 §5): collisions among even 10**12 values
# are improbable (about n**2 / 2**129), and the index column is half the size of a full digest.
_DIGEST_BYTES: Final = 16
_INDEX_INFO: Final = b"confide/blind-index/v1"
# Separators people put in phone numbers and reference numbers; none carry meaning.
_SEPARATORS: Final = frozenset("-‐‑‒–—―−().·/\\")


class NormalisationError(ConfideError, ValueError):
    """A value cannot be indexed (empty, or not in the form its category needs).

    The message names the category and the expected form, never the value itself.
    """


def _nfkc_casefold(value: str) -> str:
    # NFKC, casefold, NFKC again (casefolding can denormalise), and drop format characters
    # (zero-width spaces, joiners, direction marks) that copy-paste adds invisibly. This is
    # close to Unicode's NFKC_Casefold mapping.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def _ascii_digits(value: str) -> str:
    # NFKC maps full-width digits but not Arabic-Indic, Devanagari or other decimal digits;
    # a phone number typed on an Arabic keyboard must match the same number typed in ASCII.
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in value)


def normalise_text(value: str) -> str:
    """Names and other free text: NFKC, case-folded, whitespace collapsed to single spaces.

    Diacritics are kept: "José" and "Jose" may be different people, and guessing otherwise
    would make false matches in a vault where a false match discloses someone else's record.
    """
    return " ".join(_nfkc_casefold(value).split())


def normalise_phone(value: str) -> str:
    """Phone numbers: all digits as ASCII, spaces, dashes, dots, slashes, parentheses removed.

    The international form is not inferred ("020 7946 0000" and "+44 20 7946 0000" stay
    different) because that needs a default country, which Confide cannot guess safely.
    """
    cleaned = _ascii_digits(_nfkc_casefold(value))
    return "".join(ch for ch in cleaned if not ch.isspace() and ch not in _SEPARATORS)


def normalise_email(value: str) -> str:
    """Email addresses: NFKC, case-folded, all whitespace removed."""
    return "".join(_nfkc_casefold(value).split())


def normalise_date(value: str) -> str:
    """Dates of birth: an ISO 8601 calendar date, returned as ``YYYY-MM-DD``.

    Anything else is refused rather than guessed: "01/02/2000" is January or February
    depending on the country, and a wrong guess makes a look-up silently miss or mismatch.
    """
    text = _ascii_digits(unicodedata.normalize("NFKC", value)).strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise NormalisationError(
            "a date must be an ISO 8601 calendar date such as 1990-04-23"
        ) from None


def normalise_reference(value: str) -> str:
    """A service's own reference numbers: like phone numbers, but letters kept (case-folded)."""
    return normalise_phone(value)


_NORMALISERS: Final[Mapping[str, Callable[[str], str]]] = {
    "contact.phone": normalise_phone,
    "contact.email": normalise_email,
    "identity.date_of_birth": normalise_date,
    "identity.reference": normalise_reference,
}


def normaliser_for(category: str) -> Callable[[str], str]:
    """The normalisation a data category's values get before indexing (text by default)."""
    return _NORMALISERS.get(category, normalise_text)


def derive_index_key(root_key: bytes, *, holder: str, category: str) -> bytes:
    """The blind-index key for one holder organisation and one data category.

    HKDF-SHA256 (RFC 5869) with info = ``b"confide/blind-index/v1"`` followed by the
    length-prefixed holder id and category, so ("ab", "c") and ("a", "bc") cannot share a key.
    """
    if len(root_key) != _ROOT_KEY_SIZE:
        raise ValueError(f"the index root key must be {_ROOT_KEY_SIZE} bytes")
    info = _INDEX_INFO + canonical_encoding(holder.encode("utf-8"), category.encode("utf-8"))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root_key)


def _index(key: bytes, category: str, value: str) -> str:
    normalised = normaliser_for(category)(value)
    if not normalised:
        raise NormalisationError(
            f"a {category!r} value is empty once normalised and cannot be indexed"
        )
    digest = hmac.digest(key, normalised.encode("utf-8"), "sha256")
    return BLIND_INDEX_PREFIX + digest[:_DIGEST_BYTES].hex()


class BlindIndexer:
    """Computes blind indexes for one holder organisation, caching the per-category keys.

    HKDF runs once per category rather than once per value, which matters when indexing a
    whole import. ``repr`` never shows a key.
    """

    __slots__ = ("_holder", "_keys", "_root_key")

    def __init__(self, root_key: bytes, *, holder: str) -> None:
        if len(root_key) != _ROOT_KEY_SIZE:
            raise ValueError(f"the index root key must be {_ROOT_KEY_SIZE} bytes")
        self._root_key = root_key
        self._holder = holder
        self._keys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"BlindIndexer(holder={self._holder!r})"

    @property
    def holder(self) -> str:
        """The holder organisation whose indexes this computes."""
        return self._holder

    def index(self, value: str, *, category: str) -> str:
        """The blind index (``bi1:`` + 32 hex digits) of ``value`` in ``category``."""
        key = self._keys.get(category)
        if key is None:
            key = derive_index_key(self._root_key, holder=self._holder, category=category)
            self._keys[category] = key
        return _index(key, category, value)


def blind_index(value: str, root_key: bytes, *, holder: str, category: str) -> str:
    """The blind index of one value; see :class:`BlindIndexer` for many values."""
    return _index(derive_index_key(root_key, holder=holder, category=category), category, value)


def pseudonym(subject: str, key: bytes) -> str:
    """The keyed pseudonym (``ps1:`` + 32 hex digits) under which ``subject`` appears in the log.

    HMAC-SHA256 of the exact subject id (no normalisation: subject ids are opaque and exact).
    """
    if len(key) != _ROOT_KEY_SIZE:
        raise ValueError(f"the pseudonym key must be {_ROOT_KEY_SIZE} bytes")
    digest = hmac.digest(key, subject.encode("utf-8"), "sha256")
    return PSEUDONYM_PREFIX + digest[:_DIGEST_BYTES].hex()
