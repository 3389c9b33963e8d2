"""The /v1 API routes. (Filled in by the service issue's API work.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
