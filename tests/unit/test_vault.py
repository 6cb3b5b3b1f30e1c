"""bot.vault: envelope encryption of secrets at rest, with real AES-GCM."""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.vault import (
    MASTER_KEY_FILENAME,
    Vault,
    VaultError,
    blob_key_id,
    generate_master_key,
    load_master_key,
)

AAD = b"company:42:ksef_token"
SECRET = "20251123-EC-0123456789ABCDEF|nip-5260250274|token-żółć".encode()


@pytest.fixture
def key() -> bytes:
    return generate_master_key()


def test_round_trip_and_fresh_randomness(key: bytes) -> None:
    vault = Vault(key)
    one = vault.encrypt(SECRET, aad=AAD)
    two = vault.encrypt(SECRET, aad=AAD)
    assert one != two  # new data key and nonces every time
    assert SECRET not in one
    assert vault.decrypt(one, aad=AAD) == SECRET
    assert vault.decrypt(two, aad=AAD) == SECRET
    assert vault.decrypt(vault.encrypt(b"", aad=b""), aad=b"") == b""
    assert blob_key_id(one) == vault.key_id
    assert one[0] == 1  # format version


def test_every_flipped_byte_is_detected(key: bytes) -> None:
    vault = Vault(key)
    blob = vault.encrypt(SECRET, aad=AAD)
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(VaultError):
            vault.decrypt(bytes(tampered), aad=AAD)
    with pytest.raises(VaultError):
        vault.decrypt(blob[:-1], aad=AAD)
    with pytest.raises(VaultError):
        vault.decrypt(b"", aad=AAD)


def test_other_aad_and_other_key_fail(key: bytes) -> None:
    vault = Vault(key)
    blob = vault.encrypt(SECRET, aad=AAD)
    with pytest.raises(VaultError, match="integrity"):
        vault.decrypt(blob, aad=b"company:43:ksef_token")  # moved to another row
    with pytest.raises(VaultError):
        vault.decrypt(blob, aad=b"")
    other = Vault(generate_master_key())
    with pytest.raises(VaultError, match="another master key"):
        other.decrypt(blob, aad=AAD)
    # Same key id forged into the header but a different key: the wrap tag catches it.
    forged = bytes([blob[0]]) + bytes.fromhex(other.key_id) + blob[9:]
    with pytest.raises(VaultError):
        other.decrypt(forged, aad=AAD)


def test_rewrap_moves_to_new_key(key: bytes) -> None:
    old, new = Vault(key), Vault(generate_master_key())
    blob = old.encrypt(SECRET, aad=AAD)
    moved = old.rewrap(blob, new)
    assert blob_key_id(moved) == new.key_id != old.key_id
    assert new.decrypt(moved, aad=AAD) == SECRET
    with pytest.raises(VaultError):
        old.decrypt(moved, aad=AAD)
    with pytest.raises(VaultError):
        new.decrypt(moved, aad=b"company:1:ksef_token")  # aad binding survives the rewrap
    with pytest.raises(VaultError):
        new.rewrap(blob, old)  # only the holder of the old key can rewrap


def test_key_never_in_repr_or_errors(key: bytes) -> None:
    vault = Vault(key)
    text = repr(vault) + str(vault)
    for form in (key.hex(), base64.b64encode(key).decode(), repr(key)):
        assert form not in text
    assert vault.key_id in text
    with pytest.raises(VaultError) as err:
        Vault(key[:31])
    assert key[:31].hex() not in str(err.value)
    try:
        Vault(generate_master_key()).decrypt(vault.encrypt(b"x", aad=b""), aad=b"")
    except VaultError as exc:
        assert key.hex() not in str(exc) and base64.b64encode(key).decode() not in str(exc)


def test_key_file_created_0600_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"KSEFBOT_DATA_DIR": str(tmp_path / "data")}, env_file=None)
    with caplog.at_level(logging.WARNING, logger="bot.vault"):
        vault = Vault.from_settings(settings)
    path = tmp_path / "data" / MASTER_KEY_FILENAME
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any(str(path) in r.getMessage() and "Back" in r.getMessage() for r in caplog.records)
    stored = base64.b64decode(path.read_text().strip())
    assert stored.hex() not in caplog.text and path.read_text().strip() not in caplog.text
    blob = vault.encrypt(SECRET, aad=AAD)
    # A restart reads the same key back, without a new warning.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.vault"):
        again = Vault.from_settings(settings)
    assert again.decrypt(blob, aad=AAD) == SECRET
    assert not caplog.records


def test_key_from_env_and_from_file(tmp_path: Path, key: bytes) -> None:
    b64 = base64.b64encode(key).decode()
    from_env = Vault.from_settings(load_settings({"KSEFBOT_MASTER_KEY": b64,
                                                  "KSEFBOT_DATA_DIR": str(tmp_path)}, env_file=None))
    assert from_env.key_id == Vault(key).key_id
    assert not (tmp_path / MASTER_KEY_FILENAME).exists()  # nothing created when a key is given
    key_file = tmp_path / "k.b64"
    key_file.write_text(b64 + "\n")
    key_file.chmod(0o600)
    from_file = Vault.from_settings(load_settings({"KSEFBOT_MASTER_KEY_FILE": str(key_file),
                                                   "KSEFBOT_DATA_DIR": str(tmp_path)}, env_file=None))
    assert from_file.key_id == from_env.key_id
    with pytest.raises(VaultError, match="does not exist"):
        load_master_key(None, tmp_path / "missing.key", tmp_path)
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(VaultError, match="base64"):
        load_master_key(None, bad, tmp_path)
