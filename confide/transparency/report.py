"""The public transparency report: what the log says happened, counted at one tree size.

>>> report = build_report(log, policy, org="st-marys-clinic", period="quarter")
>>> report.size, report.root, report.checkpoint          # where it was computed
>>> report.to_json(), report.to_csv()

A report is a fold over the log's entries ``[0, size)`` in order, read in chunks so that a
log of millions of entries is never held in memory. It reads nothing but the log and the
policy's organisation registry (which maps an organisation id to its sector; an id the
registry does not know is in sector ``unknown``), so anyone holding a copy of the log and
the policy computes the same report at the same size: the report at size N is a function
of the first N entries and never changes as the log grows.

It is also a check. The builder hashes every entry it counts (RFC 9162 section 2.1.1) and
refuses to finish unless those bytes make the log's root at that size; and it cites the
latest signed checkpoint at or below that size together with a consistency proof
(section 2.1.4) from the checkpoint to the report's tree, which it verifies first. A reader
checks the checkpoint's signature with the log's verifier key, the proof against the
report's root, and recomputes the counts with ``confide log report --size N``.

The log holds no personal data and the report less: subjects' pseudonyms, record, consent,
referral, review and report ids are never copied into it (docs/transparency-report.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, select

from confide.errors import NotFound, RequestError, VerificationError
from confide.policy.model import Policy
from confide.taxonomy.model import ENFORCEMENT_SECTOR, is_immigration
from confide.transparency.checkpoint import parse_checkpoint
from confide.transparency.entries import LogEntry, format_time
from confide.transparency.log import TransparencyLog
from confide.transparency.merkle import node_hash, verify_consistency
from confide.transparency.report_model import (
    PERIODS,
    REPORT_FORMAT,
    UNKNOWN_SECTOR,
    ActivityCount,
    BreakGlassCount,
    CitedCheckpoint,
    DecisionCount,
    EnforcementRequest,
    HolderCount,
    Period,
    PolicyEvent,
    TransparencyReport,
    period_bounds,
    period_of,
)
from confide.transparency.store import frontier_root
from confide.transparency.tables import log_checkpoints

if TYPE_CHECKING:
    from confide.policy import CompiledPolicy

__all__ = [
    "CHUNK",
    "PERIODS",
    "REPORT_FORMAT",
    "UNKNOWN_SECTOR",
    "ActivityCount",
    "BreakGlassCount",
    "CitedCheckpoint",
    "DecisionCount",
    "EnforcementRequest",
    "HolderCount",
    "Period",
    "PolicyEvent",
    "ReportBuilder",
    "TransparencyReport",
    "build_report",
    "period_bounds",
    "period_of",
]

#: Entries read per query: a few hundred kilobytes, whatever the log's size.
CHUNK: Final = 2000
#: Rules that mark a request as immigration enforcement whoever made it: I1 (nothing to
#: immigration enforcement) and I3 (an immigration offence is no criminal-justice exemption).
ENFORCEMENT_RULES: Final = frozenset({"I1", "I3"})
#: The entries that make up the policy's history.
POLICY_KINDS: Final = (
    "policy.changed",
    "agreement.activated",
    "agreement.retired",
    "agreement.refused",
)
_LEAF = b"\x00"  # RFC 9162 section 2.1.1, as in merkle.py


# -- building --------------------------------------------------------------------------------


def _registry(policy: CompiledPolicy | Policy) -> tuple[dict[str, str], str]:
    # The file's hash, not the effective one: run-time agreements change the hash but not
    # the registry, and the command line (which does not compose them) must agree.
    model: Policy = policy if isinstance(policy, Policy) else policy.policy
    sectors = {org.id: org.sector for org in model.organisations.values()}
    return sectors, str(model.file_hash)


class ReportBuilder:
    """A report being computed: feed it the log's entries in order, then :meth:`finish`.

    Keeping a builder and calling :meth:`advance` again later reads only the entries
    appended since, which is how the public pages stay cheap on a large log.
    """

    def __init__(
        self, policy: CompiledPolicy | Policy, *, org: str | None = None, period: str = "month"
    ) -> None:
        self._sectors, self.registry = _registry(policy)
        if period not in PERIODS:
            raise RequestError(f"a report's period is one of {', '.join(PERIODS)}")
        if org is not None and org not in self._sectors:
            raise NotFound(f"organisation {org!r} is not in the policy's registry")
        self.org = org
        self.period: Period = period
        self.size = 0
        self._frontier: list[bytes] = []
        self._decisions: Counter[tuple[str, str, str, str, str]] = Counter()
        self._by_holder: Counter[tuple[str, str, str, str, str, str]] = Counter()
        self._enforcement: list[EnforcementRequest] = []
        # review id (or, without one, the entry index) -> [period, requester, holder, outcome]
        self._uses: dict[str | int, list[str | None]] = {}
        self._policy: list[PolicyEvent] = []
        self._activity: Counter[tuple[str, str, str]] = Counter()
        self._handlers: dict[str, Callable[[int, Mapping[str, Any]], None]] = {
            "decision": self._decision,
            "break_glass": self._break_glass,
            "break_glass.reviewed": self._reviewed,
            "consent.given": self._consent,
            "consent.withdrawn": self._consent,
            "referral.state": self._referral,
            "report.received": self._report_received,
            **dict.fromkeys(POLICY_KINDS, self._policy_event),
        }

    # -- reading the log -------------------------------------------------------------------

    def feed(self, entries: Iterable[LogEntry]) -> None:
        """Count ``entries``, which must be the log's next ones in order. Raises
        :class:`~confide.errors.VerificationError` on one that does not fit (a builder
        that raised is spent: start a new one)."""
        for entry in entries:
            index = entry.index
            if index != self.size:
                raise VerificationError(
                    f"entry {self.size} is missing: the log skipped to entry {index}; "
                    "run `confide log verify`"
                )
            self._hash(entry.data)
            try:
                fields = entry.fields
                if fields.get("index") != index:
                    raise ValueError("index")
                handler = self._handlers.get(str(fields.get("kind")))
                if handler is not None:
                    handler(index, fields)
            except (KeyError, TypeError, ValueError):
                # A stored entry that no longer fits its kind was edited after it was
                # appended: report nothing rather than a count built on it.
                raise VerificationError(
                    f"entry {index} does not fit its kind's schema; run `confide log verify`"
                ) from None
            self.size = index + 1

    def advance(
        self, log: TransparencyLog, size: int | None = None, *, chunk: int = CHUNK
    ) -> TransparencyReport:
        """Read entries ``[self.size, size)`` (default: to the end of the log) in chunks
        of ``chunk``, and return the report at ``size``."""
        if chunk < 1:
            raise RequestError("read the log in chunks of at least one entry")
        with log.db.connect() as conn:
            current = log.size(conn)
            size = current if size is None else size
            if not self.size <= size <= current:
                raise NotFound(
                    f"the log has {current} entries; this report can be computed at sizes "
                    f"{self.size} to {current}, not {size}"
                )
            start = self.size
            while start < size:
                end = min(start + chunk, size)
                self.feed(log.entries(start, end, conn))
                start = end
            return self.finish(log, conn)

    def finish(self, log: TransparencyLog, conn: Connection) -> TransparencyReport:
        """The report at the size fed so far, checked against the log's root and its
        latest signed checkpoint at or below that size. Feeding may go on after."""
        root = frontier_root(self._frontier)
        if log.root(self.size, conn) != root:
            raise VerificationError(
                f"the first {self.size} entries do not make the log's root at that size: "
                "an entry or a tree node was changed; run `confide log verify`"
            )
        uses: Counter[tuple[str, str, str]] = Counter()
        outcomes: Counter[tuple[str, str, str, str | None]] = Counter()
        for period, requester, holder, outcome in self._uses.values():
            key = (str(period), str(requester), str(holder))
            uses[key] += 1
            outcomes[(*key, outcome)] += 1
        return TransparencyReport(
            org=self.org,
            org_sector=self._sectors[self.org] if self.org is not None else None,
            period=self.period,
            size=self.size,
            root=root,
            registry=self.registry,
            checkpoint=_cite_checkpoint(log, conn, self.size, root),
            decisions=tuple(DecisionCount(*k, n) for k, n in sorted(self._decisions.items())),
            decisions_by_holder=tuple(
                HolderCount(*k, n) for k, n in sorted(self._by_holder.items())
            ),
            enforcement=tuple(self._enforcement),
            break_glass=tuple(
                BreakGlassCount(
                    *key, n, outcomes[(*key, "justified")], outcomes[(*key, "unjustified")]
                )
                for key, n in sorted(uses.items())
            ),
            policy_history=tuple(self._policy),
            activity=tuple(ActivityCount(*k, n) for k, n in sorted(self._activity.items())),
        )

    # -- the tree ----------------------------------------------------------------------------

    def _hash(self, data: bytes) -> None:
        # The compact range of the entries read so far: each trailing one bit of the old
        # size closes a perfect subtree (RFC 9162 section 2.1.1), O(log n) memory.
        right = hashlib.sha256(_LEAF + data).digest()
        closing = self.size + 1
        while not closing & 1:
            right = node_hash(self._frontier.pop(), right)
            closing >>= 1
        self._frontier.append(right)

    # -- the kinds counted -------------------------------------------------------------------

    def _mine(self, *orgs: object) -> bool:
        return self.org is None or self.org in orgs

    def _when(self, fields: Mapping[str, Any]) -> str:
        return period_of(str(fields["time"]), self.period)

    def _decision(self, index: int, f: Mapping[str, Any]) -> None:
        requester, holder = str(f["requester"]), str(f["holder"])
        if not self._mine(requester, holder):
            return
        logged = f.get("sector")
        sector = self._sectors.get(requester) or (str(logged) if logged else UNKNOWN_SECTOR)
        period, purpose = self._when(f), str(f["purpose"])
        action, decision = str(f["action"]), str(f["decision"])
        self._decisions[(period, sector, purpose, action, decision)] += 1
        self._by_holder[(period, holder, sector, purpose, action, decision)] += 1
        rules = tuple(map(str, f["rules"]))
        if (
            ENFORCEMENT_SECTOR in (sector, logged)
            or is_immigration(purpose)
            or not ENFORCEMENT_RULES.isdisjoint(rules)
        ):
            self._enforcement.append(
                EnforcementRequest(
                    index=index,
                    time=str(f["time"]),
                    requester=requester,
                    sector=sector,
                    role=str(f["role"]),
                    action=action,
                    purpose=purpose,
                    holder=holder,
                    requested=tuple(map(str, f["requested"])),
                    released=tuple(map(str, f["released"])),
                    decision=decision,
                    rules=rules,
                )
            )

    def _break_glass(self, index: int, f: Mapping[str, Any]) -> None:
        requester, holder = str(f["requester"]), str(f["holder"])
        if self._mine(requester, holder):
            review = f.get("review")
            key: str | int = str(review) if review else index
            self._uses[key] = [self._when(f), requester, holder, None]

    def _reviewed(self, index: int, f: Mapping[str, Any]) -> None:
        # Only reviews of reads this report counts, and only the first (a review closes).
        use = self._uses.get(str(f["review"]))
        if use is not None and use[3] is None:
            use[3] = str(f["outcome"])

    def _consent(self, index: int, f: Mapping[str, Any]) -> None:
        if self._mine(f["holder"], f["recipient"]):
            self._activity[(self._when(f), str(f["kind"]), "")] += 1

    def _referral(self, index: int, f: Mapping[str, Any]) -> None:
        if self._mine(f["holder"], f["recipient"]):
            self._activity[(self._when(f), "referral.state", str(f["state"]))] += 1

    def _report_received(self, index: int, f: Mapping[str, Any]) -> None:
        if self._mine(f["holder"]):
            self._activity[(self._when(f), "report.received", str(f["type"]))] += 1

    def _policy_event(self, index: int, f: Mapping[str, Any]) -> None:
        kind = str(f["kind"])
        source, recipient = f.get("source"), f.get("recipient")
        # A policy change binds every organisation, so every report shows it.
        if kind != "policy.changed" and not self._mine(source, recipient):
            return
        self._policy.append(
            PolicyEvent(
                index=index,
                time=str(f["time"]),
                kind=kind,
                policy=_text(f.get("policy")),
                previous=_text(f.get("previous")),
                agreement=_text(f.get("agreement")),
                source=_text(source),
                recipient=_text(recipient),
                invariants=tuple(map(str, f.get("invariants") or ())),
            )
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _cite_checkpoint(
    log: TransparencyLog, conn: Connection, size: int, root: bytes
) -> CitedCheckpoint | None:
    row = conn.execute(
        select(log_checkpoints)
        .where(log_checkpoints.c.size <= size)
        .order_by(log_checkpoints.c.size.desc(), log_checkpoints.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    note = str(row.note)
    signed = parse_checkpoint(note[: note.rfind("\n\n") + 1])
    if signed.size != int(row.size) or signed.root_hash != bytes(row.root):
        raise VerificationError(
            f"checkpoint {row.id}: its stored size or root differs from its signed note; "
            "run `confide log verify`"
        )
    # The report's tree must extend the checkpoint's (RFC 9162 section 2.1.4.2).
    proof = log.consistency_proof(signed.size, size, conn)
    verify_consistency(signed.size, size, signed.root_hash, root, proof)
    created = row.created_at
    if created.tzinfo is None:  # SQLite returns naive UTC datetimes
        created = created.replace(tzinfo=dt.UTC)
    return CitedCheckpoint(
        origin=signed.origin,
        size=signed.size,
        root=signed.root_hash,
        note=note,
        created_at=format_time(created),
        consistency=tuple(proof),
    )


def build_report(
    log: TransparencyLog,
    policy: CompiledPolicy | Policy,
    *,
    org: str | None = None,
    period: str = "month",
    size: int | None = None,
    chunk: int = CHUNK,
) -> TransparencyReport:
    """The transparency report of the log's first ``size`` entries (default: all of them),
    for the deployment or, with ``org``, for one organisation: the entries where it is the
    requester or the holder (the source or the recipient of an agreement, a consent or a
    referral), and every policy change.

    Raises :class:`~confide.errors.NotFound` for an organisation the registry does not
    know or a size the log does not have, and :class:`~confide.errors.VerificationError`
    if the entries read do not make the log's root or do not extend the checkpoint cited.
    """
    return ReportBuilder(policy, org=org, period=period).advance(log, size, chunk=chunk)
