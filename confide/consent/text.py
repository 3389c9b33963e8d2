"""The words a person is shown when she gives consent, in her language.

The text is stored with the consent (sealed under her key) and its SHA-256 goes on her
consent receipt: what she agreed to is what she read, not what a later template says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Sequence

from babel import UnknownLocaleError
from babel.dates import format_date

from confide.policy import CompiledPolicy

__all__ = ["consent_text", "text_hash"]


def text_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def consent_text(
    policy: CompiledPolicy,
    *,
    lang: str,
    holder: str,
    recipient: str,
    purpose: str,
    categories: Sequence[str],
    expires_at: dt.datetime,
) -> str:
    """The consent sentence for these terms in ``lang`` (English where untranslated)."""
    from confide.web.render import render_text  # noqa: PLC0415 - the web layer is heavy

    tax = policy.policy.taxonomy
    orgs = policy.policy.organisations
    words = render_text(
        "consent/_categories.txt",
        lang=lang,
        categories=list(categories),
        describe={n: c.description for n, c in tax.categories.items()},
    ).strip()
    text = render_text(
        "consent/text.txt",
        lang=lang,
        holder_name=orgs[holder].name,
        recipient_name=orgs[recipient].name,
        purpose=purpose,
        category_list=html.unescape(words),
        protected=any(c in tax.protected_categories() for c in categories),
        expires=_date(expires_at.date(), lang),
        describe={n: p.description for n, p in tax.purposes.items()},
    )
    return html.unescape(text).strip()


def _date(day: dt.date, lang: str) -> str:
    """The date as the reader writes it (CLDR, through Babel); ISO 8601 if Babel has no
    data for the language."""
    try:
        return format_date(day, format="long", locale=lang)
    except (ValueError, LookupError, UnknownLocaleError):
        return day.isoformat()
