"""Cryptographic primitives used by KSeF: hashes, Base64 flavours, RSA-OAEP, AES-256-CBC.

Everything here follows docs/ksef.md (#public-keys, #authentication, #sessions-and-sending, #qr-codes);
both the client and the simulator use it.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_KEY_SIZE = 32
AES_IV_SIZE = 16


def b64(data: bytes) -> str:
    """Standard Base64 (with padding), as used in KSeF JSON bodies."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard Base64 decoding; raises ``ValueError`` on malformed input."""
    return base64.b64decode(text, validate=True)


def b64url(data: bytes) -> str:
    """Base64URL without padding, as used in QR-code links."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode Base64URL with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256(data: bytes) -> bytes:
    """Raw SHA-256 digest."""
    return hashlib.sha256(data).digest()


def sha256_b64(data: bytes) -> str:
    """Base64 of the SHA-256 digest (44 characters): ``invoiceHash`` and friends."""
    return b64(sha256(data))


def _oaep() -> asym_padding.OAEP:
    # SHA-256 for both the digest and MGF1, empty label (docs/ksef.md#authentication).
    return asym_padding.OAEP(mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rsa_oaep_encrypt(public_key: RSAPublicKey, plaintext: bytes) -> bytes:
    """RSAES-OAEP with SHA-256 / MGF1-SHA-256 and an empty label."""
    return public_key.encrypt(plaintext, _oaep())


def rsa_oaep_decrypt(private_key: RSAPrivateKey, ciphertext: bytes) -> bytes:
    """Inverse of :func:`rsa_oaep_encrypt` (used by the simulator)."""
    return private_key.decrypt(ciphertext, _oaep())


def new_aes_key() -> bytes:
    """A fresh random AES-256 key."""
    return os.urandom(AES_KEY_SIZE)


def new_iv() -> bytes:
    """A fresh random 16-byte IV."""
    return os.urandom(AES_IV_SIZE)


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-256-CBC with PKCS#7 padding; the IV is NOT prepended (docs/ksef.md#sessions-and-sending)."""
    if len(key) != AES_KEY_SIZE or len(iv) != AES_IV_SIZE:
        raise ValueError("AES-256-CBC needs a 32-byte key and a 16-byte IV")
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`aes_cbc_encrypt`; raises ``ValueError`` on bad padding or length."""
    if len(key) != AES_KEY_SIZE or len(iv) != AES_IV_SIZE:
        raise ValueError("AES-256-CBC needs a 32-byte key and a 16-byte IV")
    if not ciphertext or len(ciphertext) % 16:
        raise ValueError("ciphertext length is not a multiple of the AES block size")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


