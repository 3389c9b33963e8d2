"""The /v1 API: one router gathering the resource routers.

* ``routes_records``: the decision contract, records (create, read, search), forget
* ``routes_subjects``: subject access codes and the person's own history and export
* ``routes_log``: the public transparency log (checkpoint, entries, proofs)
* ``routes_admin``: organisations, tokens, policy versions
* ``routes_staff``: staff accounts (an organisation's admins)
* ``routes_reports``: a receiving service's inbox of safe reports
* ``routes_consent``: consents (the services' and the person's own) and referrals
* ``routes_agreements``: data-sharing agreements made at run time

Every route is a :class:`~confide.api.limits.GuardedRoute` (body limit, timeout, access
log line) and first brings this process onto the active policy (checked every ~2 s).
``docs/api.md`` documents each endpoint and problem type.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from confide.api import (
    routes_admin,
    routes_agreements,
    routes_consent,
    routes_log,
    routes_records,
    routes_reports,
    routes_staff,
    routes_subjects,
)
from confide.api.auth import sync_policy
from confide.api.limits import GuardedRoute

__all__ = ["router"]

# The prefix is on each resource router, so a route's own path is its full template
# (what the access log prints).
router = APIRouter(route_class=GuardedRoute, dependencies=[Depends(sync_policy)])
router.include_router(routes_records.router)
router.include_router(routes_subjects.router)
router.include_router(routes_log.router)
router.include_router(routes_admin.router)
router.include_router(routes_staff.router)
router.include_router(routes_reports.router)
router.include_router(routes_consent.router)
router.include_router(routes_agreements.router)
