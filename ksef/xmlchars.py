"""Unicode characters KSeF discourages in invoice XML (``X-System-Warning`` code ``xml-002``).

MF's list (docs ``faktury/weryfikacja-faktury.md``, "niezalecane znaki Unicode") is the one XML 1.0
itself discourages (https://www.w3.org/TR/xml/#charsets): DEL and the C1 control characters except
NEL (U+007F-U+0084, U+0086-U+009F) and the noncharacters U+FDD0-U+FDEF and U+nFFFE/U+nFFFF of planes
1-16. KSeF accepts such invoices with a warning and announced their rejection (CIRFMF/ksef-api #843).
UNCONFIRMED: the warning is also said to cover "some format characters"; MF's published list has
none (no U+200B, U+2028 or bidi controls), so neither has this module. Characters XML forbids outright
(C0 controls other than tab, LF, CR; U+FFFE/U+FFFF) make the document unreadable, not discouraged.
"""

from __future__ import annotations

import re

_RANGES = [(0x7F, 0x84), (0x86, 0x9F), (0xFDD0, 0xFDEF),
           *[(plane * 0x10000 + 0xFFFE, plane * 0x10000 + 0xFFFF) for plane in range(1, 17)]]
DISCOURAGED = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
                                         for lo, hi in _RANGES) + "]")


def discouraged_characters(text: str) -> list[str]:
    """The distinct discouraged characters in ``text``, in order of appearance, as ``U+XXXX``."""
    seen = dict.fromkeys(f"U+{ord(ch):04X}" for ch in DISCOURAGED.findall(text))
    return list(seen)


def strip_discouraged(text: str) -> str:
    """``text`` without discouraged characters (what to put into FA(3) from free text typed in chat)."""
    return DISCOURAGED.sub("", text)
