"""The staff pages: one router for the app to include, with the stylesheet at ``/static``.

Server-rendered, no JavaScript, no third-party assets: they work with scripting off and under
the app's strict Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from confide.web import pages, signin
from confide.web.render import STATIC

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(pages.router)
router.mount("/static", StaticFiles(directory=STATIC), name="static")
