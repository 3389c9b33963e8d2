"""The staff inbox: reports a service received, acknowledged, answered and closed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
