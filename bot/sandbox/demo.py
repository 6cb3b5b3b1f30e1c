"""The sandbox's demo company: a subject with a ready KSeF token in the simulator, and suppliers who
send it invoices over the first minutes (all through the simulator's ``/sim`` admin API)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from ksef.identifiers import random_valid_nip

log = logging.getLogger(__name__)

# When the scheduled supplier invoices arrive, in seconds after the sandbox starts: the first soon
# after a visitor could have finished onboarding, then a few more to show repeated notifications.
DEFAULT_SCHEDULE: tuple[float, ...] = (45.0, 120.0, 240.0)
DEMO_FILE = "demo.json"

# What the page's "KSeF failure" / "KSeF works" buttons send to PUT /sim/availability.
AVAILABILITY_MODES: dict[str, dict[str, object]] = {
    "up": {"api": "up", "latarnia": {"status": "AVAILABLE", "messages": [], "down": False}},
    "failure": {"api": "down", "latarnia": {"status": "FAILURE", "down": False}},
    "error500": {"api": "error500", "latarnia": {"status": "AVAILABLE", "down": False}},
    "slow": {"api": "slow", "slowSeconds": 5},
}


class DemoError(RuntimeError):
    """The simulator refused an admin call (the message says which and why)."""


@dataclass(frozen=True)
class DemoCompany:
    """The company a sandbox visitor connects, and the suppliers that invoice it."""

    nip: str
    token: str
    suppliers: tuple[str, ...]


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise DemoError(f"symulator: {response.request.method} {response.request.url.path} → "
                        f"{response.status_code} {response.text[:200]}")
    return response


async def create_demo_company(admin: httpx.AsyncClient, suppliers: int = 3) -> DemoCompany:
    """A new subject in the simulator with a token (InvoiceRead + InvoiceWrite) and supplier NIPs."""
    body = _check(await admin.post("/sim/subjects", json={"nip": random_valid_nip()})).json()
    return DemoCompany(nip=str(body["nip"]), token=str(body["token"]),
                       suppliers=tuple(random_valid_nip() for _ in range(suppliers)))


async def load_or_create(admin: httpx.AsyncClient, data_dir: Path | None) -> DemoCompany:
    """The demo company saved in ``data_dir`` (a persistent sandbox), else a new one (saved there)."""
    path = data_dir / DEMO_FILE if data_dir is not None else None
    if path is not None and path.exists():
        raw = json.loads(path.read_text("utf-8"))
        return DemoCompany(nip=raw["nip"], token=raw["token"], suppliers=tuple(raw["suppliers"]))
    demo = await create_demo_company(admin)
    if path is not None:
        # The token is a simulator token for a made-up company: not a secret worth protecting,
        # but keep the file private anyway, like every other file in the data directory.
        path.touch(mode=0o600)
        path.write_text(json.dumps(asdict(demo)), "utf-8")
    return demo


async def inject_supplier_invoice(admin: httpx.AsyncClient, demo: DemoCompany, index: int = 0) -> str:
    """One synthetic FA(3) invoice from a supplier to the demo company; returns its KSeF number."""
    seller = demo.suppliers[index % len(demo.suppliers)]
    body = {"sellerNip": seller, "buyerNip": demo.nip, "count": 1}
    numbers = _check(await admin.post("/sim/invoices/bulk", json=body)).json()["ksefNumbers"]
    return str(numbers[0])


async def set_availability(admin: httpx.AsyncClient, mode: str) -> dict[str, object]:
    """Switch the simulator into one of :data:`AVAILABILITY_MODES`; returns its new availability."""
    if mode not in AVAILABILITY_MODES:
        raise DemoError(f"nieznany tryb {mode!r}; dostępne: {', '.join(AVAILABILITY_MODES)}")
    result: dict[str, object] = _check(await admin.put("/sim/availability",
                                                       json=AVAILABILITY_MODES[mode])).json()
    return result


async def scheduled_invoices(admin: httpx.AsyncClient, demo: DemoCompany,
                             schedule: Sequence[float] = DEFAULT_SCHEDULE) -> list[str]:
    """Inject one supplier invoice at each moment of ``schedule`` (seconds from now); a refused
    injection is logged and skipped so the sandbox keeps running."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    numbers: list[str] = []
    for index, at in enumerate(sorted(schedule)):
        await asyncio.sleep(max(0.0, start + at - loop.time()))
        try:
            numbers.append(await inject_supplier_invoice(admin, demo, index))
            log.info("sandbox: supplier invoice %s sent to the demo company", numbers[-1])
        except (DemoError, httpx.HTTPError) as exc:
            log.warning("sandbox: scheduled supplier invoice not injected: %s", exc)
    return numbers
