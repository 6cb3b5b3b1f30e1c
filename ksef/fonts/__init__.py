"""Font files shipped with the library (DejaVu Sans, Bitstream Vera licence: see ``LICENSE`` here).

The printout and the chat card need a TrueType font with Polish letters; the PDF core fonts and
Pillow's default bitmap font have none, so the files travel with the package.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

__all__ = ["BOLD", "FONT_DIR", "REGULAR"]
