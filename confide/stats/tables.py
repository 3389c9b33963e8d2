"""The statistics ledger (migration 0006): every release made, and each dataset's ε budget.

A differentially private release spends part of its dataset's budget; the budget is fixed by
the first release of the dataset and can never be exceeded, because the spend is checked and
recorded in the same transaction as the ``stats.released`` log entry.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, String, Table

from confide.storage.tables import metadata

__all__ = ["stats_budgets", "stats_releases"]

stats_budgets = Table(
    "stats_budgets",
    metadata,
    Column("dataset", String(64), primary_key=True),
    Column("budget", Float, nullable=False),
    Column("spent", Float, nullable=False),
)

stats_releases = Table(
    "stats_releases",
    metadata,
    Column("release", String(64), primary_key=True),
    Column("dataset", String(64), nullable=False),
    Column("method", String(16), nullable=False),
    Column("k", Integer, nullable=True),
    Column("epsilon", Float, nullable=True),
    Column("spec_hash", String(80), nullable=False),
    Column("output_hash", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
