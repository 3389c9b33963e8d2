"""Render the notice, the poster and the wallet card to HTML and PDF, and write them safely.

HTML files are standalone: the stylesheet is inline, the QR code is an inline SVG and the
fonts are the machine's own, so a file prints the same offline. PDFs are made from that
same HTML by WeasyPrint. Files are written to a temporary name beside the target, flushed
and renamed into place, so a crash never leaves half a notice behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Literal

from markupsafe import Markup

from confide.errors import ConfideError, NotFound
from confide.i18n import LANGUAGES
from confide.notices.promise import promise_for
from confide.notices.proof import CheckpointFacts
from confide.notices.view import KINDS, notice_context, qr_svg, report_url, stylesheet
from confide.policy import CompiledPolicy
from confide.taxonomy.model import ENFORCEMENT_SECTOR
from confide.web.render import render_text

__all__ = [
    "FORMATS",
    "Format",
    "OutputError",
    "check_kind",
    "check_lang",
    "check_org",
    "noticed_orgs",
    "pdf",
    "render_document",
    "render_documents",
    "write_documents",
]

Format = Literal["html", "pdf", "both"]
FORMATS: Final = ("html", "pdf", "both")
#: What an organisation id must look like before it becomes part of a path.
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class OutputError(ConfideError):
    """The output directory cannot be used (it is a file, or not writable)."""


def noticed_orgs(policy: CompiledPolicy) -> list[str]:
    """Every organisation that gets notices: all but immigration enforcement (I1)."""
    return [
        org.id for org in policy.policy.organisations.values() if org.sector != ENFORCEMENT_SECTOR
    ]


def check_org(policy: CompiledPolicy, org: str) -> str:
    """``org`` if the policy gives it notices and it is safe in a path; else NotFound."""
    if org not in noticed_orgs(policy) or not _SAFE_NAME.fullmatch(org) or org in (".", ".."):
        raise NotFound(
            f"no notice for organisation {org!r}: it is not in the policy in force, or it is "
            "immigration enforcement, which gets none (I1)"
        )
    return org


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise NotFound(f"no notices in language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no document {kind!r}; choose one of {', '.join(KINDS)}")
    return kind


def render_document(kind: str, lang: str, context: dict[str, Any], *, standalone: bool) -> str:
    """One document's HTML. ``standalone`` inlines the stylesheet (files and PDFs); a served
    page links /static/notices.css instead, as the app's CSP forbids inline styles."""
    css = Markup(stylesheet()) if standalone else None  # noqa: S704 - our own stylesheet file
    return render_text(f"notices/{check_kind(kind)}.html", lang=lang, css=css, **context)


def render_documents(
    policy: CompiledPolicy,
    org: str,
    lang: str,
    *,
    base_url: str,
    checkpoint: CheckpointFacts | None,
    kinds: Iterable[str] = KINDS,
    standalone: bool = True,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Each kind's HTML for ``org`` in ``lang``, from the live ``policy``."""
    promise = promise_for(policy, check_org(policy, org))
    context = notice_context(
        policy, promise, check_lang(lang), base_url=base_url, checkpoint=checkpoint, today=today
    )
    return {kind: render_document(kind, lang, context, standalone=standalone) for kind in kinds}


def pdf(html: str) -> bytes:
    """A standalone document's PDF. Raises ConfideError if WeasyPrint fails."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415 - slow import

    try:
        data: bytes = HTML(string=html, base_url=None).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the caller gets one
        raise ConfideError(f"could not make the PDF: {type(exc).__name__}") from exc
    return data


def write_documents(
    out: Path,
    policy: CompiledPolicy,
    org: str,
    lang: str,
    *,
    base_url: str,
    checkpoint: CheckpointFacts | None,
    fmt: Format = "both",
    today: dt.date | None = None,
) -> list[Path]:
    """Write notice, poster and card (.html and/or .pdf) and qr.svg into ``out``.

    ``out`` is created if missing; refuses (OutputError) if it, or a target file, is not a
    regular directory or file. Returns the files written."""
    documents = render_documents(
        policy, org, lang, base_url=base_url, checkpoint=checkpoint, today=today
    )
    directory = ensure_directory(out)
    written = [atomic_write(directory / "qr.svg", qr_svg(report_url(base_url, lang, org)))]
    for kind, html in documents.items():
        if fmt in ("html", "both"):
            written.append(atomic_write(directory / f"{kind}.html", html))
        if fmt in ("pdf", "both"):
            written.append(atomic_write(directory / f"{kind}.pdf", pdf(html)))
    return written


def ensure_directory(path: Path) -> Path:
    """``path`` as an existing directory (created, with parents, if missing)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OutputError(f"{path} exists and is not a directory; choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {path}: {exc.strerror}") from None
    return path


def atomic_write(target: Path, content: str | bytes) -> Path:
    """Write ``content`` to ``target`` through a temporary file and a rename."""
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise OutputError(f"{target} exists and is not a regular file; not overwriting it")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)  # notices are public documents
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
    return target
