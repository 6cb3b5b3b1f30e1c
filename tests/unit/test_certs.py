"""Loading and checking KSeF key/certificate files, CSRs and the portal's key format
(docs/ksef.md#certificates)."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ksef import certs
from ksef.certs import (
    CertificateError,
    CertificateExpiredError,
    CertificateNotYetValidError,
    CertType,
    KeyMismatchError,
    NotACertificateError,
    NotAKeyError,
    PasswordRequiredError,
    UnsupportedKeyError,
    WrongCertificateTypeError,
    WrongPasswordError,
    load_key_pair,
)
from ksef.errors import KsefError
from tests import certgen
from tests.paths import pem_label

PBES2_OID_DER = bytes.fromhex("06092a864886f70d01050d")  # 1.2.840.113549.1.5.13


@pytest.mark.parametrize("kind", ["EC", "RSA"])
@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_portal_pair_loads(kind: str, der: bool) -> None:
    files = certgen.make_pair(kind, der=der)  # type: ignore[arg-type]
    assert (pem_label(files.key_file) == "ENCRYPTED PRIVATE KEY") is not der
    pair = load_key_pair(files.key_file, files.cert_file, files.password, expected_type=CertType.OFFLINE)
    assert pair.key_type == kind
    assert pair.cert_type is CertType.OFFLINE
    assert pair.serial_hex == "01F20A5D352AE590"
    assert pair.subject_nip == "5265877635"
    assert pair.common_name == "Jan Kowalski"
    assert pair.certificate == files.certificate
    assert pair.not_before < datetime.now(UTC) < pair.not_after
    want = rsa.RSAPrivateKey if kind == "RSA" else ec.EllipticCurvePrivateKey
    assert isinstance(pair.private_key, want)
    assert pair.private_key.private_numbers() == files.key.private_numbers()


def test_password_as_bytes_and_unencrypted_keys() -> None:
    files = certgen.make_pair("EC")
    assert load_key_pair(files.key_file, files.cert_file, files.password.encode("utf-8")).key_type == "EC"
    plain = certgen.key_file(files.key, None)
    assert pem_label(plain) == "PRIVATE KEY"
    # No password needed; a password given for an unencrypted key is not an error.
    assert load_key_pair(plain, files.cert_file, None).cert_type is CertType.OFFLINE
    assert load_key_pair(plain, files.cert_file, "ignored").cert_type is CertType.OFFLINE
    plain_der = certgen.key_file(files.key, None, der=True)
    assert load_key_pair(plain_der, files.cert_file, None).key_type == "EC"


def test_traditional_openssl_key_format_loads() -> None:
    files = certgen.make_pair("RSA")
    traditional = files.key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption())
    assert pem_label(traditional) == "RSA PRIVATE KEY"
    assert load_key_pair(traditional, files.cert_file, None).key_type == "RSA"


def test_bare_base64_files_load() -> None:
    files = certgen.make_pair("EC", der=True)
    key_b64 = base64.encodebytes(files.key_file)
    cert_b64 = base64.b64encode(files.cert_file)
    assert load_key_pair(key_b64, cert_b64, files.password).serial_hex == "01F20A5D352AE590"


def test_password_with_stray_whitespace_still_works() -> None:
    files = certgen.make_pair("EC")
    assert load_key_pair(files.key_file, files.cert_file, f" {files.password}\n").key_type == "EC"


# --- each failure has its own error ----------------------------------------------------------------


def _error(key: bytes, cert: bytes, password: str | None, **kw: object) -> CertificateError:
    with pytest.raises(CertificateError) as info:
        load_key_pair(key, cert, password, **kw)  # type: ignore[arg-type]
    error = info.value
    assert isinstance(error, KsefError)
    assert error.user_message and error.user_message != CertificateError.user_message
    assert str(error)
    return error


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_wrong_and_missing_password(der: bool) -> None:
    files = certgen.make_pair("EC", der=der)
    assert type(_error(files.key_file, files.cert_file, "zle-haslo")) is WrongPasswordError
    assert type(_error(files.key_file, files.cert_file, None)) is PasswordRequiredError
    assert type(_error(files.key_file, files.cert_file, "")) is PasswordRequiredError


def test_not_a_key() -> None:
    files = certgen.make_pair("EC")
    text = "To jest mój klucz do KSeF, hasło w zeszycie.\n".encode()
    assert type(_error(text, files.cert_file, files.password)) is NotAKeyError
    random_2mb = os.urandom(2 * 1024 * 1024)
    assert type(_error(random_2mb, files.cert_file, files.password)) is NotAKeyError
    assert type(_error(os.urandom(1200), files.cert_file, files.password)) is NotAKeyError
    assert type(_error(b"", files.cert_file, files.password)) is NotAKeyError
    public = files.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    assert "publiczny" in _error(public, files.cert_file, files.password).user_message
    csr = certs.build_csr(files.key, {"commonName": "Jan"})
    csr_pem = x509.load_der_x509_csr(csr).public_bytes(serialization.Encoding.PEM)
    assert "CSR" in _error(csr_pem, files.cert_file, files.password).user_message


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_certificate_given_as_key(der: bool) -> None:
    files = certgen.make_pair("EC", der=der)
    error = _error(files.cert_file, files.cert_file, files.password)
    assert type(error) is NotAKeyError
    assert "certyfikat" in error.user_message.lower()


def test_not_a_certificate() -> None:
    files = certgen.make_pair("EC")
    assert type(_error(files.key_file, b"hello", files.password)) is NotACertificateError
    assert type(_error(files.key_file, os.urandom(2 * 1024 * 1024), files.password)) is NotACertificateError
    assert type(_error(files.key_file, os.urandom(900), files.password)) is NotACertificateError
    error = _error(files.key_file, files.key_file, files.password)  # the key offered as certificate
    assert type(error) is NotACertificateError
    assert "klucz prywatny" in error.user_message


def test_unsupported_keys() -> None:
    small = certgen.new_key("RSA", bits=1024)
    cert = certgen.make_certificate(small)
    error = _error(certgen.key_file(small), certgen.cert_file(cert), certgen.PASSWORD)
    assert type(error) is UnsupportedKeyError and "1024" in error.user_message
    p384 = certgen.new_key("EC384")
    cert384 = certgen.make_certificate(p384)
    assert type(_error(certgen.key_file(p384), certgen.cert_file(cert384), certgen.PASSWORD)) is (
        UnsupportedKeyError)


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_key_certificate_mismatch(der: bool) -> None:
    first = certgen.make_pair("EC", der=der)
    second = certgen.make_pair("EC", der=der, slot=1)
    assert type(_error(first.key_file, second.cert_file, first.password)) is KeyMismatchError
    rsa_pair = certgen.make_pair("RSA", der=der)
    assert type(_error(first.key_file, rsa_pair.cert_file, first.password)) is KeyMismatchError


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_expired_and_not_yet_valid(der: bool) -> None:
    now = datetime.now(UTC)
    expired = certgen.make_pair("EC", der=der, not_before=now - timedelta(days=400),
                                not_after=now - timedelta(days=1))
    error = _error(expired.key_file, expired.cert_file, expired.password)
    assert type(error) is CertificateExpiredError and "wygasł" in error.user_message
    future = certgen.make_pair("EC", der=der, not_before=now + timedelta(days=2),
                               not_after=now + timedelta(days=400))
    error = _error(future.key_file, future.cert_file, future.password)
    assert type(error) is CertificateNotYetValidError and "dopiero od" in error.user_message
    # The same certificate is fine at a moment inside its validity period.
    later = now + timedelta(days=3)
    assert load_key_pair(future.key_file, future.cert_file, future.password, now=later).key_type == "EC"


@pytest.mark.parametrize("der", [False, True], ids=["pem", "der"])
def test_wrong_certificate_type_both_ways(der: bool) -> None:
    auth = certgen.make_pair("EC", der=der, cert_type=CertType.AUTHENTICATION)
    error = _error(auth.key_file, auth.cert_file, auth.password, expected_type=CertType.OFFLINE)
    assert type(error) is WrongCertificateTypeError and "uwierzytelniający" in error.user_message
    offline = certgen.make_pair("RSA", der=der, cert_type=CertType.OFFLINE)
    error = _error(offline.key_file, offline.cert_file, offline.password,
                   expected_type=CertType.AUTHENTICATION)
    assert type(error) is WrongCertificateTypeError and "typu Offline" in error.user_message
    # Without an expectation both load, and say what they are.
    assert load_key_pair(auth.key_file, auth.cert_file, auth.password).cert_type is CertType.AUTHENTICATION
    assert load_key_pair(auth.key_file, auth.cert_file, auth.password,
                         expected_type=CertType.AUTHENTICATION).key_type == "EC"


def test_every_failure_has_a_distinct_class_and_message() -> None:
    classes = [PasswordRequiredError, WrongPasswordError, NotAKeyError, UnsupportedKeyError,
               NotACertificateError, KeyMismatchError, CertificateExpiredError,
               CertificateNotYetValidError, WrongCertificateTypeError]
    assert len(set(classes)) == len(classes)
    assert len({c.user_message for c in classes}) == len(classes)
    assert all(issubclass(c, CertificateError) and issubclass(c, KsefError) for c in classes)


# --- certificate type and serial -------------------------------------------------------------------


def test_cert_type_rule() -> None:
    key = certgen.new_key("EC")
    assert certs.cert_type(certgen.make_certificate(key, cert_type=CertType.OFFLINE)) is CertType.OFFLINE
    assert certs.cert_type(certgen.make_certificate(key, cert_type=CertType.AUTHENTICATION)) is (
        CertType.AUTHENTICATION)
    assert certs.cert_type(certgen.make_certificate(key, cert_type=None)) is None
    assert certs.cert_type(certgen.make_certificate(key, cert_type=None, both_usages=True)) is None
    unknown = certgen.make_pair("EC", cert_type=None)
    error = _error(unknown.key_file, unknown.cert_file, unknown.password, expected_type=CertType.OFFLINE)
    assert type(error) is WrongCertificateTypeError and "rozpoznać" in error.user_message


@pytest.mark.parametrize(("serial", "expected"), [
    (0x01F20A5D352AE590, "01F20A5D352AE590"),  # leading zero digit kept (docs example)
    (0x81F20A5D352AE590, "81F20A5D352AE590"),  # top bit set: no DER sign byte in the text
    (0x00F20A5D352AE590, "00F20A5D352AE590"),  # short value padded to KSeF's 16 digits
    (0x1234, "0000000000001234"),
    (0x0102030405060708090A0B0C0D0E0F1011121314, "0102030405060708090A0B0C0D0E0F1011121314"),
])
def test_serial_hex(serial: int, expected: str) -> None:
    cert = certgen.make_certificate(certgen.new_key("EC"), serial=serial)
    assert certs.serial_hex(cert) == expected


@pytest.mark.parametrize("value", ["TINPL-5265877635", "VATPL-5265877635", "5265877635"])
def test_subject_nip_patterns(value: str) -> None:
    key = certgen.new_key("EC")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Firma"),
                      x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, value)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=9))
            .sign(key, hashes.SHA256()))
    pair = load_key_pair(certgen.key_file(key), certgen.cert_file(cert), certgen.PASSWORD)
    assert pair.subject_nip == "5265877635"
    assert pair.cert_type is None and pair.common_name == "Firma"


# --- new keys, CSRs and the portal's key format -----------------------------------------------------

SUBJECT = {
    "commonName": "Jan Kowalski", "givenName": "Jan", "surname": "Kowalski",
    "serialNumber": "TINPL-5265877635", "countryName": "PL", "organizationName": "Usługi Żółw",
    "organizationIdentifier": "VATPL-5265877635", "uniqueIdentifier": "ksef-12345",
}


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_csr_carries_subject_and_verifies(kind: str) -> None:
    key = certs.generate_private_key(kind)  # type: ignore[arg-type]
    if kind == "RSA":
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
    der = certs.build_csr(key, SUBJECT)
    csr = x509.load_der_x509_csr(der)
    assert csr.is_signature_valid
    assert csr.public_key() == key.public_key()
    oids = {"commonName": "2.5.4.3", "surname": "2.5.4.4", "serialNumber": "2.5.4.5",
            "countryName": "2.5.4.6", "organizationName": "2.5.4.10", "givenName": "2.5.4.42",
            "uniqueIdentifier": "2.5.4.45", "organizationIdentifier": "2.5.4.97"}
    for name, oid in oids.items():
        attrs = csr.subject.get_attributes_for_oid(x509.ObjectIdentifier(oid))
        assert [a.value for a in attrs] == [SUBJECT[name]], name
    # Same order and string types as the official client: C and serialNumber PrintableString.
    order = [attr.oid.dotted_string for attr in csr.subject]
    assert order == [oids[n] for n in ("commonName", "surname", "givenName", "organizationName",
                                        "organizationIdentifier", "countryName", "serialNumber",
                                        "uniqueIdentifier")]
    assert bytes.fromhex("0603550406") + b"\x13\x02PL" in der
    assert bytes.fromhex("0603550405") + b"\x13\x10TINPL-5265877635" in der
    assert bytes.fromhex("060355042d") + b"\x0c\x0aksef-12345" in der  # UTF8String


def test_csr_rejects_unknown_fields_and_empty_subject() -> None:
    key = certgen.new_key("EC")
    with pytest.raises(ValueError, match="emailAddress"):
        certs.build_csr(key, {"commonName": "x", "emailAddress": "a@b.pl"})
    with pytest.raises(ValueError):
        certs.build_csr(key, {})
    with pytest.raises(ValueError):
        certs.generate_private_key("DSA")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_encrypted_pem_is_pbes2_and_round_trips(kind: str) -> None:
    key = certgen.new_key(kind)  # type: ignore[arg-type]
    pem = certs.encrypt_private_key_pem(key, "tajne hasło")
    assert pem_label(pem) == "ENCRYPTED PRIVATE KEY"
    body = base64.b64decode(b"".join(pem.split(b"\n")[1:-2]))
    assert PBES2_OID_DER in body[:40]
    loaded = certs.load_private_key(pem, "tajne hasło")
    assert loaded.public_key() == key.public_key()
    with pytest.raises(WrongPasswordError):
        certs.load_private_key(pem, "inne hasło")
    with pytest.raises(ValueError):
        certs.encrypt_private_key_pem(key, "")


@pytest.mark.parametrize("kind", ["EC", "RSA"])
def test_simulator_issued_pairs_load(kind: str) -> None:
    # The simulator hands out pairs "as the portal would"; they must pass our checks unchanged, and a
    # CSR we build must be certifiable by it with the NIP found again in the subject.
    ca_module = pytest.importorskip("ksef.sim.ca")
    ca = ca_module.SimCA.generate()
    issued = ca.issue("5265877635", "Offline", certgen.PASSWORD, kind)
    pair = load_key_pair(issued.key_pem.encode(), issued.cert_pem.encode(), certgen.PASSWORD,
                         expected_type=CertType.OFFLINE)
    assert pair.serial_hex == issued.serial_number
    assert pair.subject_nip == "5265877635" and pair.key_type == kind
    key = certs.generate_private_key(kind)
    csr = certs.build_csr(key, {"commonName": "Jan Kowalski", "serialNumber": "TINPL-5265877635",
                                "countryName": "PL"})
    cert = ca.issue_from_csr(csr, "Authentication", nip="5265877635")
    pem = certs.encrypt_private_key_pem(key, "hasło")
    loaded = load_key_pair(pem, certgen.cert_file(cert), "hasło", expected_type=CertType.AUTHENTICATION)
    assert loaded.subject_nip == "5265877635"
