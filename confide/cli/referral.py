"""``confide referral``: referrals between services, resting on a consent (docs/consent.md).

Staff act for the organisation named by ``--org``. A referral that organisation is not
party to answers "not found", exactly as one that does not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from confide.cli._consent_common import (
    ByOption,
    JsonOption,
    OrgOption,
    brief,
    deployment,
    fields,
    known_org,
    known_state,
    list_table,
    print_json,
    print_table,
    say,
    when,
)
from confide.cli.common import DatabaseOption, HomeOption, err, fail, operator
from confide.consent.model import REFERRAL_STATES, Referral
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import Referrals

__all__ = ["app"]

app = typer.Typer(help="Referrals between services, resting on a consent.", no_args_is_help=True)


def _show_referral(referral: Referral) -> None:
    fields(
        [
            ("referral", referral.id),
            ("state", referral.state),
            ("from", referral.holder),
            ("to", referral.recipient),
            ("purpose", referral.purpose),
            ("data", ", ".join(referral.categories)),
            ("consent", referral.consent_id),
            ("created", when(referral.created_at)),
            ("updated", when(referral.updated_at)),
            ("expires", when(referral.expires_at)),
        ]
    )


@app.command("offer")
def offer(
    holder: Annotated[str, typer.Option("--from", help="The sending service.")],
    recipient: Annotated[str, typer.Option("--to", help="The receiving service.")],
    consent: Annotated[str, typer.Option("--consent", help="The consent it rests on.")],
    categories: Annotated[
        list[str] | None,
        typer.Option("--category", help="Only these of the consent's categories; repeat."),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="How long it stays open.")] = REFERRAL_DAYS,
    as_json: JsonOption = False,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Offer the person to another service, with what her consent covers."""
    with deployment(home, database_url) as confide:
        referral = Referrals(confide).offer(
            holder=known_org(confide, holder),
            recipient=known_org(confide, recipient),
            consent=consent,
            categories=categories or None,
            days=days,
            created_by=operator(by),
        )
    if as_json:
        print_json(referral.summary())
    else:
        _show_referral(referral)


@app.command("list")
def list_referrals(
    org: OrgOption,
    state: Annotated[
        str | None, typer.Option("--state", help=f"Only: {', '.join(REFERRAL_STATES)}.")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Referrals the organisation sent or received, newest first."""
    with deployment(home, database_url) as confide:
        found = Referrals(confide).for_org(
            known_org(confide, org), state=known_state(state, REFERRAL_STATES)
        )
        tax = confide.policy.policy.taxonomy
    if as_json:
        print_json([r.summary() for r in found])
        return
    table = list_table()
    for r in found:
        table.add_row(
            r.id,
            r.holder,
            r.recipient,
            r.purpose,
            brief(tax, r.categories),
            r.state,
            f"{r.expires_at:%Y-%m-%d}",
        )
    print_table(table)


@app.command("show")
def show_referral(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One referral."""
    with deployment(home, database_url) as confide:
        referral = Referrals(confide).get(referral_id, org=known_org(confide, org))
    if as_json:
        print_json(referral.summary())
    else:
        _show_referral(referral)


def _move(referral_id: str, state: str, org: str, home: Path | None, url: str | None) -> None:
    with deployment(home, url) as confide:
        referral = Referrals(confide).move(referral_id, state, org=known_org(confide, org))
    say(f"referral {referral.id} is {referral.state}")


@app.command("accept")
def accept(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service takes the person on; it may then read what the referral lists."""
    _move(referral_id, "accepted", org, home, database_url)


@app.command("decline")
def decline(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service cannot take the person on."""
    _move(referral_id, "declined", org, home, database_url)


@app.command("complete")
def complete(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service has finished; nothing more is read under the referral."""
    _move(referral_id, "completed", org, home, database_url)


@app.command("withdraw")
def withdraw_referral(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The sending service takes the referral back."""
    _move(referral_id, "withdrawn", org, home, database_url)


@app.command("read")
def read(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: Annotated[str, typer.Option("--org", help="The receiving service.")],
    role: Annotated[
        str | None, typer.Option("--role", help="Acting role (default: the sector's).")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Read what the referral lists, one logged decision per record. Exit 1 on any deny."""
    with deployment(home, database_url) as confide:
        disclosures = Referrals(confide).read(referral_id, org=known_org(confide, org), role=role)
    denied = [d for d in disclosures if not d.permitted]
    if as_json:
        print_json([d.to_json() for d in disclosures])
    else:
        for d in disclosures:
            if d.permitted:
                say(f"record {d.record_id}: permit ({', '.join(d.decision.rules)})")
                for category, value in d.values.items():
                    say(f"  {category}: {value}")
                if not d.values:
                    say("  (none of the listed fields is on this record)")
            else:
                # A deny never names the record (I6).
                say("deny")
                for reason in d.decision.reasons:
                    say(f"  - {reason}")
    if not disclosures:
        err.print("the sending service holds no records about the person", markup=False)
    if denied:
        fail(f"{len(denied)} of {len(disclosures)} read(s) denied under referral {referral_id}")


@app.command("expire")
def expire(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Mark every open referral past its expiry expired (each logged)."""
    with deployment(home, database_url) as confide:
        count = Referrals(confide).expire_due()
    say(f"expired {count} referral(s)")
