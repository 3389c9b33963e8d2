"""Ed25519 signing keys: RFC 8032 known answers, round trips, and failures that raise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.crypto.signing import (
    PRIVATE_KEY_SIZE,
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    PrivateKey,
    public_key_from_pem,
    public_key_to_pem,
    verify,
)
from confide.errors import ConfigurationError, VerificationError

# RFC 8032 section 7.1, TEST 1 to TEST 3: (secret seed, public key, message, signature).
RFC8032_VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
        "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f7"
        "60984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]

# A NIST P-256 key made with `openssl genpkey`, to check that only Ed25519 is accepted.
P256_PRIVATE_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgD3hY+W1IYuQf2nar
CDbZCuhMJIian0vZH39Hx6t9s56hRANCAARgwpyJsBM/bgN++u5wIMJClunsrMqR
oHuoXsf6S64VSsxr19GJfgnCSTf64JcEZSXVkgo9nFxdaXQiRwZUH49W
-----END PRIVATE KEY-----
"""
P256_PUBLIC_PEM = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYMKcibATP24DfvrucCDCQpbp7KzK
kaB7qF7H+kuuFUrMa9fRiX4Jwkk3+uCXBGUl1ZIKPZxcXWl0IkcGVB+PVg==
-----END PUBLIC KEY-----
"""

KEY = PrivateKey(bytes(range(PRIVATE_KEY_SIZE)))


@pytest.mark.parametrize(("seed", "public_key", "message", "signature"), RFC8032_VECTORS)
def test_rfc8032_test_vectors(seed: str, public_key: str, message: str, signature: str) -> None:
    key = PrivateKey(bytes.fromhex(seed))
    assert key.public_key() == bytes.fromhex(public_key)
    assert key.sign(bytes.fromhex(message)) == bytes.fromhex(signature)
    verify(bytes.fromhex(public_key), bytes.fromhex(message), bytes.fromhex(signature))


@given(st.binary(min_size=32, max_size=32), st.binary(max_size=200))
def test_a_signature_verifies_under_its_key(seed: bytes, message: bytes) -> None:
    key = PrivateKey(seed)
    signature = key.sign(message)
    assert len(key.public_key()) == PUBLIC_KEY_SIZE
    assert len(signature) == SIGNATURE_SIZE
    verify(key.public_key(), message, signature)


@given(st.binary(max_size=200), st.integers(0, SIGNATURE_SIZE * 8 - 1))
def test_a_changed_signature_or_message_fails(message: bytes, bit: int) -> None:
    signature = bytearray(KEY.sign(message))
    signature[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationError):
        verify(KEY.public_key(), message, bytes(signature))
    with pytest.raises(VerificationError):
        verify(KEY.public_key(), message + b"!", KEY.sign(message))


def test_a_signature_by_another_key_fails() -> None:
    other = PrivateKey.generate()
    with pytest.raises(VerificationError, match="does not verify"):
        verify(other.public_key(), b"message", KEY.sign(b"message"))


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (b"", bytes(SIGNATURE_SIZE)),
        (bytes(PUBLIC_KEY_SIZE - 1), bytes(SIGNATURE_SIZE)),
        (KEY.public_key() + b"\x00", KEY.sign(b"m")),
        (KEY.public_key(), KEY.sign(b"m")[:-1]),
        (KEY.public_key(), KEY.sign(b"m") + b"\x00"),
        (KEY.public_key().hex(), KEY.sign(b"m")),
        (KEY.public_key(), None),
    ],
)
def test_malformed_keys_and_signatures_fail_verification(
    public_key: bytes, signature: bytes
) -> None:
    with pytest.raises(VerificationError):
        verify(public_key, b"m", signature)


def test_the_seed_round_trips() -> None:
    key = PrivateKey.generate()
    assert len(key.seed()) == PRIVATE_KEY_SIZE
    assert PrivateKey(key.seed()).public_key() == key.public_key()
    assert PrivateKey.generate().public_key() != key.public_key()


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "00" * 32])
def test_a_seed_of_the_wrong_size_is_a_configuration_error(seed: bytes) -> None:
    with pytest.raises(ConfigurationError, match="32-byte seed"):
        PrivateKey(seed)


def test_pem_files_round_trip() -> None:
    pem = KEY.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert PrivateKey.from_pem(pem).seed() == KEY.seed()
    public_pem = public_key_to_pem(KEY.public_key())
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert public_key_from_pem(public_pem) == KEY.public_key()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not an unencrypted PKCS#8"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not an unencrypted"),
        (P256_PRIVATE_PEM, "not Ed25519"),
    ],
)
def test_private_key_files_that_are_not_ed25519_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        PrivateKey.from_pem(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a PEM public key"),
        (KEY.to_pem(), "not a PEM public key"),
        (P256_PUBLIC_PEM, "not Ed25519"),
    ],
)
def test_public_key_files_that_are_not_ed25519_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        public_key_from_pem(data)


def test_public_key_to_pem_checks_the_key_size() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        public_key_to_pem(bytes(31))


def test_the_repr_shows_the_public_key_and_never_the_seed() -> None:
    shown = repr(KEY)
    assert KEY.public_key().hex() in shown
    assert KEY.seed().hex() not in shown
    assert str(KEY.seed()) not in shown
