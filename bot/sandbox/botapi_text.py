"""Moved to :mod:`bot.sandbox.botapi.text`; kept so imports written before the split still work."""

from bot.sandbox.botapi.text import (
    EntityParseError,
    parse_formatted,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)

__all__ = ["EntityParseError", "parse_formatted", "parse_html", "parse_markdown", "parse_markdown_v2",
           "utf16_len"]
