"""MF public-key selection and Latarnia parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ksef.errors import KsefApiError, PublicKeyError
from ksef.latarnia import LatarniaClient
from ksef.mfkeys import SYMMETRIC_KEY_ENCRYPTION, TOKEN_ENCRYPTION, MfPublicKey, choose_key

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PUB = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


def key(kid: str, usage: str, start_days: int, end_days: int) -> MfPublicKey:
    return MfPublicKey(
        PUB, kid, frozenset({usage}), NOW + timedelta(days=start_days), NOW + timedelta(days=end_days)
    )


def test_choose_key_by_usage_validity_and_latest_valid_from() -> None:
    keys = [
        key("old-token", TOKEN_ENCRYPTION, -300, 30),
        key("new-token", TOKEN_ENCRYPTION, -10, 300),
        key("future-token", TOKEN_ENCRYPTION, 5, 400),
        key("expired-sym", SYMMETRIC_KEY_ENCRYPTION, -400, -1),
        key("sym", SYMMETRIC_KEY_ENCRYPTION, -100, 100),
    ]
    assert choose_key(keys, TOKEN_ENCRYPTION, NOW).public_key_id == "new-token"
    assert choose_key(keys, SYMMETRIC_KEY_ENCRYPTION, NOW).public_key_id == "sym"
    with pytest.raises(PublicKeyError):
        choose_key(keys[:3], SYMMETRIC_KEY_ENCRYPTION, NOW)


def latarnia(body: object, status: int = 200) -> LatarniaClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return LatarniaClient(
        "http://lat.invalid", http=httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )


async def test_latarnia_unknown_status_and_bad_bodies_are_errors_not_statuses() -> None:
    with pytest.raises(KsefApiError, match="nieznany status"):
        await latarnia({"status": "0"}).status()
    with pytest.raises(KsefApiError):
        await latarnia(["not", "an", "object"]).status()
    with pytest.raises(KsefApiError):
        await latarnia({"status": "AVAILABLE"}).messages()
    ok = await latarnia(
        {
            "status": "MAINTENANCE",
            "messages": [
                {
                    "id": "K/1",
                    "eventId": 7,
                    "category": "MAINTENANCE",
                    "type": "MAINTENANCE_ANNOUNCEMENT",
                    "title": "t",
                    "text": "x",
                    "start": "2026-02-01T10:00:00Z",
                }
            ],
        }
    ).status()
    assert ok.status == "MAINTENANCE" and ok.messages[0].event_id == 7
    assert ok.messages[0].start == datetime(2026, 2, 1, 10, tzinfo=UTC)
