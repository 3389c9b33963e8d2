"""The encrypted vault: records field by field under per-subject keys; every read a decision."""

from confide.vault.model import (
    MAX_FIELD_BYTES,
    AccessLog,
    Disclosure,
    ForgetReport,
    PurgeReport,
    SearchResult,
)
from confide.vault.retention import purge, retain_until
from confide.vault.vault import Vault, VaultInputError

__all__ = [
    "MAX_FIELD_BYTES",
    "AccessLog",
    "Disclosure",
    "ForgetReport",
    "PurgeReport",
    "SearchResult",
    "Vault",
    "VaultInputError",
    "purge",
    "retain_until",
]
