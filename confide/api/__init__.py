"""The HTTP API (FastAPI): problem+json errors, API tokens, the decision contract, records,
the transparency log for monitors, and the person's own history."""

from confide.api.app import create_app

__all__ = ["create_app"]
