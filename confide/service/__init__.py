"""The running service: identities (API tokens, staff, sessions, subject access codes),
break-glass reviews and policy versions. The HTTP API is in ``confide.api``, the staff
pages in ``confide.web``."""
