"""``confide notices``: know-your-rights notices, posters and wallet cards from the live policy.

``confide notices build --org ORG --lang LANG --out DIR`` writes notice, poster and card
(HTML and PDF) and the QR code into DIR; ``--org all`` and ``--lang all`` build every
organisation and language into DIR/ORG/LANG/. ORG and LANG are checked against the policy
in force and the supported languages before either becomes part of a path.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from confide.cli.common import DatabaseOption, HomeOption, err, fail, opened, out
from confide.errors import ConfideError
from confide.i18n import LANGUAGES

# The renderers (Jinja, WeasyPrint, the web layer) are imported when a notice is built, not
# when any ``confide`` command starts: they cost about a second of start-up.
#: Kept equal to ``confide.notices.view.PUBLIC_URL_ENV`` (a test checks).
PUBLIC_URL_ENV = "CONFIDE_PUBLIC_URL"
FORMATS = ("html", "pdf", "both")

__all__ = ["app"]

app = typer.Typer(
    help="Know-your-rights notices, posters and wallet cards, made from the live policy.",
    no_args_is_help=True,
)

ALL = "all"


@app.command("build")
def build(
    org: Annotated[
        str, typer.Option("--org", help="The organisation's id in the policy, or `all`.")
    ],
    lang: Annotated[
        str,
        typer.Option("--lang", help=f"A language ({', '.join(LANGUAGES)}), or `all`."),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="The directory to write into.")],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help=f"The deployment's public URL for the QR code (default: ${PUBLIC_URL_ENV}, "
            "else http://127.0.0.1:8000).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or both (default).")] = "both",
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write notice, poster and card (.html and .pdf) and qr.svg for ORG in LANG."""
    from confide.notices.build import Format, check_lang, check_org, noticed_orgs  # noqa: PLC0415
    from confide.notices.build import write_documents as write  # noqa: PLC0415
    from confide.notices.proof import latest  # noqa: PLC0415
    from confide.notices.view import public_url  # noqa: PLC0415

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    chosen: Format = "html" if fmt == "html" else "pdf" if fmt == "pdf" else "both"
    try:
        base = public_url(base_url)
    except ConfideError as exc:
        fail(str(exc))
    with opened(home, database_url) as confide:
        policy = confide.policy
        orgs = noticed_orgs(policy) if org == ALL else [check_org(policy, org)]
        langs = list(LANGUAGES) if lang == ALL else [check_lang(lang)]
        facts = latest(confide.log)
        if facts is None:
            err.print(
                "note: the log has no checkpoint yet, so the notices say none is published; "
                "run `confide log checkpoint` first to cite one",
                markup=False,
            )
        nested = ALL in (org, lang)
        started = time.perf_counter()
        count = 0
        for org_id in orgs:
            for code in langs:
                target = out_dir / org_id / code if nested else out_dir
                written = write(
                    target, policy, org_id, code, base_url=base, checkpoint=facts, fmt=chosen
                )
                count += len(written)
                out.print(f"{org_id} {code}: {len(written)} files in {target}", markup=False)
        elapsed = time.perf_counter() - started
        out.print(
            f"wrote {count} files for {len(orgs)} organisation(s) in {len(langs)} "
            f"language(s) in {elapsed:.1f}s (policy {policy.hash})",
            markup=False,
        )
