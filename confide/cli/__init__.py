"""The ``confide`` command line (typer + rich). One module per command group."""

from __future__ import annotations

import typer

from confide.cli import agreement as _agreement
from confide.cli import consent as _consent
from confide.cli import decide as _decide
from confide.cli import demo as _demo
from confide.cli import i18n as _i18n
from confide.cli import keys as _keys
from confide.cli import log as _log
from confide.cli import notices as _notices
from confide.cli import policy as _policy
from confide.cli import referral as _referral
from confide.cli import serve as _serve
from confide.cli import setup as _setup
from confide.cli import staff as _staff
from confide.cli import stats as _stats
from confide.cli import tokens as _tokens
from confide.cli import vault as _vault

app = typer.Typer(
    name="confide",
    help="Confide: a data firewall between essential services and immigration enforcement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_policy.app, name="policy")
app.add_typer(_log.app, name="log")
app.add_typer(_vault.app, name="vault")
app.add_typer(_keys.app, name="keys")
app.add_typer(_setup.db_app, name="db")
app.add_typer(_tokens.app, name="tokens")
app.add_typer(_staff.app, name="staff")
app.add_typer(_i18n.app, name="i18n")
app.add_typer(_notices.app, name="notices")
app.add_typer(_consent.app, name="consent")
app.add_typer(_referral.app, name="referral")
app.add_typer(_agreement.app, name="agreement")
app.add_typer(_stats.app, name="stats")
app.command("init")(_setup.init)
app.command("decide")(_decide.decide)
app.command("serve")(_serve.serve)
app.command("demo")(_demo.demo)


def main() -> None:
    app()
