"""Where the shared KSeF spec material lives (beside the repository, as in CI)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO.parent / "shared" / "ksef-spec"
SAMPLES_FA3 = SPEC_DIR / "samples" / "fa3"
VECTORS_FILE = SPEC_DIR / "test-vectors" / "vectors.json"
OPENAPI_FILE = SPEC_DIR / "openapi" / "open-api-2.9.0.json"


def pem_label(data: bytes | str) -> str:
    """The label of the first PEM block (``-----BEGIN <label>-----``), e.g. ``ENCRYPTED PRIVATE KEY``."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    first = text.lstrip().split("\n", 1)[0].strip()
    prefix, suffix = "-----BEGIN ", "-----"
    return first[len(prefix):-len(suffix)] if first.startswith(prefix) and first.endswith(suffix) else ""
