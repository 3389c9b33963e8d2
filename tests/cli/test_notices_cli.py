"""``confide notices build`` as a real subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import confide.policy as policy_api
from confide.notices.build import noticed_orgs
from confide.storage import Settings


def run(
    settings: Settings, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "confide",
            "notices",
            "build",
            *args,
            "--home",
            str(settings.home),
            "--database-url",
            settings.database_url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**base, **(env or {})},
    )


def test_build_one_notice_as_pdf(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run(
        settings,
        "--org",
        "st-marys-clinic",
        "--lang",
        "ar",
        "--out",
        str(out),
        "--format",
        "pdf",
        "--base-url",
        "https://help.example.org/",
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "card.pdf",
        "notice.pdf",
        "poster.pdf",
        "qr.svg",
    ]
    for name in ("card.pdf", "notice.pdf", "poster.pdf"):
        assert (out / name).read_bytes().startswith(b"%PDF-")
    assert "https://help.example.org/report/ar?org=st-marys-clinic" in (out / "qr.svg").read_text()
    assert "no checkpoint yet" in done.stderr  # says so rather than inventing one


def test_build_every_organisation_in_one_language(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "all"
    done = run(
        settings,
        "--org",
        "all",
        "--lang",
        "en",
        "--out",
        str(out),
        "--format",
        "html",
        env={"CONFIDE_PUBLIC_URL": "https://from-env.example.org"},
    )
    assert done.returncode == 0, done.stderr
    expected = noticed_orgs(policy_api.load(policy_api.baseline_path()))
    assert "st-marys-clinic" in expected
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    assert not (out / "national-immigration-authority").exists()
    clinic = out / "st-marys-clinic" / "en"
    assert sorted(p.name for p in clinic.iterdir()) == [
        "card.html",
        "notice.html",
        "poster.html",
        "qr.svg",
    ]
    assert (
        "https://from-env.example.org/report/en?org=st-marys-clinic"
        in (clinic / "qr.svg").read_text()
    )


BAD = (
    ("no-such-org", "en", "no notice for organisation 'no-such-org'"),
    ("national-immigration-authority", "en", "immigration enforcement"),
    ("../../escape", "en", "no notice for organisation"),
    ("st-marys-clinic", "xx", "no notices in language 'xx'"),
    ("st-marys-clinic", "../../../tmp", "no notices in language"),
)


def test_bad_org_or_language_is_refused_before_any_path(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    for org, lang, message in BAD:
        done = run(settings, "--org", org, "--lang", lang, "--out", str(out), "--format", "html")
        assert done.returncode == 1, (org, lang)
        assert message in done.stderr, (org, lang, done.stderr)
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "deep").exists()
        assert not (tmp_path / "escape").exists()


def test_refuses_to_write_over_a_file(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep me")
    done = run(
        settings,
        "--org",
        "st-marys-clinic",
        "--lang",
        "en",
        "--out",
        str(target),
        "--format",
        "html",
    )
    assert done.returncode == 1
    assert "is not a directory" in done.stderr
    assert target.read_text() == "keep me"


def test_bad_format_and_base_url(settings: Settings, tmp_path: Path) -> None:
    done = run(
        settings,
        "--org",
        "st-marys-clinic",
        "--lang",
        "en",
        "--out",
        str(tmp_path),
        "--format",
        "docx",
    )
    assert done.returncode == 1 and "--format" in done.stderr
    done = run(
        settings,
        "--org",
        "st-marys-clinic",
        "--lang",
        "en",
        "--out",
        str(tmp_path),
        "--base-url",
        "javascript:alert(1)",
    )
    assert done.returncode == 1 and "public URL" in done.stderr


def test_the_command_line_names_the_same_settings_as_the_notices() -> None:
    import confide.cli.notices as cli
    from confide.notices.build import FORMATS
    from confide.notices.view import PUBLIC_URL_ENV

    assert cli.PUBLIC_URL_ENV == PUBLIC_URL_ENV
    assert cli.FORMATS == FORMATS
