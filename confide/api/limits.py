"""Limits on every /v1 request: body size, rate per token, time; and the access log.

They live in the route class (:class:`GuardedRoute`) the /v1 router uses, so each
endpoint is guarded without any middleware to wire. The access log line is
``METHOD /path/{template} STATUS DURATIONms``: the route's template, never the URL with
its identifiers, never a query string, never an IP address.

Settings come from the environment, read once per process:

``CONFIDE_MAX_BODY_BYTES``   largest request body (default 1 MiB; a policy upload may be up
                             to 4 MiB, so :data:`POLICY_BODY_BYTES` applies to it)
``CONFIDE_RATE_LIMIT``       requests per minute per token (default 600), per process
``CONFIDE_REQUEST_TIMEOUT``  seconds before a request is answered 503 ``timeout`` (default 30)
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from confide.api import problems

__all__ = [
    "POLICY_BODY_BYTES",
    "GuardedRoute",
    "Limits",
    "RateLimiter",
    "access_log",
    "limits",
]

POLICY_BODY_BYTES = 5 * 1024 * 1024

access_log = logging.getLogger("confide.access")
if not access_log.handlers:
    # uvicorn configures only its own loggers; Confide's access lines go to stderr.
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s confide.access %(message)s"))
    access_log.addHandler(_handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 and math.isfinite(value) else default


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    rate_per_minute: float
    timeout_seconds: float

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(
            max_body_bytes=int(_env_number("CONFIDE_MAX_BODY_BYTES", 1024 * 1024)),
            rate_per_minute=_env_number("CONFIDE_RATE_LIMIT", 600),
            timeout_seconds=_env_number("CONFIDE_REQUEST_TIMEOUT", 30),
        )


class RateLimiter:
    """A token bucket per caller: ``rate_per_minute`` sustained, the same as a burst.

    Per process: with N workers a caller gets up to N times the rate. Buckets of callers
    not seen for ten minutes are dropped, so memory stays bounded by active callers."""

    def __init__(self, rate_per_minute: float) -> None:
        self.capacity = max(1.0, rate_per_minute)
        self.per_second = rate_per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def take(self, key: str) -> float | None:
        """Take one request for ``key``; ``None`` if allowed, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            if now - self._swept > 600:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}
                self._swept = now
            level, seen = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - seen) * self.per_second)
            if level < 1.0:
                self._buckets[key] = (level, now)
                return (1.0 - level) / self.per_second
            self._buckets[key] = (level - 1.0, now)
            return None


_limits: Limits | None = None
_limiter: RateLimiter | None = None


def limits() -> Limits:
    global _limits  # noqa: PLW0603 - read once per process
    if _limits is None:
        _limits = Limits.from_environment()
    return _limits


def limiter() -> RateLimiter:
    global _limiter  # noqa: PLW0603 - one per process
    if _limiter is None:
        _limiter = RateLimiter(limits().rate_per_minute)
    return _limiter


def rate_limit(request: Request, key: str, *, factor: float = 1.0) -> None:
    """Raise a 429 problem when ``key`` is over its rate (``factor`` × the token rate)."""
    wait = limiter().take(key) if factor == 1.0 else _scaled(factor).take(key)
    if wait is not None:
        retry = max(1, math.ceil(wait))
        request.state.retry_after = retry
        raise problems.Problem(
            429,
            "rate-limited",
            "Too many requests",
            f"this caller is over {limits().rate_per_minute * factor:g} requests a minute; "
            f"retry in {retry} s",
            retry_after=retry,
        )


_scaled_limiters: dict[float, RateLimiter] = {}


def _scaled(factor: float) -> RateLimiter:
    found = _scaled_limiters.get(factor)
    if found is None:
        found = _scaled_limiters[factor] = RateLimiter(limits().rate_per_minute * factor)
    return found


def _too_large(limit: int) -> StarletteHTTPException:
    return StarletteHTTPException(413, f"the request body is larger than {limit} bytes")


def _limited_receive(request: Request, limit: int) -> Callable[[], Awaitable[Message]]:
    received = 0
    receive = request.receive

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return limited


async def _error_response(request: Request, exc: Exception) -> Response:
    # The app's own handlers (problems.install) turn the error into problem+json.
    handlers: dict[Any, Any] = request.app.exception_handlers
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            response: Response = await handler(request, exc)
            return response
    return problems.problem_response(
        500, "internal-error", "Something went wrong; nothing was disclosed"
    )


class GuardedRoute(APIRoute):
    """An APIRoute with the body limit, the timeout and the access log line."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        special = (self.openapi_extra or {}).get("x-confide-body-limit")

        async def guarded(request: Request) -> Response:
            started = time.perf_counter()
            settings = limits()
            limit = int(special) if special else settings.max_body_bytes
            try:
                declared = request.headers.get("content-length")
                if declared is not None and (not declared.isdigit() or int(declared) > limit):
                    raise _too_large(limit)
                request = Request(request.scope, _limited_receive(request, limit))
                response = await asyncio.wait_for(handler(request), settings.timeout_seconds)
            except TimeoutError:
                response = problems.problem_response(
                    503,
                    "timeout",
                    "The request took too long",
                    f"no answer within {settings.timeout_seconds:g} s; nothing was disclosed "
                    "in this response",
                )
            except Exception as exc:  # every error still gets its access log line
                response = await _error_response(request, exc)
            retry = getattr(request.state, "retry_after", None)
            if response.status_code == 429 and retry is not None:
                response.headers["Retry-After"] = str(retry)
            elapsed = (time.perf_counter() - started) * 1000
            template = self.path  # every /v1 router carries its prefix itself
            access_log.info(
                "%s %s %d %.1fms", request.method, template, response.status_code, elapsed
            )
            return response

        return guarded
