"""KSeF environments: API base, QR verification host and status service (docs/ksef.md#environments)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    """Where one KSeF environment lives. ``api_base`` includes the ``/v2`` prefix."""

    name: str
    api_base: str
    qr_host: str
    latarnia_base: str | None

    @property
    def is_real(self) -> bool:
        """True for MF's own environments (published rate limits must be respected)."""
        return self.name in ENVIRONMENTS


ENVIRONMENTS: dict[str, Environment] = {
    "test": Environment(
        "test", "https://api-test.ksef.mf.gov.pl/v2", "https://qr-test.ksef.mf.gov.pl",
        "https://api-latarnia-test.ksef.mf.gov.pl",
    ),
    # DEMO has no published status service; official clients reuse the test one (UNCONFIRMED).
    "demo": Environment(
        "demo", "https://api-demo.ksef.mf.gov.pl/v2", "https://qr-demo.ksef.mf.gov.pl",
        "https://api-latarnia-test.ksef.mf.gov.pl",
    ),
    "prod": Environment(
        "prod", "https://api.ksef.mf.gov.pl/v2", "https://qr.ksef.mf.gov.pl",
        "https://api-latarnia.ksef.mf.gov.pl",
    ),
}


def resolve_environment(name_or_url: str, *, qr_host: str | None = None,
                        latarnia_base: str | None = None) -> Environment:
    """``test``/``demo``/``prod``, or any base URL (e.g. a simulator's ``http://127.0.0.1:8765/v2``).

    For a custom URL the QR host defaults to the test host (links must still look like KSeF's) and
    the status service to ``<root>/latarnia`` (where the simulator serves it).
    """
    key = name_or_url.strip().lower()
    if key in ENVIRONMENTS:
        return ENVIRONMENTS[key]
    if not key.startswith(("http://", "https://")):
        raise ValueError(f"unknown KSeF environment {name_or_url!r}: use test, demo, prod or a URL")
    base = name_or_url.strip().rstrip("/")
    if not base.endswith("/v2"):
        base += "/v2"
    root = base[: -len("/v2")]
    return Environment(
        name="custom", api_base=base,
        qr_host=qr_host or ENVIRONMENTS["test"].qr_host,
        latarnia_base=latarnia_base or f"{root}/latarnia",
    )
