"""XAdES-signed ``AuthTokenRequest``: building, signing and verifying (docs/ksef.md#authentication).

Login with a KSeF (or qualified) certificate sends an ``AuthTokenRequest`` (auth XSD v2.1) carrying an
enveloped XAdES-BES signature to ``POST /auth/xades-signature``.

Signature profile produced by :func:`sign_enveloped`, modelled on the official C# client
(``SignatureService.cs``) so that the real KSeF accepts it:

- ``ds:Signature`` appended as the last child of the document element (enveloped);
- RSA-SHA256 (PKCS#1 v1.5) or ECDSA-SHA256 (``r||s``, RFC 4050) signature value, SHA-256 digests;
- exclusive C14N for SignedInfo and both references (the C# client uses inclusive C14N for SignedInfo;
  exclusive is on the list of transforms KSeF documents as allowed and does not depend on the
  namespaces of the enclosing document);
- reference ``URI=""`` with the enveloped-signature transform (the whole document) and a reference to
  ``xades:SignedProperties`` (``Type=http://uri.etsi.org/01903#SignedProperties``);
- SignedProperties: ``SigningTime`` and ``SigningCertificate`` (SHA-256 digest of the certificate,
  issuer name and serial). The legacy v1 element is what the official client sends; the V2 variant
  is accepted by :func:`verify_signed_auth_request` too;
- ``KeyInfo/X509Data/X509Certificate`` with the signing certificate.

:func:`verify_signed_auth_request` is the simulator's side. It delegates the XML-DSig/XAdES
cryptography to ``signxml`` and reads the challenge and the context only from what the signature
actually covers.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import exceptions as sx_exceptions
from signxml.verifier import VerifyResult
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

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
from ksef.schemas import AUTH_NAMESPACE, safe_parser, schema_errors

__all__ = [
    "BadSignatureError",
    "CertificateValidityError",
    "MalformedDocumentError",
    "MalformedSignatureError",
    "MissingSignatureError",
    "SignatureScopeError",
    "SignedPropertiesError",
    "TamperedContentError",
    "VerifiedAuthRequest",
    "XadesError",
    "build_auth_token_request",
    "certificate_subject_nip",
    "sign_enveloped",
    "verify_signed_auth_request",
]

DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS: Final = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED_TRANSFORM: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256_DIGEST: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SIGNED_PROPERTIES_TYPE: Final = "http://uri.etsi.org/01903#SignedProperties"

# KSeF still accepts documents in the auth v2.0 namespace (the OpenAPI example uses it), but its XSD
# cannot be compiled by libxml2 (pitfall 17). The element structure is the same as in v2.1, so such
# documents are checked against the v2.1 XSD after renaming the namespace (safe reading, UNCONFIRMED
# whether KSeF's v2.0 IP patterns differ in edge cases).
AUTH_NAMESPACE_V20: Final = "http://ksef.mf.gov.pl/auth/token/2.0"
_ROOT_TAGS: Final = (f"{{{AUTH_NAMESPACE}}}AuthTokenRequest", f"{{{AUTH_NAMESPACE_V20}}}AuthTokenRequest")

SUBJECT_IDENTIFIER_TYPES: Final = ("certificateSubject", "certificateFingerprint")
CONTEXT_TYPES: Final = ("Nip", "InternalId", "NipVatUe", "PeppolId")

# The XSD pattern of Challenge (auth v2.1): 36 characters.
_CHALLENGE_RE: Final = re.compile(r"^\d{8}-CR-[A-F0-9]{10}-[A-F0-9]{10}-[A-F0-9]{2}$")
# The XSD pattern of TNIP (no checksum: KSeF checks it only on PRD, docs/ksef.md#invoice-checks).
_NIP_RE: Final = re.compile(r"^[1-9]((\d[1-9])|([1-9]\d))\d{7}$")

# The official C# client dates SigningTime one minute back so that a server whose clock is slightly
# behind never sees a signature "from the future". We do the same.
_SIGNING_TIME_MARGIN: Final = timedelta(minutes=1)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _ds(tag: str) -> str:
    return f"{{{DS_NS}}}{tag}"


def _xades(tag: str) -> str:
    return f"{{{XADES_NS}}}{tag}"


def _auth(tag: str) -> str:
    return f"{{{AUTH_NAMESPACE}}}{tag}"


# --------------------------------------------------------------------------------------------------
# Building the document
# --------------------------------------------------------------------------------------------------


def build_auth_token_request(
    challenge: str,
    context_nip: str,
    *,
    subject_identifier_type: str = "certificateSubject",
    allowed_ips: Sequence[str] = (),
) -> bytes:
    """The unsigned ``AuthTokenRequest`` (auth XSD v2.1) for ``challenge`` in the NIP context.

    ``allowed_ips`` optionally restricts the session to IPv4 addresses (``a.b.c.d``), ranges
    (``a.b.c.d-e.f.g.h``) or masks (``a.b.c.d/nn``), at most 10 of each. Raises
    :class:`~ksef.errors.KsefValidationError` with a Polish message for bad input.
    """
    if not _CHALLENGE_RE.match(challenge):
        raise KsefValidationError(
            f"nieprawidłowy challenge {challenge!r}: oczekiwano 36 znaków w formacie "
            "RRRRMMDD-CR-XXXXXXXXXX-XXXXXXXXXX-XX"
        )
    if not _NIP_RE.match(context_nip):
        raise KsefValidationError(f"nieprawidłowy NIP kontekstu {context_nip!r}: oczekiwano 10 cyfr")
    if subject_identifier_type not in SUBJECT_IDENTIFIER_TYPES:
        raise KsefValidationError(
            f"nieznany SubjectIdentifierType {subject_identifier_type!r}: "
            f"dozwolone {', '.join(SUBJECT_IDENTIFIER_TYPES)}"
        )
    # lxml-stubs types nsmap keys as str, but None (the default namespace) is what lxml expects.
    root = etree.Element(_auth("AuthTokenRequest"), nsmap={None: AUTH_NAMESPACE})  # type: ignore[dict-item]
    etree.SubElement(root, _auth("Challenge")).text = challenge
    context = etree.SubElement(root, _auth("ContextIdentifier"))
    etree.SubElement(context, _auth("Nip")).text = context_nip
    etree.SubElement(root, _auth("SubjectIdentifierType")).text = subject_identifier_type
    if allowed_ips:
        policy = etree.SubElement(root, _auth("AuthorizationPolicy"))
        allowed = etree.SubElement(policy, _auth("AllowedIps"))
        # The XSD orders the three lists: addresses, then ranges, then masks.
        for kind in ("Ip4Address", "Ip4Range", "Ip4Mask"):
            for ip in allowed_ips:
                if _ip_kind(ip) == kind:
                    etree.SubElement(allowed, _auth(kind)).text = ip
    issues = schema_errors("auth", root)
    if issues:
        raise KsefValidationError(
            "dokument AuthTokenRequest niezgodny ze schematem: " + "; ".join(str(i) for i in issues[:3])
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _ip_kind(ip: str) -> str:
    if "/" in ip:
        return "Ip4Mask"
    if "-" in ip:
        return "Ip4Range"
    return "Ip4Address"


# --------------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------------


def _c14n(element: etree._Element) -> bytes:
    """Exclusive C14N without comments of one element (its subtree)."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _sha256_b64(data: bytes) -> str:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return base64.b64encode(digest.finalize()).decode("ascii")


def _spki(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _signature_value(private_key: PrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    der = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    # XML-DSig wants r||s, each left-padded to the curve's byte length (RFC 4050), not ASN.1 DER.
    r, s = decode_dss_signature(der)
    size = (private_key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _add_digest(parent: etree._Element, value: str) -> None:
    etree.SubElement(parent, _ds("DigestMethod"), Algorithm=SHA256_DIGEST)
    etree.SubElement(parent, _ds("DigestValue")).text = value


def sign_enveloped(
    xml: bytes,
    private_key: PrivateKey,
    certificate: x509.Certificate,
    *,
    signing_time: datetime | None = None,
) -> bytes:
    """Sign ``xml`` with an enveloped XAdES-BES signature (profile in the module docstring).

    ``private_key`` is RSA (RSA-SHA256) or EC (ECDSA-SHA256) and must belong to ``certificate``.
    ``signing_time`` defaults to one minute before now (UTC), but not before the certificate's
    validity starts. Returns UTF-8 XML bytes.
    Raises :class:`~ksef.errors.KsefValidationError` for unusable input.
    """
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KsefValidationError("podpis XAdES wymaga klucza RSA albo EC")
    if _spki(private_key.public_key()) != _spki(certificate.public_key()):
        raise KsefValidationError("klucz prywatny nie pasuje do certyfikatu")
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise KsefValidationError(f"dokument do podpisu nie jest poprawnym XML: {exc.msg}") from exc
    if root.find(f".//{_ds('Signature')}") is not None:
        raise KsefValidationError("dokument jest już podpisany")

    signature_id = f"Signature-{secrets.token_hex(8)}"
    properties_id = f"{signature_id}-SignedProperties"
    if signing_time is None:
        # Never before the certificate's start: a strict verifier would call a signature made
        # "before" its certificate invalid (matters for a certificate issued a moment ago).
        signing_time = max(datetime.now(UTC) - _SIGNING_TIME_MARGIN, certificate.not_valid_before_utc)
    when = signing_time.astimezone(UTC)
    cert_der = certificate.public_bytes(serialization.Encoding.DER)

    # Digest of the whole document as the enveloped transform will see it: computed before the
    # signature is appended (the signature element gets no tail, so removing it restores the bytes).
    document_digest = _sha256_b64(_c14n(root))

    nsmap = {"ds": DS_NS}
    signature = etree.Element(_ds("Signature"), nsmap=nsmap, Id=signature_id)
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(
        signed_info,
        _ds("SignatureMethod"),
        Algorithm=RSA_SHA256 if isinstance(private_key, rsa.RSAPrivateKey) else ECDSA_SHA256,
    )
    doc_ref = etree.SubElement(signed_info, _ds("Reference"), URI="")
    doc_transforms = etree.SubElement(doc_ref, _ds("Transforms"))
    etree.SubElement(doc_transforms, _ds("Transform"), Algorithm=ENVELOPED_TRANSFORM)
    etree.SubElement(doc_transforms, _ds("Transform"), Algorithm=EXC_C14N)
    _add_digest(doc_ref, document_digest)
    props_ref = etree.SubElement(
        signed_info, _ds("Reference"), URI=f"#{properties_id}", Type=SIGNED_PROPERTIES_TYPE
    )
    props_transforms = etree.SubElement(props_ref, _ds("Transforms"))
    etree.SubElement(props_transforms, _ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(props_ref, _ds("DigestMethod"), Algorithm=SHA256_DIGEST)
    props_digest = etree.SubElement(props_ref, _ds("DigestValue"))

    signature_value = etree.SubElement(signature, _ds("SignatureValue"))
    key_info = etree.SubElement(signature, _ds("KeyInfo"))
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509Certificate")).text = base64.b64encode(cert_der).decode("ascii")

    ds_object = etree.SubElement(signature, _ds("Object"))
    qualifying = etree.SubElement(
        ds_object, _xades("QualifyingProperties"), nsmap={"xades": XADES_NS}, Target=f"#{signature_id}"
    )
    signed_props = etree.SubElement(qualifying, _xades("SignedProperties"), Id=properties_id)
    sig_props = etree.SubElement(signed_props, _xades("SignedSignatureProperties"))
    etree.SubElement(sig_props, _xades("SigningTime")).text = when.isoformat(timespec="seconds").replace(
        "+00:00", "Z"
    )
    signing_cert = etree.SubElement(sig_props, _xades("SigningCertificate"))
    cert_el = etree.SubElement(signing_cert, _xades("Cert"))
    cert_digest = etree.SubElement(cert_el, _xades("CertDigest"))
    _add_digest(cert_digest, _sha256_b64(cert_der))
    issuer_serial = etree.SubElement(cert_el, _xades("IssuerSerial"))
    etree.SubElement(issuer_serial, _ds("X509IssuerName")).text = certificate.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, _ds("X509SerialNumber")).text = str(certificate.serial_number)

    root.append(signature)
    # Exclusive C14N renders a subtree independently of the enclosing namespaces, so digests taken
    # in place equal those a verifier computes after re-parsing.
    props_digest.text = _sha256_b64(_c14n(signed_props))
    signature_value.text = base64.b64encode(_signature_value(private_key, _c14n(signed_info))).decode("ascii")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------------------------------
# Verifying (the simulator's side)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedAuthRequest:
    """What a correctly signed ``AuthTokenRequest`` says, read only from the signed content.

    ``context_nip`` is the value of the context identifier; for the ``Nip`` context (the only one a
    sole trader uses) it is the NIP. ``context_type`` names the identifier (``Nip``, ``InternalId``,
    ``NipVatUe``, ``PeppolId``). ``allowed_ips`` lists the IPv4 addresses/ranges/masks of the
    optional authorization policy, in document order; ``signing_time`` is the XAdES SigningTime.
    """

    challenge: str
    context_nip: str
    certificate: x509.Certificate
    subject_identifier_type: str
    context_type: str = "Nip"
    allowed_ips: tuple[str, ...] = field(default=())
    signing_time: datetime | None = None


def _single(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.findall(path, namespaces={"ds": DS_NS, "xades": XADES_NS})
    if len(found) != 1:
        raise MalformedSignatureError(
            f"podpis: oczekiwano dokładnie jednego elementu {what}, znaleziono {len(found)}"
        )
    return found[0]


_CERT_DIGESTS: Final[dict[str, hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1(),  # noqa: S303 - only to find the cert, not to trust it
    SHA256_DIGEST: hashes.SHA256(),
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384(),
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512(),
}


def _embedded_certificate(signature: etree._Element) -> x509.Certificate:
    """The signing certificate from KeyInfo; with a chain there, the one SignedProperties names."""
    elements = signature.findall(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")
    if not elements:
        raise MalformedSignatureError("podpis: brak certyfikatu (ds:KeyInfo/ds:X509Data/ds:X509Certificate)")
    try:
        certs = [
            x509.load_der_x509_certificate(base64.b64decode("".join((e.text or "").split()), validate=True))
            for e in elements
        ]
    except ValueError as exc:
        raise MalformedSignatureError("podpis: certyfikat w KeyInfo jest nieczytelny") from exc
    if len(certs) == 1:
        return certs[0]
    for cert_digest in signature.iterfind(".//xades:SignedSignatureProperties/*/xades:Cert/xades:CertDigest",
                                          namespaces={"xades": XADES_NS}):
        method = cert_digest.find(_ds("DigestMethod"))
        algorithm = _CERT_DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
        value = (cert_digest.findtext(_ds("DigestValue")) or "").strip()
        for cert in certs:
            if algorithm is not None and base64.b64encode(cert.fingerprint(algorithm)).decode() == value:
                return cert
    raise MalformedSignatureError("podpis: żaden certyfikat z KeyInfo nie jest wskazany w SignedProperties")


def _check_validity(cert: x509.Certificate, now: datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise CertificateValidityError(
            f"certyfikat jeszcze nieważny: ważny od {cert.not_valid_before_utc.isoformat()}"
        )
    if now > cert.not_valid_after_utc:
        raise CertificateValidityError(f"certyfikat wygasł {cert.not_valid_after_utc.isoformat()}")


def _whole_document_reference(signed_info: etree._Element) -> int:
    """Index of the reference that covers the whole document, or raise :class:`SignatureScopeError`."""
    references = signed_info.findall(_ds("Reference"))
    for index, reference in enumerate(references):
        if reference.get("URI") != "":
            continue
        transforms = reference.findall(f"{_ds('Transforms')}/{_ds('Transform')}")
        algorithms = [t.get("Algorithm") for t in transforms]
        if ENVELOPED_TRANSFORM in algorithms:
            return index
    raise SignatureScopeError(
        "podpis nie obejmuje całego dokumentu (brak referencji URI=\"\" z transformacją enveloped-signature)"
    )


def _check_algorithm_fits_key(signed_info: etree._Element, cert: x509.Certificate) -> None:
    method = signed_info.find(_ds("SignatureMethod"))
    algorithm = (method.get("Algorithm", "") if method is not None else "").rsplit("#", 1)[-1]
    public = cert.public_key()
    # A certificate whose key cannot have made this kind of signature: the signature is not its.
    if algorithm.startswith("rsa") and not isinstance(public, rsa.RSAPublicKey):
        raise BadSignatureError("podpis RSA, a certyfikat w dokumencie ma klucz innego typu")
    if algorithm.startswith("ecdsa") and not isinstance(public, ec.EllipticCurvePublicKey):
        raise BadSignatureError("podpis ECDSA, a certyfikat w dokumencie ma klucz innego typu")


def _check_issuer_serial(signed_properties: etree._Element, cert: x509.Certificate) -> None:
    # signxml checks the certificate digest; the serial in the v1 IssuerSerial is checked here.
    serial_el = signed_properties.find(
        f".//{_xades('SigningCertificate')}/{_xades('Cert')}/{_xades('IssuerSerial')}/{_ds('X509SerialNumber')}"
    )
    if serial_el is not None and (serial_el.text or "").strip() != str(cert.serial_number):
        raise SignedPropertiesError(
            "SignedProperties wskazują inny certyfikat (numer seryjny się nie zgadza)"
        )


def _signing_time(signed_properties: etree._Element) -> datetime | None:
    element = signed_properties.find(f".//{_xades('SigningTime')}")
    if element is None or not element.text:
        return None
    try:
        parsed = datetime.fromisoformat(element.text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise SignedPropertiesError(f"nieczytelny SigningTime {element.text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _run_signxml(xml: bytes, cert: x509.Certificate, now: datetime, doc_ref: int) -> list[VerifyResult]:
    config = XAdESSignatureConfiguration(expect_references=True, verification_time=now)
    try:
        results = XAdESVerifier().verify(xml, x509_cert=cert, expect_config=config)
    except sx_exceptions.InvalidCertificate as exc:
        raise CertificateValidityError(f"certyfikat odrzucony: {exc}") from exc
    except sx_exceptions.InvalidDigest as exc:
        text = str(exc)
        if "certificate digest" in text:
            raise SignedPropertiesError(
                "SignedProperties wskazują inny certyfikat niż ten, którym złożono podpis"
            ) from exc
        match = re.search(r"reference (\d+)", text)
        if match and int(match.group(1)) == doc_ref:
            raise TamperedContentError(
                "dokument zmieniono po podpisaniu (skrót treści się nie zgadza)"
            ) from exc
        raise SignedPropertiesError(f"SignedProperties zmieniono po podpisaniu ({text})") from exc
    except sx_exceptions.InvalidSignature as exc:
        raise BadSignatureError(
            "podpis nie weryfikuje się kluczem publicznym certyfikatu zawartego w dokumencie"
        ) from exc
    except sx_exceptions.InvalidInput as exc:
        if "SignedProperties" in str(exc) or "SigningCertificate" in str(exc):
            raise SignedPropertiesError(f"brak wymaganych właściwości XAdES: {exc}") from exc
        raise MalformedSignatureError(f"podpis niezgodny z obsługiwanym profilem: {exc}") from exc
    except (sx_exceptions.SignXMLException, ValueError, etree.LxmlError) as exc:
        raise MalformedSignatureError(f"podpis niezgodny z obsługiwanym profilem: {exc}") from exc
    return list(results)


def verify_signed_auth_request(xml: bytes, *, now: datetime | None = None) -> VerifiedAuthRequest:
    """Verify a signed ``AuthTokenRequest`` and return what it says.

    Checks, in this order: well-formed XML without DTD, with the auth v2.1 root; exactly one enveloped
    ``ds:Signature``; the embedded certificate (with a chain in KeyInfo: the one SignedProperties
    name) is valid at ``now`` (default: current UTC time; a naive value is taken as UTC); a
    reference covers the whole document; the signature value verifies with the embedded certificate;
    the digests of the document and of the XAdES SignedProperties match; the SignedProperties name
    the signing certificate; the signed content (signature stripped, pitfall 16) matches the XSD.
    Whether the certificate was issued by a trusted CA is the caller's business
    (``ksef.sim.ca.SimCA.is_issued_by``). Raises a :class:`~ksef.errors.XadesError` subclass.
    """
    if now is None:
        when = datetime.now(UTC)
    elif now.tzinfo is None:
        when = now.replace(tzinfo=UTC)  # a naive time is taken as UTC
    else:
        when = now.astimezone(UTC)
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedDocumentError(f"dokument nie jest poprawnym XML: {exc.msg}") from exc
    except ValueError as exc:
        raise MalformedDocumentError(f"dokument nie jest poprawnym XML: {exc}") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise MalformedDocumentError("deklaracje DTD (DOCTYPE) są niedozwolone")
    if root.tag not in _ROOT_TAGS:
        raise MalformedDocumentError(
            f"oczekiwano elementu AuthTokenRequest w przestrzeni nazw {AUTH_NAMESPACE}, jest {root.tag}"
        )
    signatures = list(root.iter(_ds("Signature")))
    if not signatures:
        raise MissingSignatureError("dokument nie zawiera podpisu (ds:Signature)")
    if len(signatures) > 1:
        raise MalformedSignatureError(f"dokument zawiera {len(signatures)} podpisy; oczekiwano jednego")
    signature = signatures[0]
    if signature.getparent() is not root:
        raise MalformedSignatureError(
            "ds:Signature musi być elementem podrzędnym AuthTokenRequest (podpis otaczany)"
        )

    cert = _embedded_certificate(signature)
    _check_validity(cert, when)
    signed_info = _single(signature, "ds:SignedInfo", "ds:SignedInfo")
    doc_ref = _whole_document_reference(signed_info)
    if not any(r.get("Type") == SIGNED_PROPERTIES_TYPE for r in signed_info.findall(_ds("Reference"))):
        raise SignedPropertiesError("podpis nie obejmuje xades:SignedProperties (to nie jest podpis XAdES)")

    _check_algorithm_fits_key(signed_info, cert)
    results = _run_signxml(xml, cert, when, doc_ref)
    # Read the request only from what the whole-document reference verified (never from the raw tree,
    # which could carry unsigned look-alike elements).
    signed_content = results[doc_ref].signed_xml
    if signed_content is None or signed_content.tag not in _ROOT_TAGS:
        raise SignatureScopeError("podpisana treść nie jest dokumentem AuthTokenRequest")
    content = _as_v21(signed_content)
    signed_properties = next(
        (r.signed_xml for r in results
         if r.signed_xml is not None and r.signed_xml.tag == _xades("SignedProperties")),
        None,
    )
    if signed_properties is None:
        raise SignedPropertiesError("brak podpisanych xades:SignedProperties")
    _check_issuer_serial(signed_properties, cert)

    issues = schema_errors("auth", content)
    if issues:
        raise MalformedDocumentError(
            "treść AuthTokenRequest niezgodna ze schematem: " + "; ".join(str(i) for i in issues[:3])
        )
    return _read_content(content, cert, _signing_time(signed_properties))


def _as_v21(content: etree._Element) -> etree._Element:
    """``content`` itself when in the v2.1 namespace, else a copy moved from v2.0 to v2.1."""
    if content.tag == _auth("AuthTokenRequest"):
        return content
    text = etree.tostring(content).replace(AUTH_NAMESPACE_V20.encode(), AUTH_NAMESPACE.encode())
    return etree.fromstring(text, safe_parser())


def _read_content(
    content: etree._Element, cert: x509.Certificate, signing_time: datetime | None
) -> VerifiedAuthRequest:
    ns = {"a": AUTH_NAMESPACE}
    challenge = content.findtext("a:Challenge", namespaces=ns) or ""
    subject_type = content.findtext("a:SubjectIdentifierType", namespaces=ns) or ""
    context = content.find("a:ContextIdentifier", namespaces=ns)
    if context is None or len(context) != 1:  # excluded by the XSD check; kept for clarity
        raise MalformedDocumentError("brak identyfikatora kontekstu")
    identifier = context[0]
    context_type = etree.QName(identifier).localname
    allowed = tuple(
        (ip.text or "").strip()
        for ip in content.iterfind("a:AuthorizationPolicy/a:AllowedIps/*", namespaces=ns)
    )
    return VerifiedAuthRequest(
        challenge=challenge.strip(),
        context_nip=(identifier.text or "").strip(),
        certificate=cert,
        subject_identifier_type=subject_type.strip(),
        context_type=context_type,
        allowed_ips=allowed,
        signing_time=signing_time,
    )


# --------------------------------------------------------------------------------------------------
# Who signed
# --------------------------------------------------------------------------------------------------

# Patterns KSeF documents for qualified certificates (docs: auth/podpis-xades.md):
# serialNumber "(TINPL|NIP).*?(\d{10})", organizationIdentifier "(VATPL).*?(\d{10})".
_SERIAL_NIP_RE: Final = re.compile(r"(?:TINPL|NIP).*?(\d{10})")
_ORG_NIP_RE: Final = re.compile(r"VATPL.*?(\d{10})")


def certificate_subject_nip(cert: x509.Certificate) -> str | None:
    """The NIP a certificate's subject carries (organizationIdentifier ``VATPL-…`` or serialNumber
    ``TINPL-…``/``NIP…``), as KSeF recognises it; ``None`` when there is none."""
    lookups = ((NameOID.ORGANIZATION_IDENTIFIER, _ORG_NIP_RE), (NameOID.SERIAL_NUMBER, _SERIAL_NIP_RE))
    for oid, pattern in lookups:
        for attr in cert.subject.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else attr.value.decode("utf-8", "replace")
            match = pattern.search(value)
            if match:
                return match.group(1)
    return None
