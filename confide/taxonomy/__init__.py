"""The names Confide reasons with: sectors, purposes, data categories, offences and roles.

The taxonomy ships as data files (``confide/taxonomy/data/*.yaml``, documented in
``docs/taxonomy.md``). Names are hierarchical and dotted: naming a parent covers every
name beneath it.
"""

from confide.taxonomy.load import default_taxonomy, load_taxonomy
from confide.taxonomy.model import (
    ENFORCEMENT_SECTOR,
    IMMIGRATION,
    SERIOUS_CRIME_PURPOSE,
    SUBJECT_PURPOSES,
    Category,
    Offence,
    Purpose,
    Role,
    Sector,
    Taxonomy,
    covers,
)

__all__ = [
    "ENFORCEMENT_SECTOR",
    "IMMIGRATION",
    "SERIOUS_CRIME_PURPOSE",
    "SUBJECT_PURPOSES",
    "Category",
    "Offence",
    "Purpose",
    "Role",
    "Sector",
    "Taxonomy",
    "covers",
    "default_taxonomy",
    "load_taxonomy",
]
