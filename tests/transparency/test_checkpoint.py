"""C2SP checkpoints and signed notes: known answers from Go, round trips, and tampering.

The known answers come from outside Confide, so that agreeing with them means agreeing
with the rest of the ecosystem:

* the signed note in the documentation of ``golang.org/x/mod/sumdb/note`` (the
  PeterNeumann key, and the same note cosigned by EnochRoot);
* two real signed tree heads of the Go checksum database ``sum.golang.org``, which are
  tlog-checkpoints, with the key that ``cmd/go`` ships;
* the body of the example in c2sp.org/tlog-checkpoint.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.crypto.signing import PrivateKey
from confide.errors import VerificationError
from confide.transparency.checkpoint import (
    MAX_SIGNATURES,
    Checkpoint,
    VerifierKey,
    format_checkpoint,
    format_verifier_key,
    key_id,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)

EM_DASH = "\N{EM DASH}"

# golang.org/x/mod/sumdb/note, package documentation ("Example").
PETER_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_LINE = (
    f"{EM_DASH} PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_LINE = (
    f"{EM_DASH} EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
PETER_NOTE = PETER_TEXT + "\n" + PETER_LINE

# The sum.golang.org key built into cmd/go, and two tree heads it signed.
SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_ORIGIN = "go.sum database tree"
SUMDB_NOTES = [
    (
        31700353,
        "qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=",
        "Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=",
    ),
    (
        65209736,
        "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=",
        "Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=",
    ),
]

# c2sp.org/tlog-checkpoint, the example at the top of the specification.
C2SP_EXAMPLE_BODY = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)

ROOT = bytes(range(32))
KEY = PrivateKey(bytes(range(100, 132)))
OTHER_KEY = PrivateKey(bytes(range(200, 232)))
NAME = "confide.example/log"
CHECKPOINT = Checkpoint(NAME, 42, ROOT)


def peter_private_key() -> PrivateKey:
    # PRIVATE+KEY+<name>+<key ID>+base64(0x01 || seed); the base64 itself may hold '+'.
    encoded = PETER_SIGNER.split("+", 4)[4]
    material = base64.b64decode(encoded)
    assert material[0] == 0x01
    return PrivateKey(material[1:])


def sumdb_note(size: int, root: str, signature: str) -> str:
    return f"{SUMDB_ORIGIN}\n{size}\n{root}\n\n{EM_DASH} sum.golang.org {signature}\n"


def signed() -> str:
    return sign_checkpoint(CHECKPOINT, NAME, KEY)


def verifier() -> str:
    return format_verifier_key(NAME, KEY.public_key())


# --- known answers ----------------------------------------------------------------------


def test_the_go_sumdb_note_example_verifies() -> None:
    assert open_note(PETER_NOTE, PETER_KEY) == PETER_TEXT
    assert open_note(PETER_NOTE.encode("utf-8"), PETER_KEY) == PETER_TEXT


def test_signing_reproduces_the_go_sumdb_note_byte_for_byte() -> None:
    # Ed25519 is deterministic (RFC 8032), so the same key and text give the same note.
    assert sign_note(PETER_TEXT, "PeterNeumann", peter_private_key()) == PETER_NOTE


def test_verifier_keys_are_written_as_go_writes_them() -> None:
    public_key = peter_private_key().public_key()
    assert key_id("PeterNeumann", public_key).hex() == "c74f20a3"
    assert format_verifier_key("PeterNeumann", public_key) == PETER_KEY
    parsed = parse_verifier_key(PETER_KEY)
    assert parsed == VerifierKey("PeterNeumann", bytes.fromhex("c74f20a3"), public_key)
    assert str(parsed) == PETER_KEY


def test_a_cosigned_note_opens_with_either_key_and_ignores_the_other() -> None:
    cosigned = PETER_NOTE + ENOCH_LINE
    assert open_note(cosigned, PETER_KEY) == PETER_TEXT
    assert open_note(cosigned, ENOCH_KEY) == PETER_TEXT
    with pytest.raises(VerificationError, match="no signature by the trusted key"):
        open_note(cosigned, verifier())


@pytest.mark.parametrize(("size", "root", "signature"), SUMDB_NOTES)
def test_real_sum_golang_org_checkpoints_verify(size: int, root: str, signature: str) -> None:
    note = sumdb_note(size, root, signature)
    checkpoint = verify_checkpoint(note, SUMDB_KEY, origin=SUMDB_ORIGIN)
    assert checkpoint == Checkpoint(SUMDB_ORIGIN, size, base64.b64decode(root))
    with pytest.raises(VerificationError, match="signature does not verify"):
        verify_checkpoint(sumdb_note(size + 1, root, signature), SUMDB_KEY)
    with pytest.raises(VerificationError, match="not the expected"):
        verify_checkpoint(note, SUMDB_KEY, origin="sum.golang.org")


def test_the_c2sp_example_body_round_trips() -> None:
    checkpoint = parse_checkpoint(C2SP_EXAMPLE_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.extensions == ()
    assert format_checkpoint(checkpoint) == C2SP_EXAMPLE_BODY


def test_a_signed_checkpoint_has_the_c2sp_layout() -> None:
    note = signed()
    body = format_checkpoint(CHECKPOINT)
    assert body == f"{NAME}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert note.startswith(body + "\n")
    signature_line = note[len(body) + 1 :]
    assert signature_line.endswith("\n")
    assert signature_line.count("\n") == 1
    signature_line = signature_line[:-1]
    assert signature_line.startswith(f"{EM_DASH} {NAME} ")
    blob = base64.b64decode(signature_line.split(" ")[2])
    assert blob[:4] == key_id(NAME, KEY.public_key())
    assert len(blob) == 4 + 64


# --- round trips ------------------------------------------------------------------------

# One line of note text: any UTF-8 text without control characters.
note_line = st.text(st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1, max_size=40)
key_name = note_line.filter(lambda name: "+" not in name and not any(c.isspace() for c in name))
checkpoints = st.builds(
    Checkpoint,
    origin=note_line,
    size=st.integers(0, (1 << 64) - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(note_line, max_size=3).map(tuple),
)


@given(checkpoints)
def test_format_and_parse_are_inverse(checkpoint: Checkpoint) -> None:
    assert parse_checkpoint(format_checkpoint(checkpoint)) == checkpoint


@given(checkpoints, key_name, st.binary(min_size=32, max_size=32))
def test_a_signed_checkpoint_verifies_as_itself(
    checkpoint: Checkpoint, name: str, seed: bytes
) -> None:
    key = PrivateKey(seed)
    note = sign_checkpoint(checkpoint, name, key)
    vkey = format_verifier_key(name, key.public_key())
    assert parse_verifier_key(vkey).name == name
    assert verify_checkpoint(note, vkey) == checkpoint
    assert verify_checkpoint(note.encode("utf-8"), parse_verifier_key(vkey)) == checkpoint


# --- tampering --------------------------------------------------------------------------


@given(st.data())
def test_changing_any_character_of_a_signed_checkpoint_breaks_it(data: st.DataObject) -> None:
    note = sign_checkpoint(Checkpoint(NAME, 7, ROOT, ("ext one",)), NAME, KEY)
    position = data.draw(st.integers(0, len(note) - 1), label="position")
    replacement = data.draw(
        st.characters(min_codepoint=0x0A, codec="utf-8").filter(lambda c: c != note[position]),
        label="replacement",
    )
    tampered = note[:position] + replacement + note[position + 1 :]
    with pytest.raises(VerificationError):
        verify_checkpoint(tampered, verifier())


@given(st.data())
def test_removing_or_inserting_any_character_breaks_it(data: st.DataObject) -> None:
    note = signed()
    position = data.draw(st.integers(0, len(note) - 1), label="position")
    with pytest.raises(VerificationError):
        verify_checkpoint(note[:position] + note[position + 1 :], verifier())
    inserted = data.draw(st.characters(min_codepoint=0x0A, codec="utf-8"))
    with pytest.raises(VerificationError):
        verify_checkpoint(note[:position] + inserted + note[position:], verifier())


def _reencode(note: str, blob: Callable[[bytes], bytes]) -> str:
    head, _, encoded = note[:-1].rpartition(" ")
    return f"{head} {base64.b64encode(blob(base64.b64decode(encoded))).decode()}\n"


BODY = format_checkpoint(CHECKPOINT)
GOOD_LINE = signed()[len(BODY) + 1 :]
OTHER_LINE = sign_checkpoint(CHECKPOINT, "witness.example", OTHER_KEY)[len(BODY) + 1 :]


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda n: n[:-1], "complete signature line"),
        (lambda n: n + "garbage\n", "em dash"),
        (lambda n: n + "garbage", "complete signature line"),
        (lambda n: n + "\n", "complete signature line"),
        (lambda n: n.replace(EM_DASH, "-"), "em dash"),
        (lambda n: n.replace(f"{EM_DASH} ", EM_DASH), "em dash"),
        (lambda n: n.replace(f"{NAME} ", f"{NAME}  "), "base64"),
        (lambda n: n.replace("\n", "\r\n"), "control character"),
        (lambda n: n.replace("\n42\n", "\n42\t\n"), "control character"),
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: BODY + "\n", "complete signature line"),
        (lambda n: BODY + "\n\n", "complete signature line"),
        (lambda n: n.replace(f" {NAME} ", " confide.example+log "), "invalid key name"),
        (lambda n: n[:-2] + "!\n", "base64"),
        (lambda n: _reencode(n, lambda b: b[:4]), "too short"),
        (lambda n: _reencode(n, lambda b: b + b"\x00"), "Ed25519 signature is 64 bytes"),
        (lambda n: _reencode(n, lambda b: b[:4] + bytes(64)), "does not verify"),
        (lambda n: _reencode(n, lambda b: bytes(4) + b[4:]), "no signature by the trusted"),
        (lambda n: n.replace(f" {NAME} ", " confide.example/other "), "no signature by"),
        (lambda n: n + GOOD_LINE.replace(GOOD_LINE[-6:-2], "AAAA"), "does not verify"),
        (lambda n: BODY + "\n" + OTHER_LINE, "no signature by the trusted"),
        (lambda n: n.replace("\n42\n", "\n042\n"), "does not verify"),
    ],
)
def test_malformed_or_tampered_notes_are_rejected(
    tamper: Callable[[str], str], reason: str
) -> None:
    with pytest.raises(VerificationError, match=reason):
        verify_checkpoint(tamper(signed()), verifier())


def test_other_signatures_are_ignored_but_the_trusted_one_is_required() -> None:
    assert verify_checkpoint(signed() + OTHER_LINE, verifier()) == CHECKPOINT
    assert verify_checkpoint(BODY + "\n" + OTHER_LINE + GOOD_LINE, verifier()) == CHECKPOINT
    assert verify_checkpoint(signed() + GOOD_LINE, verifier()) == CHECKPOINT
    # A second signature by the same key that fails is a forgery attempt, not noise.
    bad = GOOD_LINE.replace(GOOD_LINE[-6:-2], "AAAA")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_checkpoint(BODY + "\n" + bad + GOOD_LINE, verifier())


def test_a_signature_by_another_key_under_the_trusted_id_fails() -> None:
    forged = base64.b64encode(
        key_id(NAME, KEY.public_key()) + OTHER_KEY.sign(BODY.encode())
    ).decode()
    with pytest.raises(VerificationError, match="does not verify"):
        verify_checkpoint(f"{BODY}\n{EM_DASH} {NAME} {forged}\n", verifier())


def test_the_number_of_signatures_is_bounded() -> None:
    assert verify_checkpoint(signed() + OTHER_LINE * 15, verifier()) == CHECKPOINT
    with pytest.raises(VerificationError, match="more than"):
        verify_checkpoint(signed() + OTHER_LINE * MAX_SIGNATURES, verifier())


def test_notes_that_are_not_utf8_are_rejected() -> None:
    with pytest.raises(VerificationError, match="UTF-8"):
        verify_checkpoint(signed().encode("utf-8") + b"\xff\n", verifier())
    with pytest.raises(VerificationError, match="UTF-8"):
        verify_checkpoint(signed().replace("42", "4\ud8002"), verifier())


def test_a_checkpoint_from_another_log_is_rejected_when_the_origin_is_pinned() -> None:
    assert verify_checkpoint(signed(), verifier(), origin=NAME) == CHECKPOINT
    with pytest.raises(VerificationError, match="not the expected"):
        verify_checkpoint(signed(), verifier(), origin="confide.example/other-log")


def test_a_valid_signature_over_a_non_checkpoint_is_rejected() -> None:
    with pytest.raises(VerificationError, match="checkpoint"):
        verify_checkpoint(PETER_NOTE, PETER_KEY)


# --- parsing ----------------------------------------------------------------------------

ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "origin\n1\n" + ROOT_B64,
        "origin\n1\n",
        "origin\n1\n\n",
        f"\n1\n{ROOT_B64}\n",
        f"1\n{ROOT_B64}\n",
        f"origin\n007\n{ROOT_B64}\n",
        f"origin\n-1\n{ROOT_B64}\n",
        f"origin\n+1\n{ROOT_B64}\n",
        f"origin\n 1\n{ROOT_B64}\n",
        f"origin\n1 \n{ROOT_B64}\n",
        f"origin\n1_000\n{ROOT_B64}\n",
        f"origin\n\N{ARABIC-INDIC DIGIT ONE}\n{ROOT_B64}\n",
        f"origin\n{1 << 64}\n{ROOT_B64}\n",
        f"origin\n{'9' * 5000}\n{ROOT_B64}\n",
        f"origin\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"origin\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"origin\n1\n{ROOT_B64.rstrip('=')}\n",
        f"origin\n1\n{ROOT_B64[:-2]}9=\n",
        f"origin\n1\n{base64.urlsafe_b64encode(bytes([0xFB] * 32)).decode()}\n",
        f"origin\n1\n {ROOT_B64}\n",
        f"origin\n1\n{ROOT_B64}\n\n",
        f"origin\n1\n{ROOT_B64}\next\n\n",
        f"origin\r\n1\n{ROOT_B64}\n",
        f"ori\tgin\n1\n{ROOT_B64}\n",
        f"origin\n1\n{ROOT_B64}\nextension\x00\n",
    ],
)
def test_bodies_that_are_not_exactly_a_checkpoint_are_rejected(body: str) -> None:
    with pytest.raises(VerificationError):
        parse_checkpoint(body)


def test_extension_lines_are_kept_in_order() -> None:
    body = f"origin\n0\n{ROOT_B64}\nfirst\nsecond line\n"
    checkpoint = parse_checkpoint(body)
    assert checkpoint == Checkpoint("origin", 0, ROOT, ("first", "second line"))
    assert format_checkpoint(checkpoint) == body


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, ROOT, ()),
        ("two\nlines", 1, ROOT, ()),
        ("origin", -1, ROOT, ()),
        ("origin", 1 << 64, ROOT, ()),
        ("origin", True, ROOT, ()),
        ("origin", 1, ROOT[:31], ()),
        ("origin", 1, ROOT, ("",)),
        ("origin", 1, ROOT, ("a\nb",)),
        ("origin", 1, ROOT, ["list"]),
    ],
)
def test_a_checkpoint_the_format_cannot_carry_cannot_be_built(fields: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        Checkpoint(*fields)  # type: ignore[arg-type]


# --- keys and names ---------------------------------------------------------------------


def test_no_mangling_of_a_verifier_key_is_accepted() -> None:
    # As Go's TestNewVerifier: every proper substring and every one-byte change fails.
    for start in range(len(PETER_KEY) + 1):
        for end in range(start, len(PETER_KEY) + 1):
            if (start, end) != (0, len(PETER_KEY)):
                with pytest.raises(VerificationError):
                    parse_verifier_key(PETER_KEY[start:end])
    for position, char in enumerate(PETER_KEY):
        mangled = PETER_KEY[:position] + chr(ord(char) + 1) + PETER_KEY[position + 1 :]
        with pytest.raises(VerificationError):
            parse_verifier_key(mangled)


def test_verifier_keys_of_other_algorithms_are_rejected() -> None:
    public_key = KEY.public_key()
    for material in (b"\x02" + public_key, b"\x01" + public_key[:31], b"\x01" + public_key + b"!"):
        encoded = base64.b64encode(material).decode()
        fake_id = key_id(NAME, material[1:]).hex()
        with pytest.raises(VerificationError, match="type 0x01"):
            parse_verifier_key(f"{NAME}+{fake_id}+{encoded}")


def test_verifier_key_ids_must_match() -> None:
    with pytest.raises(ValueError, match="key_id"):
        VerifierKey(NAME, bytes(4), KEY.public_key())
    assert VerifierKey.for_key(NAME, KEY.public_key()) == parse_verifier_key(verifier())
    upper = verifier().replace(key_id(NAME, KEY.public_key()).hex(), "DEADBEEF")
    with pytest.raises(VerificationError, match="does not match"):
        parse_verifier_key(upper)


@pytest.mark.parametrize("name", ["", "with space", "plus+sign", "tab\tname", "nbsp\u00a0name"])
def test_invalid_key_names_cannot_sign_or_verify(name: str) -> None:
    with pytest.raises(ValueError, match="key name"):
        sign_checkpoint(CHECKPOINT, name, KEY)
    with pytest.raises(ValueError, match="key name"):
        format_verifier_key(name, KEY.public_key())


@pytest.mark.parametrize("text", ["no final newline", "tab\there\n", "cr\r\n"])
def test_only_note_text_can_be_signed(text: str) -> None:
    with pytest.raises(ValueError, match="note text"):
        sign_note(text, NAME, KEY)
