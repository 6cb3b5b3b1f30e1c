"""The official XSD schemas (FA(3), UPO v4-3, auth v2-1), packaged so that validation works offline."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

from lxml import etree

FA3_NAMESPACE = "http://crd.gov.pl/wzor/2025/06/25/13775/"
UPO_NAMESPACE = "http://upo.schematy.mf.gov.pl/KSeF/v4-3"
AUTH_NAMESPACE = "http://ksef.mf.gov.pl/auth/token/2.1"

_SCHEMA_FILES = {
    "fa3": ("fa3", "schemat_FA(3)_v1-0E.xsd"),
    "upo": ("upo", "upo-v4-3.xsd"),
    "auth": ("auth", "schemat_auth_v2-1.xsd"),
}
_lock = threading.Lock()


@dataclass(frozen=True)
class SchemaIssue:
    """One schema violation: line number and libxml2's message."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def safe_parser() -> etree.XMLParser:
    """An XML parser that never resolves entities or touches the network (XXE-safe)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


@cache
def _schema(name: str) -> etree.XMLSchema:
    folder, filename = _SCHEMA_FILES[name]
    path = resources.files("ksef.schemas").joinpath(folder, filename)
    with resources.as_file(path) as real_path:
        # Parsing by file path lets libxml2 resolve the relative imports (bazowe/...).
        doc = etree.parse(str(real_path), safe_parser())
        return etree.XMLSchema(doc)


def schema_errors(name: str, document: bytes | etree._Element) -> list[SchemaIssue]:
    """Validate ``document`` against the packaged schema ``name`` (``fa3``, ``upo``, ``auth``).

    Returns the list of violations (empty when valid). Malformed XML is reported as one issue.
    """
    if isinstance(document, bytes):
        try:
            root = etree.fromstring(document, safe_parser())
        except etree.XMLSyntaxError as exc:
            return [SchemaIssue(exc.lineno or 0, f"malformed XML: {exc.msg}")]
    else:
        root = document
    schema = _schema(name)
    # lxml schema objects are not thread-safe for concurrent validate() calls.
    with _lock:
        if schema.validate(root):
            return []
        # lxml-stubs does not declare _ErrorLog iterable, though it is.
        entries = cast("Iterable[Any]", schema.error_log)
        return [SchemaIssue(entry.line, entry.message) for entry in entries]
