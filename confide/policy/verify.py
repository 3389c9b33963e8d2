"""Prove the invariants over a policy before it can be loaded (I10).

The decision space is finite — organisations × roles × actions × purposes × holders ×
contexts — and every key outside the table is a deny, so checking every cell of the table
the policy's own rules build (before Confide's guards) is an exhaustive proof that the
policy, as written, permits no forbidden flow. The flow graph over organisations is then
searched for chains of grants that carry data to immigration enforcement (A → B → C).

I3 cannot be written as a rule (rules do not name offences), so there is nothing in a policy
to reject for it; the engine refuses immigration offences on every request and the test
suite checks that over the whole decision space.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from dataclasses import dataclass

from confide.errors import InvariantViolation, PolicyProblem
from confide.policy.compile import Cell, Key, build_table
from confide.policy.model import Policy, ReportingChannel
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    REPORT_CATEGORY,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    is_immigration,
)


@dataclass(frozen=True, slots=True)
class Edge:
    """Data of ``mask`` may move from ``source`` (holder) to ``target`` (requester)."""

    source: str
    target: str
    mask: int
    grants: frozenset[str]


def verify_policy(policy: Policy, *, today: dt.date | None = None) -> None:
    """Raise :class:`InvariantViolation` naming every rule and path that breaks I1-I4, I7."""
    _Verifier(policy, today or dt.datetime.now(dt.UTC).date()).run()


class _Verifier:
    def __init__(self, policy: Policy, today: dt.date) -> None:
        self.policy = policy
        self.today = today
        tax = policy.taxonomy
        self.categories = tax.leaf_categories()
        self.bits = {name: 1 << i for i, name in enumerate(self.categories)}
        self.protected = 0
        for name in tax.protected_categories():
            self.protected |= self.bits.get(name, 0)
        self.grants = {g.id: g for g in policy.grants}
        self.problems: dict[tuple[str, str], PolicyProblem] = {}
        self.edges: dict[tuple[str, str], Edge] = {}
        self.bad_edges: list[tuple[tuple[str, str], str, str]] = []

    def run(self) -> None:
        # I7: a forbid can never reach the person's own rights.
        for g in self.policy.grants:
            if g.effect == "forbid" and g.purposes & SUBJECT_PURPOSES:
                self.report(
                    {g.id},
                    "I7",
                    "the person's own access, correction and portability can never be blocked; "
                    "remove subject.* from its purposes",
                )
        table = build_table(self.policy, self.bits, self.today)
        for key, cell in table.items():
            self.check_cell(key, cell)
        self.check_chains()
        self.check_reporting(table)
        if self.problems:
            ordered = sorted(self.problems.values(), key=lambda p: (p.line or 0, p.invariant or ""))
            raise InvariantViolation(ordered)

    def report(self, grant_ids: set[str], invariant: str, message: str) -> None:
        for grant_id in sorted(grant_ids):
            g = self.grants[grant_id]
            self.problems.setdefault(
                (grant_id, invariant),
                PolicyProblem(
                    f"{g.kind} {grant_id!r}: {message}", self.policy.file, g.line, None, invariant
                ),
            )

    def names(self, mask: int) -> str:
        return ", ".join(n for n in self.categories if self.bits[n] & mask)

    def check_cell(self, key: Key, cell: Cell) -> None:
        released = cell.permit & ~cell.forbid
        if not released:
            return
        requester_id, _role, _action, purpose, holder_id, context = key
        requester = self.policy.organisations[requester_id]
        holder = self.policy.organisations[holder_id]
        responsible = {gid for gid, m in cell.permits if m & released}
        to_enforcement = requester.sector == ENFORCEMENT_SECTOR
        if to_enforcement:
            self.report(
                responsible,
                "I1",
                f"it would disclose {self.names(released)} to {requester_id}, an immigration "
                "enforcement body; nothing may ever go there",
            )
        if is_immigration(purpose):
            self.report(
                responsible,
                "I1",
                f"it would permit {purpose}; immigration purposes are never permitted",
            )
        if purpose == SERIOUS_CRIME_PURPOSE and context != "warrant":
            self.report(
                responsible, "I4", f"{purpose} needs a judicial warrant: add `when: warrant`"
            )
        if requester_id == holder_id:
            return
        if holder.closed:
            self.report(
                responsible, "I10", f"{holder_id} is a closed service; nothing may leave it"
            )
        leaked = released & self.protected
        if leaked and not (requester.sector == "legal_aid" and context == "consent"):
            self.report(
                responsible,
                "I2",
                f"it would let {self.names(leaked)} leave {holder_id} for {requester_id}; "
                "protected data goes only to the person, or to legal aid they chose with "
                "express consent",
            )
        pair = (holder_id, requester_id)
        old = self.edges.get(pair)
        if old is None:
            self.edges[pair] = Edge(holder_id, requester_id, released, frozenset(responsible))
        else:
            self.edges[pair] = Edge(
                holder_id, requester_id, old.mask | released, old.grants | responsible
            )
        if to_enforcement:
            self.bad_edges.append((pair, "I1", "immigration enforcement"))
        elif is_immigration(purpose):
            self.bad_edges.append((pair, "I1", f"the purpose {purpose}"))

    def check_reporting(self, table: dict[Key, Cell]) -> None:
        """A reporting channel goes only to a service that may receive reports (I1) and whose
        own staff can write and read them under the channel's purpose; otherwise reports
        sent there would be lost, or read by someone the reporter was never shown."""
        narrative = self.bits.get(REPORT_CATEGORY, 0)
        for channel in self.policy.reporting:
            org = self.policy.organisations[channel.org]

            def problem(
                message: str, invariant: str | None = None, channel: ReportingChannel = channel
            ) -> None:
                self.problems.setdefault(
                    (f"reporting:{channel.org}", invariant or "reporting"),
                    PolicyProblem(
                        f"reporting channel to {channel.org!r}: {message}",
                        self.policy.file,
                        channel.line,
                        None,
                        invariant,
                    ),
                )

            if org.sector == ENFORCEMENT_SECTOR:
                problem("reports never go to immigration enforcement", "I1")
                continue
            if is_immigration(channel.purpose) or channel.purpose in SUBJECT_PURPOSES:
                problem(f"{channel.purpose} is not a purpose a service can receive reports for")
                continue
            if channel.purpose == SERIOUS_CRIME_PURPOSE:
                problem(f"{channel.purpose} needs a warrant; receive reports for victim support")
                continue
            usable = {
                action
                for (requester, _role, action, purpose, holder, context), cell in table.items()
                if requester == holder == channel.org
                and purpose == channel.purpose
                and context == "none"
                and (cell.permit & ~cell.forbid) & narrative
            }
            if not {"read", "write"} <= usable:
                problem(
                    f"no rule lets its own staff read and write {REPORT_CATEGORY} for "
                    f"{channel.purpose}, so nobody could read the reports it receives; add a "
                    "rule with `holder: same` for that purpose"
                )

    def check_chains(self) -> None:
        """I10: follow chains of grants backwards from every edge into enforcement."""
        incoming: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges.values():
            incoming[edge.target].append(edge)
        for pair, invariant, what in self.bad_edges:
            chain = _longest_chain(self.edges[pair], incoming)
            if len(chain) < 2:
                continue
            path = " → ".join([chain[0].source, *(e.target for e in chain)])
            carried = chain[0].mask
            ids: set[str] = set()
            for e in chain:
                carried &= e.mask
                ids |= e.grants
            self.report(
                ids,
                "I10",
                f"the chain {path} (via {', '.join(sorted(ids))}) would carry "
                f"{self.names(carried)} to {what} ({invariant})",
            )


def _longest_chain(last: Edge, incoming: dict[str, list[Edge]]) -> list[Edge]:
    """The longest acyclic chain of edges ending in ``last`` that carries some common data."""
    best: list[Edge] = [last]
    queue: deque[list[Edge]] = deque([[last]])
    explored = 0
    while queue and explored < 10_000:
        chain = queue.popleft()
        explored += 1
        visited = {chain[0].source, *(e.target for e in chain)}
        carried = chain[0].mask
        for e in chain[1:]:
            carried &= e.mask
        for edge in incoming.get(chain[0].source, ()):
            if edge.source in visited or not edge.mask & carried:
                continue
            longer = [edge, *chain]
            if len(longer) > len(best):
                best = longer
            queue.append(longer)
    return best
