"""Read YAML into plain data while remembering where every value came from.

PyYAML silently keeps the last of two equal keys; in a policy that would let a second rule
quietly replace the first, so duplicate keys are errors here. Every mapping key, list item
and scalar keeps its line and column so that later stages can point at the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from confide.errors import PolicyError, PolicyProblem

#: A path into the parsed document: mapping keys and list indexes.
Path = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML data plus the 1-based line and column of every path inside it."""

    data: Any
    file: str
    #: Where each mapping key starts (for "unknown key", "duplicate key").
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    #: Where each value starts (for "unknown name", "wrong type").
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set, repr=False)
    #: Problems found while reading (duplicate keys, aliases, tags); the data is still usable
    #: for finding further problems, but a policy with any of them never loads.
    problems: list[PolicyProblem] = field(default_factory=list)

    def where(self, path: Path, *, value: bool = True) -> tuple[int | None, int | None]:
        """The line and column of the value (or key) at ``path``, or of its nearest ancestor."""
        first, second = (self.values, self.marks) if value else (self.marks, self.values)
        probe = tuple(path)
        while True:
            mark = first.get(probe) or second.get(probe)
            if mark is not None:
                return mark
            if not probe:
                return None, None
            probe = probe[:-1]

    def problem(
        self, path: Path, message: str, invariant: str | None = None, *, value: bool = True
    ) -> PolicyProblem:
        line, column = self.where(path, value=value)
        return PolicyProblem(message, self.file, line, column, invariant)


#: Largest policy document accepted, in bytes. A city's policy is a few hundred lines.
MAX_POLICY_BYTES = 4 * 1024 * 1024
_MAX_DEPTH = 32


def parse_yaml(text: str, file: str = "<policy>") -> Located:
    """Parse one YAML document, rejecting duplicate keys, anchors/aliases and tags."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise PolicyError(
            [
                PolicyProblem(
                    f"the file is larger than {MAX_POLICY_BYTES} bytes; is it a policy?", file
                )
            ]
        )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        raise PolicyError(
            [PolicyProblem(f"this is not valid YAML: {reason}", file, line, column)]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyProblem(f"this is not valid YAML: {exc}", file)]) from None
    located = Located(None, file)
    problems: list[PolicyProblem] = []
    if node is None:
        raise PolicyError(
            [PolicyProblem("the file is empty; start from `confide policy init`", file)]
        )
    located.data = _convert(node, (), located, problems, 0)
    located.problems = problems
    return located


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(
    node: yaml.Node, path: Path, located: Located, problems: list[PolicyProblem], depth: int
) -> Any:
    located.values[path] = _mark(node)
    if depth > _MAX_DEPTH:
        problems.append(located.problem(path, f"nested deeper than {_MAX_DEPTH} levels"))
        return None
    # An alias makes the composer hand back the same node twice; refusing it keeps a small
    # file from expanding into a huge document ("billion laughs") and keeps lines unambiguous.
    if id(node) in located.seen:
        problems.append(
            located.problem(path, "YAML anchors and aliases are not allowed in a policy")
        )
        return None
    located.seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(located.problem(path, "mapping keys must be plain names"))
                continue
            key = key_node.value
            if key in result:
                first = located.marks.get((*path, key))
                where = f" (first at line {first[0]})" if first else ""
                line, column = _mark(key_node)
                problems.append(
                    PolicyProblem(
                        f"duplicate key {key!r}{where}: a second value would silently replace "
                        "the first; remove or rename one",
                        located.file,
                        line,
                        column,
                    )
                )
                continue
            located.marks[(*path, key)] = _mark(key_node)
            result[key] = _convert(value_node, (*path, key), located, problems, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), located, problems, depth + 1)
            for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.ScalarNode):
        constructor = yaml.SafeLoader.yaml_constructors.get(node.tag)
        if constructor is None or not node.tag.startswith("tag:yaml.org,2002:"):
            problems.append(
                located.problem(path, f"YAML tag {node.tag!r} is not allowed in a policy")
            )
            return None
        try:
            return constructor(yaml.SafeLoader(""), node)
        except (ValueError, yaml.YAMLError):
            return node.value
    problems.append(located.problem(path, "unsupported YAML node"))  # pragma: no cover
    return None
