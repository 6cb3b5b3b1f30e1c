"""Reply markup: inline keyboards checked as Telegram checks them, and the buttons a user sees."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.sandbox.botapi.limits import MAX_CALLBACK_DATA
from bot.sandbox.botapi.records import Button, bad_request

Keyboard = tuple[tuple[Button, ...], ...]
ReplyKeyboard = tuple[tuple[str, ...], ...]  # the labels of a reply keyboard, row by row


def reply_keyboard(markup: Mapping[str, Any] | None) -> ReplyKeyboard | None:
    """The labels of a ``ReplyKeyboardMarkup`` (checked as Telegram checks it); ``()`` for
    ``ReplyKeyboardRemove``; None when the markup does not touch the keyboard under the message field."""
    if not markup:
        return None
    if markup.get("remove_keyboard"):
        return ()
    rows = markup.get("keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
    labels: list[tuple[str, ...]] = []
    for row in rows:
        texts = []
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button  # a bare string is allowed
            if not isinstance(text, str) or not text:
                raise bad_request("keyboard button text must be non-empty")
            texts.append(str(text))
        if texts:
            labels.append(tuple(texts))
    if not labels:
        raise bad_request("keyboard must be non-empty")
    return tuple(labels)


def keyboard(params: Mapping[str, Any]) -> tuple[dict[str, Any] | None, Keyboard]:
    """``reply_markup`` of a call and its inline buttons (reply keyboards are kept in raw only)."""
    markup = params.get("reply_markup")
    if not markup:
        return None, ()
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup, ()  # reply keyboards / remove / force reply: kept in raw only
    if not isinstance(rows, list):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    out: list[tuple[Button, ...]] = []
    for row in rows:
        buttons: list[Button] = []
        for button in row:
            text = button.get("text")
            if not text:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            url = button.get("url")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise bad_request("BUTTON_URL_INVALID")
            kinds = [k for k in button if k != "text"]
            if len(kinds) != 1:
                raise bad_request("BUTTON_TYPE_INVALID" if kinds else "can't find field \"callback_data\"")
            buttons.append(Button(str(text), str(data) if data is not None else None, url))
        out.append(tuple(buttons))
    return markup, tuple(out)
