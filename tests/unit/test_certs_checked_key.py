"""ksef.certs.load_checked_key: our own stored (already checked) key loads as PEM or DER, both kinds."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ksef import certs


@pytest.mark.parametrize("kind", ["EC", "RSA"])
@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER])
def test_stored_keys_load_back_equal(kind: certs.KeyType, encoding: serialization.Encoding) -> None:
    key = certs.generate_private_key(kind)
    stored = key.private_bytes(encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    loaded = certs.load_checked_key(stored)
    assert loaded.private_numbers() == key.private_numbers()


def test_not_a_key_or_encrypted_or_weak_is_refused() -> None:
    with pytest.raises(certs.NotAKeyError):
        certs.load_checked_key(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(certs.NotAKeyError):
        certs.load_checked_key(certs.encrypt_private_key_pem(certs.generate_private_key("EC"), "hasło"))
    weak = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(certs.UnsupportedKeyError):
        certs.load_checked_key(weak)
