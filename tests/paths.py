"""Where the shared KSeF spec material lives (beside the repository, as in CI)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO.parent / "shared" / "ksef-spec"
SAMPLES_FA3 = SPEC_DIR / "samples" / "fa3"
VECTORS_FILE = SPEC_DIR / "test-vectors" / "vectors.json"
OPENAPI_FILE = SPEC_DIR / "openapi" / "open-api.json"
