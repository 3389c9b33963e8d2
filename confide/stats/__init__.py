"""Published statistics: nothing released may point at a person.

* :mod:`~confide.stats.suppression`: small-cell suppression of count tables and their
  margins, with complements chosen so that no hidden value can be worked out, and an audit
  (a linear programme per hidden value) that raises if one can.
"""

from confide.stats.suppression import (
    FeasibleRange,
    Mask,
    Position,
    PublishedTable,
    SuppressedTable,
    SuppressionError,
    audit,
    feasible_ranges,
    suppress,
)

__all__ = [
    "FeasibleRange",
    "Mask",
    "Position",
    "PublishedTable",
    "SuppressedTable",
    "SuppressionError",
    "audit",
    "feasible_ranges",
    "suppress",
]
