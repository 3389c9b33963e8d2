"""``confide consent``: the person's consents (docs/consent.md).

Staff name the organisation acting with ``--org`` (a party to the consent) or the person
with ``--subject``. A consent that is not theirs answers "not found", exactly as one that
does not exist.
"""

from __future__ import annotations

import json
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
    list_table,
    print_json,
    print_table,
    say,
    when,
)
from confide.cli.common import DatabaseOption, HomeOption, err, fail, operator
from confide.consent.consents import DEFAULT_DAYS as CONSENT_DAYS
from confide.consent.consents import MAX_TEXT_CHARS, ConsentBook, receipt
from confide.consent.model import Consent
from confide.runtime import Confide

__all__ = ["app"]

app = typer.Typer(
    help="The person's consents: give, list, show, receipt, withdraw.", no_args_is_help=True
)


def _show_consent(consent: Consent) -> None:
    rows: list[tuple[str, object]] = [
        ("consent", consent.id),
        ("state", consent.state()),
        ("from", consent.holder),
        ("to", consent.recipient),
        ("purpose", consent.purpose),
        ("data", ", ".join(consent.categories)),
        ("given", when(consent.given_at)),
        ("expires", when(consent.expires_at)),
    ]
    if consent.withdrawn_at is not None:
        rows.append(("withdrawn", f"{when(consent.withdrawn_at)} by {consent.withdrawn_by}"))
    fields(rows)
    if consent.text is None:
        say("The text she was shown is gone: it was sealed under her key, now destroyed.")
        return
    say(f"The person was shown ({consent.language}):")
    for line in consent.text.splitlines():
        say(f"  {line}")


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(4 * MAX_TEXT_CHARS + 1)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")


def _get_consent(
    confide: Confide, consent_id: str, org: str | None, subject: str | None
) -> Consent:
    book = ConsentBook(confide)
    if org is not None:
        return book.get(consent_id, org=known_org(confide, org))
    assert subject is not None
    return book.get(consent_id, subject=_pseudonym(confide, subject))


def _one_party(org: str | None, subject: str | None) -> None:
    if (org is None) == (subject is None):
        fail("name either --org ORG (a party to it) or --subject REF (the person), not both")


def _pseudonym(confide: Confide, subject: str) -> str:
    if not subject.strip():
        fail("--subject is the person's reference at the service")
    return confide.vault.keyring.pseudonym(subject)


@app.command("give")
def give(
    holder: Annotated[str, typer.Option("--holder", help="The service holding her data.")],
    recipient: Annotated[str, typer.Option("--to", help="The service it may go to.")],
    purpose: Annotated[str, typer.Option("--purpose", help="One specific purpose.")],
    categories: Annotated[
        list[str], typer.Option("--category", help="A data category it covers; repeat.")
    ],
    subject: Annotated[str, typer.Option("--subject", help="Her reference at the holder.")],
    language: Annotated[str, typer.Option("--language", help="The language she read.")] = "en",
    days: Annotated[int, typer.Option("--days", help="How long it lasts.")] = CONSENT_DAYS,
    text_file: Annotated[
        Path | None,
        typer.Option("--text-file", help="The words she was shown (default: Confide's)."),
    ] = None,
    as_json: JsonOption = False,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Record her consent; print it and the words she was shown (--json: her receipt)."""
    text = _read_text(text_file) if text_file is not None else None
    with deployment(home, database_url) as confide:
        consent = ConsentBook(confide).give(
            holder=holder,
            recipient=recipient,
            purpose=purpose,
            categories=categories,
            language=language,
            recorded_by=operator(by),
            subject=subject,
            text=text,
            days=days,
        )
        document = receipt(consent, confide.policy)
    if as_json:
        print_json(document)
    else:
        _show_consent(consent)


@app.command("list")
def list_consents(
    org: Annotated[str | None, typer.Option("--org", help="Held or received by.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="The person's.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The consents an organisation holds or receives data under, or a person's."""
    _one_party(org, subject)
    with deployment(home, database_url) as confide:
        book = ConsentBook(confide)
        if org is not None:
            found = book.for_org(known_org(confide, org))
        else:
            assert subject is not None
            found = book.for_subject(_pseudonym(confide, subject))
        tax = confide.policy.policy.taxonomy
    if as_json:
        print_json([c.summary() for c in found])
        return
    table = list_table()
    for c in found:
        table.add_row(
            c.id,
            c.holder,
            c.recipient,
            c.purpose,
            brief(tax, c.categories),
            c.state(),
            f"{c.expires_at:%Y-%m-%d}",
        )
    print_table(table)


@app.command("show")
def show_consent(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    org: Annotated[str | None, typer.Option("--org", help="A party to it.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="The person.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One consent and the words the person was shown."""
    _one_party(org, subject)
    with deployment(home, database_url) as confide:
        consent = _get_consent(confide, consent_id, org, subject)
    if as_json:
        print_json({**consent.summary(), "text": consent.text})
    else:
        _show_consent(consent)


@app.command("receipt")
def consent_receipt(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    org: Annotated[str | None, typer.Option("--org", help="A party to it.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="The person.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write it to this file.")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The person's machine-readable consent receipt (JSON)."""
    _one_party(org, subject)
    with deployment(home, database_url) as confide:
        document = receipt(_get_consent(confide, consent_id, org, subject), confide.policy)
    if out_file is None:
        print_json(document)
        return
    try:
        out_file.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror}")
    err.print(f"wrote the receipt of consent {consent_id} to {out_file}", markup=False)


@app.command("withdraw")
def withdraw_consent(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Withdraw a consent on the person's behalf; its open referrals are withdrawn too."""
    with deployment(home, database_url) as confide:
        book = ConsentBook(confide)
        already = book.get(consent_id, org=known_org(confide, org)).withdrawn_at is not None
        consent = book.withdraw(consent_id, by="staff", org=org)
    if already:
        say(f"consent {consent.id} was already withdrawn ({when(consent.withdrawn_at)})")
        return
    say(
        f"withdrew consent {consent.id}: nothing more is shared under it, and the referrals "
        "resting on it are withdrawn"
    )
