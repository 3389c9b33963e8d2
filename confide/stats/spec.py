"""A statistics release, declared in a small YAML file (docs/statistics.md).

Everything that shapes what is published is declared before the data is read: the services,
the period, the tables and — for every dimension — the complete list of its values. Cells
are then fixed by the spec, never by the data, so the set of rows and columns published says
nothing about who is in it (and differential privacy needs exactly that).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from confide.errors import ConfideError, PolicyError
from confide.policy import CompiledPolicy
from confide.policy.source import parse_yaml
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration

__all__ = [
    "DEFAULT_AGE_BANDS",
    "DIMENSIONS",
    "NOT_STATED",
    "REPORT_TYPES",
    "SEX_GENDER",
    "ReleaseSpec",
    "SpecError",
    "TableSpec",
    "load_spec",
    "parse_spec",
]

Dimension = Literal["service", "period", "case_type", "sex_gender", "age_band", "region"]
DIMENSIONS: Final[tuple[str, ...]] = (
    "service",
    "period",
    "case_type",
    "sex_gender",
    "age_band",
    "region",
)
#: The value of a dimension a record does not state (or that its service may not read).
NOT_STATED: Final = "not_stated"
SEX_GENDER: Final = ("female", "male", "other", NOT_STATED)
DEFAULT_AGE_BANDS: Final = ("0-17", "18-24", "25-34", "35-49", "50-64", "65+")
REPORT_TYPES: Final = ("crime", "labour", "data_misuse")
MAX_SPEC_BYTES: Final = 64 * 1024
MAX_CELLS: Final = 100_000

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$", strict=True)]
_BAND = re.compile(r"^(\d{1,3})-(\d{1,3})$|^(\d{1,3})\+$")


class SpecError(ConfideError, ValueError):
    """A release spec is malformed or asks for something Confide will not publish."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PeriodSpec(_Strict):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    by: Literal["month", "quarter", "year"] = "month"


class TableSpec(_Strict):
    name: _Id
    rows: Dimension
    columns: Dimension | None = None
    title: str | None = None


class ProtectionSpec(_Strict):
    method: Literal["suppression", "dp"]
    k: int = Field(default=5, ge=2, le=1000)
    epsilon: float | None = Field(default=None, gt=0, le=10)
    budget: float | None = Field(default=None, gt=0, le=100)
    contributions: int = Field(default=1, ge=1, le=100)


class ReleaseSpec(_Strict):
    version: Literal[1]
    release: _Id
    title: str = Field(min_length=1, max_length=300)
    dataset: _Id
    source: Literal["records", "reports"]
    services: list[str] = Field(min_length=1, max_length=500)
    period: PeriodSpec
    tables: list[TableSpec] = Field(min_length=1, max_length=50)
    protection: ProtectionSpec
    case_types: list[str] | None = None
    age_bands: list[str] | None = None
    #: The SHA-256 of the spec's text, filled in by :func:`parse_spec`.
    hash: str = ""

    # -- the declared keys ------------------------------------------------------------------

    def periods(self) -> tuple[str, ...]:
        keys: list[str] = []
        day = dt.date(self.period.start.year, self.period.start.month, 1)
        while day <= self.period.end:
            key = period_key(day, self.period.by)
            if key not in keys:
                keys.append(key)
            day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return tuple(keys)

    def bands(self) -> tuple[str, ...]:
        return tuple(self.age_bands or DEFAULT_AGE_BANDS)

    def keys(self, dimension: str, policy: CompiledPolicy) -> tuple[str, ...]:
        """Every value ``dimension`` may take in this release, fixed before reading data."""
        if dimension == "service":
            return tuple(self.services)
        if dimension == "period":
            return self.periods()
        if dimension == "case_type":
            if self.source == "reports":
                return REPORT_TYPES
            return tuple(self.case_types or ())
        if dimension == "sex_gender":
            return SEX_GENDER
        if dimension == "age_band":
            return (*self.bands(), NOT_STATED)
        if dimension == "region":
            orgs = policy.policy.organisations
            regions = sorted({orgs[s].region or NOT_STATED for s in self.services})
            return tuple(regions)
        raise SpecError(f"unknown dimension {dimension!r}")


def period_key(day: dt.date, by: str) -> str:
    if by == "year":
        return f"{day.year}"
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def band_of(age: int, bands: tuple[str, ...]) -> str:
    for band in bands:
        match = _BAND.match(band)
        assert match is not None
        if match.group(3) is not None:
            if age >= int(match.group(3)):
                return band
        elif int(match.group(1)) <= age <= int(match.group(2)):
            return band
    return NOT_STATED


def parse_spec(text: str, policy: CompiledPolicy, file: str = "<spec>") -> ReleaseSpec:
    """Parse and check a release spec against the policy in force."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise SpecError(f"{file}: larger than {MAX_SPEC_BYTES} bytes; is it a release spec?")
    try:
        located = parse_yaml(text, file)
    except PolicyError as exc:
        raise SpecError("; ".join(str(p) for p in exc.problems)) from None
    if located.problems:
        raise SpecError("; ".join(str(p) for p in located.problems))
    try:
        spec = ReleaseSpec.model_validate(located.data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:8]
        )
        raise SpecError(f"{file}: the release spec is malformed: {details}") from None
    _check(spec, policy, file)
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return spec.model_copy(update={"hash": digest})


def load_spec(path: Path, policy: CompiledPolicy) -> ReleaseSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the release spec {path.name}: {exc}") from None
    return parse_spec(text, policy, path.name)


def _check(spec: ReleaseSpec, policy: CompiledPolicy, file: str) -> None:
    orgs = policy.policy.organisations
    tax = policy.policy.taxonomy
    problems: list[str] = []
    for service in spec.services:
        if service not in orgs:
            problems.append(f"service {service!r} is not in the policy")
        elif orgs[service].sector == ENFORCEMENT_SECTOR:
            problems.append(f"{service!r} is immigration enforcement; it holds no one's data")
    if len(set(spec.services)) != len(spec.services):
        problems.append("a service is listed twice")
    if spec.period.end < spec.period.start:
        problems.append("the period ends before it starts")
    if (spec.period.end - spec.period.start).days > 366 * 20:
        problems.append("the period is longer than twenty years")
    if spec.source == "records":
        if not spec.case_types:
            problems.append("list `case_types` (purposes such as care.treatment) for records")
        for purpose in spec.case_types or ():
            if purpose not in tax.purposes or is_immigration(purpose):
                problems.append(f"case type {purpose!r} is not a purpose in the taxonomy")
    elif spec.case_types:
        problems.append("reports are counted by their type; leave `case_types` out")
    if spec.source == "reports":
        for table in spec.tables:
            for dim in (table.rows, table.columns):
                if dim in ("sex_gender", "age_band"):
                    problems.append(f"table {table.name!r}: reports do not record {dim}")
    for band in spec.bands():
        if not _BAND.match(band):
            problems.append(f"age band {band!r} is not like 18-24 or 65+")
    names = [t.name for t in spec.tables]
    if len(set(names)) != len(names):
        problems.append("two tables share a name")
    for table in spec.tables:
        if table.columns == table.rows:
            problems.append(f"table {table.name!r} uses {table.rows} twice")
    p = spec.protection
    if p.method == "dp":
        if p.epsilon is None or p.budget is None:
            problems.append("a differentially private release states `epsilon` and `budget`")
        elif p.epsilon > p.budget:
            problems.append("`epsilon` is larger than the dataset's whole `budget`")
    elif p.epsilon is not None or p.budget is not None:
        problems.append("`epsilon` and `budget` belong to `method: dp`")
    if not problems:
        for table in spec.tables:
            cells = len(spec.keys(table.rows, policy)) * (
                len(spec.keys(table.columns, policy)) if table.columns else 1
            )
            if cells > MAX_CELLS:
                problems.append(f"table {table.name!r} has {cells} cells; at most {MAX_CELLS}")
    if problems:
        raise SpecError(f"{file}: " + "; ".join(problems))
