"""Policy file → validated, resolved :class:`~confide.policy.model.Policy`.

Stages (as in Cedar and OPA, each with its own errors): YAML with locations
(``source``), shape (``schema``), names against the taxonomy (here). Every problem found is
reported at once, each with file, line and column.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any

import rfc8785
from pydantic import BaseModel, ValidationError

from confide.errors import PolicyError, PolicyProblem
from confide.policy.model import Grant, Organisation, Policy, ReportingChannel, Retention
from confide.policy.schema import AgreementModel, OrganisationModel, PolicyModel, RuleModel
from confide.policy.source import MAX_POLICY_BYTES, Located, parse_yaml
from confide.policy.source import Path as DocPath
from confide.taxonomy import Taxonomy, default_taxonomy

#: Version tag of the canonical form the policy hash is computed over.
POLICY_HASH_FORMAT = "confide-policy/1"


def read_policy(path: str | Path, taxonomy: Taxonomy | None = None) -> Policy:
    """Read and resolve a policy file. Raises :class:`PolicyError` listing every problem."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError(
            [
                PolicyProblem(
                    "no such file; `confide policy init DIR` writes a policy to start from", file
                )
            ]
        ) from None
    except OSError as exc:
        raise PolicyError([PolicyProblem(f"cannot read the file: {exc.strerror}", file)]) from None
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(
            [PolicyProblem(f"the file is larger than {MAX_POLICY_BYTES} bytes", file)]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            [PolicyProblem(f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8", file)]
        ) from None
    return parse_policy(text, file, taxonomy)


def parse_policy(text: str, file: str = "<policy>", taxonomy: Taxonomy | None = None) -> Policy:
    """Parse and resolve policy text. Raises :class:`PolicyError` listing every problem."""
    located = parse_yaml(text, file)
    if not isinstance(located.data, dict):
        raise PolicyError(
            [located.problem((), "a policy is a mapping with `version`, `name`, `organisations` …")]
        )
    taxonomy = taxonomy or default_taxonomy()
    try:
        model = PolicyModel.model_validate(located.data)
    except ValidationError as exc:
        problems = located.problems + _shape_problems(exc, located)
        # Keep going with the entries that are well-formed, so one run reports every error.
        partial = _well_formed_part(located.data)
        if partial is not None:
            try:
                _Resolver(partial[0], located, taxonomy, partial[1]).resolve()
            except PolicyError as more:
                problems += more.problems
        raise PolicyError(_sorted(problems)) from None
    resolver = _Resolver(model, located, taxonomy)
    resolver.problems.extend(located.problems)
    return resolver.resolve()


_ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "organisations": OrganisationModel,
    "rules": RuleModel,
    "agreements": AgreementModel,
}


def _well_formed_part(data: dict[str, Any]) -> tuple[PolicyModel, dict[str, list[int]]] | None:
    """The policy with malformed entries left out, and where each kept entry was."""
    part = {"version": 1, "name": "?", **data}
    positions: dict[str, list[int]] = {}
    for key, model in _ENTRY_MODELS.items():
        entries = data.get(key)
        if not isinstance(entries, list):
            part[key] = [] if key != "organisations" else entries
            positions[key] = []
            continue
        kept: list[Any] = []
        positions[key] = []
        for index, entry in enumerate(entries):
            try:
                model.model_validate(entry)
            except ValidationError:
                continue
            kept.append(entry)
            positions[key].append(index)
        part[key] = kept
    if not isinstance(part.get("retention"), dict):
        part["retention"] = {}
    try:
        return PolicyModel.model_validate(part), positions
    except ValidationError:
        return None


def _sorted(problems: list[PolicyProblem]) -> list[PolicyProblem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def policy_hash(model: PolicyModel) -> str:
    """sha256 over the RFC 8785 canonical JSON of the parsed policy, with a format tag.

    Comments, key order and whitespace do not change it; any change of meaning does.
    """
    dumped = model.model_dump(mode="json", by_alias=True)
    if dumped.get("reporting") is None:
        # Added after the format was fixed: a policy without it hashes as it always did.
        dumped.pop("reporting", None)
    canonical = rfc8785.dumps({"format": POLICY_HASH_FORMAT, "policy": dumped})
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def _doc_path(loc: tuple[int | str, ...], data: Any) -> DocPath:
    """Turn a pydantic error location into a path that exists in the parsed document."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part not in node:
                continue
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def _shape_problems(exc: ValidationError, located: Located) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    seen: set[tuple[int | None, str]] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = _doc_path(loc, located.data)
        key = str(loc[-1]) if loc else ""
        kind = error["type"]
        if kind == "extra_forbidden":
            message = f"unknown key {key!r}: check its spelling (docs/policy.md lists the keys)"
        elif kind == "missing":
            message = f"missing required key {key!r}"
        elif kind == "string_pattern_mismatch":
            message = (
                f"{error['input']!r} is not a valid name here: ids are lower-case letters, digits, "
                "- and _; taxonomy names are dotted (care.treatment); durations look like P8Y"
            )
        else:
            message = f"{key}: {error['msg']}" if key else error["msg"]
        problem = located.problem(path, message, value=kind not in ("extra_forbidden", "missing"))
        if (problem.line, message) not in seen:
            seen.add((problem.line, message))
            problems.append(problem)
    return problems


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


class _Resolver:
    """Checks every name against the taxonomy and the organisation list, and expands them."""

    def __init__(
        self,
        model: PolicyModel,
        located: Located,
        taxonomy: Taxonomy,
        positions: dict[str, list[int]] | None = None,
    ) -> None:
        self.model = model
        #: Where each entry sits in the file, when malformed entries were left out.
        self.positions = positions or {}
        self.located = located
        self.tax = taxonomy
        self.problems: list[PolicyProblem] = []
        self.orgs: dict[str, Organisation] = {}

    def resolve(self) -> Policy:
        self._organisations()
        grants: list[Grant] = []
        ids: dict[str, str] = {}
        for i, rule in enumerate(self.model.rules):
            grant = self._rule(i, rule)
            self._unique(ids, rule.id, ("rules", self._position("rules", i), "id"))
            if grant is not None:
                grants.append(grant)
        for i, agreement in enumerate(self.model.agreements):
            grant = self._agreement(i, agreement)
            self._unique(ids, agreement.id, ("agreements", self._position("agreements", i), "id"))
            if grant is not None:
                grants.append(grant)
        retention = self._retention()
        reporting = self._reporting()
        if self.problems:
            raise PolicyError(_sorted(self.problems))
        return Policy(
            name=self.model.name,
            description=self.model.description or "",
            file=self.located.file,
            hash=policy_hash(self.model),
            organisations=self.orgs,
            grants=tuple(grants),
            retention=retention,
            taxonomy=self.tax,
            reporting=reporting,
        )

    def _position(self, key: str, index: int) -> int:
        kept = self.positions.get(key)
        return kept[index] if kept is not None else index

    def _problem(self, path: DocPath, message: str) -> None:
        self.problems.append(self.located.problem(path, message))

    def _unique(self, seen: dict[str, str], rule_id: str, path: DocPath) -> None:
        if rule_id in seen:
            self._problem(
                path, f"id {rule_id!r} is used twice ({seen[rule_id]}); ids must be unique"
            )
        else:
            line, _ = self.located.where(path)
            seen[rule_id] = f"first at line {line}"

    def _organisations(self) -> None:
        for i, org in enumerate(self.model.organisations):
            if org.id in self.orgs:
                self._problem(
                    ("organisations", self._position("organisations", i), "id"),
                    f"organisation {org.id!r} is listed twice",
                )
                continue
            if org.sector not in self.tax.sectors:
                self._problem(
                    ("organisations", self._position("organisations", i), "sector"),
                    f"unknown sector {org.sector!r}; known sectors: {', '.join(self.tax.sectors)}",
                )
                continue
            contact = org.contact.model_dump(exclude_none=True) if org.contact else {}
            self.orgs[org.id] = Organisation(
                org.id, org.sector, org.name or org.id, org.region, org.closed, contact
            )

    def _names(self, kind: str, names: list[str], path: DocPath) -> frozenset[str]:
        table = {
            "purpose": self.tax.purposes,
            "category": self.tax.categories,
            "role": self.tax.roles,
            "sector": self.tax.sectors,
        }[kind]
        found: set[str] = set()
        for j, name in enumerate(names):
            if name not in table:
                hint = _closest(name, list(table))
                self._problem((*path, j), f"unknown {kind} {name!r}{hint} (see docs/taxonomy.md)")
            elif kind in ("purpose", "category"):
                found.update(self.tax.leaves(kind, name))
            else:
                found.add(name)
        return frozenset(found)

    def _org_ids(self, ids: list[str], path: DocPath) -> frozenset[str]:
        found: set[str] = set()
        for j, org_id in enumerate(ids):
            if org_id not in self.orgs:
                hint = _closest(org_id, list(self.orgs))
                self._problem((*path, j), f"unknown organisation {org_id!r}{hint}")
            else:
                found.add(org_id)
        return frozenset(found)

    def _select(
        self, org: list[str] | None, sector: list[str] | None, path: DocPath
    ) -> frozenset[str]:
        chosen: set[str] = set(self._org_ids(org or [], (*path, "org")))
        sectors = self._names("sector", sector or [], (*path, "sector"))
        chosen.update(o.id for o in self.orgs.values() if o.sector in sectors)
        return frozenset(chosen)

    def _rule(self, i: int, rule: RuleModel) -> Grant | None:
        base: DocPath = ("rules", self._position("rules", i))
        before = len(self.problems)
        req = rule.requester
        if req.any:
            if req.org or req.sector:
                self._problem((*base, "requester"), "write `any` or list org/sector, not both")
            requesters = frozenset(self.orgs)
        elif not (req.org or req.sector):
            self._problem((*base, "requester"), "name the requester: `any`, `org:` or `sector:`")
            requesters = frozenset()
        else:
            requesters = self._select(req.org, req.sector, (*base, "requester"))
        roles = (
            self._names("role", req.roles, (*base, "requester", "roles"))
            if req.roles
            else frozenset(self.tax.roles)
        )
        holder = rule.holder
        holders: frozenset[str] | None
        if sum((holder.same, holder.any, bool(holder.org or holder.sector))) != 1:
            self._problem(
                (*base, "holder"), "the holder is one of `same`, `any`, or `org:`/`sector:`"
            )
            holders = frozenset()
        elif holder.same:
            holders = None
        elif holder.any:
            holders = frozenset(self.orgs)
        else:
            holders = self._select(holder.org, holder.sector, (*base, "holder"))
        purposes = self._names("purpose", rule.purposes, (*base, "purposes"))
        categories = self._names("category", rule.categories, (*base, "categories"))
        if len(self.problems) > before:
            return None
        line, _ = self.located.where(base)
        return Grant(
            id=rule.id,
            kind="rule",
            effect=rule.effect,
            requesters=requesters,
            roles=roles,
            holders=holders,
            actions=frozenset(rule.actions),
            purposes=purposes,
            categories=categories,
            when=rule.when,
            expires=None,
            line=line,
            description=(rule.description or "").strip(),
        )

    def _agreement(self, i: int, agreement: AgreementModel) -> Grant | None:
        base: DocPath = ("agreements", self._position("agreements", i))
        before = len(self.problems)
        source = self._org_ids([agreement.from_], (*base, "from"))
        recipient = self._org_ids([agreement.to], (*base, "to"))
        if agreement.from_ == agreement.to:
            self._problem((*base, "to"), "an agreement shares between two different organisations")
        roles = (
            self._names("role", agreement.roles, (*base, "roles"))
            if agreement.roles
            else frozenset(self.tax.roles)
        )
        purposes = self._names("purpose", agreement.purposes, (*base, "purposes"))
        categories = self._names("category", agreement.categories, (*base, "categories"))
        if len(self.problems) > before:
            return None
        line, _ = self.located.where(base)
        return Grant(
            id=agreement.id,
            kind="agreement",
            effect="permit",
            requesters=recipient,
            roles=roles,
            holders=source,
            actions=frozenset({"read"}),
            purposes=purposes,
            categories=categories,
            when=agreement.when,
            expires=agreement.expires,
            line=line,
            description=(agreement.description or "").strip(),
        )

    def _reporting(self) -> tuple[ReportingChannel, ...]:
        section = self.model.reporting
        if section is None:
            return ()
        channels: list[ReportingChannel] = []
        seen: set[str] = set()
        leaves = set(self.tax.leaf_purposes())
        for i, channel in enumerate(section.channels):
            base: DocPath = ("reporting", "channels", i)
            if channel.org not in self.orgs:
                self._org_ids([channel.org], (*base, "org"))
                continue
            if channel.org in seen:
                self._problem((*base, "org"), f"{channel.org!r} has two reporting channels")
                continue
            seen.add(channel.org)
            if channel.purpose not in self.tax.purposes:
                self._names("purpose", [channel.purpose], (*base, "purpose"))
                continue
            if channel.purpose not in leaves:
                examples = ", ".join(sorted(self.tax.leaves("purpose", channel.purpose))[:3])
                self._problem(
                    (*base, "purpose"),
                    f"a channel names one specific purpose, not the family {channel.purpose!r}"
                    f" (for example {examples})",
                )
                continue
            line, _ = self.located.where(base)
            days = channel.acknowledge_within_days or section.acknowledge_within_days
            types = tuple(dict.fromkeys(channel.types))
            channels.append(ReportingChannel(channel.org, types, channel.purpose, days, line))
        return tuple(channels)

    def _retention(self) -> dict[str, Retention]:
        out: dict[str, Retention] = {}
        # Parents first, so a specific purpose's period overrides its parent's.
        items = sorted(self.model.retention.items(), key=lambda kv: kv[0].count("."))
        for purpose, period in items:
            if purpose not in self.tax.purposes:
                self._problem(("retention", purpose), f"unknown purpose {purpose!r} in retention")
                continue
            match = _DURATION.match(period)
            if match is None:  # pragma: no cover - the schema's pattern already checked it
                continue
            years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
            for leaf in self.tax.leaves("purpose", purpose):
                out[leaf] = Retention(leaf, period, years, months, days + 7 * weeks)
        return out


def _closest(name: str, known: list[str]) -> str:
    matches = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {matches[0]!r}?" if matches else ""
