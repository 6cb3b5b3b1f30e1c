"""Simulator operations: rate limits, error formats, availability, Latarnia, persistence, bulk."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from ksef.identifiers import random_valid_nip
from ksef.schemas import schema_errors
from tests.contract.flows import RawKsef, invoice_xml


def _query(api: RawKsef, **params):
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return api.invoice_query(
        {"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": start}}, **params
    )


def test_metadata_query_hits_published_hourly_limit_with_retry_after(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 100, "perHour": 20}})
    codes = [_query(api).status_code for _ in range(20)]
    assert codes == [200] * 20
    limited = _query(api)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 60  # the hourly window
    assert limited.json()["status"]["code"] == 429
    assert "20" in limited.json()["status"]["details"][0]
    problem = RawKsef(sim.base_url, problem_details=True)
    problem.access_token = api.access_token
    limited2 = _query(problem)
    assert limited2.status_code == 429
    assert limited2.headers["content-type"].startswith("application/problem+json")
    assert limited2.json()["status"] == 429 and limited2.json()["title"] == "Too Many Requests"
    # counters are per context: another company behind the same IP is not limited
    other_nip, other_token = sim.create_subject()
    other = RawKsef(sim.base_url)
    other.login(other_nip, other_token)
    assert _query(other).status_code == 200
    sim.set_limits({"reset": True})
    assert _query(api).status_code == 200
    for client in (api, problem, other):
        client.close()


def test_zero_limit_refuses_with_window_long_retry_after(sim):
    """A window allowing 0 requests answers 429 (not 500) and asks to wait one whole window."""
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 100, "perHour": 0}})
    for _ in range(2):  # refusals are not counted, so every attempt gets the same answer
        limited = _query(api)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "3600"
        assert "0" in limited.json()["status"]["details"][0]
    sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 0, "perHour": None}})
    limited = _query(api)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    sim.set_limits({"defaults": True, "reset": True})
    assert _query(api).status_code == 200
    api.close()


def test_per_second_limit_default_figures(sim):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    statuses = [_query(api).status_code for _ in range(17)]
    assert statuses[:8] == [200] * 8
    assert 429 in statuses  # published 8/s and 16/min apply by default
    api.close()


def test_both_error_formats_for_400(sim):
    legacy = RawKsef(sim.base_url)
    body = {
        "challenge": "x" * 36,
        "contextIdentifier": {"type": "Nip", "value": "1111111111"},
        "encryptedToken": "AAAA",
    }
    response = legacy.call("POST", "/auth/ksef-token", json=body, token="")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21111
    problem = RawKsef(sim.base_url, problem_details=True)
    response = problem.call("POST", "/auth/ksef-token", json=body, token="")
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["code"] == 21111
    assert response.json()["status"] == 400
    # request contract checking: a body that does not match the OpenAPI schema → 21405
    invalid = legacy.call("POST", "/auth/ksef-token", json={"challenge": "short"}, token="")
    assert invalid.status_code == 400
    detail = invalid.json()["exception"]["exceptionDetailList"][0]
    assert detail["exceptionCode"] == 21405
    assert any("contextIdentifier" in d for d in detail["details"])
    # 401 is always problem+json
    unauth = legacy.call("GET", "/rate-limits", token="not-a-jwt")
    assert unauth.status_code == 401
    assert unauth.headers["content-type"].startswith("application/problem+json")
    legacy.close()
    problem.close()


def test_availability_switches_give_html_5xx_and_slow(sim):
    url = sim.base_url + "/auth/challenge"
    sim.set_availability(api="down")
    down = httpx.post(url)
    assert down.status_code == 503 and down.headers["content-type"].startswith("text/html")
    sim.set_availability(api="error500")
    err = httpx.post(url)
    assert err.status_code == 500 and "<html>" in err.text
    sim.set_availability(api="slow", slowSeconds=1)
    try:
        httpx.post(url, timeout=0.1)
        raise AssertionError("a 1 s delay should have made a 0.1 s client time out")
    except httpx.TimeoutException:
        pass
    sim.set_availability(api="up")
    assert httpx.post(url).status_code == 200
    # the admin API itself stays reachable while the API is "down"
    sim.set_availability(api="down")
    assert httpx.get(sim.root_url + "/sim/state").json()["availability"]["api"] == "down"


def test_latarnia_status_messages_and_outage(sim):
    assert httpx.get(sim.latarnia_url + "/status").json() == {"status": "AVAILABLE", "messages": []}
    message = {
        "id": "K/2026/AWR/02",
        "eventId": 1003,
        "category": "FAILURE",
        "type": "FAILURE_START",
        "title": "Awaria",
        "text": "Trwa awaria",
        "start": "2026-01-31T11:27:00+00:00",
        "end": None,
        "version": 1,
        "published": "2026-01-31T11:35:00+00:00",
    }
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [message]})
    status = httpx.get(sim.latarnia_url + "/status").json()
    assert status["status"] == "FAILURE" and status["messages"] == [message]
    assert httpx.get(sim.latarnia_url + "/messages").json() == [message]
    sim.set_availability(latarnia="down")
    assert httpx.get(sim.latarnia_url + "/status").status_code == 502
    # Latarnia being down does not touch the API
    assert httpx.post(sim.base_url + "/auth/challenge").status_code == 200


def test_admin_refuses_bad_input_clearly(sim):
    assert sim.admin.put("/sim/availability", json={"api": "sideways"}).status_code == 400
    bad = sim.admin.put("/sim/config", json={"queryCap": "many"})
    assert bad.status_code == 400 and "queryCap" in bad.json()["error"]
    assert sim.admin.post("/sim/subjects", json={"nip": "12"}).status_code == 400
    assert (
        sim.admin.post("/sim/tokens", json={"nip": random_valid_nip(), "permissions": ["Fly"]}).status_code
        == 400
    )
    assert sim.admin.put("/sim/limits", json={"invoiceMetadata": {"perHour": -2}}).status_code == 400


def test_bulk_invoices_are_schema_valid_and_downloadable(sim):
    buyer, token = sim.create_subject()
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 3)
    api = RawKsef(sim.base_url)
    api.login(buyer, token)
    for number in numbers:
        xml = api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}").content
        assert schema_errors("fa3", xml) == []
    api.close()


def test_state_survives_restart(sim_factory, tmp_path):
    path = tmp_path / "sim-state.json"
    first = sim_factory.start(state_file=path)
    buyer, token = first.create_subject()
    seller, _ = first.create_subject()
    number = first.inject_invoice(invoice_xml(seller, buyer, "PERSIST/1"))
    first.configure(queryCap=123)
    keys_before = httpx.get(first.base_url + "/security/public-key-certificates").json()
    second = sim_factory.restart(first)
    assert path.exists() and json.loads(path.read_text())["$cls"] == "SimState"
    assert httpx.get(second.base_url + "/security/public-key-certificates").json() == keys_before
    assert second.state.config.query_cap == 123
    api = RawKsef(second.base_url)
    api.login(buyer, token)  # the token survived, and so did the MF keys it is encrypted with
    download = api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}")
    assert download.status_code == 200 and b"PERSIST/1" in download.content
    api.close()
