"""``GET /security/public-key-certificates`` and ``GET /rate-limits``."""

from __future__ import annotations

from starlette.responses import Response

from ksef.crypto import b64
from ksef.sim.routing import ApiRoute, Call, json_response
from ksef.sim.state import iso


def public_keys(call: Call) -> Response:
    """The MF certificates, one per usage, ids as docs/ksef.md#public-keys describes them."""
    return json_response(
        [
            {
                "certificate": b64(k.certificate_der),
                "certificateId": k.certificate_id,
                "publicKeyId": k.public_key_id,
                "validFrom": iso(k.valid_from),
                "validTo": iso(k.valid_to),
                "usage": [k.usage],
            }
            for k in call.state.keys
        ]
    )


def rate_limits(call: Call) -> Response:
    """Effective limits per group (schema ``EffectiveApiRateLimits`` of API 2.9.0: every group,
    ``anonymous`` and ``global`` included, ``-1`` where a window does not apply)."""
    return json_response(call.runtime.limiter.describe())


ROUTES = [
    ApiRoute("GET", "/security/public-key-certificates", public_keys, auth="none"),
    ApiRoute("GET", "/rate-limits", rate_limits),
]
