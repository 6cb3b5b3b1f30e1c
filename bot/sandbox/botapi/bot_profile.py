"""The bot itself and its chats' settings: ``getMe``, ``logOut``/``close``, the command menu
(``setMyCommands`` ...), the menu button, the bot's name and descriptions, ``getChat``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.limits import MAX_COMMANDS
from bot.sandbox.botapi.records import UploadedFile, bad_request
from bot.sandbox.botapi.registry import method

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


@method("getMe")
def _get_me(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    return dict(fake.bot_user)


@method("logOut", "close")
def _log_out(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    return True


def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    scope_key = json.dumps(scope, sort_keys=True) if isinstance(scope, dict) else str(scope)
    return scope_key, str(params.get("language_code") or "")


@method("setMyCommands")
def _set_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list)
                          else "can't parse commands JSON")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND_RE.fullmatch(str(cmd.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID" if cmd.get("description") else
                              "command description is empty")
    with fake.lock:
        fake.commands[_commands_key(params)] = [dict(c) for c in commands]
    return True


@method("getMyCommands")
def _get_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake.lock:
        return list(fake.commands.get(_commands_key(params), []))


@method("deleteMyCommands")
def _delete_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake.lock:
        fake.commands.pop(_commands_key(params), None)
    return True


@method("setChatMenuButton")
def _set_menu(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    if chat_id is not None:
        fake.chat_for_send(params)
    button = params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button")
    with fake.lock:
        fake.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


@method("getChatMenuButton")
def _get_menu(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    with fake.lock:
        return fake.menu_buttons.get(chat_id if isinstance(chat_id, int) else None, {"type": "commands"})


@method("setMyDescription", "setMyShortDescription", "setMyName")
def _set_bot_text(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    value = next((str(params[k]) for k in ("description", "short_description", "name") if k in params), "")
    limit = 512 if "description" in params else (120 if "short_description" in params else 64)
    if len(value) > limit:
        raise bad_request("description is too long")
    key = next((k for k in ("description", "short_description", "name") if k in params), "description")
    with fake.lock:
        fake.bot_texts[f"{key}:{params.get('language_code') or ''}"] = value
    return True


@method("getChat")
def _get_chat(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    with fake.lock:
        chat = fake.state.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}
