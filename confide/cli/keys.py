"""``confide keys``: rotate and retire key-encryption keys without re-encrypting data."""

from __future__ import annotations

from typing import Annotated

import typer

from confide.cli.common import DatabaseOption, HomeOption, fail, opened, out, settings_from
from confide.crypto import FileKeyProvider, retire_kek, rotate_key_file
from confide.errors import ConfideError

app = typer.Typer(help="Key-encryption keys.", no_args_is_help=True)


@app.command("rotate")
def rotate(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Add a new KEK to the key file and re-wrap every data key under it."""
    settings = settings_from(home, database_url)
    try:
        new_id = rotate_key_file(settings.key_file)
    except ConfideError as exc:
        fail(str(exc))
    with opened(home, database_url) as confide:
        rewrapped = confide.vault.keyring.rewrap_all()
        with confide.db.transaction() as conn:
            confide.log.append(conn, {"kind": "key.rotated", "kek": new_id, "rewrapped": rewrapped})
    out.print(f"new KEK {new_id}; re-wrapped {rewrapped} data key(s); no field re-encrypted",
              markup=False)  # fmt: skip


@app.command("retire")
def retire(
    key_id: Annotated[str, typer.Argument(help="The KEK id to remove from the key file.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Remove an old KEK from the key file once no data key needs it."""
    with opened(home, database_url) as confide:
        in_use = confide.vault.keyring.kek_ids_in_use()
        if key_id in in_use:
            fail(f"KEK {key_id} still wraps data keys; run `confide keys rotate` first")
        try:
            retire_kek(confide.settings.key_file, key_id)
        except ConfideError as exc:
            fail(str(exc))
        FileKeyProvider(confide.settings.key_file)
        with confide.db.transaction() as conn:
            confide.log.append(conn, {"kind": "key.retired", "kek": key_id})
    out.print(f"retired KEK {key_id}", markup=False)
