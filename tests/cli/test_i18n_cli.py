"""``confide i18n``, run as a real subprocess: ``missing`` counts and lists what translators
still have to do; ``extract`` regenerates the templates and keeps the translations."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from confide.i18n import LANGUAGES, LOCALES

REPOSITORY = Path(__file__).resolve().parents[2]
TARGETS = [code for code in LANGUAGES if code != "en"]


def confide(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confide", "i18n", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def counts(output: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^(\w+) \(.*\): (\d+) missing$", output, re.MULTILINE)
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what extraction reads: babel.cfg, the public pages, the catalogs."""
    root = tmp_path / "repo"
    (root / "confide" / "web").mkdir(parents=True)
    shutil.copy(REPOSITORY / "babel.cfg", root / "babel.cfg")
    shutil.copy(REPOSITORY / "confide" / "web" / "public.py", root / "confide" / "web")
    shutil.copytree(
        REPOSITORY / "confide" / "web" / "templates" / "public",
        root / "confide" / "web" / "templates" / "public",
    )
    shutil.copytree(LOCALES, root / "confide" / "i18n" / "locales")
    return root


def po(root: Path, lang: str) -> Path:
    return root / "confide" / "i18n" / "locales" / lang / "LC_MESSAGES" / "reporting.po"


def test_missing_prints_a_count_for_every_language() -> None:
    ran = confide("missing")
    assert ran.returncode == 0, ran.stderr
    assert set(counts(ran.stdout)) == set(TARGETS)
    reporting = confide("missing", "--domain", "reporting")
    assert reporting.returncode == 0
    assert counts(reporting.stdout) == dict.fromkeys(TARGETS, 0)
    one = confide("missing", "--lang", "ti", "--domain", "reporting")
    assert one.stdout.strip() == "ti (Tigrinya): 0 missing"


def test_missing_lists_untranslated_and_fuzzy_strings(checkout: Path) -> None:
    path = po(checkout, "so")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="so", domain="reporting")
    catalog["Report safely"].string = ""
    catalog["Send my report"].flags.add("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog)
    ran = confide("missing", "--lang", "so", "--domain", "reporting", "--root", str(checkout))
    assert ran.returncode == 0
    assert counts(ran.stdout) == {"so": 2}
    assert "  [reporting] Report safely\n" in ran.stdout
    assert "  [reporting] Send my report\n" in ran.stdout


def test_missing_refuses_an_unknown_language_or_domain() -> None:
    assert confide("missing", "--lang", "xx").returncode == 2
    assert confide("missing", "--domain", "staff").returncode == 2


def test_extract_regenerates_the_template_and_keeps_translations(checkout: Path) -> None:
    pot = checkout / "confide" / "i18n" / "locales" / "reporting.pot"
    before = pot.read_text(encoding="utf-8")
    ran = confide("extract", "--domain", "reporting", "--root", str(checkout))
    assert ran.returncode == 0, ran.stderr
    assert pot.read_text(encoding="utf-8") == before  # the committed template is current
    for lang in TARGETS:
        assert f"  {lang}: " in ran.stdout and ", 0 to do" in ran.stdout

    # A new sentence on a page: extracted, and to do in every language.
    page = checkout / "confide" / "web" / "templates" / "public" / "withdrawn.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("{% endblock %}", '<p>{{ _("A brand new sentence.") }}</p>\n{% endblock %}'),
        encoding="utf-8",
    )
    ran = confide("extract", "--domain", "reporting", "--root", str(checkout))
    assert ran.returncode == 0, ran.stderr
    assert 'msgid "A brand new sentence."' in pot.read_text(encoding="utf-8")
    missing = confide("missing", "--domain", "reporting", "--root", str(checkout))
    assert counts(missing.stdout) == dict.fromkeys(TARGETS, 1)
    assert "  [reporting] A brand new sentence.\n" in missing.stdout
    with po(checkout, "es").open("rb") as fh:
        spanish = read_po(fh, locale="es", domain="reporting")
    kept = spanish.get("Report safely")
    assert kept is not None and kept.string and not kept.fuzzy


def test_extract_needs_babel_cfg(tmp_path: Path) -> None:
    ran = confide("extract", "--root", str(tmp_path))
    assert ran.returncode == 1
    assert "babel.cfg" in ran.stderr
