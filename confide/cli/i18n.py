"""`confide i18n …`: keep the message catalogs of the pages people read in step.

``extract`` reads the sources that ``babel.cfg`` names, sorts each file into its gettext
domain (:data:`DOMAIN_SOURCES`), writes ``locales/<domain>.pot`` and updates every
language's ``.po`` from it (Babel's ``update``: translations kept, changed strings marked
fuzzy). ``missing`` lists what translators still have to do. See docs/translating.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, cast

import typer
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from babel.util import pathmatch

from confide import __version__
from confide.cli.common import fail, out
from confide.i18n import DEFAULT_LANGUAGE, DOMAINS, LANGUAGES, LOCALES

app = typer.Typer(no_args_is_help=True, help="Message catalogs of the public pages.")

#: The repository that holds ``babel.cfg`` and the ``confide`` package's sources.
REPOSITORY: Final = Path(__file__).resolve().parents[2]
#: Which extracted files belong to which domain: the first domain with a matching pattern
#: (paths relative to the repository root, ``**`` spans directories). The promise macro sits
#: with the public pages but its words are the notices' (it is rendered on both).
DOMAIN_SOURCES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "notices",
        (
            "confide/notices/**",
            "confide/web/templates/notices/**",
            "confide/web/templates/public/_promise.html",
        ),
    ),
    ("reporting", ("confide/web/public.py", "confide/web/templates/public/**")),
    ("consent", ("confide/web/consent_pages.py", "confide/web/templates/consent/**")),
)
#: Only these top-level directories are searched (never .venv, node_modules or tests).
SOURCE_ROOTS: Final = frozenset({"confide"})

#: Babel's reader of babel.cfg, which it ships untyped: (method map, options map).
_parse_mapping = cast(
    "Callable[..., tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]]", parse_mapping_cfg
)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="The repository root with babel.cfg (default: this checkout)."),
]
DomainOption = Annotated[
    str | None, typer.Option("--domain", help=f"Only this domain: {', '.join(DOMAINS)}.")
]


def locales_of(root: Path) -> Path:
    return root / "confide" / "i18n" / "locales"


def template_path(locales: Path, domain: str) -> Path:
    return locales / f"{domain}.pot"


def catalog_path(locales: Path, lang: str, domain: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{domain}.po"


def domain_of(path: str) -> str | None:
    for domain, patterns in DOMAIN_SOURCES:
        if any(pathmatch(pattern, path) for pattern in patterns):
            return domain
    return None


def _domains(domain: str | None) -> tuple[str, ...]:
    if domain is None:
        return DOMAINS
    if domain not in DOMAINS:
        fail(f"unknown domain {domain!r}; choose one of {', '.join(DOMAINS)}", code=2)
    return (domain,)


def _languages(lang: str | None) -> tuple[str, ...]:
    targets = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
    if lang is None:
        return targets
    if lang == DEFAULT_LANGUAGE:
        fail(f"{lang} is the source language: the msgids are English", code=2)
    if lang not in LANGUAGES:
        fail(f"unknown language {lang!r}; choose one of {', '.join(targets)}", code=2)
    return (lang,)


def _read(path: Path, lang: str | None, domain: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, ignore_obsolete=True, include_previous=False)


# -- extract ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    path: str
    line: int
    message: str | tuple[str, ...]
    comments: tuple[str, ...]
    context: str | None


def extract_sources(root: Path) -> Iterator[Found]:
    """Every translatable string under ``root`` that ``root/babel.cfg`` maps."""
    config = root / "babel.cfg"
    if not config.is_file():
        fail(f"no babel.cfg in {root}; run this from a checkout of Confide (or give --root)")
    with config.open(encoding="utf-8") as fh:
        method_map, options_map = _parse_mapping(fh, filename=str(config))

    def descend(path: str) -> bool:
        relative = Path(path).relative_to(root)
        name = relative.name
        if name.startswith((".", "_")) or name == "node_modules":
            return False
        return relative.parts[0] in SOURCE_ROOTS

    for path, line, message, comments, context in extract_from_dir(
        root, method_map, options_map, directory_filter=descend
    ):
        yield Found(path.replace(os.sep, "/"), line, message, tuple(comments), context)


def build_templates(found: Iterable[Found]) -> dict[str, Catalog]:
    """One template catalog per domain, in file and line order (stable diffs)."""
    templates = {
        domain: Catalog(
            domain=domain,
            project="Confide",
            version=__version__,
            copyright_holder="Confide contributors",
            header_comment=(
                f"# Template for the {domain!r} messages of Confide.\n"
                "# Generated by `confide i18n extract`; do not edit by hand."
            ),
            fuzzy=False,
        )
        for domain in DOMAINS
    }
    for item in sorted(found, key=lambda f: (f.path, f.line)):
        domain = domain_of(item.path)
        if domain is None:
            continue
        templates[domain].add(
            item.message,
            None,
            [(item.path, item.line)],
            auto_comments=item.comments,
            context=item.context,
        )
    return templates


def _same_messages(old: Catalog, new: Catalog) -> bool:
    def key(catalog: Catalog) -> list[tuple[object, ...]]:
        return [(m.id, m.context, tuple(m.locations), tuple(m.auto_comments)) for m in catalog]

    return key(old) == key(new)


def update_catalog(path: Path, template: Catalog, lang: str, domain: str) -> tuple[int, int]:
    """Bring ``path`` in line with ``template``; (translated, to do) afterwards."""
    if path.exists():
        catalog = _read(path, lang, domain)
    else:
        catalog = Catalog(locale=lang, domain=domain, project="Confide", version=__version__)
    catalog.update(template, update_header_comment=False)
    _write(path, catalog)
    todo = len(missing_in(template, catalog))
    return len([m for m in template if m.id]) - todo, todo


@app.command("extract")
def extract(root: RootOption = None, domain: DomainOption = None) -> None:
    """Regenerate the .pot files from the sources and update every language's .po."""
    base = (root or REPOSITORY).resolve()
    locales = locales_of(base)
    templates = build_templates(extract_sources(base))
    for name in _domains(domain):
        template = templates[name]
        pot = template_path(locales, name)
        if pot.exists() and _same_messages(_read(pot, None, name), template):
            template = _read(pot, None, name)  # unchanged: keep its dates, no churn
        else:
            _write(pot, template)
        count = len([m for m in template if m.id])
        out.print(f"{pot.relative_to(base)}: {count} messages", markup=False)
        for lang in _languages(None):
            done, todo = update_catalog(catalog_path(locales, lang, name), template, lang, name)
            out.print(f"  {lang}: {done} translated, {todo} to do", markup=False)


# -- missing ------------------------------------------------------------------------------


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings) and not message.fuzzy


def missing_in(template: Catalog | None, catalog: Catalog) -> list[Message]:
    """Messages of ``template`` (else of ``catalog`` itself) with no usable translation:
    absent, empty or fuzzy (a fuzzy one is shown in English, so it counts as missing)."""
    if template is None:
        return [m for m in catalog if m.id and not _translated(m)]
    todo: list[Message] = []
    for wanted in template:
        if not wanted.id:
            continue
        have = catalog.get(wanted.id, wanted.context)
        if have is None or not _translated(have):
            todo.append(wanted)
    return todo


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else " | ".join(message.id)


@app.command("missing")
def missing(
    lang: Annotated[str | None, typer.Option("--lang", help="Only this language.")] = None,
    domain: DomainOption = None,
    root: RootOption = None,
) -> None:
    """List the untranslated or fuzzy strings, per language and domain (exit code 0)."""
    locales = locales_of(root.resolve()) if root is not None else LOCALES
    for code in _languages(lang):
        found: list[tuple[str, Message]] = []
        for name in _domains(domain):
            pot = template_path(locales, name)
            template = _read(pot, None, name) if pot.exists() else None
            po = catalog_path(locales, code, name)
            catalog = _read(po, code, name) if po.exists() else Catalog(locale=code, domain=name)
            found.extend((name, m) for m in missing_in(template, catalog))
        language = LANGUAGES[code]
        out.print(f"{code} ({language.english}): {len(found)} missing", markup=False)
        for name, message in found:
            out.print(f"  [{name}] {_msgid(message)}", markup=False)
