"""The application factory: one Confide deployment behind FastAPI.

``create_app(confide)`` for tests and embedding; ``app_from_environment()`` for
``confide serve`` (uvicorn's factory mode, one per worker process), which reads
``CONFIDE_HOME`` / ``CONFIDE_DATABASE_URL`` like the command line.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from confide import __version__
from confide.api import problems
from confide.api.limits import access_log
from confide.api.routes import router as api_router
from confide.runtime import Confide
from confide.storage import Settings
from confide.web.routes import router as web_router

#: Headers on every response: no referrer, no framing, no sniffing, a strict CSP.
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def create_app(confide: Confide) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        confide.close()

    app = FastAPI(
        title="Confide",
        version=__version__,
        description=(
            "A data firewall between essential services and immigration enforcement. "
            "Every read is a policy decision recorded in a transparency log."
        ),
        lifespan=lifespan,
        # The interactive docs pages load scripts from a CDN, which the CSP (rightly) forbids
        # and which would tell a third party who uses the service: only the JSON is served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.confide = confide
    problems.install(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        if not request.url.path.startswith("/v1/"):
            # /v1 routes write their own line; the rest (pages, health) get one here. The
            # route's template, never the raw path or query string, and never an address.
            route = request.scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %d %.1fms", request.method, template, response.status_code, elapsed
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The database and keys are usable")
    def readyz() -> JSONResponse:
        try:
            confide.db.check_schema()
            confide.vault.keyring.verify_key_check()
        except Exception:
            return problems.problem_response(
                503, "not-ready", "Not ready", "the database or the key file is unavailable"
            )
        return JSONResponse({"status": "ready", "policy": confide.policy.hash})

    app.include_router(api_router)
    app.include_router(web_router)
    return app


def app_from_environment() -> FastAPI:
    """The app for one uvicorn worker, configured from the environment."""
    return create_app(Confide.open(Settings.resolve()))
