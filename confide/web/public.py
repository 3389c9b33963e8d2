"""The public reporting pages (no sign-in): choose a language, report, follow with a receipt."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
