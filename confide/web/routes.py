"""The staff pages: one router for the app to include, with the stylesheet at ``/static``.

Server-rendered, no JavaScript, no third-party assets: they work with scripting off and under
the app's strict Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from confide.notices import web as notices
from confide.web import consent_pages, inbox, pages, public, signin, staff_consent, transparency
from confide.web.render import STATIC

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(pages.router)
router.include_router(inbox.router)
router.include_router(staff_consent.router)
router.include_router(public.router)
router.include_router(consent_pages.router)
router.include_router(notices.router)
router.include_router(transparency.router)
router.mount("/static", StaticFiles(directory=STATIC), name="static")


@router.get("/")
def root() -> RedirectResponse:
    """The deployment's front door is the safe-reporting page (staff go to /staff)."""
    return RedirectResponse("/report", status_code=303)
