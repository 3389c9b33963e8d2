"""The data protection officer's review list of break-glass reads (scenario 14)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update

from confide.crypto import DecryptionError, FieldSealer
from confide.errors import NotFound
from confide.runtime import Confide
from confide.service.tables import break_glass_reviews
from confide.vault.break_glass import REASON_FIELD

Outcome = Literal["justified", "unjustified"]


@dataclass(frozen=True)
class Review:
    id: str
    org: str
    actor: str
    record_id: str
    purpose: str
    released: tuple[str, ...]
    reason: str
    created_at: dt.datetime
    log_index: int
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    outcome: str | None


def open_reviews(confide: Confide, org: str, *, include_reviewed: bool = False) -> list[Review]:
    """The break-glass reads by ``org``'s staff, oldest first; open ones only by default.

    The reason is unsealed for the DPO; a forgotten person's reason reads as "(erased)".
    """
    query = select(break_glass_reviews).where(break_glass_reviews.c.org == org)
    if not include_reviewed:
        query = query.where(break_glass_reviews.c.reviewed_at.is_(None))
    out: list[Review] = []
    with confide.db.transaction() as conn:
        for row in conn.execute(query.order_by(break_glass_reviews.c.created_at)).all():
            key = confide.vault.keyring.data_key(conn, row.subject, create=False)
            reason = "(erased: the person was forgotten)"
            if key is not None:
                try:
                    reason = (
                        FieldSealer(key)
                        .open(row.reason, record_id=row.id, field=REASON_FIELD, subject=row.subject)
                        .decode("utf-8")
                    )
                except DecryptionError:
                    reason = "(unreadable)"
            out.append(
                Review(
                    row.id,
                    row.org,
                    row.actor,
                    row.record_id,
                    row.purpose,
                    tuple(json.loads(row.released)),
                    reason,
                    row.created_at,
                    row.log_index,
                    row.reviewed_at,
                    row.reviewed_by,
                    row.outcome,
                )
            )
    return out


def review(confide: Confide, review_id: str, *, org: str, reviewer: str, outcome: Outcome) -> None:
    """Close a review with its outcome; logged. Only the DPO of the same organisation."""
    if outcome not in ("justified", "unjustified"):
        raise ValueError("a review's outcome is justified or unjustified")
    with confide.db.transaction() as conn:
        row = conn.execute(
            select(break_glass_reviews).where(
                break_glass_reviews.c.id == review_id, break_glass_reviews.c.org == org
            )
        ).first()
        if row is None or row.reviewed_at is not None:
            raise NotFound(f"no open break-glass review {review_id} for {org}")
        conn.execute(
            update(break_glass_reviews)
            .where(break_glass_reviews.c.id == review_id)
            .values(
                reviewed_at=dt.datetime.now(dt.UTC), reviewed_by=reviewer[:128], outcome=outcome
            )
        )
        confide.log.append(
            conn,
            {
                "kind": "break_glass.reviewed",
                "review": review_id,
                "org": org,
                "subject": row.subject,
                "outcome": outcome,
            },
        )
