"""XAdES login on the simulator with certificates from its own CA (``ksef.xades`` + ``ksef.sim.ca``)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.contract.flows import RawKsef

xades = pytest.importorskip("ksef.xades")


def _signed_request(sim, api: RawKsef, nip: str, cert_type: str, context_nip: str | None = None) -> bytes:
    issued = sim.issue_certificate(nip, cert_type, "haslo-123", "EC")
    key = serialization.load_pem_private_key(issued["key"].encode(), password=b"haslo-123")
    cert = x509.load_pem_x509_certificate(issued["cert"].encode())
    challenge = api.call("POST", "/auth/challenge", token="").json()["challenge"]
    request = xades.build_auth_token_request(challenge, context_nip or nip)
    return bytes(xades.sign_enveloped(request, key, cert))


def _start(api: RawKsef, signed: bytes) -> dict:
    response = api.call(
        "POST", "/auth/xades-signature", content=signed, token="", headers={"content-type": "application/xml"}
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_xades_login_with_authentication_certificate(sim):
    nip, _ = sim.create_subject()
    api = RawKsef(sim.base_url)
    started = _start(api, _signed_request(sim, api, nip, "Authentication"))
    status = api.auth_status(started)
    assert status["status"]["code"] == 200
    assert status["authenticationMethodInfo"]["category"] == "XadesSignature"
    tokens = api.redeem(started)
    assert tokens.status_code == 200
    api.access_token = tokens.json()["accessToken"]["token"]
    assert api.call("GET", "/rate-limits").status_code == 200
    api.close()


def test_offline_certificate_and_foreign_context_are_refused(sim):
    nip, _ = sim.create_subject()
    other, _ = sim.create_subject()
    api = RawKsef(sim.base_url)
    offline = api.auth_status(_start(api, _signed_request(sim, api, nip, "Offline")))
    assert offline["status"]["code"] == 460
    foreign = api.auth_status(_start(api, _signed_request(sim, api, nip, "Authentication", other)))
    assert foreign["status"]["code"] == 415
    api.close()


def test_tampered_document_is_400(sim):
    nip, _ = sim.create_subject()
    api = RawKsef(sim.base_url)
    signed = _signed_request(sim, api, nip, "Authentication")
    tampered = signed.replace(nip.encode(), (nip[:-1] + str((int(nip[-1]) + 1) % 10)).encode(), 1)
    response = api.call(
        "POST",
        "/auth/xades-signature",
        content=tampered,
        token="",
        headers={"content-type": "application/xml"},
    )
    assert response.status_code == 400
    api.close()
