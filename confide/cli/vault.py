"""``confide vault``: store, read, search, export, forget and purge records.

Every read goes through the policy engine and the transparency log, as it does over the API.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from confide.cli.common import DatabaseOption, HomeOption, fail, opened, out
from confide.vault import purge as purge_records

app = typer.Typer(help="The encrypted vault.", no_args_is_help=True)


def _pairs(values: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        category, sep, value = item.partition("=")
        if not sep or not category:
            # Never echo what was typed: it may be the very value (a name) being stored.
            fail("--set takes CATEGORY=VALUE, for example --set identity.name=…")
        if category in parsed:
            fail(f"--set {category} is given twice")
        parsed[category] = value
    return parsed


@app.command("put")
def put(
    holder: Annotated[str, typer.Option("--holder", help="The organisation that holds it.")],
    subject: Annotated[str, typer.Option("--subject", help="The person's opaque reference.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why it was collected.")],
    values: Annotated[list[str], typer.Option("--set", help="CATEGORY=VALUE, once per field.")],
    role: Annotated[
        str | None, typer.Option("--role", help="Acting role (default: the sector's).")
    ] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Store a record and print its id."""
    fields = _pairs(values)
    with opened(home, database_url) as confide:
        record_id = confide.vault.put(
            holder=holder, subject=subject, purpose=purpose, values=fields, role=role
        )
    out.print(record_id, markup=False)


@app.command("get")
def get(
    record_id: Annotated[str, typer.Argument(help="The record id `vault put` printed.")],
    requester: Annotated[str, typer.Option("--as", help="The organisation asking.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why it is asking.")],
    role: Annotated[
        str | None, typer.Option("--role", help="Acting role (default: the sector's).")
    ] = None,
    holder: Annotated[
        str | None, typer.Option("--holder", help="Whose record (default: the asker's own).")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="Only these categories.")
    ] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print the permitted fields as JSON, or the deny answer. Exit 0 either way."""
    with opened(home, database_url) as confide:
        disclosure = confide.vault.read(
            record_id,
            requester=requester,
            purpose=purpose,
            role=role,
            holder=holder,
            categories=field or None,
        )
    out.print(json.dumps(disclosure.to_json(), indent=2, ensure_ascii=False), markup=False)


@app.command("search")
def search(
    requester: Annotated[str, typer.Option("--as", help="The organisation asking.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why it is asking.")],
    category: Annotated[str, typer.Option("--category", help="An identifying category.")],
    value: Annotated[str, typer.Option("--value", help="The value to look for.")],
    role: Annotated[str | None, typer.Option("--role")] = None,
    holder: Annotated[str | None, typer.Option("--holder")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Find records by an identifying field through the holder's blind index."""
    with opened(home, database_url) as confide:
        result = confide.vault.search(
            requester=requester,
            purpose=purpose,
            category=category,
            value=value,
            role=role,
            holder=holder,
        )
    out.print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), markup=False)


@app.command("export")
def export(
    subject: Annotated[str, typer.Argument(help="The person's opaque reference.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Everything held about the person, as JSON (their right of access, I7)."""
    with opened(home, database_url) as confide:
        data = confide.vault.export(subject)
    out.print(json.dumps(data, indent=2, ensure_ascii=False), markup=False)


@app.command("forget")
def forget(
    subject: Annotated[str, typer.Argument(help="The person's opaque reference.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Destroy the person's key and records; a tombstone with no personal data remains."""
    with opened(home, database_url) as confide:
        report = confide.vault.forget(subject)
    out.print(
        f"forgotten: {report.records} record(s), {report.fields} field(s); data key "
        + ("destroyed" if report.key_destroyed else "was already gone"),
        markup=False,
    )


@app.command("purge")
def purge(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Delete every record past its purpose's retention period, and report counts."""
    with opened(home, database_url) as confide:
        report = purge_records(confide.vault)
    out.print(
        f"purged {report.records} record(s) and {report.fields} field(s); "
        f"{report.subjects_forgotten} subject key(s) destroyed",
        markup=False,
    )
    for purpose, count in sorted(report.by_purpose.items()):
        out.print(f"  {purpose}: {count}", markup=False)
