"""The staff pages for consent, referrals and run-time data-sharing agreements.

Every action is a call to :mod:`confide.consent` (``ConsentBook``, ``Referrals``,
``Agreements``), so every consent, referral step, read and agreement change is checked
there and logged in the transparency log (I8); these pages add no way around it. Reads under
a referral go through the vault, one logged decision per record.

Who may do what: any signed-in member records, withdraws and refers for her own service;
only an ``admin`` acts on agreements, and only on agreements her organisation is party to.
An agreement is activated by an admin of the service the data comes *from*: the service
that holds the data decides whether it leaves. Anything the member's organisation is not
party to answers 404, the same as an id that does not exist.

One module per page family (:mod:`.consents`, :mod:`.referrals`, :mod:`.agreements`),
joined here into the one ``router`` the app includes.
"""

from __future__ import annotations

from fastapi import APIRouter

from confide.web.staff_consent import agreements, consents, referrals

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(consents.router)
router.include_router(referrals.router)
router.include_router(agreements.router)
