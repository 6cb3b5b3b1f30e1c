"""Reusable OpenAPI contract checks against the official ``open-api.json``.

``check_response`` / ``check_request`` raise ``AssertionError`` listing every violation. Paths are
OpenAPI templates relative to ``/v2`` (e.g. ``/sessions/{referenceNumber}``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from ksef.sim.openapi import OpenApiSpec, load_spec
from tests.paths import OPENAPI_FILE


@cache
def spec() -> OpenApiSpec:
    """The loaded spec; skips the calling test when the spec is not beside the repository."""
    loaded = load_spec(str(OPENAPI_FILE)) if OPENAPI_FILE.is_file() else None
    if loaded is None:
        pytest.skip(f"{OPENAPI_FILE} not found")
    return loaded


def check_response(
    method: str, path_template: str, status: int, body: Any, media_type: str = "application/json"
) -> None:
    """Assert that ``body`` is what the spec documents for that operation and status."""
    problems = spec().response_errors(method, path_template, status, body, media_type)
    assert not problems, f"{method} {path_template} {status} ({media_type}) breaks the spec:\n" + "\n".join(
        problems
    )


def check_request(method: str, path_template: str, body: Any) -> None:
    """Assert that a JSON request body matches the operation's request schema."""
    problems = spec().request_errors(method, path_template, body)
    assert not problems, f"{method} {path_template} request breaks the spec:\n" + "\n".join(problems)
