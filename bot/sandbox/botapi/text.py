"""Formatted text as the Bot API parses it: ``parse_mode`` HTML / MarkdownV2 / Markdown → text + entities.

Telegram refuses a message whose markup does not parse ("Bad Request: can't parse entities: ...");
the messages below follow the wording Telegram uses. Offsets and lengths of entities are in UTF-16
code units, as in the Bot API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.sandbox.botapi.records import bad_request


class EntityParseError(ValueError):
    """The markup does not parse; ``str(err)`` is the detail after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (what the Bot API counts)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


# --- HTML -----------------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_RE = re.compile(
    r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+)|\s*([A-Za-z][A-Za-z0-9_-]*)")


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
        try:
            return chr(code)
        except (ValueError, OverflowError):
            return "\ufffd"
    return _NAMED_ENTITIES[name]


def _unescape_attr(value: str) -> str:
    if value[:1] in ("'", '"'):
        value = value[1:-1]
    return _ENTITY_RE.sub(_decode_entity, value)


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML style: allowed tags only, properly nested; entities ``&lt; &gt; &amp; &quot;``
    and numeric ones decoded, a lone ``&`` kept as it is (as Telegram does)."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            m = _ENTITY_RE.match(src, i)
            text = _decode_entity(m) if m else "&"
            out.append(text)
            pos16 += utf16_len(text)
            i = m.end() if m else i + 1
            continue
        if ch != "<":
            out.append(ch)
            pos16 += utf16_len(ch)
            i += 1
            continue
        start = i
        closing = src.startswith("</", i)
        j = i + (2 if closing else 1)
        name_match = _TAG_NAME_RE.match(src, j)
        name = name_match.group(0).lower() if name_match else ""
        j = name_match.end() if name_match else j
        if not closing and name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, start)}')
        end = src.find(">", j)
        if end == -1:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, start)}")
        if closing:
            if src[j:end].strip():
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(src, start)}")
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(src, start)}")
            open_name, open_at, open_attrs = stack.pop()
            if name != open_name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, start)}, "
                    f'expected "</{open_name}>", found "</{name}>"')
            _html_entity(entities, open_name, open_at, pos16 - open_at, open_attrs)
            i = end + 1
            continue
        attrs: dict[str, str] = {}
        rest = src[j:end]
        k = 0
        while k < len(rest) and rest[k:].strip():
            am = _ATTR_RE.match(rest, k)
            if not am:
                raise EntityParseError(f"Expected equal sign in declaration of an attribute of the tag "
                                       f'"{name}" at byte offset {_byte_offset(src, start)}')
            if am.group(1):
                attrs[am.group(1).lower()] = _unescape_attr(am.group(2))
            else:
                attrs[am.group(3).lower()] = ""
            k = am.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset '
                                   f"{_byte_offset(src, start)}")
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                                   f"{_byte_offset(src, start)}")
        stack.append((name, pos16, attrs))
        i = end + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(entities: list[dict[str, Any]], tag: str, offset: int, length: int,
                 attrs: dict[str, str]) -> None:
    if length <= 0:
        return  # Telegram drops empty entities
    kind = _HTML_TAGS[tag]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        href = attrs.get("href", "")
        if not href:
            return  # <a> without href is plain text in Telegram
        if href.startswith("tg://user?id="):
            entity = {"type": "text_mention", "offset": offset, "length": length,
                      "user": {"id": int(href.split("=", 1)[1] or 0), "is_bot": False, "first_name": ""}}
        else:
            entity["url"] = href
    elif tag == "pre":
        # <pre><code class="language-x"> gives the language to the pre entity.
        for inner in entities:
            if inner["type"] == "code" and inner["offset"] == offset and inner["length"] == length \
                    and "language" in inner:
                entity["language"] = inner.pop("language")
                entities.remove(inner)
                break
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-"):]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


# --- MarkdownV2 -----------------------------------------------------------------------------------

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"),
                 ("~", "strikethrough"))


def parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2: every reserved character outside an entity must be escaped with ``\\``."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, str, int, int]] = []  # (marker, type, offset16, source index)
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)

    def emit(text: str) -> None:
        nonlocal pos16
        out.append(text)
        pos16 += utf16_len(text)

    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n:
            emit(src[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = src.startswith("```", i)
            marker = "```" if fence else "`"
            close = i + len(marker)
            body: list[str] = []
            while close < n and not src.startswith(marker, close):
                if src[close] == "\\" and close + 1 < n:
                    body.append(src[close + 1])
                    close += 2
                else:
                    body.append(src[close])
                    close += 1
            if close >= n:
                kind = "Pre" if fence else "Code"
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(src, i)}")
            text = "".join(body)
            entity: dict[str, Any] = {"type": "pre" if fence else "code", "offset": pos16}
            if fence and "\n" in text:
                first, rest = text.split("\n", 1)
                if first and " " not in first:
                    entity["language"] = first
                    text = rest
            emit(text)
            entity["length"] = utf16_len(text)
            if entity["length"]:
                entities.append(entity)
            i = close + len(marker)
            continue
        if ch == "[":
            stack.append(("[", "text_link", pos16, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _, _, offset, at = stack.pop()
            if not src.startswith("(", i + 1):
                raise EntityParseError(f"Can't find end of a link at byte offset {_byte_offset(src, at)}")
            close = src.find(")", i + 2)
            if close == -1:
                raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(src, i + 1)}")
            url = src[i + 2:close].replace("\\)", ")").replace("\\\\", "\\")
            if pos16 > offset:
                entities.append({"type": "text_link", "offset": offset, "length": pos16 - offset, "url": url})
            i = close + 1
            continue
        matched = False
        for marker, kind in _MDV2_MARKERS:
            if src.startswith(marker, i):
                if stack and stack[-1][0] == marker:
                    _, _, offset, _ = stack.pop()
                    if pos16 > offset:
                        entities.append({"type": kind, "offset": offset, "length": pos16 - offset})
                else:
                    stack.append((marker, kind, pos16, i))
                i += len(marker)
                matched = True
                break
        if matched:
            continue
        if ch == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1  # block quote marker at a line start; quote entities are not tracked here
            continue
        if ch in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        emit(ch)
        i += 1
    if stack:
        marker, kind, _, at = stack[-1]
        name = {"text_link": "a link"}.get(kind, kind.capitalize() + " entity")
        raise EntityParseError(f"Can't find end of {name} at byte offset {_byte_offset(src, at)}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# --- Markdown (legacy) ----------------------------------------------------------------------------

_LEGACY_RE = re.compile(r"```(.*?)```|`([^`]*)`|\*([^*]*)\*|_([^_]*)_|\[([^\]]*)\]\(([^)]*)\)", re.S)


def _legacy_unclosed(src: str, at: int) -> EntityParseError:
    return EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, at)}")


def parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: ``*bold*``, ``_italic_``, ``code``, pre blocks and ``[text](url)``; no nesting."""
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    i = 0
    for m in _LEGACY_RE.finditer(src):
        plain = src[i:m.start()]
        for marker in "*_`[":
            if marker in plain:
                at = i + plain.index(marker)
                raise _legacy_unclosed(src, at)
        out.append(plain)
        pos16 += utf16_len(plain)
        groups = m.groups()
        if groups[0] is not None:
            kind, text = "pre", groups[0]
        elif groups[1] is not None:
            kind, text = "code", groups[1]
        elif groups[2] is not None:
            kind, text = "bold", groups[2]
        elif groups[3] is not None:
            kind, text = "italic", groups[3]
        else:
            kind, text = "text_link", groups[4] or ""
        entity: dict[str, Any] = {"type": kind, "offset": pos16, "length": utf16_len(text)}
        if kind == "text_link":
            entity["url"] = groups[5]
        if entity["length"]:
            entities.append(entity)
        out.append(text)
        pos16 += utf16_len(text)
        i = m.end()
    tail = src[i:]
    for marker in "*_`[":
        if marker in tail:
            at = i + tail.index(marker)
            raise _legacy_unclosed(src, at)
    out.append(tail)
    return "".join(out), entities


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Dispatch on ``parse_mode`` (case-insensitive, as Telegram accepts it)."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')


def formatted(params: Mapping[str, Any], field_name: str, entities_field: str, limit: int,
              *, required: bool) -> tuple[str | None, list[dict[str, Any]]]:
    """The text (or caption) of a call with its entities, checked as Telegram checks it: parsed per
    ``parse_mode`` unless entities are given, not empty when ``required``, at most ``limit`` long."""
    raw = params.get(field_name)
    if raw is None or raw == "":
        if required:
            raise bad_request("message text is empty")
        return None, []
    raw = str(raw)
    explicit = params.get(entities_field)
    if explicit:
        text, entities = raw, list(explicit)
    else:
        try:
            text, entities = parse_formatted(raw, params.get("parse_mode"))
        except EntityParseError as err:
            if str(err).startswith("Unsupported parse_mode"):
                raise bad_request("unsupported parse_mode") from err
            raise bad_request(f"can't parse entities: {err}") from err
    if required and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if field_name == "text" else "message caption is too long")
    return text, entities
