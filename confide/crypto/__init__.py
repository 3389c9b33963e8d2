"""Cryptography: the only package that imports ``cryptography`` (see STYLE.md).

Callers seal and open vault fields with :func:`seal` / :func:`open_sealed`, never AES-GCM.
"""

from confide.crypto.blind_index import (
    BLIND_INDEX_PREFIX,
    PSEUDONYM_PREFIX,
    BlindIndexer,
    NormalisationError,
    blind_index,
    derive_index_key,
    normaliser_for,
    pseudonym,
)
from confide.crypto.envelope import (
    ENVELOPE_VERSION,
    KEY_SIZE,
    DecryptionError,
    FieldSealer,
    open_sealed,
    seal,
)
from confide.crypto.keys import (
    DATA_KEY_SIZE,
    KEY_FILE_FORMAT,
    WRAPPED_KEY_VERSION,
    FileKeyProvider,
    KeyFile,
    KeyProvider,
    StoredKek,
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

__all__ = [
    "BLIND_INDEX_PREFIX",
    "DATA_KEY_SIZE",
    "ENVELOPE_VERSION",
    "KEY_FILE_FORMAT",
    "KEY_SIZE",
    "PSEUDONYM_PREFIX",
    "WRAPPED_KEY_VERSION",
    "BlindIndexer",
    "DecryptionError",
    "FieldSealer",
    "FileKeyProvider",
    "KeyFile",
    "KeyProvider",
    "NormalisationError",
    "StoredKek",
    "blind_index",
    "create_key_file",
    "derive_index_key",
    "load_key_file",
    "new_data_key",
    "normaliser_for",
    "open_sealed",
    "pseudonym",
    "retire_kek",
    "rewrap",
    "rotate_key_file",
    "seal",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_key_id",
]
