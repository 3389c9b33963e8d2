"""Server-rendered staff pages (Jinja2): sign-in with TOTP, records, break-glass, the DPO's
review list."""
