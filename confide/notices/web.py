"""The public notice page of each organisation."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
