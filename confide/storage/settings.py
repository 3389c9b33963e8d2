"""Where Confide keeps its data, its key file, its database and its policy.

Resolved from command-line options, then the environment (``CONFIDE_HOME``,
``CONFIDE_DATABASE_URL``, ``CONFIDE_KEY_FILE``, ``CONFIDE_POLICY``), then defaults under
the data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    key_file: Path
    policy: Path

    @classmethod
    def resolve(
        cls,
        *,
        home: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        key_file: str | os.PathLike[str] | None = None,
        policy: str | os.PathLike[str] | None = None,
    ) -> Settings:
        env = os.environ
        base = Path(
            home
            or env.get("CONFIDE_HOME")
            or platformdirs.user_data_dir("confide", appauthor=False)
        ).expanduser()
        url = database_url or env.get("CONFIDE_DATABASE_URL") or f"sqlite:///{base / 'confide.db'}"
        keys = Path(key_file or env.get("CONFIDE_KEY_FILE") or base / "confide.key")
        policy_path = Path(policy or env.get("CONFIDE_POLICY") or base / "policy.yaml")
        return cls(base, url, keys, policy_path)
