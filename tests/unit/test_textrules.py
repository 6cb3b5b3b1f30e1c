"""ksef.fa3.textrules: the one class of characters KSeF flags (xml-002) and the chat-text sanitiser."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ksef.fa3.textrules import DISCOURAGED, find_discouraged, is_discouraged, sanitize
from ksef.plinput import clean_text


def _category_rule(char: str) -> bool:
    """The rule the module documents: Cc (but TAB, LF, CR), Cf, Cs, Zl, Zp and the noncharacters."""
    code = ord(char)
    if char in "\t\n\r":
        return False
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return True
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def test_the_written_out_ranges_are_the_documented_rule_for_every_code_point() -> None:
    # Fails when Python's Unicode data gains format characters: then extend _RANGES.
    differ = [f"U+{c:04X}" for c in range(0x110000) if _category_rule(chr(c)) != is_discouraged(chr(c))]
    assert differ == []


def test_what_people_paste_is_flagged_and_polish_text_is_not() -> None:
    for char in ["\u200b", "\u200e", "\u202e", "\u2066", "\ufeff", "\u00ad", "\x81", "\x07", "\u2028"]:
        assert is_discouraged(char), f"U+{ord(char):04X}"
    polish = "Zażółć gęślą jaźń – „cytat” € 1 234,50 zł\u00a0\t\n🚀"
    assert find_discouraged(polish) == []


def test_sanitize_drops_invisible_characters_and_spaces_separators() -> None:
    result = sanitize("Jan\u200b Kowalski\u202e sp.\u00ad z o.o.\x0bUsługi\u2028IT")
    assert result.text == "Jan Kowalski sp. z o.o. Usługi IT"
    assert result.changed and result.removed == ("U+200B", "U+202E", "U+00AD", "U+000B", "U+2028")


def test_mojibake_control_characters_are_removed() -> None:
    # "SAMOOBSŁUGA" read in the wrong encoding: Ł became "Ĺ" + U+0081 (seen in KSeF documents).
    result = sanitize("SAMOOBSĹ\x81UGA")
    assert result.text == "SAMOOBSĹ UGA" and result.removed == ("U+0081",)


def test_nfc_alone_is_not_a_change() -> None:
    result = clean_text("a\u0328 e\u0328")  # decomposed ą ę
    assert result.text == "ą ę" and not result.changed


@given(st.text(max_size=60))
def test_sanitized_text_is_clean_and_stable(text: str) -> None:
    once = sanitize(text)
    assert DISCOURAGED.search(once.text) is None
    assert once.changed == (DISCOURAGED.search(text) is not None)
    twice = sanitize(once.text)
    assert twice.text == once.text and not twice.changed
