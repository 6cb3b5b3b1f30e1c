"""Inline-button data parsed in one place into typed values.

Button data is ``<prefix>:<action>[:<field>…]`` (at most 64 bytes; the state lives in the database).
Each feature registers its prefix with the actions it makes and the fields each action carries;
:meth:`Buttons.parse` turns the data of a press into a :class:`Pressed` with the ids already
converted and range-checked, or refuses it. A feature whose data does not fit fields of this kind (the
sales register's filters end in free search text) registers its own typed parser for its prefix
(:meth:`Buttons.register_parser`): the registry still routes every press, and refuses what that
parser refuses. Data that does not parse — an old button from an earlier
version, empty or non-numeric ids, too few or too many fields, an id past what the database holds, an
unknown prefix, action or language — is answered as a stale button by the router, never raised from
inside a handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from telegram import Update

    from bot.chat.context import BotContext

log = logging.getLogger(__name__)

# Row ids are INTEGER columns: 32-bit on PostgreSQL, the smaller of our two databases.
MAX_ROW_ID = 2**31 - 1
# Telegram user ids are BIGINT columns: SQLite's and PostgreSQL's 64-bit signed range.
MAX_USER_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_WORD = re.compile(r"[a-z0-9_]{1,32}")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_STEP = re.compile(r"[a-z0-9_]{1,32}(:[0-9]{1,3})?")


class Field(Enum):
    """What one field of button data holds."""

    ID = "id"  # a row id (company, invoice, certificate, outbox row…), 0 … MAX_ROW_ID
    USER = "user"  # a Telegram user id, 1 … MAX_USER_ID
    WORD = "word"  # a short lowercase name (a dialogue flow, a choice)
    CODE = "code"  # a short name or code, any case (a currency code, a preview's version)
    STEP = "step"  # a dialogue step, possibly ``guide:<n>``: takes the rest of the data
    OPTIONAL_ID = "optional_id"  # a trailing row id that older buttons may not carry
    OPTIONAL_CODE = "optional_code"  # a trailing code that older buttons may not carry


Spec = Sequence[Field]


@dataclass(frozen=True)
class Pressed:
    """A parsed button press: the prefix, the action, and its fields by kind, in order."""

    prefix: str
    action: str
    ids: tuple[int, ...] = ()  # ID, USER and OPTIONAL_ID fields, in order (an absent optional one: none)
    words: tuple[str, ...] = ()  # WORD, CODE, OPTIONAL_CODE and STEP fields, in order
    args: tuple[str, ...] = ()  # every field as sent (checked), in order: for handlers that read them so

    @property
    def id(self) -> int:
        """The first id (the action's subject)."""
        return self.ids[0]


T = TypeVar("T")
Handler = Callable[["Update", "BotContext", str, Pressed], Awaitable[None]]
TypedHandler = Callable[["Update", "BotContext", str, T], Awaitable[None]]


@dataclass(frozen=True)
class Routed(Generic[T]):
    """A press that parsed, with the handler of its prefix: ``value`` is a :class:`Pressed`, or the typed
    action of a prefix registered with its own parser."""

    value: T
    handler: TypedHandler[T]

    async def __call__(self, update: Update, context: BotContext, lang: str) -> None:
        await self.handler(update, context, lang, self.value)


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A prefix's parser (the whole data → its typed action, or None) and the handler of that action.
    Written ``Parsed[Action](parse, handler)``: the type checker then holds the two to one type."""

    parse: Callable[[str], T | None]
    handler: TypedHandler[T]


def _number(text: str, low: int, high: int) -> int | None:
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _parse_fields(spec: Spec, parts: list[str]) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
    ids: list[int] = []
    words: list[str] = []
    index = 0
    for position, kind in enumerate(spec):
        if kind is Field.STEP:
            if position != len(spec) - 1:
                raise ValueError("STEP must be the last field")
            rest = ":".join(parts[index:])
            if not _STEP.fullmatch(rest):
                return None
            words.append(rest)
            return tuple(ids), tuple(words)
        if index >= len(parts):
            if kind in (Field.OPTIONAL_ID, Field.OPTIONAL_CODE):
                continue
            return None
        text = parts[index]
        index += 1
        if kind in (Field.WORD, Field.CODE, Field.OPTIONAL_CODE):
            if not (_WORD if kind is Field.WORD else _CODE).fullmatch(text):
                return None
            words.append(text)
            continue
        value = _number(text, 1, MAX_USER_ID) if kind is Field.USER else _number(text, 0, MAX_ROW_ID)
        if value is None:
            return None
        ids.append(value)
    if index != len(parts):
        return None  # more fields than the action carries
    return tuple(ids), tuple(words)


class Buttons:
    """The registry of button prefixes: each with its parser (field specs per action, or the feature's
    own) and one handler."""

    def __init__(self) -> None:
        self._prefixes: dict[str, Parsed[Any]] = {}

    def register(self, prefix: str, actions: Mapping[str, Spec], handler: Handler) -> None:
        """Route presses of ``<prefix>:<action>…`` (``actions``: action → its fields) to ``handler``."""
        specs = dict(actions)
        self.register_parser(prefix, Parsed[Pressed](lambda data: _parse_spec(specs, data), handler))

    def register_parser(self, prefix: str, parsed: Parsed[Any]) -> None:
        """Route presses of ``<prefix>:…`` that ``parsed.parse`` turns into a typed action to its handler."""
        if prefix in self._prefixes:
            raise ValueError(f"button prefix {prefix!r} is registered twice")
        self._prefixes[prefix] = parsed

    def route(self, data: str | None) -> Routed[Any] | None:
        """The press and its handler, or None when the data is malformed or of no registered action."""
        prefix = (data or "").split(":", 1)[0]
        found = self._prefixes.get(prefix)
        if found is None or data is None:
            return None
        value = found.parse(data)
        return Routed(value, found.handler) if value is not None else None

    def parse(self, data: str | None) -> Pressed | None:
        """The press as fields, for a prefix registered with field specs (None otherwise)."""
        routed = self.route(data)
        return routed.value if routed is not None and isinstance(routed.value, Pressed) else None


def _parse_spec(actions: Mapping[str, Spec], data: str) -> Pressed | None:
    parts = data.split(":")
    if len(parts) < 2:
        return None
    spec = actions.get(parts[1])
    if spec is None:
        return None
    fields = _parse_fields(spec, parts[2:])
    if fields is None:
        return None
    return Pressed(parts[0], parts[1], *fields, args=tuple(parts[2:]))
