"""Secrets at rest: envelope encryption with AES-256-GCM (KSeF tokens, certificate keys, passwords).

Each secret gets its own random 256-bit data key. The data is encrypted under it with the caller's
associated data (e.g. ``b"company:42:ksef_token"``), so a ciphertext copied to another row or column
does not decrypt. The data key is wrapped with AES-256-GCM under the master key. ``rewrap`` moves a
blob to a new master key without touching the data ciphertext (``ksef-bot rotate-key``).

Blob layout (version 1)::

    version (1) | master key id (8) | wrap nonce (12) | wrapped data key (32 + 16 tag)
                | data nonce (12) | data ciphertext + tag (16)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.files import private_dir

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
_WRAPPED_BYTES = KEY_BYTES + TAG_BYTES
_HEADER_BYTES = 1 + KEY_ID_BYTES
_MIN_BLOB = _HEADER_BYTES + NONCE_BYTES + _WRAPPED_BYTES + NONCE_BYTES + TAG_BYTES
_WRAP_AAD = b"ksef-bot vault: data key v1"
MASTER_KEY_FILENAME = "master.key"


class VaultError(Exception):
    """A blob cannot be opened: tampered, wrong master key, wrong associated data or not a vault blob."""


class MasterKeyError(VaultError):
    """The configured master key cannot open the stored secrets (or is missing while secrets exist);
    the message says which key to restore and where."""


def key_id_of(master_key: bytes) -> str:
    """Hex id of a master key: the first 8 bytes of a domain-separated SHA-256 (reveals nothing usable)."""
    return hashlib.sha256(b"ksef-bot vault key id\0" + master_key).digest()[:KEY_ID_BYTES].hex()


def blob_key_id(blob: bytes) -> str:
    """The id of the master key a blob is wrapped under (to find rows that still need ``rewrap``)."""
    if len(blob) < _MIN_BLOB or blob[0] != VERSION:
        raise VaultError("not a vault blob (unknown format version or too short)")
    return blob[1:_HEADER_BYTES].hex()


def generate_master_key() -> bytes:
    """32 random bytes from the OS CSPRNG."""
    return os.urandom(KEY_BYTES)


def encode_master_key(key: bytes) -> str:
    """The text form used by ``KSEFBOT_MASTER_KEY`` and key files (standard base64)."""
    return base64.b64encode(key).decode("ascii")


class Vault:
    """Encrypts and decrypts secrets under one master key."""

    __slots__ = ("_aead", "_key_id", "_raw_key_id")

    def __init__(self, master_key: bytes) -> None:
        if not isinstance(master_key, bytes | bytearray) or len(master_key) != KEY_BYTES:
            raise VaultError(f"the master key must be exactly {KEY_BYTES} bytes")
        self._aead = AESGCM(bytes(master_key))
        self._key_id = key_id_of(bytes(master_key))
        self._raw_key_id = bytes.fromhex(self._key_id)

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault for the configured master key (creating ``<data dir>/master.key`` if none is set)."""
        return cls(load_master_key(settings.master_key, settings.master_key_file, settings.data_dir))

    @property
    def key_id(self) -> str:
        """Hex id of this vault's master key, stored in every blob."""
        return self._key_id

    def __repr__(self) -> str:
        return f"Vault(key_id={self._key_id!r})"

    __str__ = __repr__

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``aad`` (which must be given again to decrypt)."""
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        data_nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(data_nonce, bytes(plaintext), self._data_aad(aad))
        return self._header() + self._wrap(data_key) + data_nonce + ciphertext

    def decrypt(self, blob: bytes, *, aad: bytes) -> bytes:
        """Decrypt a blob from :meth:`encrypt`; :class:`VaultError` on any mismatch or tampering."""
        data_key = self._unwrap(blob)
        offset = _HEADER_BYTES + NONCE_BYTES + _WRAPPED_BYTES
        data_nonce = blob[offset:offset + NONCE_BYTES]
        try:
            return AESGCM(data_key).decrypt(data_nonce, blob[offset + NONCE_BYTES:], self._data_aad(aad))
        except InvalidTag:
            raise VaultError("secret failed its integrity check: the data was altered or it belongs to "
                             "another record (associated data differs)") from None

    def rewrap(self, blob: bytes, new_vault: Vault) -> bytes:
        """The same secret with its data key wrapped under ``new_vault``'s master key."""
        data_key = self._unwrap(blob)
        rest = blob[_HEADER_BYTES + NONCE_BYTES + _WRAPPED_BYTES:]
        return new_vault._header() + new_vault._wrap(data_key) + rest

    # --- internals --------------------------------------------------------------------------------

    def _header(self) -> bytes:
        return bytes([VERSION]) + self._raw_key_id

    @staticmethod
    def _data_aad(aad: bytes) -> bytes:
        # Length-prefixed so no (version, aad) pair can collide with another.
        return bytes([VERSION]) + len(aad).to_bytes(4, "big") + bytes(aad)

    def _wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, _WRAP_AAD + self._header())

    def _unwrap(self, blob: bytes) -> bytes:
        key_id = blob_key_id(bytes(blob))
        if key_id != self._key_id:
            raise VaultError(f"secret is encrypted under another master key (id {key_id}, "
                             f"this vault has {self._key_id}); rotate-key needs the old key")
        nonce = blob[_HEADER_BYTES:_HEADER_BYTES + NONCE_BYTES]
        wrapped = blob[_HEADER_BYTES + NONCE_BYTES:_HEADER_BYTES + NONCE_BYTES + _WRAPPED_BYTES]
        try:
            return self._aead.decrypt(nonce, wrapped, _WRAP_AAD + self._header())
        except InvalidTag:
            raise VaultError("secret's data key failed its integrity check (altered blob)") from None


def key_source(master_key: bytes | None, key_file: Path | None, data_dir: Path) -> str:
    """Where the master key comes from, for messages: the variable or the file path."""
    if master_key is not None:
        return "KSEFBOT_MASTER_KEY"
    return str(key_file if key_file is not None else data_dir / MASTER_KEY_FILENAME)


def load_master_key(master_key: bytes | None, key_file: Path | None, data_dir: Path, *,
                    create: bool = True) -> bytes:
    """The master key: given bytes, else ``key_file``, else ``<data_dir>/master.key``, created when absent
    and ``create`` (a new key must never be made while secrets encrypted under another one exist)."""
    if master_key is not None:
        if len(master_key) != KEY_BYTES:
            raise VaultError(f"the master key must be exactly {KEY_BYTES} bytes")
        return master_key
    if key_file is not None:
        if not key_file.is_file():
            raise VaultError(f"KSEFBOT_MASTER_KEY_FILE {key_file} does not exist")
        return _read_key_file(key_file)
    path = data_dir / MASTER_KEY_FILENAME
    if path.is_file():
        return _read_key_file(path)
    if not create:
        raise MasterKeyError(f"the master key file {path} does not exist")
    return _create_key_file(path)


def _read_key_file(path: Path) -> bytes:
    data = path.read_bytes()
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("master key file %s is readable by other users (mode %o); chmod 600 it", path, mode)
    if len(data) == KEY_BYTES:
        return data  # raw key bytes
    try:
        key = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise VaultError(f"master key file {path} must hold base64 of {KEY_BYTES} bytes (or the raw bytes)")
    return key


def _create_key_file(path: Path) -> bytes:
    private_dir(path.parent)
    key = generate_master_key()
    try:
        # O_EXCL: never overwrite a key another process created meanwhile; 0600 from the start.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    try:
        os.write(fd, (encode_master_key(key) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    log.warning("No KSEFBOT_MASTER_KEY or KSEFBOT_MASTER_KEY_FILE set: created a new master key in %s. "
                "Back this file up: without it the stored KSeF tokens and certificates cannot be read.", path)
    return key
