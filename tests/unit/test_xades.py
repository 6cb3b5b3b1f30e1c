"""XAdES-signed AuthTokenRequest: building, signing (checked by signxml as an independent verifier)
and the simulator-side verification with its precise rejections."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from ksef.errors import (
    BadSignatureError,
    CertificateValidityError,
    KsefValidationError,
    MalformedDocumentError,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureScopeError,
    SignedPropertiesError,
    TamperedContentError,
    XadesError,
)
from ksef.schemas import AUTH_NAMESPACE, schema_errors
from ksef.sim.ca import SimCA
from ksef.xades import (
    DS_NS,
    ECDSA_SHA256,
    RSA_SHA256,
    XADES_NS,
    build_auth_token_request,
    certificate_subject_nip,
    sign_enveloped,
    verify_signed_auth_request,
)

NIP = "5265877635"
OTHER_NIP = "7010002137"
CHALLENGE = "20250625-CR-20F5EE4000-DA48AE4124-46"
OTHER_CHALLENGE = "20250625-CR-20F5EE4000-DA48AE4124-47"
PASSWORD = "haslo-testowe"
NS = {"ds": DS_NS, "xades": XADES_NS, "a": AUTH_NAMESPACE}


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate


@pytest.fixture(scope="module")
def ca() -> SimCA:
    return SimCA.generate()


def _signer(
    ca: SimCA, key_type: str, valid_from: datetime | None = None, valid_to: datetime | None = None
) -> Signer:
    issued = ca.issue(NIP, "Authentication", PASSWORD, key_type, valid_from=valid_from, valid_to=valid_to)
    key = serialization.load_pem_private_key(issued.key_pem.encode(), PASSWORD.encode())
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return Signer(key, issued.certificate)


@pytest.fixture(scope="module", params=["RSA", "EC"])
def signer(request: pytest.FixtureRequest, ca: SimCA) -> Signer:
    return _signer(ca, request.param)


@pytest.fixture(scope="module")
def ec_signer(ca: SimCA) -> Signer:
    return _signer(ca, "EC")


@pytest.fixture
def signed(signer: Signer) -> bytes:
    return sign_enveloped(build_auth_token_request(CHALLENGE, NIP), signer.key, signer.cert)


def _signature(doc: bytes) -> etree._Element:
    found = etree.fromstring(doc).find("ds:Signature", NS)
    assert found is not None
    return found


# ---- building -----------------------------------------------------------------------------------


def test_built_request_is_valid_against_the_auth_xsd() -> None:
    doc = build_auth_token_request(CHALLENGE, NIP)
    assert schema_errors("auth", doc) == []
    root = etree.fromstring(doc)
    assert root.tag == f"{{{AUTH_NAMESPACE}}}AuthTokenRequest"
    assert root.findtext("a:Challenge", namespaces=NS) == CHALLENGE
    assert root.findtext("a:ContextIdentifier/a:Nip", namespaces=NS) == NIP
    assert root.findtext("a:SubjectIdentifierType", namespaces=NS) == "certificateSubject"
    assert doc.startswith(b"<?xml")


def test_built_request_with_fingerprint_and_ip_policy() -> None:
    doc = build_auth_token_request(
        CHALLENGE, NIP, subject_identifier_type="certificateFingerprint",
        allowed_ips=["10.0.0.0/8", "192.168.1.10", "10.1.1.1-10.1.1.9"],
    )
    assert schema_errors("auth", doc) == []
    root = etree.fromstring(doc)
    assert root.findtext("a:SubjectIdentifierType", namespaces=NS) == "certificateFingerprint"
    kinds = [etree.QName(e).localname for e in root.iterfind("a:AuthorizationPolicy/a:AllowedIps/*", NS)]
    assert kinds == ["Ip4Address", "Ip4Range", "Ip4Mask"]


@pytest.mark.parametrize(
    ("challenge", "nip", "subject_type"),
    [
        ("20250625-CR-20F5EE4000-DA48AE4124-4", NIP, "certificateSubject"),
        ("20250625-cr-20f5ee4000-da48ae4124-46", NIP, "certificateSubject"),
        (CHALLENGE, "526587763", "certificateSubject"),
        (CHALLENGE, "0265877635", "certificateSubject"),
        (CHALLENGE, NIP, "pesel"),
    ],
)
def test_bad_input_is_refused_with_a_message(challenge: str, nip: str, subject_type: str) -> None:
    with pytest.raises(KsefValidationError) as info:
        build_auth_token_request(challenge, nip, subject_identifier_type=subject_type)
    assert str(info.value)


def test_bad_ip_policy_is_refused() -> None:
    with pytest.raises(KsefValidationError, match="schematem"):
        build_auth_token_request(CHALLENGE, NIP, allowed_ips=["300.1.1.1"])


# ---- signing, checked by an independent verifier --------------------------------------------------


def test_signature_verifies_with_signxml(signer: Signer, signed: bytes) -> None:
    config = XAdESSignatureConfiguration(expect_references=2)
    results = XAdESVerifier().verify(signed, x509_cert=signer.cert, expect_config=config)
    # The first reference is the whole document minus the signature: the request itself.
    assert results[0].signed_xml is not None
    assert results[0].signed_xml.findtext("a:Challenge", namespaces=NS) == CHALLENGE
    assert results[1].signed_xml is not None
    assert results[1].signed_xml.tag == f"{{{XADES_NS}}}SignedProperties"


def test_signature_chains_to_the_ca_in_signxml(ca: SimCA, signed: bytes, tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(ca.to_dict()["cert_pem"])
    config = XAdESSignatureConfiguration(expect_references=2)
    results = XAdESVerifier().verify(signed, ca_pem_file=str(ca_file), expect_config=config)
    assert len(results) == 2


def test_signature_profile(signer: Signer, signed: bytes) -> None:
    signature = _signature(signed)
    parent = signature.getparent()
    assert parent is not None and parent.index(signature) == len(parent) - 1 == 3
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
    assert method is not None
    expected_method = RSA_SHA256 if isinstance(signer.key, rsa.RSAPrivateKey) else ECDSA_SHA256
    assert method.get("Algorithm") == expected_method
    c14n = signature.find("ds:SignedInfo/ds:CanonicalizationMethod", NS)
    assert c14n is not None and c14n.get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    refs = signature.findall("ds:SignedInfo/ds:Reference", NS)
    assert len(refs) == 2 and refs[0].get("URI") == ""
    transforms = [t.get("Algorithm") for t in refs[0].iterfind("ds:Transforms/ds:Transform", NS)]
    assert "http://www.w3.org/2000/09/xmldsig#enveloped-signature" in transforms
    assert refs[1].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    props = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS)
    assert props is not None and refs[1].get("URI") == "#" + props.get("Id", "")
    digest = props.findtext(".//xades:CertDigest/ds:DigestValue", namespaces=NS)
    assert digest == base64.b64encode(signer.cert.fingerprint(hashes.SHA256())).decode()
    serial = props.findtext(".//xades:IssuerSerial/ds:X509SerialNumber", namespaces=NS)
    assert serial == str(signer.cert.serial_number)
    assert props.findtext(".//xades:SigningTime", namespaces=NS)
    embedded = signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    assert embedded is not None and x509.load_der_x509_certificate(base64.b64decode(embedded)) == signer.cert
    raw = base64.b64decode(signature.findtext("ds:SignatureValue", namespaces=NS) or "")
    # XML-DSig ECDSA values are r||s (64 bytes for P-256), not ASN.1 DER.
    assert len(raw) == (256 if isinstance(signer.key, rsa.RSAPrivateKey) else 64)


def test_signed_document_is_valid_against_the_xsd_after_stripping_the_signature(signed: bytes) -> None:
    # Pitfall 16: the auth XSD does not declare ds:Signature, so the signed document itself fails ...
    assert schema_errors("auth", signed) != []
    root = etree.fromstring(signed)
    signature = root.find("ds:Signature", NS)
    assert signature is not None
    root.remove(signature)
    # ... and validates once the signature is taken out.
    assert schema_errors("auth", root) == []


def test_signing_time_is_not_before_a_fresh_certificate(ca: SimCA) -> None:
    fresh = _signer(ca, "EC")  # valid from this very second
    doc = sign_enveloped(build_auth_token_request(CHALLENGE, NIP), fresh.key, fresh.cert)
    when = verify_signed_auth_request(doc).signing_time
    assert when is not None and when >= fresh.cert.not_valid_before_utc


def test_sign_refuses_a_key_of_another_certificate(ca: SimCA, signer: Signer) -> None:
    stranger = _signer(ca, "EC")
    with pytest.raises(KsefValidationError, match="nie pasuje"):
        sign_enveloped(build_auth_token_request(CHALLENGE, NIP), stranger.key, signer.cert)


def test_sign_refuses_malformed_or_signed_input(ec_signer: Signer) -> None:
    with pytest.raises(KsefValidationError):
        sign_enveloped(b"<AuthTokenRequest", ec_signer.key, ec_signer.cert)
    once = sign_enveloped(build_auth_token_request(CHALLENGE, NIP), ec_signer.key, ec_signer.cert)
    with pytest.raises(KsefValidationError, match="podpisany"):
        sign_enveloped(once, ec_signer.key, ec_signer.cert)


# ---- verification (the simulator's side) -----------------------------------------------------------


def test_verify_accepts_a_good_document(signer: Signer, signed: bytes) -> None:
    result = verify_signed_auth_request(signed)
    assert result.challenge == CHALLENGE
    assert result.context_nip == NIP
    assert result.context_type == "Nip"
    assert result.subject_identifier_type == "certificateSubject"
    assert result.certificate == signer.cert
    assert result.allowed_ips == ()
    assert result.signing_time is not None
    assert abs(result.signing_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert certificate_subject_nip(result.certificate) == NIP


def test_verify_returns_fingerprint_type_and_ip_policy(ec_signer: Signer) -> None:
    doc = build_auth_token_request(
        CHALLENGE, NIP, subject_identifier_type="certificateFingerprint", allowed_ips=["1.2.3.4"]
    )
    result = verify_signed_auth_request(sign_enveloped(doc, ec_signer.key, ec_signer.cert))
    assert result.subject_identifier_type == "certificateFingerprint"
    assert result.allowed_ips == ("1.2.3.4",)


def test_verify_accepts_a_signature_made_by_signxml(signer: Signer) -> None:
    # A third-party XAdES signer (3 references, SigningCertificateV2, KeyValue) must be accepted too.
    algorithm = "rsa-sha256" if isinstance(signer.key, rsa.RSAPrivateKey) else "ecdsa-sha256"
    root = etree.fromstring(build_auth_token_request(CHALLENGE, OTHER_NIP))
    theirs = XAdESSigner(signature_algorithm=algorithm, digest_algorithm="sha256").sign(
        root, key=signer.key, cert=[signer.cert]
    )
    result = verify_signed_auth_request(etree.tostring(theirs))
    assert result.context_nip == OTHER_NIP
    assert result.certificate == signer.cert


def _resign(root: etree._Element, signer: Signer, *, inclusive: bool = False) -> bytes:
    """Recompute the SignedProperties digest and the signature value after editing ``root``,
    as a signer that really produced such a document would have."""
    props = root.find(".//xades:SignedProperties", NS)
    refs = root.findall("ds:Signature/ds:SignedInfo/ds:Reference", NS)
    signed_info = root.find("ds:Signature/ds:SignedInfo", NS)
    value = root.find("ds:Signature/ds:SignatureValue", NS)
    assert props is not None and signed_info is not None and value is not None
    props_c14n = etree.tostring(props, method="c14n", exclusive=True, with_comments=False)
    digest = refs[1].find("ds:DigestValue", NS)
    assert digest is not None
    digest.text = base64.b64encode(_sha256(props_c14n)).decode()
    data = etree.tostring(signed_info, method="c14n", exclusive=not inclusive, with_comments=False)
    if isinstance(signer.key, rsa.RSAPrivateKey):
        raw = signer.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(signer.key.sign(data, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    value.text = base64.b64encode(raw).decode()
    return etree.tostring(root)


def _sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def test_verify_accepts_the_official_client_profile(signer: Signer, signed: bytes) -> None:
    # The official C# client canonicalises SignedInfo with inclusive C14N 1.0 (the default of .NET's
    # SignedXml); re-sign our document that way and check the simulator still accepts it.
    root = etree.fromstring(signed)
    c14n = root.find("ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod", NS)
    signed_info = root.find("ds:Signature/ds:SignedInfo", NS)
    assert c14n is not None and signed_info is not None
    c14n.set("Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    inclusive = etree.tostring(signed_info, method="c14n", exclusive=False, with_comments=False)
    assert b'xmlns="http://ksef.mf.gov.pl/auth/token/2.1"' in inclusive  # inherited namespace kept
    result = verify_signed_auth_request(_resign(root, signer, inclusive=True))
    assert result.challenge == CHALLENGE


def test_resigning_helper_is_faithful(signer: Signer, signed: bytes) -> None:
    # Guard for the tests below: re-signing an unchanged document keeps it acceptable.
    assert verify_signed_auth_request(_resign(etree.fromstring(signed), signer)).context_nip == NIP


def test_signed_properties_naming_another_certificate_are_rejected(
    ca: SimCA, signer: Signer, signed: bytes
) -> None:
    other = _signer(ca, "EC").cert
    root = etree.fromstring(signed)
    digest = root.find(".//xades:SigningCertificate/xades:Cert/xades:CertDigest/ds:DigestValue", NS)
    assert digest is not None
    digest.text = base64.b64encode(other.fingerprint(hashes.SHA256())).decode()
    with pytest.raises(SignedPropertiesError, match="inny certyfikat"):
        verify_signed_auth_request(_resign(root, signer))


def test_signed_properties_with_another_serial_are_rejected(signer: Signer, signed: bytes) -> None:
    root = etree.fromstring(signed)
    serial = root.find(".//xades:IssuerSerial/ds:X509SerialNumber", NS)
    assert serial is not None
    serial.text = str(signer.cert.serial_number + 1)
    with pytest.raises(SignedPropertiesError, match="seryjny"):
        verify_signed_auth_request(_resign(root, signer))


def test_verify_picks_the_signing_certificate_out_of_a_chain(
    ca: SimCA, signer: Signer, signed: bytes
) -> None:
    # Qualified signatures often carry the issuer chain in KeyInfo too; put the CA certificate first.
    root = etree.fromstring(signed)
    x509_data = root.find("ds:Signature/ds:KeyInfo/ds:X509Data", NS)
    assert x509_data is not None
    ca_el = etree.Element(f"{{{DS_NS}}}X509Certificate")
    ca_el.text = base64.b64encode(ca.certificate.public_bytes(serialization.Encoding.DER)).decode()
    x509_data.insert(0, ca_el)
    assert verify_signed_auth_request(etree.tostring(root)).certificate == signer.cert


def test_verify_accepts_the_v20_namespace(ec_signer: Signer) -> None:
    # The OpenAPI example still uses auth v2.0; KSeF accepts both namespaces.
    doc = build_auth_token_request(CHALLENGE, NIP).replace(
        AUTH_NAMESPACE.encode(), b"http://ksef.mf.gov.pl/auth/token/2.0"
    )
    result = verify_signed_auth_request(sign_enveloped(doc, ec_signer.key, ec_signer.cert))
    assert (result.challenge, result.context_nip) == (CHALLENGE, NIP)
    bad = doc.replace(b"certificateSubject", b"pesel")
    with pytest.raises(MalformedDocumentError, match="schematem"):
        verify_signed_auth_request(sign_enveloped(bad, ec_signer.key, ec_signer.cert))


def test_tampered_challenge_is_rejected(signed: bytes) -> None:
    tampered = signed.replace(CHALLENGE.encode(), OTHER_CHALLENGE.encode())
    assert tampered != signed
    with pytest.raises(TamperedContentError):
        verify_signed_auth_request(tampered)


def test_tampered_nip_is_rejected(signed: bytes) -> None:
    tampered = signed.replace(f"<Nip>{NIP}</Nip>".encode(), f"<Nip>{OTHER_NIP}</Nip>".encode())
    assert tampered != signed
    with pytest.raises(TamperedContentError) as info:
        verify_signed_auth_request(tampered)
    assert info.value.reason == "tampered-content"


def test_content_added_after_signing_is_rejected(signed: bytes) -> None:
    tampered = signed.replace(
        b"</SubjectIdentifierType>",
        b"</SubjectIdentifierType><AuthorizationPolicy><AllowedIps><Ip4Address>1.2.3.4</Ip4Address>"
        b"</AllowedIps></AuthorizationPolicy>",
    )
    with pytest.raises(TamperedContentError):
        verify_signed_auth_request(tampered)


@pytest.mark.parametrize("impostor_key", ["RSA", "EC"])
def test_signature_by_another_key_than_the_embedded_certificate_is_rejected(
    ca: SimCA, signed: bytes, impostor_key: str
) -> None:
    impostor = _signer(ca, impostor_key).cert
    root = etree.fromstring(signed)
    cert_el = root.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    assert cert_el is not None
    cert_el.text = base64.b64encode(impostor.public_bytes(serialization.Encoding.DER)).decode()
    with pytest.raises(BadSignatureError):
        verify_signed_auth_request(etree.tostring(root))


def test_changed_signature_value_is_rejected(signed: bytes) -> None:
    root = etree.fromstring(signed)
    value = root.find("ds:Signature/ds:SignatureValue", NS)
    assert value is not None and value.text
    raw = bytearray(base64.b64decode(value.text))
    raw[len(raw) // 2] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(BadSignatureError):
        verify_signed_auth_request(etree.tostring(root))


def test_changed_signed_properties_are_rejected(signed: bytes) -> None:
    root = etree.fromstring(signed)
    when = root.find(".//xades:SigningTime", NS)
    assert when is not None
    when.text = "2020-01-01T00:00:00Z"
    with pytest.raises(SignedPropertiesError):
        verify_signed_auth_request(etree.tostring(root))


def test_expired_certificate_is_rejected(ca: SimCA) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    old = _signer(ca, "EC", valid_from=start, valid_to=start + timedelta(days=365))
    doc = sign_enveloped(build_auth_token_request(CHALLENGE, NIP), old.key, old.cert,
                         signing_time=start + timedelta(days=10))
    # Inside its validity the very same document is fine ...
    assert verify_signed_auth_request(doc, now=start + timedelta(days=11)).context_nip == NIP
    # ... after it, the certificate has expired; before it, it is not yet valid.
    with pytest.raises(CertificateValidityError, match="wygasł"):
        verify_signed_auth_request(doc)
    with pytest.raises(CertificateValidityError, match="jeszcze"):
        verify_signed_auth_request(doc, now=start - timedelta(days=1))


def test_document_without_signature_is_rejected() -> None:
    with pytest.raises(MissingSignatureError):
        verify_signed_auth_request(build_auth_token_request(CHALLENGE, NIP))


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"<AuthTokenRequest",
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<AuthTokenRequest xmlns='http://ksef.mf.gov.pl/auth/token/3.0'/>",
        b"<Other/>",
        b'<!DOCTYPE AuthTokenRequest [<!ENTITY n "5265877635">]>'
        b"<AuthTokenRequest xmlns='http://ksef.mf.gov.pl/auth/token/2.1'><Nip>&n;</Nip></AuthTokenRequest>",
    ],
)
def test_malformed_documents_are_rejected(payload: bytes) -> None:
    with pytest.raises(MalformedDocumentError):
        verify_signed_auth_request(payload)


def test_signature_not_covering_the_document_is_rejected(signed: bytes) -> None:
    root = etree.fromstring(signed)
    ref = root.find("ds:Signature/ds:SignedInfo/ds:Reference", NS)
    assert ref is not None and ref.get("URI") == ""
    ref.set("URI", "#elsewhere")
    with pytest.raises(SignatureScopeError):
        verify_signed_auth_request(etree.tostring(root))


def test_two_signatures_are_ambiguous(signed: bytes) -> None:
    root = etree.fromstring(signed)
    root.append(etree.fromstring(etree.tostring(_signature(signed))))
    with pytest.raises(MalformedSignatureError):
        verify_signed_auth_request(etree.tostring(root))


def test_signature_without_certificate_is_rejected(signed: bytes) -> None:
    root = etree.fromstring(signed)
    key_info = root.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    with pytest.raises(MalformedSignatureError):
        verify_signed_auth_request(etree.tostring(root))


def test_validly_signed_but_schema_invalid_content_is_rejected(ec_signer: Signer) -> None:
    # Signed correctly, but the content breaks the XSD (unknown subject identifier type).
    doc = build_auth_token_request(CHALLENGE, NIP).replace(b"certificateSubject", b"pesel")
    signed = sign_enveloped(doc, ec_signer.key, ec_signer.cert)
    with pytest.raises(MalformedDocumentError, match="schematem"):
        verify_signed_auth_request(signed)


def test_all_rejections_share_one_base() -> None:
    with pytest.raises(XadesError):
        verify_signed_auth_request(b"<x/>")
