"""The HTTP API (FastAPI): problem+json errors, API tokens, the decision contract, records,
the transparency log for monitors, and the person's own history."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported lazily: the staff pages import ``confide.api.problems`` while the application
    # module imports the staff pages, so an eager import here would be circular.
    if name == "create_app":
        from confide.api.app import create_app  # noqa: PLC0415

        return create_app
    raise AttributeError(name)
