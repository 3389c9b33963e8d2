"""Consent, referrals and data-sharing agreements between services (docs/consent.md).

* :class:`~confide.consent.consents.ConsentBook`: express, specific, time-limited and
  revocable consent, checked on every read made under it (scenario 13);
* :class:`~confide.consent.referrals.Referrals`: hand-overs between services resting on a
  consent (offered → accepted → completed, or declined, expired, withdrawn);
* :class:`~confide.consent.agreements.Agreements`: data-sharing agreements proposed and
  activated at run time, each activation re-proving the invariants (scenario 8).

This package's ``__init__`` imports only the model, so that the vault can import the
read-time check (:mod:`confide.consent.store`) without a cycle.
"""

from __future__ import annotations

from confide.consent.model import Agreement, Consent, ConsentError, Referral

__all__ = ["Agreement", "Consent", "ConsentError", "Referral"]
