"""Telegram's size limit on a message, for texts built from data (supplier invoices, lists).

A message's text may hold at most 4 096 characters after its HTML is parsed, counted in UTF-16 code
units (https://core.telegram.org/bots/api#sendmessage); a longer one is refused. :func:`fit` builds a
list message that always fits, ending with "…i N więcej" when items had to be left out;
:func:`shorten` is the last resort for any other text (whole lines kept, open tags closed).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024  # a photo's or document's caption (https://core.telegram.org/bots/api#sendphoto)
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def visible_length(text: str) -> int:
    """The length Telegram counts for an HTML text: tags removed, entities decoded, UTF-16 units."""
    visible = html.unescape(_TAG.sub("", text))
    return len(visible.encode("utf-16-le")) // 2


def fit(head: Sequence[str], items: Sequence[str], tail: Sequence[str] = (), *,
        more: Callable[[int], str], hidden: int = 0, limit: int = MESSAGE_LIMIT) -> str:
    """``head``, then as many ``items`` as fit, then ``more(n)`` for the ``n`` left out (``hidden``:
    items the caller left out already), then ``tail``; one line each, within ``limit``."""
    fixed = visible_length("\n".join([*head, *tail]))
    budget = limit - fixed - 1  # the newline after the head
    kept: list[str] = []
    for index, item in enumerate(items):
        cost = visible_length(item) + 1
        left = len(items) - index - 1 + hidden
        reserve = visible_length(more(left)) + 1 if left else 0
        if cost + reserve > budget:
            break
        kept.append(item)
        budget -= cost
    dropped = len(items) - len(kept) + hidden
    lines = [*head, *kept, *([more(dropped)] if dropped else []), *tail]
    return shorten("\n".join(lines), limit)


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as it is when it fits; else its first whole lines and "…", with open tags closed."""
    if visible_length(text) <= limit:
        return text
    kept: list[str] = []
    used = 1  # the "…" line
    for line in text.split("\n"):
        cost = visible_length(line) + 1
        if used + cost > limit:
            break
        kept.append(line)
        used += cost
    if not kept:  # one enormous line: cut its visible text (markup dropped: it cannot be cut safely)
        return html.escape(_cut(html.unescape(_TAG.sub("", text)), limit - 1)) + "…"
    return "\n".join(kept) + _closing(kept) + "\n…"


def _cut(visible: str, units: int) -> str:
    """The longest start of ``visible`` within ``units`` UTF-16 code units (astral characters take two)."""
    count = 0
    for index, char in enumerate(visible):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return visible[:index]
    return visible


def _closing(lines: Sequence[str]) -> str:
    """Closing tags for the tags left open in ``lines``."""
    stack: list[str] = []
    for match in _TAG.finditer("\n".join(lines)):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append(name)
        elif stack and stack[-1] == name:
            stack.pop()
    return "".join(f"</{name}>" for name in reversed(stack))
