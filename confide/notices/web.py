"""The public notice pages: every organisation's notice, poster and wallet card.

No sign-in: these are the documents a service pins on its wall. Everything is computed
from the policy in force and the latest log checkpoint at request time. PDFs are cached in
memory per policy hash and checkpoint, and made one at a time, so a burst of requests for
them cannot take every CPU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from markupsafe import Markup

from confide.errors import NotFound
from confide.notices.build import (
    check_kind,
    check_lang,
    check_org,
    noticed_orgs,
    pdf,
    render_document,
    render_documents,
)
from confide.notices.promise import promise_for
from confide.notices.proof import checkpoint_note, latest
from confide.notices.view import language_links, notice_context, public_url
from confide.web.render import confide_of, render, render_text

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: PDFs kept in memory: every document of ~10 organisations in 10 languages, for one
#: policy and checkpoint, with room to spare.
PDF_CACHE_SIZE: Final = 400
_pdf_cache: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()
_render_lock = threading.Lock()

#: Larger than any log: such a size is not looked up (the database column is 64-bit).
MAX_TREE_SIZE: Final = 1 << 62

Segment = Annotated[str, Path(max_length=128)]


def _missing(request: Request) -> HTMLResponse:
    return render(request, "notices/missing.html", status=404, lang="en")


@router.get("/notices", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    confide = confide_of(request)
    organisations = [
        {
            "name": confide.policy.policy.organisations[org].name,
            "languages": language_links(org),
        }
        for org in noticed_orgs(confide.policy)
    ]
    return render(
        request,
        "notices/index.html",
        lang="en",
        organisations=organisations,
        policy_html=_policy_html(confide.policy.hash),
    )


@router.get("/notices/checkpoints/{size:int}", response_class=PlainTextResponse)
def checkpoint(request: Request, size: int) -> Response:
    """The signed checkpoint a notice cites, byte for byte, so anyone can hash it."""
    note = checkpoint_note(confide_of(request).log, size) if size < MAX_TREE_SIZE else None
    if note is None:
        return PlainTextResponse("No checkpoint of this size.\n", status_code=404)
    return Response(note.encode("utf-8"), media_type="text/plain; charset=utf-8")


@router.get("/notices/{org}/{lang}", response_class=HTMLResponse)
def page(request: Request, org: Segment, lang: Segment) -> HTMLResponse:
    confide = confide_of(request)
    try:
        check_org(confide.policy, org)
        check_lang(lang)
    except NotFound:
        return _missing(request)
    facts = latest(confide.log)
    context = notice_context(
        confide.policy,
        promise_for(confide.policy, org),
        lang,
        base_url=public_url(),
        checkpoint=facts,
    )
    base = f"/notices/{org}/{lang}"
    links = {kind: f"{base}/{kind}" for kind in ("notice", "poster", "card")}
    links.update({f"{kind}_pdf": f"{base}/{kind}.pdf" for kind in ("notice", "poster", "card")})
    note = checkpoint_note(confide.log, facts.size) if facts is not None else None
    html = render_text(
        "notices/page.html",
        lang=lang,
        css=None,
        links=links,
        languages=language_links(org),
        checkpoint_note=note,
        **context,
    )
    return HTMLResponse(html)


@router.get("/notices/{org}/{lang}/{kind}.pdf")
def document_pdf(request: Request, org: Segment, lang: Segment, kind: Segment) -> Response:
    confide = confide_of(request)
    try:
        check_org(confide.policy, org)
        check_lang(lang)
        check_kind(kind)
    except NotFound:
        return _missing(request)
    facts = latest(confide.log)
    base = public_url()
    key = (org, lang, kind, confide.policy.hash, facts.key if facts else "-", base)
    data = _cached(key)
    if data is None:
        with _render_lock:
            data = _cached(key)
            if data is None:
                html = render_documents(
                    confide.policy, org, lang, base_url=base, checkpoint=facts, kinds=(kind,)
                )[kind]
                data = pdf(html)
                _store(key, data)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{org}-{lang}-{kind}.pdf"'},
    )


@router.get("/notices/{org}/{lang}/{kind}", response_class=HTMLResponse)
def document_html(request: Request, org: Segment, lang: Segment, kind: Segment) -> HTMLResponse:
    confide = confide_of(request)
    try:
        check_org(confide.policy, org)
        check_lang(lang)
        check_kind(kind)
    except NotFound:
        return _missing(request)
    context = notice_context(
        confide.policy,
        promise_for(confide.policy, org),
        lang,
        base_url=public_url(),
        checkpoint=latest(confide.log),
    )
    return HTMLResponse(render_document(kind, lang, context, standalone=False))


def _cached(key: tuple[str, ...]) -> bytes | None:
    with _cache_lock:
        data = _pdf_cache.get(key)
        if data is not None:
            _pdf_cache.move_to_end(key)
        return data


def _store(key: tuple[str, ...], data: bytes) -> None:
    with _cache_lock:
        _pdf_cache[key] = data
        while len(_pdf_cache) > PDF_CACHE_SIZE:
            _pdf_cache.popitem(last=False)


def _policy_html(policy_hash: str) -> Markup:
    return Markup('<bdi dir="ltr" class="mono">{}</bdi>').format(policy_hash)
