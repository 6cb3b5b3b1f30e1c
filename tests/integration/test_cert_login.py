"""KsefClient logging in with a KSeF certificate (XAdES) against the simulator over loopback HTTP.

Covers the happy path with RSA and EC Authentication certificates and each case the simulator must
reject: a tampered document, an expired certificate, a certificate of another NIP, an Offline
certificate and a certificate not issued by the simulator's CA.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ksef import xades
from ksef.certs import CertType, KsefCertificate, load_key_pair
from ksef.client import KsefClient
from ksef.errors import CertificateRejectedError, KsefValidationError, MissingPermissionsError
from ksef.sim.ca import SimCA, subject_for
from tests.fixtures.sim import SimHandle

PASSWORD = "tajne-haslo-1"


def issued_pair(
    sim: SimHandle, nip: str, cert_type: str = "Authentication", key_type: str = "EC"
) -> KsefCertificate:
    """A key + certificate from the simulator's CA, loaded the way a user's files would be."""
    issued = sim.issue_certificate(nip, cert_type, PASSWORD, key_type)
    return load_key_pair(issued["key"].encode(), issued["cert"].encode(), PASSWORD)


@pytest.mark.parametrize("key_type", ["RSA", "EC"])
async def test_certificate_login_then_protected_calls(sim: SimHandle, key_type: str) -> None:
    sim.configure(accessTokenSeconds=20)  # below the refresh margin: the client must refresh, then go on
    nip, _ = sim.create_subject()
    cert = issued_pair(sim, nip, key_type=key_type)
    assert cert.key_type == key_type and cert.cert_type is CertType.AUTHENTICATION
    async with KsefClient(sim.base_url, nip=nip, certificate=cert, pace=False) as client:
        info = await client.authenticate()
        assert info.reference_number in sim.state.auth_operations
        assert sim.state.auth_operations[info.reference_number].method == "InternalCertificate"
        limits = await client.certificate_limits()
        assert limits.can_request and limits.certificate.limit == 100
        assert await client.find_sessions() == []


async def test_offline_certificate_is_refused_locally(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    offline = issued_pair(sim, nip, "Offline")
    with pytest.raises(CertificateRejectedError, match="Offline"):
        KsefClient(sim.base_url, nip=nip, certificate=offline)


async def test_offline_certificate_is_refused_by_the_simulator(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    offline = issued_pair(sim, nip, "Offline")
    # Pretend it is an Authentication certificate to get past the local check: KSeF must still say 460.
    disguised = dataclasses.replace(offline, cert_type=CertType.AUTHENTICATION)
    async with KsefClient(sim.base_url, nip=nip, certificate=disguised, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="Authentication"):
            await client.authenticate()


async def test_certificate_of_another_nip_has_no_rights(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    other, _ = sim.create_subject()
    cert = issued_pair(sim, nip)
    async with KsefClient(sim.base_url, nip=other, certificate=cert, pace=False) as client:
        with pytest.raises(MissingPermissionsError, match=other):
            await client.authenticate()


async def test_expired_certificate_is_rejected(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    assert sim.state.ca_state is not None
    ca = SimCA.from_dict(sim.state.ca_state)  # the simulator's own CA key: only the dates are wrong
    start = datetime.now(UTC) - timedelta(days=40)
    issued = ca.issue(
        nip, "Authentication", PASSWORD, "EC", valid_from=start, valid_to=start + timedelta(days=30)
    )
    cert = load_key_pair(
        issued.key_pem.encode(), issued.cert_pem.encode(), PASSWORD, now=start + timedelta(days=1)
    )
    async with KsefClient(sim.base_url, nip=nip, certificate=cert, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="wygasł"):
            await client.authenticate()


async def test_certificate_from_another_ca_is_rejected(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    stranger = SimCA.generate()  # same profile and subject, but not the simulator's CA
    issued = stranger.issue(nip, "Authentication", PASSWORD, "EC")
    cert = load_key_pair(issued.key_pem.encode(), issued.cert_pem.encode(), PASSWORD)
    async with KsefClient(sim.base_url, nip=nip, certificate=cert, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="nie został wystawiony przez KSeF"):
            await client.authenticate()


async def test_self_signed_certificate_is_rejected(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    self_signed = (
        x509.CertificateBuilder()
        .subject_name(subject_for(nip))
        .issuer_name(subject_for(nip))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    cert = load_key_pair(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        self_signed.public_bytes(serialization.Encoding.PEM),
        None,
    )
    async with KsefClient(sim.base_url, nip=nip, certificate=cert, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="nie został wystawiony przez KSeF"):
            await client.authenticate()


def test_tampered_document_is_rejected(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    other, _ = sim.create_subject()
    cert = issued_pair(sim, nip)
    with httpx.Client(base_url=sim.base_url) as http:
        challenge = http.post("/auth/challenge").json()["challenge"]
        signed = xades.sign_enveloped(
            xades.build_auth_token_request(challenge, nip), cert.private_key, cert.certificate
        )
        tampered = signed.replace(f">{nip}<".encode(), f">{other}<".encode(), 1)
        assert tampered != signed
        response = http.post(
            "/auth/xades-signature", content=tampered, headers={"content-type": "application/xml"}
        )
    assert response.status_code == 400
    assert response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21401


def test_token_and_certificate_together_are_refused(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    cert = issued_pair(sim, nip)
    with pytest.raises(KsefValidationError):
        KsefClient(sim.base_url, nip=nip, token=token, certificate=cert)
