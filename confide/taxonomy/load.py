"""Load and check the taxonomy data files.

The checks here make the data files unable to weaken an invariant: every ``immigration.*``
category must be marked protected (I2), the enforcement sector and the fixed purposes must
exist, and every dotted name needs its parent.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from confide.errors import TaxonomyError
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    SUBJECT_ROLE,
    Category,
    Offence,
    Purpose,
    Role,
    Sector,
    Taxonomy,
    is_immigration,
)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str


class _SectorEntry(_Entry):
    default_role: str


class _PurposeEntry(_Entry):
    fideslang: str | None = None


class _CategoryEntry(_Entry):
    protected: bool = False
    identifying: bool = False
    fideslang: str | None = None


class _OffenceEntry(_Entry):
    serious: bool = False


class _RoleEntry(_Entry):
    pass


class _SectorsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    sectors: list[_SectorEntry]


class _PurposesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    purposes: list[_PurposeEntry]


class _CategoriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    categories: list[_CategoryEntry]


class _OffencesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    offences: list[_OffenceEntry]


class _RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    roles: list[_RoleEntry]


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.")


def _read(directory: Path, filename: str) -> Any:
    path = directory / filename
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"cannot read taxonomy file {filename}: {exc}") from None


def _check_names(kind: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if not name or not set(name) <= _NAME_CHARS or ".." in name or name.endswith("."):
            raise TaxonomyError(
                f"{kind} name {name!r} is not a dotted lower-case name (letters, digits, _ and .)"
            )
        if name in seen:
            raise TaxonomyError(f"{kind} {name!r} is listed twice")
        seen.add(name)
        parent = name.rpartition(".")[0]
        if parent and parent not in seen:
            raise TaxonomyError(f"{kind} {name!r} needs its parent {parent!r} listed before it")


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load the taxonomy from ``directory`` (default: the data files shipped with Confide)."""
    if directory is None:
        directory = Path(str(resources.files("confide.taxonomy") / "data"))
    try:
        sectors = _SectorsFile.model_validate(_read(directory, "sectors.yaml")).sectors
        purposes = _PurposesFile.model_validate(_read(directory, "purposes.yaml")).purposes
        categories = _CategoriesFile.model_validate(_read(directory, "categories.yaml")).categories
        offences = _OffencesFile.model_validate(_read(directory, "offences.yaml")).offences
        roles = _RolesFile.model_validate(_read(directory, "roles.yaml")).roles
    except ValidationError as exc:
        raise TaxonomyError(f"a taxonomy data file is malformed: {exc}") from None

    for kind, entries in (
        ("sector", sectors),
        ("purpose", purposes),
        ("category", categories),
        ("offence", offences),
        ("role", roles),
    ):
        _check_names(kind, [e.name for e in entries])

    for c in categories:
        # I2 is written against the immigration.* names; the data file cannot opt out.
        if is_immigration(c.name) and not c.protected:
            raise TaxonomyError(
                f"category {c.name!r} is under immigration.* and must be marked protected (I2)"
            )
    names = {p.name for p in purposes}
    required = {SERIOUS_CRIME_PURPOSE, *SUBJECT_PURPOSES}
    if missing := sorted(required - names):
        raise TaxonomyError(f"the purposes file lacks the fixed purposes {missing}")
    if ENFORCEMENT_SECTOR not in {s.name for s in sectors}:
        raise TaxonomyError(f"the sectors file lacks the {ENFORCEMENT_SECTOR!r} sector")
    role_names = {r.name for r in roles}
    if SUBJECT_ROLE not in role_names:
        raise TaxonomyError(f"the roles file lacks the {SUBJECT_ROLE!r} role")
    for sector in sectors:
        if sector.default_role not in role_names or sector.default_role == SUBJECT_ROLE:
            raise TaxonomyError(
                f"sector {sector.name!r} has default_role {sector.default_role!r}, which is not "
                "a staff role in roles.yaml"
            )

    return Taxonomy(
        sectors={s.name: Sector(s.name, s.description, s.default_role) for s in sectors},
        purposes={p.name: Purpose(p.name, p.description, p.fideslang) for p in purposes},
        categories={
            c.name: Category(c.name, c.description, c.protected, c.identifying, c.fideslang)
            for c in categories
        },
        offences={o.name: Offence(o.name, o.description, o.serious) for o in offences},
        roles={r.name: Role(r.name, r.description) for r in roles},
    )


@functools.cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with Confide, loaded once."""
    return load_taxonomy()
