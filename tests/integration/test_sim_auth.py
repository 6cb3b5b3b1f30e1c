"""Simulator authentication over real HTTP with real RSA-OAEP (raw httpx, no client library)."""

from __future__ import annotations

from tests.contract.flows import RawKsef


def test_token_login_happy_path_and_single_use_redeem(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    started = api.start_auth(nip, token)
    status = api.auth_status(started)
    assert status["status"]["code"] == 200
    assert status["authenticationMethodInfo"]["category"] == "Token"
    first = api.redeem(started)
    assert first.status_code == 200
    assert set(first.json()) == {"accessToken", "refreshToken"}
    second = api.redeem(started)
    assert second.status_code == 400
    assert second.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21301
    # the access token works on a protected endpoint, the operation token does not
    api.access_token = first.json()["accessToken"]["token"]
    assert api.call("GET", "/rate-limits").status_code == 200
    assert api.call("GET", "/rate-limits", token=started["authenticationToken"]["token"]).status_code == 401
    api.close()


def test_wrong_token_gives_450_with_details_and_no_tokens(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    started = api.start_auth(nip, token[:-4] + "0000")
    status = api.auth_status(started)
    assert status["status"]["code"] == 450
    assert status["status"]["details"]
    assert api.redeem(started).status_code == 400
    api.close()


def test_wrong_timestamp_is_rejected(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    status = api.auth_status(api.start_auth(nip, token, time_offset_ms=1))
    assert status["status"]["code"] == 450
    assert "czas" in status["status"]["details"][0]
    api.close()


def test_revoked_token_cannot_log_in_or_refresh(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    sim.revoke_token(token)
    refreshed = api.call("POST", "/auth/token/refresh", token=api.refresh_token)
    assert refreshed.status_code == 400
    assert "unieważniony" in refreshed.text
    status = api.auth_status(api.start_auth(nip, token))
    assert status["status"]["code"] == 450
    api.close()


def test_token_of_other_context_and_reused_challenge(sim):
    nip, token = sim.create_subject()
    other_nip, _ = sim.create_subject()
    api = RawKsef(sim.base_url)
    assert api.auth_status(api.start_auth(other_nip, token))["status"]["code"] == 450
    no_rights = sim.create_token(nip, [])
    assert api.auth_status(api.start_auth(nip, no_rights))["status"]["code"] == 415
    # a challenge can be used once
    challenge = api.call("POST", "/auth/challenge", token="").json()
    body = {
        "challenge": challenge["challenge"],
        "contextIdentifier": {"type": "Nip", "value": nip},
        "encryptedToken": "AAAA",
    }
    assert api.call("POST", "/auth/ksef-token", json=body, token="").status_code == 202
    again = api.call("POST", "/auth/ksef-token", json=body, token="")
    assert again.status_code == 400
    assert again.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21111
    api.close()


def test_unknown_public_key_id_is_21470(sim):
    nip, _ = sim.create_subject()
    api = RawKsef(sim.base_url)
    challenge = api.call("POST", "/auth/challenge", token="").json()
    body = {
        "challenge": challenge["challenge"],
        "contextIdentifier": {"type": "Nip", "value": nip},
        "encryptedToken": "AAAA",
        "publicKeyId": "A" * 43 + "=",
    }
    response = api.call("POST", "/auth/ksef-token", json=body, token="")
    assert response.status_code == 400
    assert response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21470
    api.close()


def test_refresh_revoke_and_own_token_status(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    refreshed = api.call("POST", "/auth/token/refresh", token=api.refresh_token)
    assert refreshed.status_code == 200
    assert refreshed.json()["accessToken"]["token"] != api.access_token
    reference = token.split("|")[0]
    own = api.call("GET", "/tokens/{referenceNumber}", f"/tokens/{reference}")
    assert own.status_code == 200
    assert own.json()["status"] == "Active"
    assert sorted(own.json()["requestedPermissions"]) == ["InvoiceRead", "InvoiceWrite"]
    assert api.call("DELETE", "/auth/sessions/current").status_code == 204
    assert api.call("POST", "/auth/token/refresh", token=api.refresh_token).status_code in (400, 401)
    # already issued access tokens stay valid until they expire
    assert api.call("GET", "/rate-limits").status_code == 200
    api.close()


def test_missing_permission_is_403_problem(sim):
    nip, _ = sim.create_subject()
    read_only = sim.create_token(nip, ["InvoiceRead"])
    api = RawKsef(sim.base_url)
    api.login(nip, read_only)
    response = api.call("POST", "/sessions/online", json={"formCode": {}, "encryption": {}})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reasonCode"] == "missing-permissions"
    assert response.json()["security"]["requiredAnyOfPermissions"] == ["InvoiceWrite"]
    api.close()


def test_expired_access_token_is_401(sim):
    sim.configure(accessTokenSeconds=1)
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    import time

    time.sleep(1.2)
    response = api.call("GET", "/rate-limits")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    api.close()


def test_caller_can_revoke_its_own_token_but_not_read_others(sim):
    nip, token = sim.create_subject()
    other = sim.create_token(nip, ["InvoiceRead"])
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    foreign = api.call("GET", "/tokens/{referenceNumber}", f"/tokens/{other.split('|')[0]}")
    assert foreign.status_code == 403
    reference = token.split("|")[0]
    assert api.call("DELETE", "/tokens/{referenceNumber}", f"/tokens/{reference}").status_code == 204
    assert api.call("GET", "/tokens/{referenceNumber}", f"/tokens/{reference}").json()["status"] == "Revoked"
    assert api.auth_status(api.start_auth(nip, token))["status"]["code"] == 450
    api.close()
