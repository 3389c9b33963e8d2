"""Decisions per second: Confide's compiled table vs. cedarpy vs. a plain dict lookup.

One run, the same generated requests for every engine (issue 3). Run it from the repository
root::

    .venv/bin/python bench/decisions.py            # 100,000 requests, about a minute
    .venv/bin/python bench/decisions.py --quick    # 10,000 requests, a few seconds
    .venv/bin/python bench/decisions.py --json results.json

It exits 2 if Cedar and Confide disagree on any request (the mismatches are printed).

What is timed, for each engine, is only the decision loop over request objects that were all
built beforehand; see ``bench/RESULTS.md`` for what that does and does not include.

The Cedar side is the same policy written in Cedar (generated from ``engine.policy.grants`` and
the invariants by :func:`cedar_policies`). Cedar answers allow/deny for one resource, while a
Confide request asks for several fields and may be released some of them, so each request is
sent to Cedar as one authorization per (request, field) pair, resource = that field of the
holder's record. A request counts as ONE decision for both engines however many fields it has.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cedarpy

import confide.policy as p
from confide.policy import CompiledPolicy, Decision, DecisionRequest, Warrant
from confide.policy.compile import MEMO_LIMIT, active
from confide.policy.model import RESERVED_CONTEXTS, Grant
from confide.policy.schema import ACTIONS
from confide.taxonomy import Taxonomy
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    IMMIGRATION,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    SUBJECT_ROLE,
)

SEED = 20260503
REQUESTS = 100_000
#: Requests (not pairs) timed through cedarpy; its rate is extrapolated to the full set.
CEDAR_BATCH_REQUESTS = 20_000
CEDAR_SINGLE_REQUESTS = 5_000
#: Requests per ``is_authorized_batch`` call (each becomes one Cedar request per field).
CEDAR_CHUNK = 1_000
REPEAT = 5
#: Extra requests carrying a warrant, consent, break-glass or subject context. They are checked
#: for agreement only (never timed): the timed set has no context, so that the dict floor's key
#: (org, role, action, purpose, holder, fields) identifies a request.
CONTEXT_CHECKS = 5_000

Key = tuple[str, str, str, str, str, tuple[str, ...]]
Verdict = tuple[str, tuple[str, ...]]


# -- requests --------------------------------------------------------------------------------


def _grant_request(rng: random.Random, grant: Grant, categories: Sequence[str]) -> DecisionRequest:
    """A request inside one grant's own expansion; sometimes with one foreign field mixed in."""
    org = rng.choice(sorted(grant.requesters))
    holder = org if grant.holders is None else rng.choice(sorted(grant.holders))
    own = sorted(grant.categories)
    fields = rng.sample(own, min(len(own), rng.randint(1, 4)))
    if rng.random() < 0.25:
        extra = rng.choice(categories)
        if extra not in fields:
            fields[rng.randrange(len(fields))] = extra
    return DecisionRequest(
        requester_org=org,
        role=rng.choice(sorted(grant.roles)),
        action=rng.choice(sorted(grant.actions)),
        purpose=rng.choice(sorted(grant.purposes)),
        holder=holder,
        fields=tuple(fields),
    )


def _random_request(
    rng: random.Random,
    orgs: Sequence[str],
    roles: Sequence[str],
    purposes: Sequence[str],
    categories: Sequence[str],
) -> DecisionRequest:
    org = rng.choice(orgs)
    return DecisionRequest(
        requester_org=org,
        role=rng.choice(roles),
        action=rng.choice(ACTIONS),
        purpose=rng.choice(purposes),
        holder=org if rng.random() < 0.3 else rng.choice(orgs),
        fields=tuple(rng.sample(categories, rng.randint(1, 4))),
    )


def build_requests(engine: CompiledPolicy, n: int, seed: int) -> list[DecisionRequest]:
    """``n`` context-free requests: half from a random grant's expansion, half uniform over
    every organisation, role, action, leaf purpose and leaf category of the policy."""
    rng = random.Random(seed)
    tax = engine.policy.taxonomy
    orgs = sorted(engine.policy.organisations)
    roles = list(tax.roles)
    purposes = list(tax.leaf_purposes())
    categories = list(tax.leaf_categories())
    grants = engine.policy.grants
    out: list[DecisionRequest] = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append(_grant_request(rng, rng.choice(grants), categories))
        else:
            out.append(_random_request(rng, orgs, roles, purposes, categories))
    return out


def build_context_requests(engine: CompiledPolicy, n: int, seed: int) -> list[DecisionRequest]:
    """Requests with a warrant, consent, break-glass or subject context (agreement check only).
    Half the warrant requests come from the warrant rules' own expansion; warrants vary in being
    judicial, naming the right person, the offence (serious or not, immigration or not) and the
    fields they list (leaf or parent categories)."""
    rng = random.Random(seed + 1)
    tax = engine.policy.taxonomy
    base = build_requests(engine, n, seed + 2)
    leaves = list(tax.leaf_categories())
    categories = list(tax.categories)
    offences = list(tax.leaf_offences())
    serious = [o for o in offences if tax.offences[o].serious]
    warrant_grants = [g for g in engine.policy.grants if g.when == "warrant"]
    people = ("subject-0001", "subject-0002")
    out: list[DecisionRequest] = []
    for drawn in base:
        r = drawn
        kind = rng.choice(("warrant", "warrant", "consent", "break_glass", "subject"))
        subject = rng.choice((*people, None))
        if kind == "warrant":
            if warrant_grants and rng.random() < 0.5:
                r = _grant_request(rng, rng.choice(warrant_grants), leaves)
                subject = rng.choice(people)
            listed = rng.sample(categories, rng.randint(0, 4)) + rng.sample(
                r.fields, rng.randint(0, len(r.fields))
            )
            warrant = Warrant(
                reference="EXW-BENCH",
                issued_by="Exampleton Crown Court (synthetic)",
                judicial=rng.random() < 0.9,
                subject=subject if subject and rng.random() < 0.8 else rng.choice(people),
                offence=rng.choice(serious) if rng.random() < 0.6 else rng.choice(offences),
                fields=tuple(dict.fromkeys(listed)) or (rng.choice(categories),),
            )
            purpose = SERIOUS_CRIME_PURPOSE if rng.random() < 0.9 else r.purpose
            out.append(r._replace(purpose=purpose, subject=subject, warrant=warrant))
        elif kind == "consent":
            out.append(r._replace(subject=subject, consent="consent-bench"))
        elif kind == "break_glass":
            out.append(r._replace(subject=subject, break_glass="bench emergency"))
        else:
            own = rng.random() < 0.7
            out.append(
                r._replace(
                    role=SUBJECT_ROLE if own or rng.random() < 0.5 else r.role,
                    purpose=rng.choice(sorted(SUBJECT_PURPOSES)) if own else r.purpose,
                    holder=r.requester_org if own else r.holder,
                    subject=subject,
                    subject_self=rng.choice(people),
                )
            )
    return out


# -- the same policy in Cedar ----------------------------------------------------------------


def _str(value: str) -> str:
    return json.dumps(value)


def _strs(values: Iterable[str]) -> str:
    return "[" + ", ".join(_str(v) for v in sorted(values)) + "]"


def _uids(kind: str, ids: Iterable[str]) -> str:
    return "[" + ", ".join(f"{kind}::{_str(i)}" for i in sorted(ids)) + "]"


#: The person acting for themself on their own record (I7), as a Cedar condition.
_OWN_REQUEST = (
    'context.ctx == "subject" && principal.role == "subject" && '
    f"{_strs(SUBJECT_PURPOSES)}.contains(context.purpose) && "
    "context has subject && context has subject_self && "
    "context.subject_self == context.subject && principal.org == resource.holder"
)


def cedar_grant(grant: Grant) -> str:
    """One grant as one Cedar policy: the scope holds the actions; ``when`` holds who, whose
    records, the purposes, the categories and the context the grant needs."""
    # A single requester or holder goes in the scope (staff and fields are children of their
    # organisation), which Cedar evaluates faster than a set in ``when``; several go in ``when``.
    principal = "principal"
    resource = "resource"
    conds: list[str] = []
    if len(grant.requesters) == 1:
        principal = f"principal in Org::{_str(next(iter(grant.requesters)))}"
    else:
        conds.append(f"principal.org in {_uids('Org', grant.requesters)}")
    conds.append(f"{_strs(grant.roles)}.contains(principal.role)")
    if grant.holders is None:
        conds.append("resource.holder == principal.org")
    elif len(grant.holders) == 1:
        resource = f"resource in Org::{_str(next(iter(grant.holders)))}"
    else:
        conds.append(f"resource.holder in {_uids('Org', grant.holders)}")
    conds.append(f"{_strs(grant.purposes)}.contains(context.purpose)")
    conds.append(f"{_strs(grant.categories)}.contains(resource.category)")
    if grant.when is not None:
        conds.append(f"context.ctx == {_str(grant.when)}")
    if grant.effect == "forbid":
        # Policy rules do not reach the person's own request (I7).
        conds.append('context.ctx != "subject"')
    body = " &&\n  ".join(conds)
    return (
        f"@id({_str(grant.id)})\n{grant.effect} (\n  {principal},\n"
        f"  action in {_uids('Action', grant.actions)},\n  {resource}\n)\nwhen {{\n  {body}\n}};"
    )


def cedar_invariants(engine: CompiledPolicy) -> list[str]:
    """The checks no policy file can change, as Cedar forbids (and the I7 permit)."""
    protected = sorted(engine.policy.taxonomy.protected_categories() & set(engine.categories))
    serious = f"context.purpose == {_str(SERIOUS_CRIME_PURPOSE)}"
    valid_warrant = (
        'context.ctx == "warrant" && context has warrant && context.warrant.judicial && '
        "context has subject && context.warrant.subject == context.subject && "
        "context.warrant.offence.serious"
    )
    rules = {
        "I1-sector": f"principal.org.sector == {_str(ENFORCEMENT_SECTOR)}",
        "I1-purpose": f"context.purpose == {_str(IMMIGRATION)} || "
        f"context.purpose like {_str(IMMIGRATION + '.*')}",
        "I3-offence": "context has warrant && "
        f"context.warrant.offence in Offence::{_str(IMMIGRATION)}",
        "I2-protected": "principal.org != resource.holder && "
        f"{_strs(protected)}.contains(resource.category)",
        "closed-service": "resource.holder.closed && principal.org != resource.holder",
        "I4-needs-warrant": f"{serious} && !({valid_warrant})",
        "I4-warrant-opens-only-serious-crime": f'context.ctx == "warrant" && !({serious})',
        "I4-warrant-fields": 'context.ctx == "warrant" && context has warrant && '
        "!context.warrant.fields.contains(resource.category)",
        "I7-own-request-only": f'(context.ctx == "subject" || principal.role == "subject") && '
        f"!({_OWN_REQUEST})",
    }
    out = [
        f"@id({_str(name)})\nforbid (principal, action, resource)\nwhen {{ {cond} }};"
        for name, cond in rules.items()
    ]
    out.append(
        f'@id("I7-own-request")\npermit (principal, action, resource)\nwhen {{ {_OWN_REQUEST} }};'
    )
    return out


def cedar_policies(engine: CompiledPolicy, today: dt.date | None = None) -> str:
    """The whole policy in Cedar. Like Confide's compiler, it leaves out agreements that have
    expired and permits resting on consent or break-glass (not yet checked: they open nothing)."""
    day = today or dt.datetime.now(dt.UTC).date()
    parts = ["// Generated by bench/decisions.py from the Confide policy; do not edit."]
    for grant in engine.policy.grants:
        if not active(grant, day):
            parts.append(f"// {grant.id}: expired, left out")
        elif grant.effect == "permit" and grant.when in RESERVED_CONTEXTS:
            parts.append(f"// {grant.id}: rests on {grant.when}, which opens nothing yet")
        else:
            parts.append(cedar_grant(grant))
    parts.extend(cedar_invariants(engine))
    return "\n\n".join(parts) + "\n"


def _ref(kind: str, ident: str) -> dict[str, Any]:
    return {"__entity": {"type": kind, "id": ident}}


def cedar_entities(engine: CompiledPolicy) -> list[dict[str, Any]]:
    """Organisations, staff (one per organisation and role), fields (one per holder and leaf
    category) and offences (with their dotted parents, so ``in Offence::"immigration"`` works)."""
    tax = engine.policy.taxonomy
    ents: list[dict[str, Any]] = []
    for org in engine.policy.organisations.values():
        ents.append(
            {
                "uid": {"type": "Org", "id": org.id},
                "attrs": {"sector": org.sector, "closed": org.closed},
                "parents": [],
            }
        )
        for role in tax.roles:
            ents.append(
                {
                    "uid": {"type": "Staff", "id": f"{org.id}/{role}"},
                    "attrs": {"org": _ref("Org", org.id), "role": role},
                    "parents": [{"type": "Org", "id": org.id}],
                }
            )
        for cat in engine.categories:
            ents.append(
                {
                    "uid": {"type": "Field", "id": f"{org.id}/{cat}"},
                    "attrs": {"holder": _ref("Org", org.id), "category": cat},
                    "parents": [{"type": "Org", "id": org.id}],
                }
            )
    for name, offence in tax.offences.items():
        parent = name.rpartition(".")[0]
        ents.append(
            {
                "uid": {"type": "Offence", "id": name},
                "attrs": {"serious": offence.serious},
                "parents": [{"type": "Offence", "id": parent}] if parent else [],
            }
        )
    return ents


def cedar_context(r: DecisionRequest, tax: Taxonomy) -> str:
    """The request's context as the JSON string cedarpy passes to Cedar unchanged."""
    ctx: dict[str, Any] = {"purpose": r.purpose, "ctx": r.context_class}
    if r.subject is not None:
        ctx["subject"] = r.subject
    if r.subject_self is not None:
        ctx["subject_self"] = r.subject_self
    if r.warrant is not None:
        w = r.warrant
        ctx["warrant"] = {
            "judicial": w.judicial,
            "subject": w.subject,
            "offence": _ref("Offence", w.offence),
            "fields": sorted({leaf for c in w.fields for leaf in tax.leaves("category", c)}),
        }
    return json.dumps(ctx)


def cedar_pairs(r: DecisionRequest, tax: Taxonomy) -> list[dict[str, str]]:
    """One Cedar request per requested field, all sharing the request's principal and context."""
    principal = f'Staff::"{r.requester_org}/{r.role}"'
    action = f'Action::"{r.action}"'
    context = cedar_context(r, tax)
    return [
        {
            "principal": principal,
            "action": action,
            "resource": f'Field::"{r.holder}/{name}"',
            "context": context,
        }
        for name in r.fields
    ]


@dataclass
class Cedar:
    """The Cedar side: parsed once into handles, reused for every call."""

    text: str
    policies: Any
    entities: Any

    @classmethod
    def build(cls, engine: CompiledPolicy) -> Cedar:
        text = cedar_policies(engine)
        return cls(
            text,
            cedarpy.PolicySet.from_str(text),
            cedarpy.Entities.from_json_str(json.dumps(cedar_entities(engine))),
        )

    def decide_chunks(
        self, chunks: Sequence[list[dict[str, str]]], stats: Counter[str] | None = None
    ) -> list[bool]:
        """Cedar's allow/deny for every pair. With ``stats``, also sums cedarpy's own metrics
        (microseconds building each request and authorizing it) and evaluation errors: Cedar
        skips a policy whose condition errors, so a silent error could hide a mismatch."""
        allowed: list[bool] = []
        for chunk in chunks:
            for result in cedarpy.is_authorized_batch(chunk, self.policies, self.entities):
                allowed.append(result.allowed)
                if stats is not None:
                    m = result.metrics
                    stats["pairs"] += 1
                    stats["build_request_us"] += m.get("build_request_duration_micros", 0)
                    stats["authz_us"] += m.get("authz_duration_micros", 0)
                    stats["errors"] += len(result.diagnostics.errors)
        return allowed


def chunk_pairs(
    requests: Sequence[DecisionRequest], tax: Taxonomy, size: int
) -> tuple[list[list[dict[str, str]]], list[int]]:
    """Per-field Cedar requests in chunks of ``size`` Confide requests, and the field counts."""
    chunks: list[list[dict[str, str]]] = []
    counts: list[int] = []
    for start in range(0, len(requests), size):
        chunk: list[dict[str, str]] = []
        for r in requests[start : start + size]:
            pairs = cedar_pairs(r, tax)
            counts.append(len(pairs))
            chunk.extend(pairs)
        chunks.append(chunk)
    return chunks, counts


def cedar_verdicts(
    requests: Sequence[DecisionRequest], allowed: Sequence[bool], counts: Sequence[int]
) -> list[Verdict]:
    """Per-field allows back to whole-request verdicts: permit if any field is allowed."""
    out: list[Verdict] = []
    i = 0
    for r, n in zip(requests, counts, strict=True):
        released = tuple(name for name, ok in zip(r.fields, allowed[i : i + n], strict=True) if ok)
        out.append(("permit" if released else "deny", released))
        i += n
    return out


# -- timing ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One timed loop. ``run`` makes one pass over ``requests`` decisions."""

    name: str
    requests: int
    run: Callable[[], object]
    note: str = ""
    before: Callable[[], object] | None = None
    repeat: int | None = None
    #: The dict row this one's ×dict ratio is taken against.
    floor: str = "dict lookup (floor)"
    extra: dict[str, Any] = field(default_factory=dict)
    #: Nanoseconds per pass, one per repetition.
    passes: list[int] = field(default_factory=list)

    def once(self) -> None:
        if self.before is not None:
            self.before()
        start = time.perf_counter_ns()
        self.run()
        self.passes.append(time.perf_counter_ns() - start)

    @property
    def best_rate(self) -> float:
        return self.requests / (min(self.passes) / 1e9)

    @property
    def median_rate(self) -> float:
        return self.requests / (statistics.median(self.passes) / 1e9)

    @property
    def best_us(self) -> float:
        return min(self.passes) / 1e3 / self.requests


def round_robin(rows: Sequence[Row], repeat: int) -> None:
    """Repetition i of every row runs before repetition i+1 of any, so that a burst of load
    from elsewhere on the machine hurts every engine alike rather than one of them."""
    for i in range(repeat):
        for row in rows:
            if i < (row.repeat or repeat):
                row.once()
        print(f"  pass {i + 1}/{repeat} done", flush=True)


def dict_key(r: DecisionRequest) -> Key:
    return (r.requester_org, r.role, r.action, r.purpose, r.holder, r.fields)


def dict_loop(
    requests: Sequence[DecisionRequest], answers: dict[Key, Decision]
) -> Callable[[], None]:
    def run() -> None:
        a = answers
        for r in requests:
            a[(r.requester_org, r.role, r.action, r.purpose, r.holder, r.fields)]

    return run


def decide_loop(
    requests: Sequence[DecisionRequest], fn: Callable[[DecisionRequest], Decision]
) -> Callable[[], None]:
    def run() -> None:
        f = fn
        for r in requests:
            f(r)

    return run


class _NoMemo(dict[DecisionRequest, Decision]):
    """Stands in for the engine's memo: never remembers, so ``decide`` always evaluates."""

    def __setitem__(self, key: DecisionRequest, value: Decision) -> None:
        return None


def memo_hits(requests: Sequence[DecisionRequest], passes: int, *, clear: bool) -> list[int]:
    """Memo hits in each of ``passes`` passes, replaying the engine's clear-when-full rule, with
    the memo emptied before each pass (``clear``) or kept from one pass to the next (after one
    untimed warm-up pass). For context-free requests the engine's memo key is a function of the
    request, so a set of requests stands in for it."""
    seen: set[DecisionRequest] = set()
    out: list[int] = []
    for i in range(passes + (0 if clear else 1)):
        if clear:
            seen.clear()
        hits = 0
        for r in requests:
            if r in seen:
                hits += 1
                continue
            if len(seen) >= MEMO_LIMIT:
                seen.clear()
            seen.add(r)
        if clear or i > 0:
            out.append(hits)
    return out


# -- agreement -------------------------------------------------------------------------------


@dataclass
class Agreement:
    total: int = 0
    permits: int = 0
    verdict: int = 0
    fields: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def add(self, r: DecisionRequest, confide: Decision, cedar: Verdict) -> None:
        self.total += 1
        self.permits += confide.decision == "permit"
        same_verdict = confide.decision == cedar[0]
        same_fields = confide.fields == cedar[1]
        self.verdict += same_verdict
        self.fields += same_verdict and same_fields
        if not (same_verdict and same_fields) and len(self.mismatches) < 10:
            self.mismatches.append(
                {
                    "request": _request_json(r),
                    "confide": [confide.decision, list(confide.fields), list(confide.rules)],
                    "cedar": [cedar[0], list(cedar[1])],
                }
            )

    @property
    def rate(self) -> float:
        return self.fields / self.total if self.total else 1.0


def _request_json(r: DecisionRequest) -> dict[str, Any]:
    return {k: v for k, v in r._asdict().items() if v is not None}


def check(
    engine: CompiledPolicy, cedar: Cedar, requests: Sequence[DecisionRequest]
) -> tuple[Agreement, int, Counter[str]]:
    """Compare Confide's and Cedar's answers on every request. Also returns how long the Cedar
    pass took (a check on the extrapolated rate) and cedarpy's metrics for it."""
    chunks, counts = chunk_pairs(requests, engine.policy.taxonomy, CEDAR_CHUNK)
    stats: Counter[str] = Counter()
    start = time.perf_counter_ns()
    allowed = cedar.decide_chunks(chunks, stats)
    elapsed = time.perf_counter_ns() - start
    agreement = Agreement()
    for r, v in zip(requests, cedar_verdicts(requests, allowed, counts), strict=True):
        agreement.add(r, engine.decide(r), v)
    return agreement, elapsed, stats


# -- main ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": _cpu_model() or platform.processor() or platform.machine(),
        "cedarpy": _version("cedarpy"),
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def _version(dist: str) -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version(dist)


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    load_start = os.getloadavg()
    scale = 10 if args.quick else 1
    n = args.requests // scale
    n_batch = min(n, args.cedar_requests // scale)
    n_single = min(n, args.cedar_single // scale)
    repeat = args.repeat

    engine = p.load(p.baseline_path())
    tax = engine.policy.taxonomy

    # Everything below is built before any timing starts.
    requests = build_requests(engine, n, args.seed)
    distinct = list(dict.fromkeys(requests))
    answers = {dict_key(r): engine._evaluate(r) for r in distinct}
    assert len(answers) == len(distinct), "dict key does not identify a context-free request"
    cedar = Cedar.build(engine)
    batch_chunks, batch_counts = chunk_pairs(requests[:n_batch], tax, CEDAR_CHUNK)
    single_pairs = [cedar_pairs(r, tax) for r in requests[:n_single]]
    pairs_total = sum(len(r.fields) for r in requests)
    permits = sum(a.decision == "permit" for a in answers.values())
    permit_share = sum(answers[dict_key(r)].decision == "permit" for r in requests) / n
    cold_hits = statistics.mean(memo_hits(requests, repeat, clear=True)) / n
    warm_hits = statistics.mean(memo_hits(requests, repeat, clear=False)) / n
    print(
        f"{n:,} requests ({len(distinct):,} distinct, {permit_share:.1%} permits, "
        f"{pairs_total / n:.2f} fields each), seed {args.seed}; Cedar policy "
        f"{len(cedar.policies)} policies, {len(cedar.entities)} entities",
        flush=True,
    )

    # One engine per memo regime, so that interleaving the passes cannot mix their memos.
    cold, warm, hot_engine, nomemo = (p.load(p.baseline_path()) for _ in range(4))
    for r in requests:  # one untimed pass, then the memo is kept from pass to pass
        warm.decide(r)
    hot = requests[: max(1, n // 10)] * 10
    for r in hot[: n // 10]:  # warm: every timed request of this row is a memo hit
        hot_engine.decide(r)
    nomemo._memo = _NoMemo()
    ps, ents = cedar.policies, cedar.entities

    def cedar_single() -> None:
        authorize = cedarpy.is_authorized
        for pairs in single_pairs:
            for pair in pairs:
                authorize(pair, ps, ents)

    floor = "dict lookup (floor)"
    rows = [
        Row(floor, n, dict_loop(requests, answers), "answers[key], key built from the request"),
        Row(
            "Confide decide, memo",
            n,
            decide_loop(requests, cold.decide),
            f"memo emptied before each pass: {cold_hits:.1%} hits",
            before=cold._memo.clear,
            extra={"memo_hit_rate": cold_hits},
        ),
        Row(
            "Confide decide, warm memo",
            n,
            decide_loop(requests, warm.decide),
            f"memo kept across passes (after one untimed pass): {warm_hits:.1%} hits",
            extra={"memo_hit_rate": warm_hits},
        ),
        Row(
            "Confide decide, no memo",
            n,
            decide_loop(requests, nomemo.decide),
            "memo replaced by one that never remembers: every request evaluated",
        ),
        Row(
            "Confide _evaluate",
            n,
            decide_loop(requests, engine._evaluate),
            "the uncached core alone, without decide()'s memo and error guard",
        ),
        Row(
            "cedarpy is_authorized_batch",
            n_batch,
            lambda: cedar.decide_chunks(batch_chunks),
            f"first {n_batch:,} requests = {sum(batch_counts):,} (request, field) pairs, "
            f"{CEDAR_CHUNK:,} requests per call; rate extrapolated",
        ),
        Row(
            "cedarpy is_authorized",
            n_single,
            cedar_single,
            f"first {n_single:,} requests, one call per (request, field) pair; rate extrapolated",
            repeat=max(1, min(3, repeat)),
        ),
        Row(
            "dict lookup, hot list",
            len(hot),
            dict_loop(hot, answers),
            "supplementary: the first tenth of the requests ten times over",
            floor="dict lookup, hot list",
        ),
        Row(
            "Confide decide, all memo hits",
            len(hot),
            decide_loop(hot, hot_engine.decide),
            "supplementary: the same hot list, memo warmed, so 100% hits "
            "(the memo-hit path alone; ×dict against the hot-list dict row)",
            floor="dict lookup, hot list",
            extra={"memo_hit_rate": 1.0},
        ),
    ]
    print(f"timing {len(rows)} loops, {repeat} passes each, interleaved", flush=True)
    round_robin(rows, repeat)

    # Agreement: every timed request, plus requests with contexts (untimed).
    agree, full_ns, stats = check(engine, cedar, requests)
    rows[5].extra["full_set_one_pass_per_s"] = n / (full_ns / 1e9)
    ctx_requests = build_context_requests(engine, args.context_checks // scale, args.seed)
    agree_ctx, _, ctx_stats = check(engine, cedar, ctx_requests)

    cedar_best = max(r.best_rate for r in rows if r.name.startswith("cedarpy"))
    floors = {r.name: r.best_rate for r in rows if r.name.startswith("dict")}
    dict_rate = floors[floor]
    elapsed = time.perf_counter() - started
    result: dict[str, Any] = {
        "benchmark": "policy decisions (issue 3)",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine() | {"loadavg_start": load_start, "loadavg_end": os.getloadavg()},
        "requests": n,
        "distinct_requests": len(distinct),
        "distinct_permits": permits,
        "permit_share": permit_share,
        "fields_per_request": pairs_total / n,
        "seed": args.seed,
        "repeat": repeat,
        "memo_limit": MEMO_LIMIT,
        "rows": [
            {
                "name": r.name,
                "requests_timed": r.requests,
                "best_per_s": r.best_rate,
                "median_per_s": r.median_rate,
                "best_us_per_decision": r.best_us,
                "passes_ns": r.passes,
                "note": r.note,
                "vs_cedarpy": r.best_rate / cedar_best,
                "vs_dict": r.best_rate / floors[r.floor],
                "dict_row": r.floor,
                **r.extra,
            }
            for r in rows
        ],
        "agreement": {
            "timed_requests": _agreement_json(agree),
            "context_requests": _agreement_json(agree_ctx),
        },
        "cedarpy_metrics": {
            "pairs": stats["pairs"],
            "mean_build_request_us": stats["build_request_us"] / max(1, stats["pairs"]),
            "mean_authz_us": stats["authz_us"] / max(1, stats["pairs"]),
            "evaluation_errors": stats["errors"] + ctx_stats["errors"],
        },
        "elapsed_s": elapsed,
    }
    print_table(result, cedar_best, dict_rate)
    return result


def _agreement_json(a: Agreement) -> dict[str, Any]:
    return {
        "requests": a.total,
        "confide_permits": a.permits,
        "same_verdict": a.verdict,
        "same_verdict_and_fields": a.fields,
        "rate": a.rate,
        "mismatches": a.mismatches,
    }


def print_table(result: dict[str, Any], cedar_best: float, dict_rate: float) -> None:
    head = f"{'engine':<30} {'timed':>8} {'best/s':>12} {'median/s':>12} {'µs/dec':>8} "
    head += f"{'×cedarpy':>9} {'×dict':>7}"
    print()
    print(head)
    print("-" * len(head))
    for r in result["rows"]:
        print(
            f"{r['name']:<30} {r['requests_timed']:>8,} {r['best_per_s']:>12,.0f} "
            f"{r['median_per_s']:>12,.0f} {r['best_us_per_decision']:>8.2f} "
            f"{r['vs_cedarpy']:>9.1f} {r['vs_dict']:>7.2f}"
        )
    print()
    for r in result["rows"]:
        print(f"  {r['name']}: {r['note']}")
        if "full_set_one_pass_per_s" in r:
            print(
                f"  {r['name']}: one pass over all {result['requests']:,} requests "
                f"(agreement check) ran at {r['full_set_one_pass_per_s']:,.0f}/s"
            )
    print(
        f"×cedarpy is against the faster cedarpy row ({cedar_best:,.0f}/s); ×dict against "
        f"{dict_rate:,.0f}/s.\nA decision is one whole request (all its fields), for every engine."
    )
    m = result["cedarpy_metrics"]
    print(
        f"cedarpy's own metrics per (request, field) pair: {m['mean_build_request_us']:.0f} µs "
        f"building the request, {m['mean_authz_us']:.0f} µs authorizing; "
        f"{m['evaluation_errors']} policy evaluation errors"
    )
    print()
    for label, a in result["agreement"].items():
        print(
            f"agreement with Cedar, {label.replace('_', ' ')}: "
            f"{a['same_verdict_and_fields']:,}/{a['requests']:,} ({a['rate']:.3%}) on "
            f"permit/deny and released fields; {a['same_verdict']:,} on permit/deny alone; "
            f"{a['confide_permits']:,} permits"
        )
        for m in a["mismatches"][:3]:
            print(f"  mismatch: {json.dumps(m)}")
    print()
    for r in result["rows"]:
        if r["name"].startswith("Confide"):
            c = "met" if r["vs_cedarpy"] >= 10 else "MISSED"
            d = "met" if r["vs_dict"] >= 0.5 else "MISSED"
            print(f"goal, {r['name']}: ≥10× cedarpy {c}; ≥½ dict rate {d}")
    print(f"total run time {result['elapsed_s']:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument(
        "--cedar-requests",
        type=int,
        default=CEDAR_BATCH_REQUESTS,
        help="requests timed through is_authorized_batch",
    )
    parser.add_argument(
        "--cedar-single",
        type=int,
        default=CEDAR_SINGLE_REQUESTS,
        help="requests timed through single is_authorized calls",
    )
    parser.add_argument("--context-checks", type=int, default=CONTEXT_CHECKS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--cedar-policy", type=Path, metavar="FILE", help="write the generated Cedar policy, exit"
    )
    args = parser.parse_args(argv)
    if args.cedar_policy is not None:
        args.cedar_policy.write_text(cedar_policies(p.load(p.baseline_path())), encoding="utf-8")
        print(f"wrote {args.cedar_policy}")
        return 0
    result = run(args)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    agreed = all(a["rate"] == 1.0 for a in result["agreement"].values())
    return 0 if agreed else 2


if __name__ == "__main__":
    sys.exit(main())
