"""The staff pages. (Filled in by the service issue's web work.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
