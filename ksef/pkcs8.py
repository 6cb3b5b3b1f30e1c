"""Encrypted PKCS#8 keys: read the password-based encryption parameters BEFORE decrypting, refuse
absurd costs, and decrypt PBES2 keys with primitives that release the GIL.

Why: the key derivation cost (PBKDF2 iteration count, scrypt N/r/p) is chosen by whoever made the
file. A 400-byte key declaring 2³¹−1 PBKDF2 iterations keeps a CPU busy for minutes, and
``cryptography``'s ``load_*_private_key`` holds the GIL while it derives (measured: a thread running
it starves the event loop), so neither a thread nor a timeout alone protects the bot. Here:

- :func:`read_encryption` reads the ``EncryptedPrivateKeyInfo`` (RFC 5958 §3) and its PBES2
  parameters (RFC 8018 §6.2, A.2, A.4; scrypt: RFC 7914 §7) or legacy PBES1 / PKCS#12 PBE parameters;
- :func:`check_cost` refuses what no key tool produces (bounds below; figures from
  ``bench/bench_key_cost.py``);
- :func:`decrypt` does PBES2 with PBKDF2 or scrypt and AES-CBC itself, from ``cryptography``'s
  KDF and cipher primitives (which release the GIL), so a caller can run it in a thread while the
  event loop goes on. Other schemes return ``None``: the caller uses the library loader (still
  after :func:`check_cost`).

The DER reader is deliberately tiny: it reads only these fixed structures, definite lengths only,
every length checked against its enclosing element, and the bytes are parsed again in full by
``cryptography`` afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# --- bounds ---------------------------------------------------------------------------------------
# Measured (see bench/bench_key_cost.py): OpenSSL 3 (``openssl pkcs8 -topk8``, ``genpkey -aes256``)
# and ``cryptography``'s BestAvailableEncryption — hence the simulator's CA, ksef/sim/ca.py — write
# PBKDF2-HMAC-SHA256 with 2 048 iterations; .NET tools commonly pass 100 000; OWASP's 2023 advice
# for PBKDF2-HMAC-SHA256 is 600 000. UNCONFIRMED: the taxpayer portal's own figure is not
# published; the bound leaves a wide margin over all of these (about 0.2 s of SHA-256 on one core).
MAX_PBKDF2_ITERATIONS: Final = 2_000_000
# OpenSSL's scrypt default is N=2^14, r=8, p=1 (16 MiB, ~0.03 s). Memory is 128·N·r bytes; work is
# proportional to N·r·p. Four times the default memory and eight times its work are allowed.
MAX_SCRYPT_MEMORY: Final = 64 * 1024 * 1024
MAX_SCRYPT_WORK: Final = 2**20  # N·r·p
MAX_SALT_BYTES: Final = 1024

OID_PBES2: Final = "1.2.840.113549.1.5.13"
OID_PBKDF2: Final = "1.2.840.113549.1.5.12"
OID_SCRYPT: Final = "1.3.6.1.4.1.11591.4.11"
_PRFS: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "1.2.840.113549.2.7": hashes.SHA1,  # hmacWithSHA1, the RFC 8018 default
    "1.2.840.113549.2.8": hashes.SHA224,
    "1.2.840.113549.2.9": hashes.SHA256,
    "1.2.840.113549.2.10": hashes.SHA384,
    "1.2.840.113549.2.11": hashes.SHA512,
}
_AES_CBC: Final = {  # OID -> key length in bytes (NIST aes*-CBC)
    "2.16.840.1.101.3.4.1.2": 16,
    "2.16.840.1.101.3.4.1.22": 24,
    "2.16.840.1.101.3.4.1.42": 32,
}
# Legacy schemes whose parameters are SEQUENCE { salt OCTET STRING, iterations INTEGER }:
# PBES1 (RFC 8018 A.3) and PKCS#12 PBE (RFC 7292 C). The library loader decrypts those it supports.
_PKCS12_PBE: Final = "1.2.840.113549.1.12.1"
_PKCS5: Final = "1.2.840.113549.1.5"
_PBES1: Final = frozenset({"1", "3", "4", "6", "10", "11"})


class Pkcs8Error(ValueError):
    """The encrypted key's header cannot be used; subclasses say why."""


class MalformedKeyError(Pkcs8Error):
    """Not a well-formed ``EncryptedPrivateKeyInfo``."""


class UnsupportedEncryptionError(Pkcs8Error):
    """An encryption scheme whose cost cannot be read (so it is not decrypted at all)."""


class ExcessiveCostError(Pkcs8Error):
    """The declared key-derivation cost is far above what any key tool writes."""


@dataclass(frozen=True)
class KeyEncryption:
    """What an encrypted PKCS#8 key declares about its encryption."""

    kdf: str  # "pbkdf2", "scrypt" or "legacy" (PBES1 / PKCS#12 PBE)
    salt: bytes
    iterations: int = 0  # PBKDF2 and legacy
    prf: str = "1.2.840.113549.2.7"  # PBKDF2's PRF OID
    n: int = 0  # scrypt cost, block size and parallelisation
    r: int = 0
    p: int = 0
    key_length: int | None = None
    cipher: str = ""  # encryption scheme OID (PBES2)
    iv: bytes = b""
    encrypted_data: bytes = b""

    def describe(self) -> str:
        """Short English description for logs and messages (no secret in it)."""
        if self.kdf == "scrypt":
            return f"scrypt N={self.n} r={self.r} p={self.p}"
        return f"{self.kdf} with {self.iterations} iterations"


# --- a minimal DER reader -------------------------------------------------------------------------

_SEQUENCE, _INTEGER, _OCTET_STRING, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06


class _Der:
    """Reads consecutive elements of ``data[start:end]`` (definite-length DER only)."""

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data, self.pos, self.end = data, start, len(data) if end is None else end

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek_tag(self) -> int | None:
        return None if self.at_end() else self.data[self.pos]

    def _element(self, tag: int) -> tuple[int, int]:
        data, pos = self.data, self.pos
        if pos + 2 > self.end:
            raise MalformedKeyError("truncated DER element")
        if data[pos] != tag:
            raise MalformedKeyError(f"DER tag 0x{data[pos]:02x} where 0x{tag:02x} was expected")
        length, pos = data[pos + 1], pos + 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4 or pos + count > self.end:
                raise MalformedKeyError("unsupported or truncated DER length")
            length, pos = int.from_bytes(data[pos:pos + count], "big"), pos + count
        if pos + length > self.end:
            raise MalformedKeyError("DER element longer than its container")
        self.pos = pos + length
        return pos, pos + length

    def sequence(self) -> _Der:
        start, end = self._element(_SEQUENCE)
        return _Der(self.data, start, end)

    def octets(self) -> bytes:
        start, end = self._element(_OCTET_STRING)
        return self.data[start:end]

    def integer(self) -> int:
        start, end = self._element(_INTEGER)
        if start == end:
            raise MalformedKeyError("empty INTEGER")
        return int.from_bytes(self.data[start:end], "big", signed=True)

    def oid(self) -> str:
        start, end = self._element(_OID)
        body = self.data[start:end]
        if not body or body[-1] & 0x80:
            raise MalformedKeyError("malformed OBJECT IDENTIFIER")
        arcs: list[int] = []
        value = 0
        for byte in body:
            value = value << 7 | byte & 0x7F
            if not byte & 0x80:
                arcs.append(value)
                value = 0
        first = min(arcs[0] // 40, 2)
        return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))

    def skip_null(self) -> None:
        if self.peek_tag() == _NULL:
            self._element(_NULL)


# --- reading and checking -------------------------------------------------------------------------


def read_encryption(der: bytes) -> KeyEncryption:
    """The encryption an ``EncryptedPrivateKeyInfo`` (DER) declares; raises :class:`Pkcs8Error`."""
    outer = _Der(der).sequence()
    algorithm = outer.sequence()
    scheme = algorithm.oid()
    encrypted_data = outer.octets()
    if scheme == OID_PBES2:
        return _pbes2(algorithm.sequence(), encrypted_data)
    family, _, last = scheme.rpartition(".")
    if family == _PKCS12_PBE or (family == _PKCS5 and last in _PBES1):
        params = algorithm.sequence()
        salt, iterations = params.octets(), params.integer()
        return KeyEncryption("legacy", salt, iterations=iterations, cipher=scheme,
                             encrypted_data=encrypted_data)
    raise UnsupportedEncryptionError(f"unknown key encryption scheme {scheme}")


def _pbes2(params: _Der, encrypted_data: bytes) -> KeyEncryption:
    kdf = params.sequence()
    kdf_oid = kdf.oid()
    scheme = params.sequence()
    cipher = scheme.oid()
    iv = scheme.octets() if scheme.peek_tag() == _OCTET_STRING else b""
    if kdf_oid == OID_PBKDF2:
        values = kdf.sequence()
        if values.peek_tag() != _OCTET_STRING:
            raise UnsupportedEncryptionError("PBKDF2 salt from another source is not supported")
        salt, iterations = values.octets(), values.integer()
        key_length = values.integer() if values.peek_tag() == _INTEGER else None
        prf = "1.2.840.113549.2.7"
        if not values.at_end():
            prf_id = values.sequence()
            prf = prf_id.oid()
            prf_id.skip_null()
        return KeyEncryption("pbkdf2", salt, iterations=iterations, prf=prf, key_length=key_length,
                             cipher=cipher, iv=iv, encrypted_data=encrypted_data)
    if kdf_oid == OID_SCRYPT:
        values = kdf.sequence()
        salt, n, r, p = values.octets(), values.integer(), values.integer(), values.integer()
        key_length = values.integer() if values.peek_tag() == _INTEGER else None
        return KeyEncryption("scrypt", salt, n=n, r=r, p=p, key_length=key_length, cipher=cipher, iv=iv,
                             encrypted_data=encrypted_data)
    raise UnsupportedEncryptionError(f"unknown key derivation function {kdf_oid}")


def check_cost(enc: KeyEncryption) -> None:
    """Refuse a declared cost no key tool writes (:class:`ExcessiveCostError`) or a malformed one."""
    if len(enc.salt) > MAX_SALT_BYTES:
        raise MalformedKeyError(f"salt of {len(enc.salt)} bytes")
    if enc.kdf in ("pbkdf2", "legacy"):
        if enc.iterations < 1:
            raise MalformedKeyError(f"iteration count {enc.iterations}")
        if enc.iterations > MAX_PBKDF2_ITERATIONS:
            raise ExcessiveCostError(f"{enc.describe()}: more than {MAX_PBKDF2_ITERATIONS}")
        return
    n, r, p = enc.n, enc.r, enc.p
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise MalformedKeyError(f"invalid scrypt parameters {enc.describe()}")
    if 128 * n * r > MAX_SCRYPT_MEMORY or n * r * p > MAX_SCRYPT_WORK:
        raise ExcessiveCostError(f"{enc.describe()}: above {MAX_SCRYPT_MEMORY // 2**20} MiB or "
                                 f"N·r·p {MAX_SCRYPT_WORK}")


# --- decryption -----------------------------------------------------------------------------------


class DecryptionFailed(Pkcs8Error):
    """The password does not decrypt the key (bad padding after decryption)."""


def can_decrypt(enc: KeyEncryption) -> bool:
    """True when :func:`decrypt` handles this scheme (PBES2: PBKDF2 with a known PRF or scrypt, AES-CBC)."""
    if enc.cipher not in _AES_CBC or len(enc.iv) != 16:
        return False
    if enc.key_length is not None and enc.key_length != _AES_CBC[enc.cipher]:
        return False
    return enc.kdf == "scrypt" or (enc.kdf == "pbkdf2" and enc.prf in _PRFS)


def decrypt(enc: KeyEncryption, password: bytes) -> bytes:
    """The ``PrivateKeyInfo`` DER inside (RFC 8018 §6.2.2); `DecryptionFailed` when the padding is bad.

    Call :func:`check_cost` first; both the KDF and the cipher release the GIL, so this may run in a
    worker thread without stalling an event loop.
    """
    if not can_decrypt(enc):
        raise UnsupportedEncryptionError(f"no native decryption for {enc.cipher} / {enc.kdf}")
    length = _AES_CBC[enc.cipher]
    kdf: PBKDF2HMAC | Scrypt
    if enc.kdf == "scrypt":
        kdf = Scrypt(enc.salt, length, enc.n, enc.r, enc.p)
    else:
        kdf = PBKDF2HMAC(_PRFS[enc.prf](), length, enc.salt, enc.iterations)
    key = kdf.derive(password)
    if not enc.encrypted_data or len(enc.encrypted_data) % 16:
        raise MalformedKeyError("encrypted data is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(enc.iv)).decryptor()
    padded = decryptor.update(enc.encrypted_data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionFailed("the password does not decrypt the key") from None
