"""``X-System-Warning``: KSeF's non-blocking technical warnings on any answer (API 2.6.0+;
docs/ksef.md#x-system-warning).

The header holds ``[code]: message | [code]: message``, ASCII-folded (schema ``SystemWarning`` in
the OpenAPI). A warning does not change the result of the call but may announce a future rejection,
e.g. ``xml-002``: the invoice holds Unicode characters KSeF discourages (docs
``faktury/weryfikacja-faktury.md``). The transport logs each distinct warning once; the caller of a
call sees the warnings its answers carried through :func:`collect_warnings` (and ``SentInvoice.warnings``
for invoice statuses).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

XML_DISCOURAGED_CHARACTERS = "xml-002"   # the invoice holds discouraged Unicode characters

# The per-warning regex published with the header: \[(?<code>[^\]]+)\]: (?<message>[^|]+)
_ITEM = re.compile(r"\[(?P<code>[^\]]+)\]:\s*(?P<message>[^|]+)")


@dataclass(frozen=True)
class SystemWarning:
    """One warning: its code (e.g. ``xml-002``) and message (ASCII-folded Polish)."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}]: {self.message}"


def parse_system_warnings(header: str | None) -> list[SystemWarning]:
    """The warnings in one ``X-System-Warning`` value; text without the ``[code]:`` form becomes one
    warning with code ``unknown`` (never dropped: it may announce a rejection)."""
    if not header or not header.strip():
        return []
    found = [SystemWarning(m["code"].strip(), m["message"].strip()) for m in _ITEM.finditer(header)]
    return found or [SystemWarning("unknown", header.strip())]


_collected: ContextVar[list[SystemWarning] | None] = ContextVar("ksef_system_warnings", default=None)


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[SystemWarning]]:
    """Collect the warnings of every KSeF answer received inside the block (in this task)::

        with collect_warnings() as warnings:
            sent = await client.send_invoice(xml)
        if any(w.code == XML_DISCOURAGED_CHARACTERS for w in warnings): ...
    """
    bucket: list[SystemWarning] = []
    token = _collected.set(bucket)
    try:
        yield bucket
    finally:
        _collected.reset(token)


def report(warnings: list[SystemWarning]) -> None:
    """Hand ``warnings`` to the innermost :func:`collect_warnings` block, if any (each once)."""
    bucket = _collected.get()
    if bucket is not None:
        bucket.extend(w for w in warnings if w not in bucket)
