"""Test helper: encrypted PKCS#8 keys with the PBES2 parameters a test chooses, DER built by hand.

``cryptography`` writes only its own choice (PBKDF2-HMAC-SHA256, 2 048 iterations), so keys with other
PRFs, ciphers, scrypt or absurd costs are assembled here from RFC 5958 / RFC 8018 / RFC 7914
structures and encrypted with ``cryptography``'s primitives (real encryption, so they decrypt).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ksef.certs import PrivateKey

PRF_OIDS = {"sha1": "1.2.840.113549.2.7", "sha224": "1.2.840.113549.2.8", "sha256": "1.2.840.113549.2.9",
            "sha384": "1.2.840.113549.2.10", "sha512": "1.2.840.113549.2.11"}
PRF_HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
              "sha384": hashes.SHA384, "sha512": hashes.SHA512}
AES_OIDS = {16: "2.16.840.1.101.3.4.1.2", 24: "2.16.840.1.101.3.4.1.22", 32: "2.16.840.1.101.3.4.1.42"}


def tlv(tag: int, body: bytes) -> bytes:
    """One DER element (definite length)."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def octets(value: bytes) -> bytes:
    return tlv(0x04, value)


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | arc & 0x7F)
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def pem(der: bytes, label: str = "ENCRYPTED PRIVATE KEY") -> bytes:
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode()


def pbkdf2_params(salt: bytes, iterations: int, prf: str = "sha256") -> bytes:
    # hmacWithSHA1 is the DEFAULT, which DER leaves out (cryptography refuses it written out).
    prf_der = b"" if prf == "sha1" else seq(oid(PRF_OIDS[prf]), tlv(0x05, b""))
    return seq(oid("1.2.840.113549.1.5.12"), seq(octets(salt), integer(iterations), prf_der))


def scrypt_params(salt: bytes, n: int, r: int, p: int) -> bytes:
    return seq(oid("1.3.6.1.4.1.11591.4.11"), seq(octets(salt), integer(n), integer(r), integer(p)))


def encrypted_pkcs8(key: PrivateKey | None, password: str, *, iterations: int = 2048, prf: str = "sha256",
                    aes_bytes: int = 32, scrypt: tuple[int, int, int] | None = None, encrypt: bool = True,
                    der: bool = False) -> bytes:
    """An encrypted PKCS#8 key (PEM unless ``der``) with the given KDF parameters.

    ``encrypt=False`` (or ``key=None``) skips the key derivation and fills the ciphertext with random
    blocks: the way to build a key whose declared cost is too high to ever derive in a test.
    """
    salt, iv = os.urandom(16), os.urandom(16)
    if key is None or not encrypt:
        ciphertext = os.urandom(144)
    else:
        plain = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        kdf = (Scrypt(salt, aes_bytes, *scrypt) if scrypt else
               PBKDF2HMAC(PRF_HASHES[prf](), aes_bytes, salt, iterations))
        aes_key = kdf.derive(password.encode())
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
    kdf_der = scrypt_params(salt, *scrypt) if scrypt else pbkdf2_params(salt, iterations, prf)
    algorithm = seq(oid("1.2.840.113549.1.5.13"), seq(kdf_der, seq(oid(AES_OIDS[aes_bytes]), octets(iv))))
    der_bytes = seq(algorithm, octets(ciphertext))
    return der_bytes if der else pem(der_bytes)
