"""Button data of the sales register (``sa:…``) and of the correction dialogue (``kr:…``): written and
parsed here only, into typed values. Anything that does not parse (an old or forged button) is None, and
the handlers answer it as a stale button.

Telegram allows 64 bytes of callback data, so a list's filters travel compactly: the month as
``YYYYMM``, the state as one letter, the buyer's NIP, and the search text last (cut to what fits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.services.sales.register import SalesQuery, StateFilter

MAX_DATA = 64  # bytes (Telegram's limit for callback_data)
MAX_PAGE = 10_000
_INT = re.compile(r"[0-9]{1,9}")
_MONTH = re.compile(r"(20[0-9]{2})(0[1-9]|1[0-2])")
_NIP = re.compile(r"[0-9A-Z]{1,20}")
_VERSION = re.compile(r"[0-9a-f]{12}")
RATES = ("23", "8", "5", "0 KR", "zw")  # the rates offered as buttons when a position's rate is corrected


class Chooser(StrEnum):
    """Which filter's options a list shows in place of its rows."""

    MONTH = "fm"
    STATE = "fs"
    BUYER = "fb"


class CardVerb(StrEnum):
    """What a button of an invoice card does."""

    OPEN = "c"
    PDF = "pdf"
    XML = "xml"
    UPO = "upo"
    AGAIN = "re"
    CORRECT = "kor"
    PAID = "paid"
    PART = "part"
    UNDO = "undo"


@dataclass(frozen=True)
class ListAction:
    """Show the list for ``query`` (edited in place), or with ``chooser`` the options of one filter."""

    query: SalesQuery
    chooser: Chooser | None = None


@dataclass(frozen=True)
class SearchAction:
    """Ask for a search text."""


@dataclass(frozen=True)
class CardAction:
    verb: CardVerb
    invoice_id: int
    payment_id: int | None = None  # UNDO: the payment recorded


class KorVerb(StrEnum):
    """What a button of the correction dialogue does."""

    LINE = "ln"  # show one position's options
    QUANTITY = "q"
    PRICE = "p"
    RATE = "r"  # show the rates
    SET_RATE = "rs"
    REMOVE = "d"
    REMOVE_ADDED = "da"
    ADD = "a"
    BUYER = "b"
    NIP = "n"
    ZERO = "z"
    MENU = "m"
    REASON = "why"
    QUICK_REASON = "rr"
    PREVIEW = "pv"
    CONFIRM = "ok"
    OFFLINE = "off"
    CANCEL = "no"


_NEEDS_NUMBER = {KorVerb.LINE, KorVerb.QUANTITY, KorVerb.PRICE, KorVerb.RATE, KorVerb.SET_RATE,
                 KorVerb.REMOVE, KorVerb.REMOVE_ADDED, KorVerb.QUICK_REASON}


@dataclass(frozen=True)
class KorAction:
    verb: KorVerb
    number: int | None = None  # a position (or an added line's index, or a quick reason's index)
    rate: str | None = None  # SET_RATE: one of RATES
    version: str | None = None  # CONFIRM / OFFLINE: the preview's version


Action = ListAction | SearchAction | CardAction | KorAction


# --- writing ---------------------------------------------------------------------------------------------

def _query_fields(query: SalesQuery) -> str:
    month = f"{query.month[0]:04d}{query.month[1]:02d}" if query.month else ""
    state = query.state.value if query.state else ""
    return f"{month}:{state}:{query.buyer_nip or ''}:"


def _fit(prefix: str, search: str) -> str:
    """``prefix`` + as much of ``search`` as fits in 64 bytes (whole characters only)."""
    room = MAX_DATA - len(prefix.encode())
    text = search
    while len(text.encode()) > room:
        text = text[:-1]
    return prefix + text


def list_data(query: SalesQuery, chooser: Chooser | None = None) -> str:
    verb = chooser.value if chooser else "l"
    return _fit(f"sa:{verb}:{min(query.page, MAX_PAGE)}:{_query_fields(query)}", query.search)


def search_data() -> str:
    return "sa:s"


def card_data(verb: CardVerb, invoice_id: int, payment_id: int | None = None) -> str:
    return f"sa:{verb.value}:{invoice_id}" + (f":{payment_id}" if payment_id is not None else "")


def kor_data(verb: KorVerb, number: int | None = None, *, rate: str | None = None,
             version: str | None = None) -> str:
    parts = ["kr", verb.value]
    if number is not None:
        parts.append(str(number))
    if rate is not None:
        parts.append(str(RATES.index(rate)))
    if version is not None:
        parts.append(version)
    return ":".join(parts)


# --- reading ---------------------------------------------------------------------------------------------

def _int(text: str) -> int | None:
    return int(text) if _INT.fullmatch(text) else None


def _query(page: str, rest: str) -> SalesQuery | None:
    fields = rest.split(":", 3)
    number = _int(page)
    if number is None or len(fields) != 4:
        return None
    month_text, state_text, nip, search = fields
    month = None
    if month_text:
        found = _MONTH.fullmatch(month_text)
        if found is None:
            return None
        month = (int(found[1]), int(found[2]))
    try:
        state = StateFilter(state_text) if state_text else None
    except ValueError:
        return None
    if nip and not _NIP.fullmatch(nip):
        return None
    return SalesQuery(page=min(number, MAX_PAGE), month=month, state=state, buyer_nip=nip or None,
                      search=search)


def _sales(parts: list[str], rest: str) -> Action | None:
    verb = parts[1]
    if verb == "s":
        return SearchAction()
    if verb == "l" or verb in {c.value for c in Chooser}:
        if len(parts) < 3:
            return None
        page, _, remainder = rest.partition(":")
        query = _query(page, remainder)
        if query is None:
            return None
        return ListAction(query, None if verb == "l" else Chooser(verb))
    try:
        card = CardVerb(verb)
    except ValueError:
        return None
    numbers = [_int(p) for p in parts[2:]]
    if not numbers or None in numbers:
        return None
    if card is CardVerb.UNDO:
        return CardAction(card, numbers[0], numbers[1]) if len(numbers) == 2 else None  # type: ignore[arg-type]
    return CardAction(card, numbers[0]) if len(numbers) == 1 else None  # type: ignore[arg-type]


def _kor(parts: list[str]) -> KorAction | None:
    try:
        verb = KorVerb(parts[1])
    except ValueError:
        return None
    args = parts[2:]
    if verb in (KorVerb.CONFIRM, KorVerb.OFFLINE):
        if len(args) != 1 or not _VERSION.fullmatch(args[0]):
            return None
        return KorAction(verb, version=args[0])
    if verb is KorVerb.SET_RATE:
        number, index = (_int(a) for a in args) if len(args) == 2 else (None, None)
        if number is None or index is None or index >= len(RATES):
            return None
        return KorAction(verb, number, rate=RATES[index])
    if verb in _NEEDS_NUMBER:
        number = _int(args[0]) if len(args) == 1 else None
        return KorAction(verb, number) if number is not None else None
    return KorAction(verb) if not args else None


def parse(data: str | None) -> Action | None:
    """The typed action of a button of this feature; None for anything malformed."""
    if not data or len(data.encode()) > MAX_DATA:
        return None
    parts = data.split(":")
    if len(parts) < 2:
        return None
    if parts[0] == "sa":
        return _sales(parts, data.split(":", 2)[2] if len(parts) > 2 else "")
    if parts[0] == "kr":
        return _kor(parts)
    return None
