"""A typed face for the ``regex`` module.

Presidio's pattern recognizers compile with ``regex`` (not ``re``), and the patterns here
need what only ``regex`` has: Unicode properties (``\\p{Lu}``), variable-length lookbehind
and ``\\K``. ``regex`` ships no type information, so this module is the one place that
touches it untyped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Protocol, cast

import regex as _regex  # type: ignore[import-untyped]

IGNORECASE: Final[int] = _regex.IGNORECASE
VERBOSE: Final[int] = _regex.VERBOSE


class Match(Protocol):
    def start(self, group: int = 0, /) -> int: ...
    def end(self, group: int = 0, /) -> int: ...
    def group(self, group: int = 0, /) -> str: ...


class Pattern(Protocol):
    @property
    def pattern(self) -> str: ...
    def search(self, string: str, pos: int = 0, endpos: int = ..., /) -> Match | None: ...
    def match(self, string: str, pos: int = 0, endpos: int = ..., /) -> Match | None: ...
    def fullmatch(self, string: str, pos: int = 0, endpos: int = ..., /) -> Match | None: ...
    def finditer(self, string: str, pos: int = 0, endpos: int = ..., /) -> Iterator[Match]: ...
    def sub(self, repl: str, string: str, /) -> str: ...


def compile_pattern(source: str, flags: int = 0) -> Pattern:
    """Compile ``source`` with ``regex``. Raises ``ValueError`` if it is not a valid pattern."""
    try:
        return cast(Pattern, _regex.compile(source, flags))
    except _regex.error as exc:
        raise ValueError(str(exc)) from None


def escape(text: str) -> str:
    return cast(str, _regex.escape(text))
