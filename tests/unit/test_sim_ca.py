"""The simulator's certificate authority: issued certificates, keys, CSR enrollment, persistence."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ksef.errors import CertificateAuthorityError, KsefError
from ksef.sim.ca import DEFAULT_VALIDITY, SimCA, cert_type, subject_for
from tests.paths import pem_label

NIP = "5265877635"
PASSWORD = "Tajne-Hasło-1"
# DER of OBJECT IDENTIFIER 1.2.840.113549.1.5.13 (id-PBES2).
PBES2_OID_DER = bytes.fromhex("06092a864886f70d01050d")


@pytest.fixture(scope="module")
def ca() -> SimCA:
    return SimCA.generate()


def _pem_der(pem: str) -> bytes:
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


def _key_usage(cert: x509.Certificate) -> x509.Extension[x509.KeyUsage]:
    return cert.extensions.get_extension_for_class(x509.KeyUsage)


def _self_signed(kind_bits: dict[str, bool] | None = None, name: x509.Name | None = None) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = name or subject_for(NIP)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
    )
    if kind_bits is not None:
        bits = dict.fromkeys(
            ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
        bits.update(kind_bits)
        builder = builder.add_extension(x509.KeyUsage(**bits), critical=True)
    return builder.sign(key, hashes.SHA256())


@pytest.mark.parametrize(
    ("kind", "digital_signature", "non_repudiation"),
    [("Authentication", True, False), ("Offline", False, True)],
)
def test_issued_certificate_has_the_ksef_key_usage(
    ca: SimCA, kind: str, digital_signature: bool, non_repudiation: bool
) -> None:
    issued = ca.issue(NIP, kind, PASSWORD, "EC")
    usage = _key_usage(issued.certificate)
    assert usage.critical
    assert usage.value.digital_signature is digital_signature
    assert usage.value.content_commitment is non_repudiation
    assert not usage.value.key_cert_sign
    assert cert_type(issued.certificate) == kind
    basic = issued.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca is False


def test_issued_certificate_subject_carries_the_nip(ca: SimCA) -> None:
    cert = ca.issue(NIP, "Authentication", PASSWORD, "EC", common_name="Jan Kowalski").certificate

    def attr(oid: x509.ObjectIdentifier) -> list[str]:
        return [str(a.value) for a in cert.subject.get_attributes_for_oid(oid)]

    assert attr(NameOID.COMMON_NAME) == ["Jan Kowalski"]
    assert attr(NameOID.ORGANIZATION_IDENTIFIER) == [f"VATPL-{NIP}"]
    assert attr(NameOID.SERIAL_NUMBER) == [f"TINPL-{NIP}"]
    assert attr(NameOID.COUNTRY_NAME) == ["PL"]
    assert cert.issuer == ca.certificate.subject


def test_default_validity_is_two_years_from_now(ca: SimCA) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    cert = ca.issue(NIP, "Offline", PASSWORD, "EC").certificate
    after = datetime.now(UTC)
    assert before - timedelta(seconds=1) <= cert.not_valid_before_utc <= after
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == DEFAULT_VALIDITY == timedelta(days=730)


def test_explicit_validity_is_respected(ca: SimCA) -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    end = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    cert = ca.issue(NIP, "Offline", PASSWORD, "RSA", valid_from=start, valid_to=end).certificate
    assert cert.not_valid_before_utc == start
    assert cert.not_valid_after_utc == end
    with pytest.raises(CertificateAuthorityError):
        ca.issue(NIP, "Offline", PASSWORD, "EC", valid_from=end, valid_to=start)


@pytest.mark.parametrize(
    ("key_type", "key_class"), [("RSA", rsa.RSAPrivateKey), ("EC", ec.EllipticCurvePrivateKey)]
)
def test_key_is_encrypted_pkcs8_pbes2_and_opens_only_with_the_password(
    ca: SimCA, key_type: str, key_class: type
) -> None:
    issued = ca.issue(NIP, "Offline", PASSWORD, key_type)
    assert pem_label(issued.key_pem) == "ENCRYPTED PRIVATE KEY"
    assert PBES2_OID_DER in _pem_der(issued.key_pem)[:20]
    key = serialization.load_pem_private_key(issued.key_pem.encode(), PASSWORD.encode())
    assert isinstance(key, key_class)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(serialization.Encoding.DER, spki) == issued.certificate.public_key(
    ).public_bytes(serialization.Encoding.DER, spki)
    if isinstance(key, rsa.RSAPrivateKey):
        assert key.key_size == 2048
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        assert isinstance(key.curve, ec.SECP256R1)
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(issued.key_pem.encode(), None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(issued.key_pem.encode(), b"zle-haslo")


def test_cert_pem_and_serial_match_the_certificate(ca: SimCA) -> None:
    issued = ca.issue(NIP, "Offline", PASSWORD, "EC")
    assert x509.load_pem_x509_certificate(issued.cert_pem.encode()) == issued.certificate
    assert len(issued.serial_number) == 16
    assert issued.serial_number == issued.serial_number.upper()
    assert int(issued.serial_number, 16) == issued.certificate.serial_number


def test_serial_numbers_differ(ca: SimCA) -> None:
    serials = {ca.issue(NIP, "Offline", PASSWORD, "EC").serial_number for _ in range(5)}
    assert len(serials) == 5


def test_is_issued_by_accepts_ours_and_rejects_strangers(ca: SimCA) -> None:
    ours = ca.issue(NIP, "Authentication", PASSWORD, "EC").certificate
    assert ca.is_issued_by(ours)
    assert not ca.is_issued_by(_self_signed({"digital_signature": True}))
    # Another CA with the very same name: only the signature tells them apart.
    other = SimCA.generate()
    assert other.certificate.subject == ca.certificate.subject
    assert not ca.is_issued_by(other.issue(NIP, "Authentication", PASSWORD, "EC").certificate)
    assert not ca.is_issued_by(_self_signed(name=ca.certificate.subject))


def test_rsa_root_issues_too() -> None:
    rsa_ca = SimCA.generate("RSA")
    assert isinstance(rsa_ca.private_key, rsa.RSAPrivateKey)
    cert = rsa_ca.issue(NIP, "Offline", PASSWORD, "EC").certificate
    assert rsa_ca.is_issued_by(cert)


def test_root_certificate_is_a_ca(ca: SimCA) -> None:
    basic = ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    assert _key_usage(ca.certificate).value.key_cert_sign


def test_round_trip_through_json(ca: SimCA) -> None:
    state = json.loads(json.dumps(ca.to_dict()))
    restored = SimCA.from_dict(state)
    assert restored.certificate == ca.certificate
    issued_by_restored = restored.issue(NIP, "Offline", PASSWORD, "RSA").certificate
    assert ca.is_issued_by(issued_by_restored)
    assert restored.is_issued_by(ca.issue(NIP, "Offline", PASSWORD, "EC").certificate)
    assert restored.to_dict() == ca.to_dict()


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"version": 1},
        {"version": 1, "key_pem": "nie klucz", "cert_pem": "nie certyfikat"},
        {"version": 99, "key_pem": "", "cert_pem": ""},
    ],
)
def test_bad_state_is_rejected_clearly(state: dict[str, object]) -> None:
    with pytest.raises(CertificateAuthorityError):
        SimCA.from_dict(state)


def test_state_with_mismatched_key_is_rejected(ca: SimCA) -> None:
    state = ca.to_dict()
    state["key_pem"] = SimCA.generate().to_dict()["key_pem"]
    with pytest.raises(CertificateAuthorityError, match="nie pasuje"):
        SimCA.from_dict(state)


@pytest.mark.parametrize(
    ("nip", "kind", "password", "key_type"),
    [
        ("123", "Offline", PASSWORD, "EC"),
        (NIP, "Signing", PASSWORD, "EC"),
        (NIP, "Offline", "", "EC"),
        (NIP, "Offline", PASSWORD, "DSA"),
    ],
)
def test_bad_issue_arguments(ca: SimCA, nip: str, kind: str, password: str, key_type: str) -> None:
    with pytest.raises(CertificateAuthorityError) as info:
        ca.issue(nip, kind, password, key_type)
    assert isinstance(info.value, KsefError)


def _csr(subject: x509.Name, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER)


def test_issue_from_csr_certifies_the_csr_key(ca: SimCA) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = subject_for(NIP, "Anna Nowak")
    cert = ca.issue_from_csr(_csr(subject, key), "Offline", nip=NIP)
    assert cert.subject == subject
    assert cert.public_key() == key.public_key()
    assert cert_type(cert) == "Offline"
    assert ca.is_issued_by(cert)
    start = datetime(2027, 1, 1, tzinfo=UTC)
    later = ca.issue_from_csr(_csr(subject, key), "Authentication", nip=NIP, valid_from=start)
    assert later.not_valid_before_utc == start
    assert cert_type(later) == "Authentication"


def test_issue_from_csr_rejects_bad_requests(ca: SimCA) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_nip = subject_for("1111111111")
    with pytest.raises(CertificateAuthorityError, match="NIP"):
        ca.issue_from_csr(_csr(other_nip, key), "Offline", nip=NIP)
    with pytest.raises(CertificateAuthorityError, match="PKCS#10"):
        ca.issue_from_csr(b"\x30\x03\x02\x01\x00", "Offline", nip=NIP)
    with pytest.raises(CertificateAuthorityError):
        ca.issue_from_csr(_csr(subject_for(NIP), key), "Both", nip=NIP)


def test_cert_type_of_foreign_certificates() -> None:
    assert cert_type(_self_signed(None)) is None
    assert cert_type(_self_signed({"digital_signature": True, "content_commitment": True})) is None
    assert cert_type(_self_signed({"key_encipherment": True})) is None
    assert cert_type(_self_signed({"digital_signature": True})) == "Authentication"
    assert cert_type(_self_signed({"content_commitment": True})) == "Offline"


def test_certificates_follow_the_user_file_rule_of_ksef_certs(ca: SimCA) -> None:
    # ksef/certs.py reads the user's certificate files with the same KSeF rule; ours must satisfy it.
    certs = pytest.importorskip("ksef.certs")
    for kind in ("Authentication", "Offline"):
        cert = ca.issue(NIP, kind, PASSWORD, "EC").certificate
        theirs = certs.cert_type(cert)
        assert str(getattr(theirs, "value", theirs)) == kind
