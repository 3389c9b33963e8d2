"""What the consent, referral and agreement staff pages share: form fields, state labels,
the page context and the "not found" and "not permitted" pages."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Form, Request, Response

from confide.errors import ConfideError
from confide.i18n import LANGUAGES
from confide.web.pages import _base
from confide.web.render import SignedIn, confide_of, render

ShortText = Annotated[str, Form(max_length=256)]
LongText = Annotated[str, Form(max_length=4096)]
#: Checkbox lists (category or purpose names); the taxonomy has fewer than 64 of each.
Names = Annotated[list[str] | None, Form(max_length=128)]
#: Ids are UUIDs (consents, referrals) or policy identifiers of at most 63 characters
#: (agreements). A longer id from a URL is cut to this before the lookup, so it is simply
#: not found, and the database never sees a long string.
MAX_ID_CHARS: Final = 64

CONSENT_STATES: Final = {"active": "In force", "expired": "Expired", "withdrawn": "Withdrawn"}
REFERRAL_STATES: Final = {
    "offered": "Offered",
    "accepted": "Accepted",
    "completed": "Completed",
    "declined": "Declined",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
}
AGREEMENT_STATES: Final = {
    "proposed": "Proposed",
    "active": "Active",
    "expired": "Expired",
    "retired": "Retired",
}
MISSING: Final = {
    "consent": "No consent with this id is visible to your service.",
    "referral": "No referral with this id is visible to your service.",
    "agreement": "No agreement with this id names your service.",
}


def days_from(text: str, default: int, most: int) -> int | None:
    """The number of days typed, ``default`` if none; None unless it is 1 to ``most``."""
    written = text.strip()
    if not written:
        return default
    if not written.isdigit() or not 1 <= int(written) <= most:
        return None
    return int(written)


def context(request: Request, who: SignedIn, **more: Any) -> dict[str, Any]:
    confide = confide_of(request)
    policy = confide.policy.policy
    return {
        **_base(who, confide),
        "orgs": policy.organisations,
        "describe": {n: c.description for n, c in policy.taxonomy.categories.items()},
        "languages": LANGUAGES,
        "consent_states": CONSENT_STATES,
        "referral_states": REFERRAL_STATES,
        "agreement_states": AGREEMENT_STATES,
        **more,
    }


def message_page(request: Request, who: SignedIn, status: int, title: str, text: str) -> Response:
    return render(
        request, "message.html", status, title=title, message=text, **context(request, who)
    )


def missing_page(request: Request, who: SignedIn, what: str) -> Response:
    # The same page whether the id does not exist or belongs to another service (I6).
    return message_page(request, who, 404, "Not found", MISSING[what])


def refused_page(request: Request, who: SignedIn, exc: ConfideError) -> Response:
    return message_page(request, who, 403, "Not permitted", str(exc))
