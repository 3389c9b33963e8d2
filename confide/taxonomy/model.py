"""Typed taxonomy entries and the fixed names that the invariants are written against.

The invariant names are constants in code, not data: editing a data file must never be a
way around I1-I4 or I7.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: The sector that nothing is ever disclosed to (I1).
ENFORCEMENT_SECTOR = "immigration_enforcement"
#: The only sector immigration data (I2) may go to: legal aid the person chose, with consent.
LEGAL_AID_SECTOR = "legal_aid"
#: The prefix of purposes that are never permitted (I1), of protected categories (I2) and of
#: offences that are never a criminal-justice exemption (I3).
IMMIGRATION = "immigration"
#: The purpose that only a judicial warrant can open (I4).
SERIOUS_CRIME_PURPOSE = "criminal_investigation.serious_crime"
#: The person's own rights over their data (I7).
SUBJECT_PURPOSES = frozenset({"subject.access", "subject.correction", "subject.portability"})
#: The role of the person the record is about, acting for themself (I7).
SUBJECT_ROLE = "subject"
#: The category a safe report's text (redacted before routing, I9) is stored and read as.
REPORT_CATEGORY = "case.narrative"


def covers(parent: str, name: str) -> bool:
    """True when ``name`` is ``parent`` or lies beneath it in the dotted hierarchy."""
    return name == parent or name.startswith(parent + ".")


def is_immigration(name: str) -> bool:
    """True for ``immigration`` and every name beneath it (purposes, categories, offences)."""
    return covers(IMMIGRATION, name)


@dataclass(frozen=True, slots=True)
class Sector:
    name: str
    description: str
    #: The role the command line acts in for this sector when none is given.
    default_role: str = "caseworker"


@dataclass(frozen=True, slots=True)
class Purpose:
    name: str
    description: str
    fideslang: str | None = None


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    description: str
    protected: bool = False
    identifying: bool = False
    fideslang: str | None = None


@dataclass(frozen=True, slots=True)
class Offence:
    name: str
    description: str
    serious: bool = False


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    description: str


@dataclass(frozen=True)
class Taxonomy:
    """Every name a policy or a request may use. Unknown names are errors (I5)."""

    sectors: Mapping[str, Sector]
    purposes: Mapping[str, Purpose]
    categories: Mapping[str, Category]
    offences: Mapping[str, Offence]
    roles: Mapping[str, Role]
    _leaves: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def leaves(self, kind: str, name: str) -> tuple[str, ...]:
        """The leaf names beneath ``name`` (itself if it is a leaf), in file order."""
        key = f"{kind}:{name}"
        cached = self._leaves.get(key)
        if cached is not None:
            return cached
        names: Iterable[str] = self._table(kind)
        found = tuple(
            n
            for n in names
            if covers(name, n) and not any(m.startswith(n + ".") for m in self._table(kind))
        )
        self._leaves[key] = found
        return found

    def leaf_categories(self) -> tuple[str, ...]:
        """Every category a field can carry."""
        return tuple(n for n in self.categories if not self._has_children("category", n))

    def leaf_purposes(self) -> tuple[str, ...]:
        """Every purpose a request can name."""
        return tuple(n for n in self.purposes if not self._has_children("purpose", n))

    def leaf_offences(self) -> tuple[str, ...]:
        return tuple(n for n in self.offences if not self._has_children("offence", n))

    def protected_categories(self) -> frozenset[str]:
        """The I2 categories: immigration status, nationality, country of birth, documents."""
        return frozenset(n for n, c in self.categories.items() if c.protected)

    def _has_children(self, kind: str, name: str) -> bool:
        prefix = name + "."
        return any(n.startswith(prefix) for n in self._table(kind))

    def _table(self, kind: str) -> Mapping[str, object]:
        tables: dict[str, Mapping[str, object]] = {
            "sector": self.sectors,
            "purpose": self.purposes,
            "category": self.categories,
            "offence": self.offences,
            "role": self.roles,
        }
        return tables[kind]
