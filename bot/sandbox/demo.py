"""The sandbox's demo company: a subject with a ready KSeF token in the simulator, suppliers who send
it invoices in the first minutes after it is connected, and demo certificates (all through the
simulator's ``/sim`` admin API)."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from ksef.identifiers import random_valid_nip

log = logging.getLogger(__name__)

# When the scheduled supplier invoices arrive, in seconds after the bot first asks KSeF about the demo
# company (it has just been connected): the first while the visitor looks around, then a few more
# to show repeated notifications.
DEFAULT_SCHEDULE: tuple[float, ...] = (45.0, 120.0, 240.0)
DEMO_FILE = "demo.json"
METADATA_QUERY = "/invoices/query/metadata"  # a path template of the simulator's request log
CONNECTION_CHECK_EVERY = 1.0  # seconds between looks at the simulator's request log
CERTIFICATE_TYPES = ("Offline", "Authentication")
KEY_TYPES = ("RSA", "EC")

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
                             schedule: Sequence[float] = DEFAULT_SCHEDULE,
                             after_each: Callable[[str], Awaitable[object]] | None = None) -> list[str]:
    """Inject one supplier invoice at each moment of ``schedule`` (seconds from now), then call
    ``after_each(number)`` (the sandbox asks the bot to check at once); a refused injection is logged
    and skipped so the sandbox keeps running."""
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
            continue
        if after_each is not None:
            await after_each(numbers[-1])
    return numbers


async def first_poll_seen(admin: httpx.AsyncClient, nip: str) -> bool:
    """Has anyone asked KSeF (the simulator) for ``nip``'s invoices yet? The bot does so right after
    the company is connected, so this tells the moment of connecting without asking the bot."""
    found = _check(await admin.get("/sim/requests", params={"path": METADATA_QUERY, "nip": nip})).json()
    return bool(found["requests"])


async def invoices_after_connection(admin: httpx.AsyncClient, demo: DemoCompany,
                                    schedule: Sequence[float] = DEFAULT_SCHEDULE,
                                    after_each: Callable[[str], Awaitable[object]] | None = None,
                                    every: float = CONNECTION_CHECK_EVERY) -> list[str]:
    """Wait until the demo company is connected (its first poll), then :func:`scheduled_invoices`:
    an invoice issued before the bot's first look at a company predates its baseline and is never
    announced (no flood of history), so timing from the sandbox's start would waste the first ones."""
    while True:
        try:
            if await first_poll_seen(admin, demo.nip):
                break
        except (DemoError, httpx.HTTPError) as exc:
            log.warning("sandbox: cannot read the simulator's request log: %s", exc)
        await asyncio.sleep(every)
    log.info("sandbox: the demo company is connected; supplier invoices follow in %s s",
             ", ".join(f"{at:g}" for at in sorted(schedule)))
    return await scheduled_invoices(admin, demo, schedule, after_each)


@dataclass(frozen=True)
class DemoCertificate:
    """A certificate as the taxpayer portal hands it out: the encrypted ``.key``, the ``.cert``, the
    password of the key."""

    cert_type: str
    key_type: str
    serial_number: str
    password: str
    key_pem: bytes
    cert_pem: bytes

    @property
    def file_stem(self) -> str:
        """``offline-ec-1a2b3c4d`` (type, key type, the serial's last digits)."""
        kind = "offline" if self.cert_type == "Offline" else "logowanie"
        return f"{kind}-{self.key_type.lower()}-{self.serial_number[-8:].lower()}"


async def create_certificate(admin: httpx.AsyncClient, nip: str, cert_type: str,
                             key_type: str) -> DemoCertificate:
    """A new certificate of the simulator's CA for ``nip``, its key under a fresh password."""
    if cert_type not in CERTIFICATE_TYPES:
        raise DemoError(f"nieznany typ certyfikatu {cert_type!r}; dostępne: {', '.join(CERTIFICATE_TYPES)}")
    if key_type not in KEY_TYPES:
        raise DemoError(f"nieznany typ klucza {key_type!r}; dostępne: {', '.join(KEY_TYPES)}")
    # Readable and easy to paste on a phone, yet not guessable.
    password = f"demo-{secrets.token_hex(3)}-{secrets.token_hex(3)}"
    body = _check(await admin.post("/sim/certificates", json={
        "nip": nip, "type": cert_type, "password": password, "keyType": key_type})).json()
    return DemoCertificate(cert_type, key_type, str(body["serialNumber"]), password,
                           str(body["key"]).encode("ascii"), str(body["cert"]).encode("ascii"))
