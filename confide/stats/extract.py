"""Reading the values a release counts, through the policy (one logged decision per service).

Each service counts only its own records, under ``research.statistics``, in the data
protection officer's role, and reads only the two fields statistics need (sex or gender and
date of birth) — and only when a table asks for them. That read is one decision per service
per release, logged before anything is opened (I8); a service whose policy does not allow it
makes the whole release fail, naming the rule to add: statistics never fall back to reading
something they may not.

The values are reduced at once to the release's declared keys (``female``/``male``/``other``,
an age band, ``not_stated``); no name, date or free text leaves this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select

from confide.crypto import FieldSealer
from confide.errors import NotPermitted
from confide.policy import DecisionRequest
from confide.reporting.tables import reports
from confide.runtime import Confide
from confide.stats.spec import NOT_STATED, ReleaseSpec, band_of, period_key
from confide.storage.tables import fields, records

__all__ = ["STATISTICS_PURPOSE", "STATISTICS_ROLE", "Row", "extract", "normalise_sex_gender"]

STATISTICS_PURPOSE: Final = "research.statistics"
STATISTICS_ROLE: Final = "dpo"
SEX_FIELD: Final = "identity.sex_gender"
BIRTH_FIELD: Final = "identity.date_of_birth"
_FEMALE: Final = frozenset({"f", "female", "woman", "girl", "w", "femme", "mujer", "mulher"})
_MALE: Final = frozenset({"m", "male", "man", "boy", "homme", "hombre", "homem"})
_CHUNK: Final = 5000


@dataclass(frozen=True, slots=True)
class Row:
    """One record or report, reduced to the release's keys. ``person`` bounds one person's
    contributions under differential privacy; it never leaves the release."""

    person: str
    values: dict[str, str]


def normalise_sex_gender(value: str | None) -> str:
    if value is None or not value.strip():
        return NOT_STATED
    folded = value.strip().casefold()
    if folded in _FEMALE:
        return "female"
    if folded in _MALE:
        return "male"
    return "other"


def _age(value: str | None, at: dt.date) -> int | None:
    if not value:
        return None
    try:
        born = dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    years = at.year - born.year - ((at.month, at.day) < (born.month, born.day))
    return years if 0 <= years < 130 else None


def extract(confide: Confide, spec: ReleaseSpec) -> Iterator[Row]:
    """Every record (or report) of the spec's services in its period, as declared keys."""
    if spec.source == "reports":
        yield from _reports(confide, spec)
    else:
        yield from _records(confide, spec)


def _window(spec: ReleaseSpec) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(spec.period.start, dt.time(), dt.UTC)
    end = dt.datetime.combine(spec.period.end + dt.timedelta(days=1), dt.time(), dt.UTC)
    return start, end


def _needs(spec: ReleaseSpec) -> tuple[str, ...]:
    used = {d for t in spec.tables for d in (t.rows, t.columns) if d}
    wanted = []
    if "sex_gender" in used:
        wanted.append(SEX_FIELD)
    if "age_band" in used:
        wanted.append(BIRTH_FIELD)
    return tuple(wanted)


def _permit(confide: Confide, service: str, wanted: tuple[str, ...]) -> None:
    """The one decision per service: may its DPO read these fields for statistics?"""
    vault = confide.vault
    request = DecisionRequest(
        requester_org=service,
        role=STATISTICS_ROLE,
        action="read",
        purpose=STATISTICS_PURPOSE,
        holder=service,
        fields=wanted,
    )
    decision = vault.policy.decide(request)
    with confide.db.transaction() as conn:
        vault.log.append(conn, vault.decision_entry(decision, request, subject=None, record=None))
    refused = [f for f in wanted if f not in decision.fields]
    if refused:
        raise NotPermitted(
            f"the policy does not let {service} ({STATISTICS_ROLE}) read {', '.join(refused)} "
            f"for {STATISTICS_PURPOSE}; add a rule with `holder: same` for it, or leave "
            "sex_gender and age_band out of the tables"
        )


def _records(confide: Confide, spec: ReleaseSpec) -> Iterator[Row]:
    orgs = confide.policy.policy.organisations
    wanted = _needs(spec)
    start, end = _window(spec)
    bands = spec.bands()
    cases = set(spec.case_types or ())
    tax = confide.policy.policy.taxonomy
    case_of = {leaf: case for case in spec.case_types or () for leaf in tax.leaves("purpose", case)}
    keyring = confide.vault.keyring
    for service in spec.services:
        if wanted:
            _permit(confide, service, wanted)
        region = orgs[service].region or NOT_STATED
        keys: dict[str, bytes | None] = {}
        with confide.db.connect() as conn:
            result = conn.execution_options(yield_per=_CHUNK).execute(
                select(records.c.id, records.c.subject, records.c.purpose, records.c.collected_at)
                .where(
                    records.c.holder == service,
                    records.c.collected_at >= start,
                    records.c.collected_at < end,
                )
                .order_by(records.c.collected_at, records.c.id)
            )
            for chunk in result.partitions():
                opened = _open(conn, chunk, wanted, keys, keyring) if wanted else {}
                for record_id, subject, purpose, collected in chunk:
                    case = case_of.get(purpose, purpose if purpose in cases else None)
                    if case is None:
                        continue  # a purpose the release does not count
                    when = collected if collected.tzinfo else collected.replace(tzinfo=dt.UTC)
                    values = {
                        "service": service,
                        "period": period_key(when.date(), spec.period.by),
                        "case_type": case,
                        "region": region,
                    }
                    found = opened.get(record_id, {})
                    if SEX_FIELD in wanted:
                        values["sex_gender"] = normalise_sex_gender(found.get(SEX_FIELD))
                    if BIRTH_FIELD in wanted:
                        age = _age(found.get(BIRTH_FIELD), spec.period.end)
                        values["age_band"] = NOT_STATED if age is None else band_of(age, bands)
                    yield Row(subject, values)


def _open(
    conn: Any,
    chunk: Any,
    wanted: tuple[str, ...],
    keys: dict[str, bytes | None],
    keyring: Any,
) -> dict[str, dict[str, str]]:
    """The wanted fields of a chunk of records, decrypted with each person's key."""
    ids = [row[0] for row in chunk]
    subjects = {row[0]: row[1] for row in chunk}
    out: dict[str, dict[str, str]] = {}
    rows = conn.execute(
        select(fields.c.record_id, fields.c.category, fields.c.envelope).where(
            fields.c.record_id.in_(ids), fields.c.category.in_(wanted)
        )
    ).all()
    for record_id, category, envelope in rows:
        subject = subjects[record_id]
        if subject not in keys:
            keys[subject] = keyring.data_key(conn, subject, create=False)
        key = keys[subject]
        if key is None:  # forgotten: counted as not stated
            continue
        value = FieldSealer(key).open(
            envelope, record_id=record_id, field=category, subject=subject
        )
        out.setdefault(record_id, {})[category] = value.decode("utf-8")
    return out


def _reports(confide: Confide, spec: ReleaseSpec) -> Iterator[Row]:
    orgs = confide.policy.policy.organisations
    start, end = _window(spec)
    with confide.db.connect() as conn:
        result = conn.execution_options(yield_per=_CHUNK).execute(
            select(reports.c.holder, reports.c.subject, reports.c.report_type, reports.c.created_at)
            .where(
                reports.c.holder.in_(spec.services),
                reports.c.created_at >= start,
                reports.c.created_at < end,
            )
            .order_by(reports.c.created_at, reports.c.id)
        )
        for holder, subject, report_type, created in result:
            when = created if created.tzinfo else created.replace(tzinfo=dt.UTC)
            yield Row(
                subject,
                {
                    "service": holder,
                    "period": period_key(when.date(), spec.period.by),
                    "case_type": report_type,
                    "region": orgs[holder].region or NOT_STATED,
                },
            )
