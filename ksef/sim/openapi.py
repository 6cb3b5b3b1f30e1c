"""Checking JSON bodies against the official OpenAPI of KSeF API 2.9.0 (OpenAPI 3.0, ``nullable`` aware).

The spec file is ``KSEF_OPENAPI_FILE`` if set, else the packaged copy in ``ksef/schemas/openapi/``.
Without it, request validation is skipped.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


def spec_path() -> Path | None:
    """Where the OpenAPI document is, if anywhere."""
    env = os.environ.get("KSEF_OPENAPI_FILE")
    if env:
        return Path(env) if Path(env).is_file() else None
    # The official spec is packaged beside the XSDs, so an installed simulator checks requests too.
    candidate = Path(__file__).resolve().parents[1] / "schemas" / "openapi" / "open-api-2.9.0.json"
    return candidate if candidate.is_file() else None


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes ``anyOf [..., null]``."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


class OpenApiSpec:
    """The loaded spec with validators per (method, path template, status)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._root = {"components": to_json_schema(document.get("components", {}))}
        self._validators: dict[str, Any] = {}

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        """The operation object, or None when the spec does not have it."""
        op = self.document.get("paths", {}).get(template, {}).get(method.lower())
        return op if isinstance(op, dict) else None

    def _validator(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator({**to_json_schema(schema), **self._root})
            self._validators[key] = validator
        return validator

    @staticmethod
    def _errors(validator: Any, body: Any) -> list[str]:
        messages = [
            f"{'/'.join(str(p) for p in err.absolute_path) or '(body)'}: {err.message}"
            for err in sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
        ]
        return list(dict.fromkeys(messages))  # allOf wrappers report the same problem twice

    def request_errors(self, method: str, template: str, body: Any) -> list[str]:
        """Violations of the operation's JSON request schema (empty when fine or not described)."""
        op = self.operation(method, template)
        if op is None:
            return []
        content = op.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        if media is None or "schema" not in media:
            return []
        return self._errors(self._validator(media["schema"]), body)

    def response_errors(
        self, method: str, template: str, status: int, body: Any, media_type: str
    ) -> list[str]:
        """Violations of the documented response schema; a missing description is itself an error."""
        op = self.operation(method, template)
        if op is None:
            return [f"{method.upper()} {template} is not in the spec"]
        response = op.get("responses", {}).get(str(status))
        if response is None:
            return [f"status {status} is not documented for {method.upper()} {template}"]
        content = response.get("content", {})
        media = content.get(media_type)
        if media is None:
            return [f"{media_type} is not documented for {status} of {method.upper()} {template}"]
        if "schema" not in media:
            return []
        return self._errors(self._validator(media["schema"]), body)


@cache
def load_spec(path: str | None = None) -> OpenApiSpec | None:
    """The spec from ``path`` or :func:`spec_path`; logs once and returns None when absent."""
    where = Path(path) if path else spec_path()
    if where is None or not where.is_file():
        log.warning("KSeF OpenAPI file not found: request bodies will not be checked against the spec")
        return None
    return OpenApiSpec(json.loads(where.read_text(encoding="utf-8")))
