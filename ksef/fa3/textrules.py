"""Which characters may stand in FA(3) free text: ONE definition shared by the builder, the bot's
sanitiser and the simulator's ``X-System-Warning: xml-002`` check.

KSeF answers ``xml-002`` ("niedozwolone znaki Unicode") for invoice text holding characters XML 1.0
calls *discouraged* (W3C XML 1.0, section 2.2 "Characters", the note after the ``Char`` production),
and MF's rules reject such invoices: "Weryfikacja faktury" in https://github.com/CIRFMF/ksef-docs
(``faktury/weryfikacja-faktury.md``, version of 09.04.2026) lists U+007F–U+0084, U+0086–U+009F,
U+FDD0–U+FDEF and the last two code points of planes 1–16 (U+1FFFE–U+1FFFF … U+10FFFE–U+10FFFF).

The class defined here is a deliberate superset of MF's list: besides it, it holds the invisible
characters people paste from chats and web pages, which change how a name reads without showing
(a reader of the printout or of the XML cannot see them, a buyer's system may choke on them):

* control characters (Unicode category ``Cc``): C0 except TAB, LF and CR; DEL; C1 (U+0080–U+009F,
  the ``Ĺ\\x81`` mojibake KSeF has been seen to carry);
* format characters (``Cf``): bidi marks, embeddings, overrides and isolates (U+200E, U+200F,
  U+202A–U+202E, U+2066–U+2069, U+061C), zero-width characters (U+200B–U+200D, U+2060, U+FEFF),
  the soft hyphen U+00AD, tag characters U+E0000–U+E007F and the rest of ``Cf``;
* lone surrogates (``Cs``, only possible in a badly decoded Python string);
* noncharacters U+FDD0–U+FDEF and U+xFFFE/U+xFFFF in every plane;
* the line and paragraph separators U+2028/U+2029 (``Zl``/``Zp``), which readers show as nothing.

:func:`sanitize` turns text typed in chat into text free of them: a character that separates words
(a control character, a separator) becomes a space, an invisible one is dropped, and the result is
NFC-normalised (a decomposed "a" + ogonek becomes "ą"; that alone does not count as a change).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["DISCOURAGED", "Sanitized", "find_discouraged", "is_discouraged", "sanitize"]

# The class as code-point ranges (first, last), in the order of the list above. Written out rather
# than derived from ``unicodedata`` at import time (a scan of all code points costs a quarter of a
# second); tests/unit/test_textrules.py checks it against the category rule of the running Python.
_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0008), (0x000B, 0x000C), (0x000E, 0x001F),  # C0 controls but TAB, LF, CR
    (0x007F, 0x009F),  # DEL and C1 controls
    (0x00AD, 0x00AD),  # soft hyphen
    (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x180E, 0x180E),  # Arabic, Syriac and Mongolian format characters
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x2028, 0x202E),  # line/paragraph separators; bidi embeddings and overrides
    (0x2060, 0x2064), (0x2066, 0x206F),  # word joiner, invisible operators; bidi isolates, deprecated
    (0xD800, 0xDFFF),  # surrogates
    (0xFDD0, 0xFDEF),  # noncharacters
    (0xFEFF, 0xFEFF),  # byte order mark / zero-width no-break space
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0xFFFE, 0xFFFF),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),  # format characters of historic scripts, shorthand and music
    *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0x10000, 0xE0000, 0x10000)),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),  # tag characters
    (0xEFFFE, 0xEFFFF), (0xFFFFE, 0xFFFFF), (0x10FFFE, 0x10FFFF),
)
# Characters that stand between words: replaced by a space instead of being dropped, so that
# "a\x0bb" does not become "ab".
_SEPARATING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: Compiled class of every discouraged character; ``DISCOURAGED.search(text)`` finds the first one.
DISCOURAGED: re.Pattern[str] = re.compile(
    "[" + "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                  for a, b in _RANGES) + "]")


def is_discouraged(char: str) -> bool:
    """True for one character KSeF flags (``xml-002``); see the module docstring for the list."""
    return DISCOURAGED.fullmatch(char) is not None


def find_discouraged(text: str) -> list[tuple[int, str]]:
    """Positions and characters of every discouraged character in ``text`` (empty when clean)."""
    return [(m.start(), m.group()) for m in DISCOURAGED.finditer(text)]


@dataclass(frozen=True)
class Sanitized:
    """The cleaned text, and the characters removed or replaced (as ``U+XXXX`` codes) if any."""

    text: str
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when a discouraged character was removed or replaced (show the cleaned text)."""
        return bool(self.removed)


def sanitize(text: str) -> Sanitized:
    """Clean free text typed in chat before it goes into FA(3); see the module docstring."""
    removed: list[str] = []

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        removed.append(f"U+{ord(char):04X}")
        return " " if _SEPARATING.fullmatch(char) else ""

    cleaned = DISCOURAGED.sub(replace, text)
    # NFC after cleaning: a dropped zero-width joiner may leave a pair that composes.
    return Sanitized(unicodedata.normalize("NFC", cleaned), tuple(removed))
