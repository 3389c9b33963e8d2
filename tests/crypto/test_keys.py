"""Key file handling, data-key wrapping, rotation and re-wrapping."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto import (
    KEY_FILE_FORMAT,
    DecryptionError,
    FieldSealer,
    FileKeyProvider,
    create_key_file,
    load_key_file,
    new_data_key,
    retire_kek,
    rewrap,
    rotate_key_file,
    unwrap_data_key,
    wrap_data_key,
    wrapped_key_id,
)
from confide.errors import ConfigurationError, VerificationError

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    create_key_file(path)
    return path


@pytest.fixture
def provider(key_path: Path) -> FileKeyProvider:
    return FileKeyProvider(key_path)


def _secrets_in(path: Path) -> list[bytes]:
    doc = json.loads(path.read_text())
    raw = [base64.b64decode(k["key"]) for k in doc["keys"]]
    return [*raw, base64.b64decode(doc["index_secret"]["key"])]


def _assert_no_secret(message: str, secrets: list[bytes]) -> None:
    for secret in secrets:
        for form in (secret.hex(), base64.b64encode(secret).decode(), repr(secret)):
            assert form not in message, "a key appears in an error message"
        # A fragment of the base64 text is also a leak.
        assert base64.b64encode(secret).decode()[:12] not in message


def _write(path: Path, content: str | bytes, mode: int = 0o600) -> None:
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(data)
    path.chmod(mode)


# --- creating ------------------------------------------------------------------------------


@posix_only
def test_create_writes_mode_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "keys.json"
        key_id = create_key_file(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["format"] == KEY_FILE_FORMAT
    assert doc["active"] == key_id
    assert [k["id"] for k in doc["keys"]] == [key_id]
    assert len(base64.b64decode(doc["keys"][0]["key"])) == 32
    assert len(base64.b64decode(doc["index_secret"]["key"])) == 32


def test_create_leaves_no_staging_file(tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]


def test_create_refuses_to_overwrite(key_path: Path) -> None:
    before = key_path.read_bytes()
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        create_key_file(key_path)
    assert key_path.read_bytes() == before


def test_create_refuses_to_replace_a_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "keys.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        create_key_file(link)


def test_create_in_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        create_key_file(tmp_path / "nowhere" / "keys.json")


def test_two_key_files_have_different_secrets(tmp_path: Path) -> None:
    create_key_file(tmp_path / "a.json")
    create_key_file(tmp_path / "b.json")
    a, b = _secrets_in(tmp_path / "a.json"), _secrets_in(tmp_path / "b.json")
    assert not set(a) & set(b)
    assert len(set(a)) == len(a)


# --- loading -------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660])
def test_load_refuses_a_file_open_to_others(key_path: Path, mode: int) -> None:
    key_path.chmod(mode)
    with pytest.raises(ConfigurationError) as info:
        FileKeyProvider(key_path)
    message = str(info.value)
    assert f"chmod 600 {key_path}" in message
    assert f"{mode:04o}" in message
    _assert_no_secret(message, _secrets_in(key_path))


@posix_only
def test_load_accepts_0400(key_path: Path) -> None:
    key_path.chmod(0o400)
    assert FileKeyProvider(key_path).key_id == load_key_file(key_path).active


def test_missing_file_says_run_confide_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="confide init"):
        FileKeyProvider(tmp_path / "absent.json")


def test_directory_is_not_a_key_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir(mode=0o700)
    with pytest.raises(ConfigurationError, match="not a regular file"):
        load_key_file(folder)


def _valid_doc() -> dict[str, Any]:
    key = base64.b64encode(b"K" * 32).decode()
    return {
        "format": KEY_FILE_FORMAT,
        "active": "k1",
        "index_secret": {"created": "2025-01-01T00:00:00+00:00", "key": key},
        "keys": [{"id": "k1", "created": "2025-01-01T00:00:00+00:00", "key": key}],
    }


def _mutations() -> Iterator[tuple[str, Any]]:
    def with_(change: Any) -> dict[str, Any]:
        doc = _valid_doc()
        change(doc)
        return doc

    secret31 = base64.b64encode(b"S" * 31).decode()
    secret33 = base64.b64encode(b"S" * 33).decode()
    yield "format", with_(lambda d: d.update(format="confide-kek/2"))
    yield "lacks", with_(lambda d: d.pop("active"))
    yield "lacks", with_(lambda d: d.pop("index_secret"))
    yield "does not know", with_(lambda d: d.update(extra=1))
    yield "does not know", with_(lambda d: d.update({secret33: 1}))
    yield "non-empty list", with_(lambda d: d.update(keys=[]))
    yield "non-empty list", with_(lambda d: d.update(keys={"k1": "x"}))
    yield "JSON object", with_(lambda d: d.update(keys=["k1"]))
    yield '"active"', with_(lambda d: d.update(active="k2"))
    yield "invalid", with_(lambda d: d["keys"][0].update(id="bad id!"))
    yield "invalid", with_(lambda d: d["keys"][0].update(id=secret31))
    yield "two keys", with_(lambda d: d["keys"].append(dict(d["keys"][0])))
    yield "base64", with_(lambda d: d["keys"][0].update(key="not base64!"))
    yield "base64", with_(lambda d: d["keys"][0].update(key=12))
    yield "32 bytes", with_(lambda d: d["keys"][0].update(key=secret31))
    yield "32 bytes", with_(lambda d: d["keys"][0].update(key=secret33))
    yield "32 bytes", with_(lambda d: d["index_secret"].update(key=secret31))
    yield "ISO 8601", with_(lambda d: d["keys"][0].update(created="yesterday"))
    yield "ISO 8601", with_(lambda d: d["index_secret"].update(created=None))
    yield "JSON object", []


@pytest.mark.parametrize(("expected", "doc"), list(_mutations()))
def test_malformed_content_is_refused(tmp_path: Path, expected: str, doc: Any) -> None:
    path = tmp_path / "keys.json"
    _write(path, json.dumps(doc))
    with pytest.raises(ConfigurationError) as info:
        FileKeyProvider(path)
    message = str(info.value)
    assert expected in message
    assert "malformed" in message
    _assert_no_secret(message, [b"K" * 32, b"S" * 31, b"S" * 33])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not JSON"),
        (b"{", "not JSON"),
        (b"\xff\xfe" + b"K" * 32, "not UTF-8"),
        (b"[" * 100_000, "not JSON"),
        (b'{"format": 1, "format": 2}', "same member twice"),
        (b"KEK=" + base64.b64encode(b"K" * 32), "not JSON"),
    ],
)
def test_unreadable_content_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "keys.json"
    _write(path, content)
    with pytest.raises(ConfigurationError, match=expected) as info:
        load_key_file(path)
    _assert_no_secret(str(info.value), [b"K" * 32])
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_repr_hides_keys(key_path: Path, provider: FileKeyProvider) -> None:
    secrets = _secrets_in(key_path)
    _assert_no_secret(repr(provider), secrets)
    _assert_no_secret(repr(load_key_file(key_path)), secrets)
    assert provider.key_id in repr(provider)


# --- wrapping ------------------------------------------------------------------------------


@settings(max_examples=50)
@given(subject=st.text(max_size=40))
def test_wrap_round_trip(tmp_path_factory: pytest.TempPathFactory, subject: str) -> None:
    path = tmp_path_factory.mktemp("k") / "keys.json"
    create_key_file(path)
    provider = FileKeyProvider(path)
    dek = new_data_key()
    wrapped = wrap_data_key(dek, provider, subject=subject)
    assert wrapped_key_id(wrapped) == provider.key_id
    assert unwrap_data_key(wrapped, provider, subject=subject) == dek


def test_wrapped_key_is_bound_to_its_subject(provider: FileKeyProvider) -> None:
    dek = new_data_key()
    wrapped = wrap_data_key(dek, provider, subject="alice")
    with pytest.raises(DecryptionError, match="another subject") as info:
        unwrap_data_key(wrapped, provider, subject="bob")
    assert dek.hex() not in str(info.value)


def test_context_binding_is_raw_too(provider: FileKeyProvider) -> None:
    dek = new_data_key()
    wrapped = provider.wrap(dek, context=b"one")
    assert provider.unwrap(wrapped, context=b"one") == dek
    with pytest.raises(VerificationError):
        provider.unwrap(wrapped, context=b"two")


def test_every_byte_of_a_wrapped_key_is_authenticated(
    key_path: Path, provider: FileKeyProvider
) -> None:
    dek = new_data_key()
    wrapped = wrap_data_key(dek, provider, subject="s")
    secrets = [*_secrets_in(key_path), dek]
    for i in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[i] ^= 0x01
        with pytest.raises(DecryptionError) as info:
            unwrap_data_key(bytes(tampered), provider, subject="s")
        _assert_no_secret(str(info.value), secrets)
    for cut in range(len(wrapped)):
        with pytest.raises(DecryptionError):
            unwrap_data_key(wrapped[:cut], provider, subject="s")


def test_another_key_file_cannot_unwrap(tmp_path: Path, provider: FileKeyProvider) -> None:
    wrapped = wrap_data_key(new_data_key(), provider, subject="s")
    other_path = tmp_path / "other.json"
    create_key_file(other_path)
    other = FileKeyProvider(other_path)
    with pytest.raises(DecryptionError, match="does not hold") as info:
        unwrap_data_key(wrapped, other, subject="s")
    _assert_no_secret(str(info.value), _secrets_in(other_path))


def test_same_kek_id_different_key_cannot_unwrap(tmp_path: Path) -> None:
    """Even a key file that reuses the KEK id fails: the GCM tag, not the id, decides."""
    doc = _valid_doc()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _write(a, json.dumps(doc))
    doc["keys"][0]["key"] = base64.b64encode(b"L" * 32).decode()
    _write(b, json.dumps(doc))
    wrapped = wrap_data_key(new_data_key(), FileKeyProvider(a), subject="s")
    with pytest.raises(DecryptionError, match="does not verify"):
        unwrap_data_key(wrapped, FileKeyProvider(b), subject="s")


def test_wrap_refuses_wrong_length(provider: FileKeyProvider) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        provider.wrap(b"short", context=b"c")


def test_wrapped_format(provider: FileKeyProvider) -> None:
    wrapped = wrap_data_key(new_data_key(), provider, subject="s")
    id_bytes = provider.key_id.encode()
    assert wrapped[0] == 0x01
    assert wrapped[1] == len(id_bytes)
    assert wrapped[2 : 2 + len(id_bytes)] == id_bytes
    assert len(wrapped) == 2 + len(id_bytes) + 12 + 32 + 16


# --- rotation ------------------------------------------------------------------------------


def test_rotation_keeps_old_data_readable_via_rewrap(key_path: Path) -> None:
    old = FileKeyProvider(key_path)
    dek = new_data_key()
    wrapped = wrap_data_key(dek, old, subject="alice")
    envelope = FieldSealer(dek).seal(
        b"Alice", record_id="r1", field="identity.name", subject="alice"
    )

    new_id = rotate_key_file(key_path)
    assert new_id != old.key_id
    rotated = FileKeyProvider(key_path)
    assert rotated.key_id == new_id
    assert rotated.key_ids == (old.key_id, new_id)

    # Old wrapped keys still unwrap with the rotated file until they are re-wrapped.
    assert unwrap_data_key(wrapped, rotated, subject="alice") == dek
    rewrapped = rewrap(wrapped, rotated, subject="alice")
    assert wrapped_key_id(rewrapped) == new_id

    # Once the old KEK is retired, only the re-wrapped key opens; the data was never touched.
    retire_kek(key_path, old.key_id)
    current = FileKeyProvider(key_path)
    assert current.key_ids == (new_id,)
    with pytest.raises(DecryptionError, match="retired"):
        unwrap_data_key(wrapped, current, subject="alice")
    recovered = unwrap_data_key(rewrapped, current, subject="alice")
    opened = FieldSealer(recovered).open(
        envelope, record_id="r1", field="identity.name", subject="alice"
    )
    assert opened == b"Alice"


def test_rewrap_is_bound_to_the_subject(provider: FileKeyProvider) -> None:
    wrapped = wrap_data_key(new_data_key(), provider, subject="alice")
    with pytest.raises(DecryptionError):
        rewrap(wrapped, provider, subject="bob")


@posix_only
def test_rotation_keeps_mode_0600_and_leaves_no_staging_file(key_path: Path) -> None:
    rotate_key_file(key_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["keys.json"]


def test_rotation_does_not_change_index_or_pseudonym_keys(key_path: Path) -> None:
    before = FileKeyProvider(key_path)
    rotate_key_file(key_path)
    after = FileKeyProvider(key_path)
    assert after.blind_index_root_key() == before.blind_index_root_key()
    assert after.pseudonym_key() == before.pseudonym_key()


def test_index_keys_are_independent_of_keks(key_path: Path, provider: FileKeyProvider) -> None:
    derived = {provider.blind_index_root_key(), provider.pseudonym_key()}
    assert len(derived) == 2
    assert not derived & set(_secrets_in(key_path))
    assert all(len(k) == 32 for k in derived)


@posix_only
def test_rotation_refuses_a_file_open_to_others(key_path: Path) -> None:
    key_path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        rotate_key_file(key_path)
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["keys.json"]


def test_rotation_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="confide init"):
        rotate_key_file(tmp_path / "keys.json")
    assert list(tmp_path.iterdir()) == []


def test_concurrent_change_is_refused(key_path: Path) -> None:
    staging = key_path.with_name(f".{key_path.name}.tmp")
    staging.write_bytes(b"")
    with pytest.raises(ConfigurationError, match="another Confide process"):
        rotate_key_file(key_path)
    assert staging.exists()  # someone else's lock is not ours to remove


def test_retire_refuses_active_and_unknown_keys(key_path: Path) -> None:
    active = load_key_file(key_path).active
    with pytest.raises(ConfigurationError, match="active key"):
        retire_kek(key_path, active)
    with pytest.raises(ConfigurationError, match="no key"):
        retire_kek(key_path, "kek-unknown")
    assert load_key_file(key_path).key_ids == (active,)
