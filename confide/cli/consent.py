"""``confide consent``, ``confide referral`` and ``confide agreement`` (docs/consent.md).

Staff act for the organisation named by ``--org``. The library shows a consent or a
referral only to a party to it and answers "not found" to anyone else, exactly as for one
that does not exist, so a wrong ``--org`` never confirms that something is there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from confide.cli.common import DatabaseOption, HomeOption, err, opened, out
from confide.consent.agreements import Agreements
from confide.consent.consents import DEFAULT_DAYS as CONSENT_DAYS
from confide.consent.consents import MAX_TEXT_CHARS, ConsentBook, receipt
from confide.consent.model import AGREEMENT_STATES, REFERRAL_STATES, Agreement, Consent, Referral
from confide.consent.referrals import DEFAULT_DAYS as REFERRAL_DAYS
from confide.consent.referrals import Referrals
from confide.errors import ConfideError, PolicyError, PolicyProblem
from confide.policy.source import parse_yaml
from confide.runtime import Confide
from confide.taxonomy import Taxonomy

__all__ = ["agreement_app", "consent_app", "referral_app"]

consent_app = typer.Typer(
    help="The person's consents: give, list, show, receipt, withdraw.", no_args_is_help=True
)
referral_app = typer.Typer(
    help="Referrals between services, resting on a consent.", no_args_is_help=True
)
agreement_app = typer.Typer(help="Data-sharing agreements made at run time.", no_args_is_help=True)

#: An agreement is a dozen lines of YAML; refuse anything larger before parsing it.
MAX_AGREEMENT_BYTES = 64 * 1024

OrgOption = Annotated[str, typer.Option("--org", help="The organisation acting (a policy id).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who records this (default: cli:$USER).")
]


# -- plumbing -------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    # What was typed reaches the message (an id, an org): never let it be read as markup,
    # nor ``agreement:x:`` as the emoji ``:x:``.
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, emoji=False)
    raise typer.Exit(1)


def _problems(head: str, problems: Sequence[PolicyProblem]) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(head)}", markup=True, emoji=False)
    for problem in problems:
        err.print(f"  {problem}", markup=False, emoji=False)
    raise typer.Exit(1)


@contextlib.contextmanager
def _deployment(home: Path | None, database_url: str | None) -> Iterator[Confide]:
    """:func:`opened`, with policy problems one per line and messages never taken as markup."""
    with opened(home, database_url) as confide:
        try:
            yield confide
        except PolicyError as exc:
            _problems("the policy refuses this", exc.problems)
        except ConfideError as exc:
            _fail(str(exc))


def _operator(by: str | None) -> str:
    if by is not None:
        if not by.strip():
            _fail("--by names who records this")
        return by.strip()
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _org(confide: Confide, org: str) -> str:
    if org not in confide.policy.policy.organisations:
        _fail(f"organisation {org!r} is not in the policy")
    return org


def _say(text: str) -> None:
    out.print(text, markup=False, emoji=False)


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _fields(pairs: Sequence[tuple[str, object]]) -> None:
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        _say(f"{name:<{width}}  {value}")


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def _brief(tax: Taxonomy, leaves: Sequence[str]) -> str:
    """Leaf categories, a whole top-level group (``identity``) named once."""
    left = list(leaves)
    shown: list[str] = []
    for top in dict.fromkeys(leaf.split(".", 1)[0] for leaf in leaves):
        group = tax.leaves("category", top) if top in tax.categories else ()
        if group and set(group) <= set(left):
            shown.append(top)
            left = [c for c in left if c not in group]
    return ", ".join(shown + left)


def _table() -> Table:
    """The consent and referral list: nothing cropped, however narrow the terminal."""
    return Table(
        # The id is what the other commands take: never shortened.
        Column("id", no_wrap=True, min_width=36),
        *(Column(c, overflow="fold", min_width=6) for c in ("from", "to", "purpose", "categories")),
        Column("state", no_wrap=True),
        Column("expires", no_wrap=True),
    )


def _print_table(table: Table) -> None:
    if out.is_terminal:
        out.print(table)
        return
    # Piped, rich assumes 80 columns and would fold every name: print at the table's width.
    width = out.measure(table, options=out.options.update_width(1000)).maximum
    Console(file=out.file, width=width, highlight=False).print(table)


def _state(value: str | None, states: Sequence[str]) -> str | None:
    if value is not None and value not in states:
        _fail(f"--state is one of {', '.join(states)}, not {value!r}")
    return value


# -- consents -------------------------------------------------------------------------------


def _show_consent(consent: Consent) -> None:
    rows: list[tuple[str, object]] = [
        ("consent", consent.id),
        ("state", consent.state()),
        ("from", consent.holder),
        ("to", consent.recipient),
        ("purpose", consent.purpose),
        ("data", ", ".join(consent.categories)),
        ("given", _when(consent.given_at)),
        ("expires", _when(consent.expires_at)),
    ]
    if consent.withdrawn_at is not None:
        rows.append(("withdrawn", f"{_when(consent.withdrawn_at)} by {consent.withdrawn_by}"))
    _fields(rows)
    if consent.text is None:
        _say("The text she was shown is gone: it was sealed under her key, now destroyed.")
        return
    _say(f"The person was shown ({consent.language}):")
    for line in consent.text.splitlines():
        _say(f"  {line}")


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(4 * MAX_TEXT_CHARS + 1)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text")


def _get_consent(
    confide: Confide, consent_id: str, org: str | None, subject: str | None
) -> Consent:
    book = ConsentBook(confide)
    if org is not None:
        return book.get(consent_id, org=_org(confide, org))
    assert subject is not None
    return book.get(consent_id, subject=_pseudonym(confide, subject))


def _one_party(org: str | None, subject: str | None) -> None:
    if (org is None) == (subject is None):
        _fail("name either --org ORG (a party to it) or --subject REF (the person), not both")


def _pseudonym(confide: Confide, subject: str) -> str:
    if not subject.strip():
        _fail("--subject is the person's reference at the service")
    return confide.vault.keyring.pseudonym(subject)


@consent_app.command("give")
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
    with _deployment(home, database_url) as confide:
        consent = ConsentBook(confide).give(
            holder=holder,
            recipient=recipient,
            purpose=purpose,
            categories=categories,
            language=language,
            recorded_by=_operator(by),
            subject=subject,
            text=text,
            days=days,
        )
        document = receipt(consent, confide.policy)
    if as_json:
        _json(document)
    else:
        _show_consent(consent)


@consent_app.command("list")
def list_consents(
    org: Annotated[str | None, typer.Option("--org", help="Held or received by.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="The person's.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The consents an organisation holds or receives data under, or a person's."""
    _one_party(org, subject)
    with _deployment(home, database_url) as confide:
        book = ConsentBook(confide)
        if org is not None:
            found = book.for_org(_org(confide, org))
        else:
            assert subject is not None
            found = book.for_subject(_pseudonym(confide, subject))
        tax = confide.policy.policy.taxonomy
    if as_json:
        _json([c.summary() for c in found])
        return
    table = _table()
    for c in found:
        table.add_row(
            c.id,
            c.holder,
            c.recipient,
            c.purpose,
            _brief(tax, c.categories),
            c.state(),
            f"{c.expires_at:%Y-%m-%d}",
        )
    _print_table(table)


@consent_app.command("show")
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
    with _deployment(home, database_url) as confide:
        consent = _get_consent(confide, consent_id, org, subject)
    if as_json:
        _json({**consent.summary(), "text": consent.text})
    else:
        _show_consent(consent)


@consent_app.command("receipt")
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
    with _deployment(home, database_url) as confide:
        document = receipt(_get_consent(confide, consent_id, org, subject), confide.policy)
    if out_file is None:
        _json(document)
        return
    try:
        out_file.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        _fail(f"cannot write {out_file}: {exc.strerror}")
    err.print(f"wrote the receipt of consent {consent_id} to {out_file}", markup=False)


@consent_app.command("withdraw")
def withdraw_consent(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Withdraw a consent on the person's behalf; its open referrals are withdrawn too."""
    with _deployment(home, database_url) as confide:
        book = ConsentBook(confide)
        already = book.get(consent_id, org=_org(confide, org)).withdrawn_at is not None
        consent = book.withdraw(consent_id, by="staff", org=org)
    if already:
        _say(f"consent {consent.id} was already withdrawn ({_when(consent.withdrawn_at)})")
        return
    _say(
        f"withdrew consent {consent.id}: nothing more is shared under it, and the referrals "
        "resting on it are withdrawn"
    )


# -- referrals ------------------------------------------------------------------------------


def _show_referral(referral: Referral) -> None:
    _fields(
        [
            ("referral", referral.id),
            ("state", referral.state),
            ("from", referral.holder),
            ("to", referral.recipient),
            ("purpose", referral.purpose),
            ("data", ", ".join(referral.categories)),
            ("consent", referral.consent_id),
            ("created", _when(referral.created_at)),
            ("updated", _when(referral.updated_at)),
            ("expires", _when(referral.expires_at)),
        ]
    )


@referral_app.command("offer")
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
    with _deployment(home, database_url) as confide:
        referral = Referrals(confide).offer(
            holder=_org(confide, holder),
            recipient=_org(confide, recipient),
            consent=consent,
            categories=categories or None,
            days=days,
            created_by=_operator(by),
        )
    if as_json:
        _json(referral.summary())
    else:
        _show_referral(referral)


@referral_app.command("list")
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
    with _deployment(home, database_url) as confide:
        found = Referrals(confide).for_org(_org(confide, org), state=_state(state, REFERRAL_STATES))
        tax = confide.policy.policy.taxonomy
    if as_json:
        _json([r.summary() for r in found])
        return
    table = _table()
    for r in found:
        table.add_row(
            r.id,
            r.holder,
            r.recipient,
            r.purpose,
            _brief(tax, r.categories),
            r.state,
            f"{r.expires_at:%Y-%m-%d}",
        )
    _print_table(table)


@referral_app.command("show")
def show_referral(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One referral."""
    with _deployment(home, database_url) as confide:
        referral = Referrals(confide).get(referral_id, org=_org(confide, org))
    if as_json:
        _json(referral.summary())
    else:
        _show_referral(referral)


def _move(referral_id: str, state: str, org: str, home: Path | None, url: str | None) -> None:
    with _deployment(home, url) as confide:
        referral = Referrals(confide).move(referral_id, state, org=_org(confide, org))
    _say(f"referral {referral.id} is {referral.state}")


@referral_app.command("accept")
def accept(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service takes the person on; it may then read what the referral lists."""
    _move(referral_id, "accepted", org, home, database_url)


@referral_app.command("decline")
def decline(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service cannot take the person on."""
    _move(referral_id, "declined", org, home, database_url)


@referral_app.command("complete")
def complete(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The receiving service has finished; nothing more is read under the referral."""
    _move(referral_id, "completed", org, home, database_url)


@referral_app.command("withdraw")
def withdraw_referral(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    org: OrgOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The sending service takes the referral back."""
    _move(referral_id, "withdrawn", org, home, database_url)


@referral_app.command("read")
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
    with _deployment(home, database_url) as confide:
        disclosures = Referrals(confide).read(referral_id, org=_org(confide, org), role=role)
    denied = [d for d in disclosures if not d.permitted]
    if as_json:
        _json([d.to_json() for d in disclosures])
    else:
        for d in disclosures:
            if d.permitted:
                _say(f"record {d.record_id}: permit ({', '.join(d.decision.rules)})")
                for category, value in d.values.items():
                    _say(f"  {category}: {value}")
                if not d.values:
                    _say("  (none of the listed fields is on this record)")
            else:
                # A deny never names the record (I6).
                _say("deny")
                for reason in d.decision.reasons:
                    _say(f"  - {reason}")
    if not disclosures:
        err.print("the sending service holds no records about the person", markup=False)
    if denied:
        _fail(f"{len(denied)} of {len(disclosures)} read(s) denied under referral {referral_id}")


@referral_app.command("expire")
def expire(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Mark every open referral past its expiry expired (each logged)."""
    with _deployment(home, database_url) as confide:
        count = Referrals(confide).expire_due()
    _say(f"expired {count} referral(s)")


# -- agreements -----------------------------------------------------------------------------


def _read_agreement(source: Path) -> dict[str, Any]:
    try:
        with source.open("rb") as handle:
            raw = handle.read(MAX_AGREEMENT_BYTES + 1)
    except OSError as exc:
        _fail(f"cannot read {source}: {exc.strerror}")
    if len(raw) > MAX_AGREEMENT_BYTES:
        _fail(f"{source} is larger than {MAX_AGREEMENT_BYTES} bytes; is it an agreement?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _fail(f"{source} is not UTF-8 text")
    try:
        located = parse_yaml(text, str(source))
    except PolicyError as exc:
        _problems(f"{source} does not read as an agreement", exc.problems)
    if located.problems:
        _problems(f"{source} does not read as an agreement", located.problems)
    if not isinstance(located.data, dict):
        _fail(
            f"{source}: an agreement is a YAML mapping with id, from, to, purposes, "
            "categories, owner, expires and review (docs/consent.md)"
        )
    return located.data


def _show_agreement(agreement: Agreement) -> None:
    summary = agreement.summary()
    review = agreement.review.isoformat() + (" (due)" if summary["review_due"] else "")
    rows: list[tuple[str, object]] = [
        ("agreement", agreement.id),
        ("state", summary["state"]),
        ("from", agreement.source),
        ("to", agreement.recipient),
        ("purposes", ", ".join(agreement.purposes)),
        ("categories", ", ".join(agreement.categories)),
        ("roles", ", ".join(agreement.roles) if agreement.roles is not None else "any"),
        ("when", agreement.condition or "always"),
        ("owner", agreement.owner),
        ("expires", agreement.expires.isoformat()),
        ("review", review),
        ("proposed", f"{_when(agreement.proposed_at)} by {agreement.proposed_by}"),
    ]
    if agreement.activated_at is not None:
        rows.append(("activated", f"{_when(agreement.activated_at)} by {agreement.activated_by}"))
    if agreement.retired_at is not None:
        rows.append(("retired", f"{_when(agreement.retired_at)} by {agreement.retired_by}"))
    if agreement.description:
        rows.append(("description", agreement.description))
    _fields(rows)


@agreement_app.command("propose")
def propose(
    source: Annotated[Path, typer.Argument(help="A YAML file: one agreement, policy shape.")],
    as_json: JsonOption = False,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Record a proposed agreement. It permits nothing until it is activated."""
    spec = _read_agreement(source)
    with _deployment(home, database_url) as confide:
        agreement = Agreements(confide).propose(spec, proposed_by=_operator(by))
    if as_json:
        _json(agreement.summary())
        return
    _show_agreement(agreement)
    _say(f"Next: `confide agreement check {agreement.id}`, then `activate` it.")


@agreement_app.command("list")
def list_agreements(
    org: Annotated[str | None, typer.Option("--org", help="Only where it is a party.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help=f"Only: {', '.join(AGREEMENT_STATES)}.")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Agreements made at run time, newest first (the policy file's are in the policy)."""
    with _deployment(home, database_url) as confide:
        if org is not None:
            _org(confide, org)
        found = Agreements(confide).list(org=org, state=_state(state, AGREEMENT_STATES))
    summaries = [a.summary() for a in found]
    if as_json:
        _json(summaries)
        return
    widest = max((len(s["id"]) for s in summaries), default=2)
    names = ("from", "to", "purposes", "categories")
    table = Table(
        Column("id", no_wrap=True, min_width=widest),
        *(Column(c, overflow="fold", min_width=6) for c in names),
        *(Column(name, no_wrap=True) for name in ("when", "state", "expires")),
    )
    for s in summaries:
        table.add_row(
            s["id"],
            s["from"],
            s["to"],
            ", ".join(s["purposes"]),
            ", ".join(s["categories"]),
            s["when"] or "always",
            s["state"] + (" (review due)" if s["review_due"] else ""),
            s["expires"],
        )
    _print_table(table)


@agreement_app.command("show")
def show_agreement(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One agreement."""
    with _deployment(home, database_url) as confide:
        agreement = Agreements(confide).get(agreement_id)
    if as_json:
        _json(agreement.summary())
    else:
        _show_agreement(agreement)


@agreement_app.command("check")
def check(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """What activating it would break, with the agreements already active. Exit 1 if any."""
    with _deployment(home, database_url) as confide:
        registry = Agreements(confide)
        problems = registry.check(agreement_id)
        state = registry.get(agreement_id).state
    if problems:
        _problems(f"agreement {agreement_id} cannot be activated", problems)
    if state == "proposed":
        _say(f"agreement {agreement_id} can be activated: the invariants hold with it")
    else:
        _say(f"agreement {agreement_id} is {state}; the invariants hold with it")


@agreement_app.command("activate")
def activate(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make it permit, after re-proving every invariant; a refusal names rule and path."""
    with _deployment(home, database_url) as confide:
        try:
            agreement = Agreements(confide).activate(agreement_id, by=_operator(by))
        except PolicyError as exc:
            _problems(
                f"agreement {agreement_id} is refused; nothing changed (the refusal is logged)",
                exc.problems,
            )
        policy = confide.policy.hash
    _say(f"agreement {agreement.id} is active; the policy in force is {policy}")


@agreement_app.command("retire")
def retire(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    org: Annotated[str | None, typer.Option("--org", help="The party retiring it.")] = None,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """End an agreement: it permits nothing from now on."""
    with _deployment(home, database_url) as confide:
        if org is not None:
            _org(confide, org)
        agreement = Agreements(confide).retire(agreement_id, by=_operator(by), org=org)
        policy = confide.policy.hash
    _say(f"agreement {agreement.id} is retired; the policy in force is {policy}")
