"""Everything the notice templates need, computed from a promise, a checkpoint and a language.

Dynamic text (organisation names, contact details, URLs) reaches the templates as plain
strings, which Jinja escapes; only the QR code and a few snippets built here with
``Markup.format`` (which escapes what it formats) are markup.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup

from confide.errors import ConfideError
from confide.i18n import LANGUAGES
from confide.notices.promise import Promise
from confide.notices.proof import CheckpointFacts
from confide.policy import CompiledPolicy
from confide.reporting import REPORT_TYPES, Channel, channels
from confide.taxonomy.model import is_immigration
from confide.web.render import STATIC

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "KINDS",
    "PUBLIC_URL_ENV",
    "BadPublicUrl",
    "LanguageLink",
    "checkpoint_url",
    "language_links",
    "notice_context",
    "period_parts",
    "public_url",
    "qr_svg",
    "report_url",
    "stylesheet",
    "text_direction",
]

#: The printable documents, in the order they are built.
KINDS: Final = ("notice", "poster", "card")
PUBLIC_URL_ENV: Final = "CONFIDE_PUBLIC_URL"
DEFAULT_PUBLIC_URL: Final = "http://127.0.0.1:8000"
#: Contact details in the order a notice lists them; others follow in the policy's order.
_CONTACT_ORDER: Final = ("phone", "email", "address", "hours", "languages", "website")
_PERIOD: Final = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


class BadPublicUrl(ConfideError, ValueError):
    """The public URL is not an absolute http(s) URL without query or fragment."""


def public_url(value: str | None = None) -> str:
    """The deployment's public URL: ``value``, else ``$CONFIDE_PUBLIC_URL``, else the
    default; checked and without a trailing slash. Raises :class:`BadPublicUrl`.

    Never taken from a request's Host header: a forged header must not be able to print
    someone else's address on a poster (or poison the PDF cache)."""
    raw = value if value is not None else os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL
    parts = urlsplit(raw.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or any(c.isspace() or c in "<>\"'`" for c in raw.strip())
    ):
        raise BadPublicUrl(
            f"the public URL must be an absolute http:// or https:// address without query, "
            f"fragment or credentials, for example {DEFAULT_PUBLIC_URL} (set --base-url or "
            f"${PUBLIC_URL_ENV})"
        )
    return raw.strip().rstrip("/")


#: Services whose name on a card in someone's pocket could tell an abuser where she went:
#: their wallet card names no service and its QR code leads to the general reporting page.
DISCREET_SECTORS: Final = frozenset({"shelter"})


def report_url(base: str, lang: str, org: str) -> str:
    """The public reporting page for ``org`` in ``lang``."""
    return f"{base}/report/{lang}?{urlencode({'org': org})}"


def checkpoint_url(base: str, size: int) -> str:
    """Where anyone can fetch the signed checkpoint a notice cites."""
    return f"{base}/notices/checkpoints/{size}"


@cache
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG element (sized by CSS, ``<title>`` = url).

    Error correction M survives a scuffed poster; the quiet zone is the 4 modules the
    standard asks for."""
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=url,
        svgclass="qr",
        lineclass=None,
        border=4,
        nl=False,
    )
    return out.getvalue().decode("utf-8")


@cache
def stylesheet() -> str:
    """The notices stylesheet, for standalone files and PDFs (no external assets)."""
    return (Path(STATIC) / "notices.css").read_text(encoding="utf-8")


def period_parts(period: str) -> tuple[int, int, int]:
    """An ISO 8601 period as (years, months, days); weeks count as 7 days."""
    match = _PERIOD.match(period)
    if match is None:
        return (0, 0, 0)
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    return (years, months, days + 7 * weeks)


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    name: str
    href: str


def language_links(org: str, href: str = "/notices/{org}/{lang}") -> list[LanguageLink]:
    return [
        LanguageLink(code, lang.name, href.format(org=org, lang=code))
        for code, lang in LANGUAGES.items()
    ]


def _ltr(text: str, cls: str = "mono") -> Markup:
    # Hashes, URLs and fingerprints read left to right even inside Arabic or Farsi text.
    return Markup('<bdi dir="ltr" class="{}">{}</bdi>').format(cls, text)


def text_direction(text: str) -> str:
    """``rtl`` or ``ltr``, from the first strongly directional character (UAX #9, P2).

    Names and addresses from the policy keep their own direction inside a page of the
    other direction; WeasyPrint does not implement ``dir=auto``, so it is computed here."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def _contact_rows(contact: Mapping[str, object]) -> list[tuple[str, str]]:
    keys = [k for k in _CONTACT_ORDER if k in contact]
    keys += [k for k in contact if k not in _CONTACT_ORDER]
    rows: list[tuple[str, str]] = []
    for key in keys:
        value = contact[key]
        if key == "languages" and isinstance(value, list | tuple):
            text = ", ".join(
                LANGUAGES[str(v)].name if str(v) in LANGUAGES else str(v) for v in value
            )
        elif isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        if text:
            rows.append((key, text))
    return rows


def _describe(policy: CompiledPolicy) -> dict[str, str]:
    tax = policy.policy.taxonomy
    described = {name: p.description.strip() for name, p in tax.purposes.items()}
    described.update({name: c.description.strip() for name, c in tax.categories.items()})
    return described


def notice_context(
    policy: CompiledPolicy,
    promise: Promise,
    lang: str,
    *,
    base_url: str,
    checkpoint: CheckpointFacts | None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The template context of the notice, poster and card of ``promise`` in ``lang``."""
    made = today or dt.datetime.now(dt.UTC).date()
    url = report_url(base_url, lang, promise.org)
    discreet = promise.sector in DISCREET_SECTORS
    card_url = f"{base_url}/report/{lang}" if discreet else url
    live: list[Channel] = sorted(channels(policy), key=lambda c: c.name)
    offered = {t for channel in live for t in channel.types}
    report_types = [t for t in REPORT_TYPES if t in offered]
    context: dict[str, Any] = {
        "promise": promise,
        "report_url": url,
        # segno's SVG escapes the URL in its <title>; the rest is path data.
        "qr": Markup(qr_svg(url)),  # noqa: S704
        "discreet": discreet,
        "card_url": card_url,
        "card_qr": Markup(qr_svg(card_url)),  # noqa: S704
        "channels": live,
        "report_types": report_types,
        "describe": _describe(policy),
        "retention": [(purpose, period_parts(period)) for purpose, period in promise.retention],
        "sees_immigration": any(is_immigration(c) for c in promise.keeps),
        "shares_protected": any(is_immigration(c) for s in promise.shares for c in s.categories),
        "has_consent": any(s.condition == "consent" for s in promise.shares),
        "contact_rows": _contact_rows(promise.contact),
        "text_dir": text_direction,
        "made_on": format_date(made, format="long", locale=lang),
        "policy_html": _ltr(promise.policy_hash),
        "policy_short_html": _ltr(promise.policy_hash[: len("sha256:") + 16]),
        "checkpoint": checkpoint,
    }
    if checkpoint is not None:
        where = checkpoint_url(base_url, checkpoint.size)
        context.update(
            checkpoint_url=where,
            checkpoint_url_html=_ltr(where, "url"),
            checkpoint_date=format_date(checkpoint.created_at.date(), format="long", locale=lang),
            checkpoint_size=format_decimal(checkpoint.size, locale=lang),
            fingerprint_html=_ltr(checkpoint.short, "mono fp"),
        )
    return context
