"""What an outbox row becomes in Telegram: a :data:`Rendered` message, made by the renderer registered for
the row's kind. A feature adds a kind in two places (``docs/outbox.md``): its ``Kind`` and payload in its
service, and here one function decorated with :func:`renders`::

    @renders(PAYMENT_DUE)
    async def payment_due(services: Services, row: OutboxItem, payload: PaymentDue) -> Rendered | None:
        invoice = await services.payments.get(payload.invoice_id)
        if invoice is None:
            return None  # nothing to say any more: the row is dropped
        text = t(row.language, "pay.due", number=esc(invoice.number))
        return TextMessage(text, InlineKeyboardMarkup([[InlineKeyboardButton(
            t(row.language, "pay.btn.paid"), callback_data=f"pay:paid:{invoice.id}:{row.id}")]]))

Every message must carry a marker unique to its row, so that delivery can tell after a crash whether it
arrived (``bot.services.delivery``): a text or photo gets a keyboard with the row id in a button's
callback data; a document group gets a first caption naming what it holds. A text without a keyboard is
allowed, but then delivered at least once (a crash in the send window may show it twice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Generic

from telegram import InlineKeyboardMarkup

from bot.i18n.limits import CAPTION_LIMIT, shorten
from bot.services import Services
from bot.services.outbox import Kind, OutboxItem, P


@dataclass(frozen=True)
class TextMessage:
    """A text message (HTML), with its keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class PhotoMessage:
    """A photo (PNG bytes) with a caption (HTML, at most 1 024 characters) and a keyboard."""

    photo: bytes
    filename: str
    caption: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Document:
    """One file of a :class:`DocumentGroup`."""

    filename: str
    content: bytes
    caption: str


@dataclass(frozen=True)
class DocumentGroup:
    """One to ten documents sent as one group (one Telegram call); the first caption must be unique to
    the row. Telegram allows no keyboard on a group."""

    documents: tuple[Document, ...]


Rendered = TextMessage | PhotoMessage | DocumentGroup


def within_limits(message: Rendered) -> Rendered:
    """``message`` as Telegram takes it: a text within 4 096 characters, a caption within 1 024 (cut at
    a line by :func:`bot.i18n.limits.shorten`). Deterministic, so the delivery probe finds the same."""
    if isinstance(message, TextMessage):
        return replace(message, text=shorten(message.text))
    if isinstance(message, PhotoMessage):
        return replace(message, caption=shorten(message.caption, CAPTION_LIMIT))
    return DocumentGroup(tuple(replace(d, caption=shorten(d.caption, CAPTION_LIMIT))
                               for d in message.documents))
Render = Callable[[Services, OutboxItem, P], Awaitable[Rendered | None]]


@dataclass(frozen=True)
class Renderer(Generic[P]):
    """The renderer of one kind: reads the row's typed payload and makes its message."""

    kind: Kind[P]
    render: Render[P]

    async def __call__(self, services: Services, row: OutboxItem) -> Rendered | None:
        return await self.render(services, row, row.decode(self.kind))


RENDERERS: dict[str, Renderer[Any]] = {}


def renders(kind: Kind[P]) -> Callable[[Render[P]], Render[P]]:
    """Register the decorated function as the renderer of ``kind`` (one per kind)."""

    def register(render: Render[P]) -> Render[P]:
        if kind.name in RENDERERS:
            raise ValueError(f"two renderers for the outbox kind {kind.name!r}")
        RENDERERS[kind.name] = Renderer(kind, render)
        return render

    return register
