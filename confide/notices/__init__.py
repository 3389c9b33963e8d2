"""Know-your-rights notices, posters and wallet cards generated from the live policy.

``promise_for(policy, org)`` says what an organisation does with people's data, as the
compiled policy and its decision engine allow; :mod:`confide.notices.build` renders it as a
notice, a poster and a wallet card (HTML and PDF) in every supported language;
:mod:`confide.notices.web` serves them. See docs/notices.md.
"""

from confide.notices.promise import Promise, Sharing, promise_for

__all__ = ["Promise", "Sharing", "promise_for"]
