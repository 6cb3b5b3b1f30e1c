"""KSeF certificate files: loading the portal's ``.key`` / ``.crt`` pair, checking it, and CSRs
(docs/ksef.md#certificates).

The taxpayer portal hands out an encrypted PKCS#8 (PBES2) private key — PEM or DER, RSA or EC P-256 —
and an X.509 certificate (PEM or DER). :func:`load_key_pair` turns those bytes plus a password into a
:class:`KsefCertificate`, and every way it can go wrong has its own :class:`CertificateError` subclass
with a Polish ``user_message`` telling the user what to do.

An encrypted key's declared decryption cost is read and bounded before anything is decrypted
(:mod:`ksef.pkcs8`), so a crafted file cannot keep the CPU busy for minutes; the bot decrypts with
:func:`load_key_pair_async`, in a worker thread with a time limit, so other chats go on meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ksef import pkcs8
from ksef.errors import KsefError

KeyType = Literal["RSA", "EC"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# Real keys and certificates are a few kilobytes; anything much larger is not one, and refusing it
# early keeps a 2 MB upload from reaching the ASN.1 parsers at all.
MAX_FILE_SIZE = 64 * 1024
MIN_RSA_BITS = 2048
# Time limit of :func:`load_key_pair_async`. Within the cost bounds of ksef.pkcs8 a decryption takes
# well under a second; the limit answers the user even when the machine is badly overloaded.
KEY_DECRYPT_TIMEOUT = 10.0


class CertType(StrEnum):
    """The two kinds of KSeF certificate; values spelled as in the API (``certificateType``)."""

    AUTHENTICATION = "Authentication"
    OFFLINE = "Offline"


# --- errors ---------------------------------------------------------------------------------------


class CertificateError(KsefError):
    """A key or certificate file could not be used; ``user_message`` says why, in Polish."""

    user_message: str = "Nie udało się użyć certyfikatu KSeF."

    def __init__(self, message: str, user_message: str | None = None) -> None:
        super().__init__(message)
        if user_message is not None:
            self.user_message = user_message


class PasswordRequiredError(CertificateError):
    """The private key is encrypted and no password was given."""

    user_message = ("Klucz prywatny jest zaszyfrowany. Podaj hasło ustawione w Aplikacji Podatnika KSeF "
                    "przy generowaniu certyfikatu.")


class WrongPasswordError(CertificateError):
    """The password does not decrypt the private key."""

    user_message = ("Hasło do klucza prywatnego jest nieprawidłowe. Sprawdź wielkość liter i układ "
                    "klawiatury, a potem spróbuj ponownie.")


class NotAKeyError(CertificateError):
    """The "key" file is not a private key at all (text, garbage, a certificate...)."""

    user_message = ("Ten plik nie jest kluczem prywatnym. Wyślij plik .key pobrany z Aplikacji "
                    "Podatnika KSeF razem z certyfikatem.")


class UnsupportedKeyError(CertificateError):
    """A private key KSeF does not accept (RSA shorter than 2048 bits, EC other than P-256, ...)."""

    user_message = ("Ten rodzaj klucza nie jest obsługiwany przez KSeF. Potrzebny jest klucz RSA "
                    "(co najmniej 2048 bitów) albo EC P-256 — wygeneruj nowy certyfikat w Aplikacji "
                    "Podatnika KSeF.")


class KeyCostError(UnsupportedKeyError):
    """The key declares a decryption cost far above what the portal or common tools use (refused unread)."""

    user_message = ("Ten klucz prywatny jest zaszyfrowany z nietypowo wysokim kosztem odszyfrowania — "
                    "takich plików nie tworzy ani Aplikacja Podatnika KSeF, ani popularne narzędzia, "
                    "więc bot go nie otworzy. Wyślij plik .key pobrany z Aplikacji Podatnika KSeF.")


class KeyTimeoutError(CertificateError):
    """Decrypting the key took longer than the time limit (the machine is overloaded)."""

    user_message = ("Odszyfrowanie klucza trwało zbyt długo. Spróbuj ponownie za kilka minut; jeśli to się "
                    "powtórzy, wyślij plik .key pobrany z Aplikacji Podatnika KSeF.")


class NotACertificateError(CertificateError):
    """The "certificate" file is not an X.509 certificate."""

    user_message = ("Ten plik nie jest certyfikatem. Wyślij plik .crt (lub .cer) pobrany z Aplikacji "
                    "Podatnika KSeF.")


class KeyMismatchError(CertificateError):
    """The private key does not belong to the certificate."""

    user_message = ("Klucz prywatny nie pasuje do tego certyfikatu. Wyślij parę plików .key i .crt "
                    "pobranych razem dla tego samego certyfikatu.")


class CertificateExpiredError(CertificateError):
    """The certificate's validity period has ended."""

    user_message = ("Certyfikat KSeF wygasł. Wygeneruj nowy certyfikat w Aplikacji Podatnika KSeF "
                    "i wyślij go ponownie.")


class CertificateNotYetValidError(CertificateError):
    """The certificate's validity period has not started yet."""

    user_message = ("Certyfikat KSeF nie jest jeszcze ważny (data początku ważności jest w przyszłości). "
                    "Poczekaj do tej daty albo wyślij inny certyfikat.")


class WrongCertificateTypeError(CertificateError):
    """An Authentication certificate offered where an Offline one is needed, or vice versa."""

    user_message = "To nie jest certyfikat wymaganego typu."


# --- the loaded pair ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KsefCertificate:
    """A checked key + certificate pair, ready to sign KOD II or to log in with XAdES."""

    private_key: PrivateKey
    certificate: x509.Certificate
    serial_hex: str
    cert_type: CertType | None
    not_before: datetime
    not_after: datetime
    subject_nip: str | None
    common_name: str | None
    key_type: KeyType


def _to_bytes(password: str | bytes | None) -> bytes | None:
    if password is None:
        return None
    return password.encode("utf-8") if isinstance(password, str) else password


_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


def _pem_labels(data: bytes) -> list[str]:
    return [m.group(1).decode("ascii") for m in _PEM_RE.finditer(data)]


def _bare_base64(data: bytes) -> bytes | None:
    """DER bytes if ``data`` is Base64 text without PEM armour (people paste keys like that)."""
    text = b"".join(data.split())
    if len(text) < 64 or not re.fullmatch(rb"[A-Za-z0-9+/]+={0,2}", text):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _looks_like_certificate(data: bytes) -> bool:
    labels = _pem_labels(data)
    if labels:
        return any("CERTIFICATE" in label and "REQUEST" not in label for label in labels)
    try:
        x509.load_der_x509_certificate(data)
    except ValueError:
        return False
    return True


def _not_a_key(data: bytes) -> NotAKeyError:
    if _looks_like_certificate(data):
        return NotAKeyError(
            "a certificate was given where the private key was expected",
            "To jest certyfikat (.crt), a nie klucz prywatny. Wyślij plik .key — klucz prywatny "
            "zapisany przy generowaniu certyfikatu w Aplikacji Podatnika KSeF.",
        )
    if b"PUBLIC KEY-----" in data:
        return NotAKeyError(
            "a public key was given where the private key was expected",
            "To jest klucz publiczny, a potrzebny jest klucz prywatny (plik .key z Aplikacji "
            "Podatnika KSeF).",
        )
    if b"CERTIFICATE REQUEST" in data:
        return NotAKeyError(
            "a certificate signing request was given where the private key was expected",
            "To jest wniosek certyfikacyjny (CSR), a nie klucz prywatny. Wyślij plik .key.",
        )
    return NotAKeyError("the file is not a private key (PEM or DER PKCS#8 expected)")


_PEM_BLOCK_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def _encrypted_pkcs8(data: bytes, pem: bool) -> bytes | None:
    """DER of the encrypted PKCS#8 key the library loader reads from ``data`` (its first private-key
    PEM block), or None when that block is an OpenSSL "traditional" encrypted key (its key derivation
    is one MD5 round: nothing to bound)."""
    if not pem:
        return data
    for match in _PEM_BLOCK_RE.finditer(data):
        label = match.group(1)
        if label == b"ENCRYPTED PRIVATE KEY":
            try:
                return base64.b64decode(b"".join(match.group(2).split()), validate=True)
            except (binascii.Error, ValueError):
                raise NotAKeyError("the encrypted private key's PEM body is not Base64") from None
        if b"PRIVATE KEY" in label:
            return None
    return None


def _key_encryption(data: bytes, pem: bool) -> pkcs8.KeyEncryption | None:
    """The encryption the key declares, its cost checked (before any password is tried)."""
    der = _encrypted_pkcs8(data, pem)
    if der is None:
        return None
    try:
        encryption = pkcs8.read_encryption(der)
        pkcs8.check_cost(encryption)
    except pkcs8.ExcessiveCostError as exc:
        raise KeyCostError(f"refused before decrypting: {exc}") from None
    except pkcs8.UnsupportedEncryptionError as exc:
        raise UnsupportedKeyError(
            f"unsupported key encryption: {exc}",
            "Ten klucz prywatny jest zaszyfrowany metodą, której bot nie obsługuje. Wyślij plik .key pobrany "
            "z Aplikacji Podatnika KSeF.") from None
    except pkcs8.Pkcs8Error as exc:
        raise NotAKeyError(f"the encrypted key's header is malformed: {exc}") from None
    return encryption


def _decrypt(data: bytes, attempt: bytes, encryption: pkcs8.KeyEncryption | None,
             loader: Callable[[bytes, bytes | None], object]) -> object | None:
    """The key decrypted with one password, or None when the password is wrong."""
    if encryption is not None and pkcs8.can_decrypt(encryption):
        # PBES2 with AES-CBC: derive and decrypt with primitives that release the GIL (see ksef.pkcs8).
        try:
            plain = pkcs8.decrypt(encryption, attempt)
            return serialization.load_der_private_key(plain, None)
        except (pkcs8.DecryptionFailed, ValueError):
            return None
        except UnsupportedAlgorithm as exc:
            raise UnsupportedKeyError(f"unsupported private key: {exc}") from exc
    try:
        return loader(data, attempt)
    except ValueError:
        return None
    except UnsupportedAlgorithm as exc:
        raise UnsupportedKeyError(f"unsupported key encryption: {exc}") from exc


def load_private_key(key_bytes: bytes, password: str | bytes | None) -> PrivateKey:
    """Load a PKCS#8 (or traditional) private key, PEM or DER, encrypted or not.

    An encrypted key's declared decryption cost is checked first, even without a password, so a
    crafted file is refused before any work. Raises :class:`PasswordRequiredError`,
    :class:`WrongPasswordError`, :class:`NotAKeyError`, :class:`UnsupportedKeyError` or
    :class:`KeyCostError`.
    """
    if not key_bytes or len(key_bytes) > MAX_FILE_SIZE:
        raise NotAKeyError(f"the file is {len(key_bytes)} bytes long: not a private key")
    pw = _to_bytes(password)
    if pw == b"":
        pw = None
    labels = _pem_labels(key_bytes)
    loader: Callable[[bytes, bytes | None], object]
    if labels:
        if not any("PRIVATE KEY" in label for label in labels):
            raise _not_a_key(key_bytes)
        candidates = [key_bytes]
        loader = serialization.load_pem_private_key
    else:
        bare = _bare_base64(key_bytes)
        candidates = [key_bytes] if bare is None else [bare, key_bytes]
        loader = serialization.load_der_private_key

    key: object = None
    encrypted = False
    for data in candidates:
        try:
            key = loader(data, None)
            break
        except TypeError:
            # cryptography signals "encrypted, but no password given" with TypeError.
            encrypted = True
            break
        except (ValueError, UnsupportedAlgorithm):
            continue
    else:
        raise _not_a_key(key_bytes)

    if encrypted:
        encryption = _key_encryption(data, pem=bool(labels))
        if pw is None:
            raise PasswordRequiredError("the private key is encrypted and no password was given")
        attempts = [pw]
        stripped = pw.strip()
        if stripped and stripped != pw:
            # A stray space or newline copied with the password is the commonest typo.
            attempts.append(stripped)
        for attempt in attempts:
            key = _decrypt(data, attempt, encryption, loader)
            if key is not None:
                break
        else:
            raise WrongPasswordError("the password does not decrypt the private key")
    return _check_key(key)


def _check_key(key: object) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise UnsupportedKeyError(
                f"RSA key of {key.key_size} bits; KSeF needs at least {MIN_RSA_BITS}",
                f"Klucz RSA ma tylko {key.key_size} bitów, a KSeF wymaga co najmniej {MIN_RSA_BITS}. "
                "Wygeneruj nowy certyfikat w Aplikacji Podatnika KSeF.",
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedKeyError(
                f"EC key on curve {key.curve.name}; KSeF uses P-256 (secp256r1)",
                f"Klucz EC na krzywej {key.curve.name} nie jest obsługiwany — KSeF używa krzywej P-256. "
                "Wygeneruj nowy certyfikat w Aplikacji Podatnika KSeF.",
            )
        return key
    raise UnsupportedKeyError(f"unsupported private key type {type(key).__name__}; RSA or EC P-256 expected")


def load_checked_key(key_bytes: bytes) -> PrivateKey:
    """Load an unencrypted key (PEM or DER) that :func:`load_key_pair` already checked, e.g. the
    Offline key read back from our own encrypted store before signing a KOD II.

    RSA's consistency check (tens of milliseconds per load) is skipped: it ran when the key was
    first loaded, and these bytes are ours since. Never use it for a key from outside.
    """
    pem = key_bytes.lstrip().startswith(b"-----")
    loader = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        key: object = loader(key_bytes, None, unsafe_skip_rsa_key_validation=True)
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        raise NotAKeyError(f"not an unencrypted private key: {exc}") from None
    return _check_key(key)


def load_certificate(cert_bytes: bytes) -> x509.Certificate:
    """Load an X.509 certificate, PEM or DER (or bare Base64 DER). Raises :class:`NotACertificateError`."""
    if not cert_bytes or len(cert_bytes) > MAX_FILE_SIZE:
        raise NotACertificateError(f"the file is {len(cert_bytes)} bytes long: not a certificate")
    labels = _pem_labels(cert_bytes)
    if labels:
        if any("PRIVATE KEY" in label for label in labels) and "CERTIFICATE" not in labels:
            raise NotACertificateError(
                "a private key was given where the certificate was expected",
                "To jest klucz prywatny (.key), a nie certyfikat. Wyślij plik .crt pobrany z "
                "Aplikacji Podatnika KSeF.",
            )
        try:
            return x509.load_pem_x509_certificate(cert_bytes)
        except ValueError as exc:
            raise NotACertificateError(f"the PEM file holds no readable certificate: {exc}") from exc
    for data in (cert_bytes, _bare_base64(cert_bytes)):
        if data is None:
            continue
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            continue
    raise NotACertificateError("the file is not an X.509 certificate (PEM or DER expected)")


def cert_type(cert: x509.Certificate) -> CertType | None:
    """KSeF's rule (docs/ksef.md#certificates): keyUsage digitalSignature → Authentication,
    nonRepudiation → Offline.

    Returns None when it cannot tell: no keyUsage extension, or both or neither bit set (KSeF issues
    exactly one type per certificate, so such a certificate is not one of its own).
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if usage.content_commitment and not usage.digital_signature:
        return CertType.OFFLINE
    if usage.digital_signature and not usage.content_commitment:
        return CertType.AUTHENTICATION
    return None


def serial_hex(cert: x509.Certificate) -> str:
    """The certificate serial as KOD II and the KSeF registry write it: uppercase hex.

    How leading zeros are handled, and why: KSeF reports serials as 16 uppercase hex digits
    (enrollment ``certificateSerialNumber``; docs example ``01F20A5D352AE590`` keeps its leading
    zero). We therefore write the positive integer in whole bytes (never an odd number of digits),
    drop the DER sign byte ``00`` that a serial with the top bit set carries (it is not part of the
    number, and keeping it would give 18 digits), and left-pad with zeros to at least 16 digits so
    a KSeF serial whose first byte is ``00`` still matches the registry. Longer serials (e.g. the
    20-byte random ones of other CAs) keep their natural length.
    """
    value = cert.serial_number
    digits = format(value, "X")
    if len(digits) % 2:
        digits = "0" + digits
    return digits.rjust(16, "0")


_NIP_PATTERNS = (
    re.compile(r"^(?:TINPL|VATPL|NIP)[-:]?\s*(\d{10})$", re.IGNORECASE),
    re.compile(r"^(\d{10})$"),
)


def _subject_nip(cert: x509.Certificate) -> str | None:
    for oid in (NameOID.ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER, NameOID.COMMON_NAME):
        for attr in cert.subject.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else attr.value.decode("utf-8", "replace")
            for pattern in _NIP_PATTERNS:
                match = pattern.match(value.strip())
                if match:
                    return match.group(1)
    return None


def _common_name(cert: x509.Certificate) -> str | None:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attrs:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _spki(key: PublicKey | object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


_TYPE_PL = {CertType.OFFLINE: "Offline", CertType.AUTHENTICATION: "uwierzytelniający (Authentication)"}


def _format_day(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M UTC")


def load_key_pair(key_bytes: bytes, cert_bytes: bytes, password: str | bytes | None, *,
                  expected_type: CertType | None = None, now: datetime | None = None) -> KsefCertificate:
    """Load and check a KSeF key + certificate pair.

    Checks, in this order: the key (password, format, algorithm), the certificate, that they belong
    together, the certificate type (when ``expected_type`` is given) and the validity period at
    ``now`` (default: the current time). Each failure raises its own :class:`CertificateError`.
    """
    key = load_private_key(key_bytes, password)
    cert = load_certificate(cert_bytes)
    if _spki(cert.public_key()) != _spki(key.public_key()):
        raise KeyMismatchError("the private key does not match the certificate's public key")
    kind = cert_type(cert)
    if expected_type is not None and kind != expected_type:
        wanted = _TYPE_PL[expected_type]
        if kind is None:
            user = (f"Nie da się rozpoznać typu tego certyfikatu, a potrzebny jest certyfikat KSeF typu "
                    f"{wanted}. Wygeneruj go w Aplikacji Podatnika KSeF.")
        elif expected_type is CertType.OFFLINE:
            user = ("To certyfikat uwierzytelniający (Authentication) — służy do logowania, nie do "
                    "podpisywania kodów QR. Do faktur offline potrzebny jest certyfikat typu Offline: "
                    "wygeneruj go w Aplikacji Podatnika KSeF.")
        else:
            user = ("To certyfikat typu Offline — służy tylko do kodów QR faktur offline i nie pozwala "
                    "zalogować się do KSeF. Potrzebny jest certyfikat uwierzytelniający (Authentication).")
        raise WrongCertificateTypeError(
            f"certificate type is {kind.value if kind else 'unknown'}, expected {expected_type.value}", user)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    if moment > not_after:
        raise CertificateExpiredError(
            f"the certificate expired on {not_after.isoformat()}",
            f"Certyfikat KSeF wygasł {_format_day(not_after)}. Wygeneruj nowy certyfikat w Aplikacji "
            "Podatnika KSeF i wyślij go ponownie.",
        )
    if moment < not_before:
        raise CertificateNotYetValidError(
            f"the certificate is valid only from {not_before.isoformat()}",
            f"Certyfikat KSeF będzie ważny dopiero od {_format_day(not_before)}. Poczekaj do tej chwili "
            "albo wyślij inny certyfikat.",
        )
    return KsefCertificate(
        private_key=key, certificate=cert, serial_hex=serial_hex(cert), cert_type=kind,
        not_before=not_before, not_after=not_after, subject_nip=_subject_nip(cert),
        common_name=_common_name(cert), key_type="RSA" if isinstance(key, rsa.RSAPrivateKey) else "EC",
    )


_key_threads: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _key_threads
    if _key_threads is None:
        # Two threads: decryptions of several users overlap without taking every core of the machine.
        _key_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ksef-key")
    return _key_threads


async def load_key_pair_async(key_bytes: bytes, cert_bytes: bytes, password: str | bytes | None, *,
                              expected_type: CertType | None = None, now: datetime | None = None,
                              timeout: float = KEY_DECRYPT_TIMEOUT) -> KsefCertificate:  # noqa: ASYNC109
    """:func:`load_key_pair` in a worker thread, answered within ``timeout`` seconds.

    The event loop goes on meanwhile (PBES2 keys are derived with GIL-releasing primitives). On time-out
    :class:`KeyTimeoutError` is raised; the thread itself cannot be stopped, which is why the declared
    cost is bounded before any decryption: that bound is what keeps a crafted key harmless.
    """
    call = functools.partial(load_key_pair, key_bytes, cert_bytes, password, expected_type=expected_type,
                             now=now)
    future = asyncio.get_running_loop().run_in_executor(_executor(), call)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise KeyTimeoutError(f"decrypting the key took more than {timeout} s") from None


async def load_private_key_async(key_bytes: bytes, password: str | bytes | None, *,
                                 timeout: float = KEY_DECRYPT_TIMEOUT) -> PrivateKey:  # noqa: ASYNC109
    """:func:`load_private_key` in the same worker threads as :func:`load_key_pair_async`, answered within
    ``timeout`` seconds (:class:`KeyTimeoutError`)."""
    future = asyncio.get_running_loop().run_in_executor(_executor(), load_private_key, key_bytes, password)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise KeyTimeoutError(f"decrypting the key took more than {timeout} s") from None


# --- new keys and CSRs ----------------------------------------------------------------------------


def generate_private_key(kind: KeyType = "EC") -> PrivateKey:
    """A new key of the kinds KSeF accepts: EC P-256 (recommended by KSeF) or RSA 2048."""
    if kind == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key kind {kind!r}: use 'RSA' or 'EC'")


# Enrollment-data field names (GET /certificates/enrollments/data) → their X.500 attribute OIDs.
CSR_FIELDS: Mapping[str, x509.ObjectIdentifier] = {
    "commonName": NameOID.COMMON_NAME,  # 2.5.4.3
    "surname": NameOID.SURNAME,  # 2.5.4.4
    "serialNumber": NameOID.SERIAL_NUMBER,  # 2.5.4.5
    "countryName": NameOID.COUNTRY_NAME,  # 2.5.4.6
    "organizationName": NameOID.ORGANIZATION_NAME,  # 2.5.4.10
    "givenName": NameOID.GIVEN_NAME,  # 2.5.4.42
    "uniqueIdentifier": NameOID.X500_UNIQUE_IDENTIFIER,  # 2.5.4.45
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER,  # 2.5.4.97
}


# The official C# client writes the subject in this order, with these string types; KSeF compares the
# CSR's subject with its enrollment data, so we follow it rather than the caller's mapping order.
_CSR_ORDER = ("commonName", "surname", "givenName", "organizationName", "organizationIdentifier",
              "countryName", "serialNumber", "uniqueIdentifier")
_PRINTABLE_FIELDS = frozenset({"countryName", "serialNumber"})
_PRINTABLE_RE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*")


def _csr_attribute(name: str, value: str) -> x509.NameAttribute[str]:
    # ``_ASN1Type`` is cryptography's (stable, if underscored) way to choose the string type.
    if name in _PRINTABLE_FIELDS and _PRINTABLE_RE.fullmatch(value):
        string_type = x509.name._ASN1Type.PrintableString
    else:
        # UTF8String also for uniqueIdentifier (X.520 says BIT STRING; KSeF's data is text).
        string_type = x509.name._ASN1Type.UTF8String
    return x509.NameAttribute(CSR_FIELDS[name], value, string_type)


def build_csr(private_key: PrivateKey, subject: Mapping[str, str]) -> bytes:
    """A PKCS#10 CSR (DER) signed with SHA-256, with the subject KSeF's enrollment data asks for.

    ``subject`` uses the enrollment-data field names (``commonName``, ``surname``, ``serialNumber``,
    ``countryName``, ``organizationName``, ``givenName``, ``uniqueIdentifier``,
    ``organizationIdentifier``); empty values are skipped. Unknown names raise ``ValueError``.
    RSA keys sign with PKCS#1 v1.5, EC keys with ECDSA (both accepted by KSeF, docs/ksef.md#certificates).
    """
    unknown = sorted(set(subject) - set(CSR_FIELDS))
    if unknown:
        raise ValueError(f"unknown CSR subject field(s): {', '.join(unknown)}")
    attributes = [_csr_attribute(name, subject[name]) for name in _CSR_ORDER if subject.get(name)]
    if not attributes:
        raise ValueError("the CSR subject is empty")
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    csr = builder.sign(private_key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER)


def encrypt_private_key_pem(key: PrivateKey, password: str | bytes) -> bytes:
    """The key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC) — the form the KSeF portal hands out."""
    pw = _to_bytes(password)
    if not pw:
        raise ValueError("a non-empty password is required")
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(pw))
