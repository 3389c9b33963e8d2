"""/v1/log: the transparency log for monitors. Public: no authentication.

Entries carry no personal data (subjects appear only as keyed pseudonyms), so anyone may
read them, check inclusion and consistency proofs (RFC 9162) and the signed checkpoint
(C2SP tlog-checkpoint). A checkpoint is signed on demand when the log has grown and the
latest one is older than ``CONFIDE_CHECKPOINT_INTERVAL`` seconds (default 5).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from confide.api import limits
from confide.api.auth import get_confide
from confide.api.limits import GuardedRoute
from confide.api.problems import Problem
from confide.api.schemas import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    LogEntriesAnswer,
    LogEntryOut,
    problem_responses,
)
from confide.crypto.signing import PrivateKey
from confide.runtime import Confide
from confide.transparency import leaf_hash
from confide.transparency.entries import LogEntry
from confide.transparency.signer import (
    load_signing_key,
    load_verifier_key,
    signing_key_path,
    verifier_key_path,
)

#: The most entries one page returns.
MAX_PAGE = 256
#: Anonymous callers share one bucket, ten times a token's rate.
PUBLIC_RATE_FACTOR = 10.0


def _public_rate(request: Request) -> None:
    limits.rate_limit(request, "public", factor=PUBLIC_RATE_FACTOR)


router = APIRouter(prefix="/v1", route_class=GuardedRoute, dependencies=[Depends(_public_rate)])
_PROBLEMS = problem_responses(404, 422, 429, 503)
_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def entry_out(entry: LogEntry) -> LogEntryOut:
    return LogEntryOut(
        index=entry.index,
        data=_b64(entry.data),
        leaf_hash=_b64(leaf_hash(entry.data)),
        entry=entry.fields,
    )


def _signer(request: Request, confide: Confide) -> tuple[PrivateKey, str, str]:
    cached: tuple[PrivateKey, str, str] | None = getattr(request.app.state, "log_signer", None)
    if cached is None:
        home = confide.settings.home
        key = load_signing_key(signing_key_path(home))
        published = load_verifier_key(verifier_key_path(home))
        text = verifier_key_path(home).read_text(encoding="utf-8").strip()
        cached = (key, published.name, text)
        request.app.state.log_signer = cached
    return cached


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("CONFIDE_CHECKPOINT_INTERVAL", "5")))
    except ValueError:
        return 5.0


@router.get(
    "/log/checkpoint",
    response_model=Checkpoint,
    tags=["transparency log"],
    summary="The latest signed checkpoint (public)",
    responses=_PROBLEMS,
)
def checkpoint(request: Request) -> Checkpoint:
    confide = get_confide(request)
    key, origin, vkey = _signer(request, confide)
    with _lock:
        latest = confide.log.latest_checkpoint()
        size = confide.log.size()
        stale = latest is None or (
            latest.size < size
            and dt.datetime.now(dt.UTC) - _aware(latest.created_at)
            >= dt.timedelta(seconds=_interval())
        )
        if stale:
            confide.log.checkpoint(key, origin)
            latest = confide.log.latest_checkpoint()
    if latest is None:  # pragma: no cover - one was just stored
        raise Problem(503, "log-unavailable", "The log has no checkpoint")
    return Checkpoint(
        origin=origin, size=latest.size, root=_b64(latest.root), note=latest.note, verifier_key=vkey
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@router.get(
    "/log/entries",
    response_model=LogEntriesAnswer,
    tags=["transparency log"],
    summary=f"Entries [start, end), at most {MAX_PAGE} a page (public)",
    responses=_PROBLEMS,
)
def entries(
    request: Request,
    start: Annotated[int, Query(ge=0, le=2**62)],
    end: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> LogEntriesAnswer:
    """``end`` defaults to and is clipped to ``start`` + 256 and to the log's size."""
    confide = get_confide(request)
    size = confide.log.size()
    stop = min(end if end is not None else start + MAX_PAGE, start + MAX_PAGE, size)
    stop = max(stop, start)
    found = confide.log.entries(start, stop) if stop > start else []
    return LogEntriesAnswer(start=start, end=stop, size=size, entries=[entry_out(e) for e in found])


@router.get(
    "/log/proofs/inclusion",
    response_model=InclusionProof,
    tags=["transparency log"],
    summary="Inclusion proof of entry `index` in the tree of `size` entries (public)",
    responses=_PROBLEMS,
)
def inclusion(
    request: Request,
    index: Annotated[int, Query(ge=0, le=2**62)],
    size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> InclusionProof:
    """RFC 9162 section 2.1.3; ``size`` defaults to the log's current size."""
    confide = get_confide(request)
    with confide.db.connect() as conn:
        size = size if size is not None else confide.log.size(conn)
        # NotFound becomes the 404 ``not-found`` problem in the app's shared handler.
        proof = confide.log.inclusion_proof(index, size, conn)
        root = confide.log.root(size, conn)
        entry = confide.log.entry(index, conn)
    return InclusionProof(
        index=index,
        size=size,
        leaf_hash=_b64(leaf_hash(entry.data)),
        root=_b64(root),
        hashes=[_b64(h) for h in proof],
    )


@router.get(
    "/log/proofs/consistency",
    response_model=ConsistencyProof,
    tags=["transparency log"],
    summary="Consistency proof between tree sizes `old` and `new` (public)",
    responses=_PROBLEMS,
)
def consistency(
    request: Request,
    old: Annotated[int, Query(ge=0, le=2**62)],
    new: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> ConsistencyProof:
    """RFC 9162 section 2.1.4; ``new`` defaults to the log's current size."""
    confide = get_confide(request)
    with confide.db.connect() as conn:
        new = new if new is not None else confide.log.size(conn)
        proof = confide.log.consistency_proof(old, new, conn)
        old_root = confide.log.root(old, conn)
        new_root = confide.log.root(new, conn)
    return ConsistencyProof(
        old=old,
        new=new,
        old_root=_b64(old_root),
        new_root=_b64(new_root),
        hashes=[_b64(h) for h in proof],
    )
