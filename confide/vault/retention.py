"""Retention: each purpose's period from the policy; purging what is due.

A record's ``retain_until`` is fixed when it is collected, from the policy in force then.
Purging deletes the record and its fields; a subject left with no records also loses their
data key, so nothing about them can ever be decrypted again.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from confide.policy import Policy
from confide.storage.tables import blind_indexes, fields, records
from confide.vault.model import PurgeReport

if TYPE_CHECKING:
    from confide.vault.vault import Vault


def add_period(start: dt.datetime, years: int, months: int, days: int) -> dt.datetime:
    """Calendar arithmetic: 31 January + 1 month is the last day of February."""
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day) + dt.timedelta(days=days)


def retain_until(policy: Policy, purpose: str, collected: dt.datetime) -> dt.datetime | None:
    period = policy.retention.get(purpose)
    if period is None:
        return None
    return add_period(collected, period.years, period.months, period.days)


def purge(vault: Vault, *, now: dt.datetime | None = None, batch: int = 1000) -> PurgeReport:
    """Delete every record whose retention has passed; report counts. Logged."""
    now = now or dt.datetime.now(dt.UTC)
    total_records = total_fields = total_forgotten = 0
    by_purpose: Counter[str] = Counter()
    while True:
        with vault.db.transaction() as conn:
            due = conn.execute(
                select(records.c.subject, records.c.id, records.c.purpose)
                .where(records.c.retain_until.is_not(None), records.c.retain_until <= now)
                .limit(batch)
            ).all()
            if not due:
                break
            subjects = {row.subject for row in due}
            ids = [row.id for row in due]
            removed_fields = conn.execute(
                select(func.count()).select_from(fields).where(fields.c.record_id.in_(ids))
            ).scalar_one()
            conn.execute(delete(blind_indexes).where(blind_indexes.c.record_id.in_(ids)))
            conn.execute(delete(fields).where(fields.c.record_id.in_(ids)))
            conn.execute(delete(records).where(records.c.id.in_(ids)))
            forgotten = 0
            for subject in sorted(subjects):
                left = conn.execute(
                    select(func.count()).select_from(records).where(records.c.subject == subject)
                ).scalar_one()
                if not left:
                    forgotten += vault.keyring.destroy(conn, subject)
            for row in due:
                vault.log.append(
                    conn,
                    {
                        "kind": "record.purged",
                        "record": row.id,
                        "subject": row.subject,
                        "purpose": row.purpose,
                    },
                )
            by_purpose.update(row.purpose for row in due)
            total_records += len(due)
            total_fields += removed_fields
            total_forgotten += forgotten
    return PurgeReport(total_records, total_fields, total_forgotten, dict(by_purpose))


__all__ = ["add_period", "purge", "retain_until"]
