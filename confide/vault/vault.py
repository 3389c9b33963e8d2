"""The vault: records stored field by field, encrypted per subject; every read a decision.

There is no method here that returns plaintext without a policy decision, and every decision
is appended to the transparency log in the same transaction as the read it allows (I8): if
the log cannot be written, nothing is disclosed. A deny is decided from the request alone,
before the record is looked at, so it is the same whether or not the record exists (I6).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select

from confide.consent.store import resolve
from confide.crypto import BlindIndexer, FieldSealer, NormalisationError
from confide.errors import ConfideError, NotFound, NotPermitted
from confide.policy import CompiledPolicy, Decision, DecisionRequest, Warrant
from confide.storage import Database
from confide.storage.tables import blind_indexes, fields, records
from confide.taxonomy.model import SUBJECT_ROLE
from confide.vault.break_glass import record_break_glass
from confide.vault.keyring import Keyring, VaultKeys
from confide.vault.model import (
    MAX_FIELD_BYTES,
    MAX_FIELDS,
    MAX_SUBJECT_CHARS,
    AccessLog,
    Disclosure,
    ForgetReport,
    SearchResult,
)
from confide.vault.retention import retain_until


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every time Confide stores is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class VaultInputError(ConfideError, ValueError):
    """A value, category, subject or organisation given to the vault is not acceptable."""


class Vault:
    def __init__(
        self, db: Database, keys: VaultKeys, policy: CompiledPolicy, log: AccessLog
    ) -> None:
        self.db = db
        self.policy = policy
        self.log = log
        self.keyring = Keyring(db, keys)
        self._index_root = keys.blind_index_root_key()
        self._indexers: dict[str, BlindIndexer] = {}
        tax = policy.policy.taxonomy
        self._leaf_categories = frozenset(tax.leaf_categories())
        self._identifying = frozenset(n for n, c in tax.categories.items() if c.identifying)

    # -- helpers -----------------------------------------------------------------------------

    def default_role(self, org: str) -> str:
        organisation = self.policy.policy.organisations.get(org)
        if organisation is None:
            raise NotFound(f"organisation {org!r} is not in the policy")
        return self.policy.policy.taxonomy.sectors[organisation.sector].default_role

    def _indexer(self, holder: str) -> BlindIndexer:
        indexer = self._indexers.get(holder)
        if indexer is None:
            indexer = self._indexers[holder] = BlindIndexer(self._index_root, holder=holder)
        return indexer

    def _check_subject(self, subject: str) -> None:
        if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_CHARS:
            raise VaultInputError(
                f"a subject reference is an opaque id of 1 to {MAX_SUBJECT_CHARS} characters"
            )

    def _check_values(self, values: Mapping[str, str]) -> dict[str, bytes]:
        if not values:
            raise VaultInputError("a record needs at least one field (--set CATEGORY=VALUE)")
        if len(values) > MAX_FIELDS:
            raise VaultInputError(f"a record holds at most {MAX_FIELDS} fields")
        encoded: dict[str, bytes] = {}
        for category, value in values.items():
            if category not in self._leaf_categories:
                raise VaultInputError(
                    f"unknown data category {category!r}: fields use a leaf category from "
                    "docs/taxonomy.md, such as identity.name or contact.phone"
                )
            if not isinstance(value, str):
                raise VaultInputError(f"the value of {category} must be text")
            try:
                data = value.encode("utf-8")
            except UnicodeEncodeError:
                raise VaultInputError(f"the value of {category} is not valid UTF-8") from None
            if len(data) > MAX_FIELD_BYTES:
                raise VaultInputError(
                    f"the value of {category} is {len(data)} bytes; a field holds at most "
                    f"{MAX_FIELD_BYTES}"
                )
            encoded[category] = data
        return encoded

    @staticmethod
    def _token(value: str | None) -> str | None:
        """Log fields are identifiers; anything a caller typed is reduced to one (a warrant
        reference with spaces keeps its letters and digits)."""
        if value is None:
            return None
        cleaned = "".join(
            c if c.isascii() and (c.isalnum() or c in "_.:/-") else "_" for c in value
        )
        cleaned = cleaned.lstrip("_.:/-")[:128]
        return cleaned or "unnamed"

    def decision_entry(
        self,
        d: Decision,
        r: DecisionRequest,
        *,
        subject: str | None,
        record: str | None,
    ) -> dict[str, Any]:
        t = self._token
        return {
            "kind": "decision",
            "decision": d.decision,
            "requester": t(r.requester_org),
            "role": t(r.role),
            "action": t(r.action),
            "purpose": t(r.purpose),
            "holder": t(r.holder),
            "requested": [t(f) for f in r.fields],
            "released": list(d.fields),
            "rules": list(d.rules),
            "policy": d.policy,
            "subject": subject,
            "record": t(record),
            "warrant": t(d.warrant),
            "context": r.context_class,
        }

    # -- writing -----------------------------------------------------------------------------

    def put(
        self,
        *,
        holder: str,
        subject: str,
        purpose: str,
        values: Mapping[str, str],
        role: str | None = None,
    ) -> str:
        """Store a record; every field must be one the policy lets the holder collect."""
        self._check_subject(subject)
        encoded = self._check_values(values)
        role = role or self.default_role(holder)
        request = DecisionRequest(
            requester_org=holder,
            role=role,
            action="write",
            purpose=purpose,
            holder=holder,
            fields=tuple(encoded),
        )
        decision = self.policy.decide(request)
        refused = [c for c in encoded if c not in decision.fields]
        ps = self.keyring.pseudonym(subject)
        record_id = str(uuid.uuid4())
        indexed: list[dict[str, str]] = []
        for category in encoded:
            if category in self._identifying:
                try:
                    digest = self._indexer(holder).index(values[category], category=category)
                except NormalisationError as exc:
                    raise VaultInputError(str(exc)) from None
                indexed.append({"category": category, "digest": digest})
        if refused:
            with self.db.transaction() as conn:
                self.log.append(
                    conn, self.decision_entry(decision, request, subject=ps, record=None)
                )
            raise NotPermitted(
                f"the policy does not let {holder} ({role}) collect {', '.join(refused)} for "
                f"{purpose}: " + "; ".join(decision.reasons)
            )
        now = dt.datetime.now(dt.UTC)
        with self.db.transaction() as conn:
            key = self.keyring.data_key(conn, ps, create=True)
            assert key is not None
            sealer = FieldSealer(key)
            conn.execute(
                records.insert().values(
                    subject=ps,
                    id=record_id,
                    holder=holder,
                    purpose=purpose,
                    collected_at=now,
                    retain_until=retain_until(self.policy.policy, purpose, now),
                    policy=self.policy.hash,
                )
            )
            conn.execute(
                fields.insert(),
                [
                    {
                        "subject": ps,
                        "record_id": record_id,
                        "category": category,
                        "envelope": sealer.seal(
                            data, record_id=record_id, field=category, subject=ps
                        ),
                    }
                    for category, data in encoded.items()
                ],
            )
            if indexed:
                conn.execute(
                    blind_indexes.insert(),
                    [
                        {"holder": holder, "subject": ps, "record_id": record_id, **row}
                        for row in indexed
                    ],
                )
            self.log.append(
                conn, self.decision_entry(decision, request, subject=ps, record=record_id)
            )
            self.log.append(
                conn,
                {
                    "kind": "record.created",
                    "record": record_id,
                    "subject": ps,
                    "holder": holder,
                    "purpose": purpose,
                    "categories": sorted(encoded),
                    "policy": self.policy.hash,
                },
            )
        return record_id

    # -- reading -----------------------------------------------------------------------------

    def read(
        self,
        record_id: str,
        *,
        requester: str,
        purpose: str,
        role: str | None = None,
        holder: str | None = None,
        categories: Sequence[str] | None = None,
        warrant: Warrant | None = None,
        offence: str | None = None,
        break_glass: str | None = None,
        actor: str | None = None,
        consent: str | None = None,
        referral: str | None = None,
    ) -> Disclosure:
        """Read a record for ``requester`` under ``purpose``: a decision first, then only the
        released fields. ``holder`` is whose record the requester believes it is (default: its
        own). A deny is decided before the record is looked at (I6).

        ``break_glass`` is the written reason for an emergency read: if the policy's
        break-glass rules permit it, the read is logged as such and put on the data protection
        officer's review list, with ``actor`` (who did it) and the reason sealed under the
        person's own key (scenario 14).

        ``consent`` or ``referral`` names what a read from another service rests on. It is
        checked against its stored record in the read's own transaction: withdrawn, expired
        or (a referral) not accepted, and the read is denied and logged (scenario 13); in
        force, and the engine releases at most what the person agreed to, from her own
        records only."""
        if break_glass is not None and not break_glass.strip():
            raise VaultInputError("a break-glass read needs a written reason")
        if consent is not None and referral is not None:
            raise VaultInputError("a read rests on a consent or on a referral, not both")
        role = role or self._role_or_default(requester)
        asked = tuple(categories) if categories else tuple(sorted(self._leaf_categories))
        request = DecisionRequest(
            requester_org=requester,
            role=role,
            action="read",
            purpose=purpose,
            holder=holder or requester,
            fields=asked,
            subject=warrant.subject if warrant else None,
            offence=offence,
            warrant=warrant,
            break_glass=break_glass,
        )
        with self.db.transaction() as conn:
            resolved = None
            if consent is not None or referral is not None:
                resolved = resolve(conn, consent=consent, referral=referral)
                request = request._replace(
                    consent=resolved.consent_id, consent_scope=resolved.scope
                )
            decision = self.policy.decide(request)
            row = conn.execute(
                select(records.c.subject, records.c.holder).where(records.c.id == record_id)
            ).first()
            subject: str | None = row.subject if row is not None else None
            found = row is not None and row.holder == request.holder
            if found and warrant is not None:
                found = subject == self.keyring.pseudonym(warrant.subject)
            if found and resolved is not None:
                found = subject == resolved.subject  # her consent opens her records only
            # The log gets every decision, attributed to the person whose record was asked
            # for, before anything is disclosed (I8, scenario 9). The requester never sees
            # the log, so attributing a deny reveals nothing to them (I6).
            entry = self.decision_entry(decision, request, subject=subject, record=record_id)
            if resolved is not None:
                entry["consent"] = self._token(resolved.consent_id)
                if resolved.referral_id is not None:
                    entry["referral"] = self._token(resolved.referral_id)
            self.log.append(conn, entry)
            if not decision.permitted:
                return Disclosure(decision, record_id)
            values: dict[str, str] | None = None
            if found and subject is not None:
                values = self._open_fields(conn, subject, record_id, decision.fields)
                if break_glass is not None:
                    record_break_glass(
                        self, conn, request, decision, subject, record_id, break_glass, actor
                    )
        if values is None:
            raise NotFound(f"no record {record_id} held by {request.holder}")
        return Disclosure(decision, record_id, values)

    def _role_or_default(self, org: str) -> str:
        try:
            return self.default_role(org)
        except NotFound:
            return "caseworker"  # an unknown organisation is denied by the engine (I5)

    def _open_fields(
        self, conn: Connection, subject: str, record_id: str, released: Sequence[str]
    ) -> dict[str, str]:
        key = self.keyring.data_key(conn, subject, create=False)
        if key is None:  # forgotten: nothing can be read
            return {}
        sealer = FieldSealer(key)
        rows = conn.execute(
            select(fields.c.category, fields.c.envelope).where(
                fields.c.subject == subject,
                fields.c.record_id == record_id,
                fields.c.category.in_(list(released)),
            )
        ).all()
        values = {
            category: sealer.open(
                envelope, record_id=record_id, field=category, subject=subject
            ).decode("utf-8")
            for category, envelope in rows
        }
        return {c: values[c] for c in released if c in values}

    def search(
        self,
        *,
        requester: str,
        purpose: str,
        category: str,
        value: str,
        role: str | None = None,
        holder: str | None = None,
    ) -> SearchResult:
        """Find a holder's records by an identifying field, through its blind index."""
        role = role or self._role_or_default(requester)
        request = DecisionRequest(
            requester_org=requester,
            role=role,
            action="search",
            purpose=purpose,
            holder=holder or requester,
            fields=(category,),
        )
        decision = self.policy.decide(request)
        digest: str | None = None
        if category in self._identifying:
            try:
                digest = self._indexer(request.holder).index(value, category=category)
            except NormalisationError as exc:
                if decision.permitted:
                    raise VaultInputError(str(exc)) from None
        elif decision.permitted:
            raise VaultInputError(f"{category} is not an identifying field; it has no index")
        with self.db.transaction() as conn:
            found: list[Any] = []
            if digest is not None:
                # Looked up whatever the decision, so that a refused search is in the
                # history of the person it would have found (scenario 9) and takes the
                # same work as a permitted one; only a permit returns what was found (I6).
                found = list(
                    conn.execute(
                        select(blind_indexes.c.subject, blind_indexes.c.record_id).where(
                            blind_indexes.c.holder == request.holder,
                            blind_indexes.c.category == category,
                            blind_indexes.c.digest == digest,
                        )
                    ).all()
                )
            entries = [
                self.decision_entry(decision, request, subject=subject, record=record_id)
                for subject, record_id in found
            ] or [self.decision_entry(decision, request, subject=None, record=None)]
            self.log.append_many(conn, entries)
        if not decision.permitted:
            return SearchResult(decision)
        return SearchResult(decision, tuple(sorted(r for _, r in found)))

    # -- the person's own rights (I7) ------------------------------------------------------

    def export(self, subject: str) -> dict[str, Any]:
        """Everything the vault holds about the person, machine-readable. Never blocked (I7)."""
        self._check_subject(subject)
        return self.export_pseudonym(self.keyring.pseudonym(subject), shown_as=subject)

    def export_pseudonym(self, ps: str, *, shown_as: str | None = None) -> dict[str, Any]:
        """:meth:`export` for a person known only by her pseudonym (she proved herself with a
        subject access code; Confide never stored her reference). Each record is a
        ``subject.portability`` decision, logged (I7: never blocked; I8: always logged)."""
        out: list[dict[str, Any]] = []
        with self.db.transaction() as conn:
            rows = conn.execute(
                select(records).where(records.c.subject == ps).order_by(records.c.collected_at)
            ).all()
            for row in rows:
                present = tuple(
                    conn.execute(
                        select(fields.c.category).where(
                            fields.c.subject == ps, fields.c.record_id == row.id
                        )
                    ).scalars()
                ) or ("identity.name",)
                request = DecisionRequest(
                    requester_org=row.holder,
                    role=SUBJECT_ROLE,
                    action="read",
                    purpose="subject.portability",
                    holder=row.holder,
                    fields=present,
                    subject=ps,
                    subject_self=ps,
                )
                decision = self.policy.decide(request)
                self.log.append(
                    conn, self.decision_entry(decision, request, subject=ps, record=row.id)
                )
                values = (
                    self._open_fields(conn, ps, row.id, decision.fields)
                    if decision.permitted
                    else {}
                )
                out.append(
                    {
                        "record": row.id,
                        "holder": row.holder,
                        "purpose": row.purpose,
                        "collected_at": _aware(row.collected_at).isoformat(),
                        "retain_until": (
                            _aware(row.retain_until).isoformat() if row.retain_until else None
                        ),
                        "fields": values,
                    }
                )
        return {"format": "confide-export/1", "subject": shown_as or ps, "records": out}

    def forget(self, subject: str) -> ForgetReport:
        """Destroy the person's data key and every record: a tombstone with no personal data
        remains. Copies of the ciphertext anywhere become unreadable (docs/vault.md)."""
        self._check_subject(subject)
        ps = self.keyring.pseudonym(subject)
        with self.db.transaction() as conn:
            count = conn.execute(
                select(func.count()).select_from(records).where(records.c.subject == ps)
            ).scalar_one()
            field_count = conn.execute(
                select(func.count()).select_from(fields).where(fields.c.subject == ps)
            ).scalar_one()
            destroyed = self.keyring.destroy(conn, ps)
            # Her consents end with her: nothing more is shared under them.
            from confide.consent.consents import forget_consents  # noqa: PLC0415 - a cycle

            forget_consents(conn, self.log, ps)
            conn.execute(delete(blind_indexes).where(blind_indexes.c.subject == ps))
            conn.execute(delete(fields).where(fields.c.subject == ps))
            conn.execute(delete(records).where(records.c.subject == ps))
            self.log.append(
                conn,
                {
                    "kind": "subject.forgotten",
                    "subject": ps,
                    "records": count,
                    "fields": field_count,
                    "key_destroyed": destroyed,
                },
            )
        return ForgetReport(subject, count, field_count, destroyed)
