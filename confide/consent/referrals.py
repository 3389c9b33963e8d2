"""Referrals: one service handing a person over to another, with her consent.

A referral names the person, the receiving service, the purpose, the fields, the consent it
rests on and an expiry. It moves offered → accepted → completed, or to declined, expired or
withdrawn; each step is a ``referral.state`` log entry in the same transaction. The
receiving service reads the listed fields — through the vault, one logged decision per
record — only while the referral is accepted, unexpired, and its consent still in force.
A closed service (a humanitarian service point) refers nobody: nothing leaves it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Row, or_, select, update

from confide.consent.consents import check_terms
from confide.consent.model import (
    OPEN_REFERRAL_STATES,
    ConsentError,
    Referral,
    aware,
)
from confide.consent.store import consent_in_force, in_force
from confide.consent.tables import consents, referrals
from confide.errors import NotFound, NotPermitted
from confide.storage.tables import fields as field_table
from confide.storage.tables import records
from confide.transparency.entries import format_time
from confide.vault.model import Disclosure

if TYPE_CHECKING:
    from confide.runtime import Confide

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "TRANSITIONS", "Referrals"]

DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 366
#: Who may move a referral from one state to the next: the sending service or the receiving.
TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "accepted": (frozenset({"offered"}), "recipient"),
    "declined": (frozenset({"offered"}), "recipient"),
    "completed": (frozenset({"accepted"}), "recipient"),
    "withdrawn": (frozenset({"offered", "accepted"}), "holder"),
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Referrals:
    def __init__(self, confide: Confide) -> None:
        self.confide = confide

    # -- offering ----------------------------------------------------------------------------

    def offer(
        self,
        *,
        holder: str,
        recipient: str,
        consent: str,
        categories: Sequence[str] | None = None,
        purpose: str | None = None,
        days: int = DEFAULT_DAYS,
        created_by: str,
        now: dt.datetime | None = None,
    ) -> Referral:
        """Offer the person named by ``consent`` to ``recipient``. The referral carries at most
        what the consent covers (``categories`` narrows it) and ends no later than it."""
        now = now or _now()
        if not 1 <= days <= MAX_DAYS:
            raise ConsentError(f"a referral lasts 1 to {MAX_DAYS} days")
        vault = self.confide.vault
        with self.confide.db.transaction() as conn:
            row = conn.execute(select(consents).where(consents.c.id == consent)).first()
            if row is None or holder not in (row.holder,):
                raise NotFound(f"no consent {consent} held by {holder}")
            if not in_force(row, now):
                raise ConsentError(f"consent {consent} is no longer in force")
            if row.recipient != recipient:
                raise ConsentError(
                    f"consent {consent} was given for {row.recipient}, not {recipient}"
                )
            purpose = purpose or row.purpose
            if purpose != row.purpose:
                raise ConsentError(f"consent {consent} was given for {row.purpose}, not {purpose}")
            agreed = tuple(json.loads(row.categories))
            leaves = check_terms(
                vault.policy,
                holder=holder,
                recipient=recipient,
                purpose=purpose,
                categories=list(categories) if categories else list(agreed),
            )
            beyond = [c for c in leaves if c not in agreed]
            if beyond:
                raise ConsentError(
                    f"consent {consent} does not cover {', '.join(beyond)}; a referral carries "
                    "only what the person agreed to"
                )
            expires = min(now + dt.timedelta(days=days), aware(row.expires_at))
            referral_id = str(uuid.uuid4())
            conn.execute(
                referrals.insert().values(
                    id=referral_id,
                    subject=row.subject,
                    holder=holder,
                    recipient=recipient,
                    purpose=purpose,
                    categories=json.dumps(list(leaves)),
                    consent_id=consent,
                    state="offered",
                    created_at=now,
                    updated_at=now,
                    expires_at=expires,
                    created_by=created_by[:128],
                )
            )
            offered = conn.execute(select(referrals).where(referrals.c.id == referral_id)).one()
            vault.log.append(
                conn,
                {
                    **_entry(offered, "offered"),
                    "purpose": purpose,
                    "categories": list(leaves),
                    "expires": format_time(expires),
                },
            )
            return _from_row(offered)

    # -- moving ------------------------------------------------------------------------------

    def move(
        self, referral_id: str, state: str, *, org: str, now: dt.datetime | None = None
    ) -> Referral:
        """Move a referral to ``state``: the receiving service accepts, declines or
        completes; the sending service withdraws. Anyone else gets :class:`NotFound`."""
        if state not in TRANSITIONS:
            raise ConsentError(
                f"a referral can be moved to {', '.join(TRANSITIONS)}, not {state!r}"
            )
        sources, party = TRANSITIONS[state]
        now = now or _now()
        with self.confide.db.transaction() as conn:
            row = self._visible(conn, referral_id, org, lock=True)
            row = self._expire_if_due(conn, row, now)
            if getattr(row, party) != org:
                who = "receiving" if party == "recipient" else "sending"
                raise NotPermitted(f"only the {who} service can mark a referral {state}")
            if row.state not in sources:
                raise ConsentError(
                    f"referral {referral_id} is {row.state}; it cannot become {state}"
                )
            needs_consent = state in ("accepted", "completed")
            if needs_consent and not consent_in_force(conn, row.consent_id, now):
                raise ConsentError(
                    f"the consent referral {referral_id} rests on is no longer in force"
                )
            conn.execute(
                update(referrals)
                .where(referrals.c.id == referral_id)
                .values(state=state, updated_at=now)
            )
            self.confide.vault.log.append(
                conn,
                _entry(row, state),
            )
            return _from_row(
                conn.execute(select(referrals).where(referrals.c.id == referral_id)).one()
            )

    def accept(self, referral_id: str, *, org: str) -> Referral:
        return self.move(referral_id, "accepted", org=org)

    def decline(self, referral_id: str, *, org: str) -> Referral:
        return self.move(referral_id, "declined", org=org)

    def complete(self, referral_id: str, *, org: str) -> Referral:
        return self.move(referral_id, "completed", org=org)

    def withdraw(self, referral_id: str, *, org: str) -> Referral:
        return self.move(referral_id, "withdrawn", org=org)

    # -- seeing ------------------------------------------------------------------------------

    def get(self, referral_id: str, *, org: str) -> Referral:
        with self.confide.db.transaction() as conn:
            row = self._visible(conn, referral_id, org)
            return _from_row(self._expire_if_due(conn, row, _now()))

    def for_org(self, org: str, *, state: str | None = None) -> list[Referral]:
        """Referrals ``org`` sent or received, newest first; lapsed ones become expired."""
        now = _now()
        with self.confide.db.transaction() as conn:
            query = select(referrals).where(
                or_(referrals.c.holder == org, referrals.c.recipient == org)
            )
            rows = conn.execute(query.order_by(referrals.c.created_at.desc())).all()
            out = [_from_row(self._expire_if_due(conn, row, now)) for row in rows]
        return [r for r in out if state is None or r.state == state]

    def for_subject(self, pseudonym: str) -> list[Referral]:
        with self.confide.db.transaction() as conn:
            rows = conn.execute(
                select(referrals)
                .where(referrals.c.subject == pseudonym)
                .order_by(referrals.c.created_at.desc())
            ).all()
            now = _now()
            return [_from_row(self._expire_if_due(conn, row, now)) for row in rows]

    def expire_due(self, now: dt.datetime | None = None) -> int:
        """Mark every open referral past its expiry ``expired`` (each logged)."""
        now = now or _now()
        with self.confide.db.transaction() as conn:
            rows = conn.execute(
                select(referrals).where(
                    referrals.c.state.in_(tuple(OPEN_REFERRAL_STATES)),
                    referrals.c.expires_at <= now,
                )
            ).all()
            for row in rows:
                self._expire_if_due(conn, row, now)
        return len(rows)

    # -- reading under a referral -------------------------------------------------------------

    def read(self, referral_id: str, *, org: str, role: str | None = None) -> list[Disclosure]:
        """The receiving service reads the person's records at the sending service, each
        a logged decision under the referral; only the listed fields, only while the
        referral is accepted and its consent in force (otherwise each read is a logged deny).
        """
        with self.confide.db.transaction() as conn:
            row = self._visible(conn, referral_id, org)
            row = self._expire_if_due(conn, row, _now())
            if row.recipient != org:
                raise NotPermitted("only the receiving service reads under a referral")
            fields = tuple(json.loads(row.categories))
            # Only her records at the sending service that hold a listed field: the
            # receiving service learns nothing of the others, not even that they exist.
            ids = list(
                conn.execute(
                    select(records.c.id)
                    .where(
                        records.c.subject == row.subject,
                        records.c.holder == row.holder,
                        select(field_table.c.record_id)
                        .where(
                            field_table.c.subject == row.subject,
                            field_table.c.record_id == records.c.id,
                            field_table.c.category.in_(fields),
                        )
                        .exists(),
                    )
                    .order_by(records.c.collected_at)
                ).scalars()
            )
        vault = self.confide.vault
        out: list[Disclosure] = []
        for record_id in ids:
            try:
                out.append(
                    vault.read(
                        record_id,
                        requester=org,
                        role=role,
                        purpose=row.purpose,
                        holder=row.holder,
                        categories=fields,
                        referral=referral_id,
                    )
                )
            except NotFound:
                continue
        return out

    # -- helpers -----------------------------------------------------------------------------

    def _visible(
        self, conn: Connection, referral_id: str, org: str, *, lock: bool = False
    ) -> Row[Any]:
        query = select(referrals).where(referrals.c.id == referral_id)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None or org not in (row.holder, row.recipient):
            raise NotFound(f"no referral {referral_id} visible to {org}")
        return row

    def _expire_if_due(self, conn: Connection, row: Row[Any], now: dt.datetime) -> Row[Any]:
        if row.state in OPEN_REFERRAL_STATES and now >= aware(row.expires_at):
            conn.execute(
                update(referrals)
                .where(referrals.c.id == row.id, referrals.c.state == row.state)
                .values(state="expired", updated_at=now)
            )
            self.confide.vault.log.append(
                conn,
                _entry(row, "expired"),
            )
            return conn.execute(select(referrals).where(referrals.c.id == row.id)).one()
        return row


def _entry(row: Row[Any], state: str) -> dict[str, Any]:
    return {
        "kind": "referral.state",
        "referral": row.id,
        "subject": row.subject,
        "holder": row.holder,
        "recipient": row.recipient,
        "consent": row.consent_id,
        "state": state,
    }


def _from_row(row: Row[Any]) -> Referral:
    return Referral(
        id=row.id,
        subject=row.subject,
        holder=row.holder,
        recipient=row.recipient,
        purpose=row.purpose,
        categories=tuple(json.loads(row.categories)),
        consent_id=row.consent_id,
        state=row.state,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        expires_at=aware(row.expires_at),
        created_by=row.created_by,
    )
