"""Field envelopes: round trips, binding to record/field/subject, tamper and key failures."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.crypto import ENVELOPE_VERSION, DecryptionError, FieldSealer, open_sealed, seal
from confide.crypto.envelope import PAD_BLOCK, _pad, _unpad, canonical_encoding
from confide.errors import VerificationError

keys = st.binary(min_size=32, max_size=32)
names = st.text(max_size=40)
values = st.binary(max_size=300)

KEY = bytes(range(32))
WHERE = {"record_id": "rec-1", "field": "identity.name", "subject": "subj-1"}
HEADER_AND_TAG = 1 + 12 + 16


def _assert_no_secret(message: str, key: bytes, plaintext: bytes | None = None) -> None:
    for form in (key.hex(), base64.b64encode(key).decode(), repr(key)):
        assert form not in message
    # A value of a few bytes has a hex form short enough to occur in any sentence by chance
    # ("ea" in "sealed"), so only values long enough to mean something are looked for.
    if plaintext and len(plaintext) >= 4:
        assert repr(plaintext) not in message
        assert plaintext.hex() not in message


@given(value=values, key=keys, record_id=names, field=names, subject=names)
def test_round_trip(value: bytes, key: bytes, record_id: str, field: str, subject: str) -> None:
    env = seal(value, key, record_id=record_id, field=field, subject=subject)
    assert env[0] == ENVELOPE_VERSION
    body = len(env) - HEADER_AND_TAG
    assert body % PAD_BLOCK == 0
    assert len(value) < body <= len(value) + PAD_BLOCK
    assert open_sealed(env, key, record_id=record_id, field=field, subject=subject) == value


@given(value=values, key=keys, record_id=names, field=names, subject=names)
def test_field_sealer_matches_module_functions(
    value: bytes, key: bytes, record_id: str, field: str, subject: str
) -> None:
    sealer = FieldSealer(key)
    env = sealer.seal(value, record_id=record_id, field=field, subject=subject)
    assert open_sealed(env, key, record_id=record_id, field=field, subject=subject) == value
    env2 = seal(value, key, record_id=record_id, field=field, subject=subject)
    assert sealer.open(env2, record_id=record_id, field=field, subject=subject) == value


def test_length_reveals_only_the_padding_bucket() -> None:
    """A dump must not tell immigration status values apart by ciphertext length."""
    statuses = [b"", b"citizen", b"undocumented", b"refugee status pending", b"x" * 31]
    lengths = {len(seal(s, KEY, **WHERE)) for s in statuses}
    assert lengths == {1 + 12 + PAD_BLOCK + 16}


@given(value=values)
def test_padding_round_trip(value: bytes) -> None:
    padded = _pad(value)
    assert len(padded) % PAD_BLOCK == 0
    assert _unpad(padded, "f") == value


@pytest.mark.parametrize(
    "padded",
    [
        b"",
        b"\x00" * PAD_BLOCK,
        b"abc" + b"\x00" * (PAD_BLOCK - 3),
        b"\x80" + b"\x00" * PAD_BLOCK,
        b"\x80" + b"\x00" * (2 * PAD_BLOCK - 1),
    ],
)
def test_malformed_padding_is_refused(padded: bytes) -> None:
    with pytest.raises(DecryptionError, match="padding"):
        _unpad(padded, "f")


def test_nonce_is_fresh_each_time() -> None:
    envs = {seal(b"same", KEY, **WHERE) for _ in range(50)}
    assert len(envs) == 50


@given(
    value=values,
    key=keys,
    where=st.tuples(names, names, names),
    other=st.tuples(names, names, names),
)
def test_envelope_does_not_open_elsewhere(
    value: bytes, key: bytes, where: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    """A ciphertext moved to any other (record, field, subject) does not open."""
    env = seal(value, key, record_id=where[0], field=where[1], subject=where[2])
    if other == where:
        return
    with pytest.raises(DecryptionError):
        open_sealed(env, key, record_id=other[0], field=other[1], subject=other[2])


@pytest.mark.parametrize("part", ["record_id", "field", "subject"])
def test_swap_each_part(part: str) -> None:
    env = seal(b"diagnosis", KEY, **WHERE)
    moved = {**WHERE, part: WHERE[part] + "x"}
    with pytest.raises(DecryptionError):
        open_sealed(env, KEY, **moved)


def test_swap_between_rows_in_a_table() -> None:
    """Two subjects' ciphertexts swapped in the database open for neither."""
    alice = {"record_id": "r1", "field": "health.condition", "subject": "alice"}
    bob = {"record_id": "r2", "field": "health.condition", "subject": "bob"}
    env_a = seal(b"A", KEY, **alice)
    env_b = seal(b"B", KEY, **bob)
    with pytest.raises(DecryptionError):
        open_sealed(env_a, KEY, **bob)
    with pytest.raises(DecryptionError):
        open_sealed(env_b, KEY, **alice)


def test_associated_data_is_unambiguous() -> None:
    """Moving a boundary between parts changes the AD: ("ab", "c") is not ("a", "bc")."""
    env = seal(b"x", KEY, record_id="ab", field="c", subject="s")
    with pytest.raises(DecryptionError):
        open_sealed(env, KEY, record_id="a", field="bc", subject="s")
    assert canonical_encoding(b"ab", b"c") != canonical_encoding(b"a", b"bc")
    assert canonical_encoding(b"", b"a") != canonical_encoding(b"a", b"")


def test_every_byte_is_authenticated() -> None:
    plaintext = b"immigration status: none"
    env = seal(plaintext, KEY, **WHERE)
    for i in range(len(env)):
        for bit in (0x01, 0x80):
            tampered = bytearray(env)
            tampered[i] ^= bit
            with pytest.raises(DecryptionError) as info:
                open_sealed(bytes(tampered), KEY, **WHERE)
            _assert_no_secret(str(info.value), KEY, plaintext)


@given(value=values, data=st.data())
def test_tampering_any_byte_fails(value: bytes, data: st.DataObject) -> None:
    env = seal(value, KEY, **WHERE)
    i = data.draw(st.integers(0, len(env) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = bytearray(env)
    tampered[i] ^= flip
    with pytest.raises(DecryptionError):
        open_sealed(bytes(tampered), KEY, **WHERE)


@given(value=values, data=st.data())
def test_truncation_and_extension_fail(value: bytes, data: st.DataObject) -> None:
    env = seal(value, KEY, **WHERE)
    cut = data.draw(st.integers(0, len(env) - 1))
    with pytest.raises(DecryptionError):
        open_sealed(env[:cut], KEY, **WHERE)
    with pytest.raises(DecryptionError):
        open_sealed(env + data.draw(st.binary(min_size=1, max_size=8)), KEY, **WHERE)


@given(value=values, key=keys, other=keys)
def test_wrong_key_fails(value: bytes, key: bytes, other: bytes) -> None:
    if key == other:
        return
    env = seal(value, key, **WHERE)
    with pytest.raises(DecryptionError) as info:
        open_sealed(env, other, **WHERE)
    _assert_no_secret(str(info.value), key, value)
    _assert_no_secret(str(info.value), other, value)


def test_unknown_version_is_refused_by_name() -> None:
    env = bytearray(seal(b"x", KEY, **WHERE))
    env[0] = 0x02
    with pytest.raises(DecryptionError, match="version 0x02"):
        open_sealed(bytes(env), KEY, **WHERE)


def test_decryption_error_is_a_verification_error() -> None:
    assert issubclass(DecryptionError, VerificationError)


def test_bad_key_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal(b"x", b"short", **WHERE)
    env = seal(b"x", KEY, **WHERE)
    with pytest.raises(DecryptionError):
        open_sealed(env, KEY[:16], **WHERE)


def test_surrogates_in_names_fail_closed() -> None:
    env = seal(b"x", KEY, **WHERE)
    with pytest.raises(DecryptionError):
        open_sealed(env, KEY, record_id="\ud800", field="f", subject="s")


def test_repr_hides_key() -> None:
    key = os.urandom(32)
    text = repr(FieldSealer(key))
    _assert_no_secret(text, key)
    assert "hidden" in text
