"""The Telegram side of the outbox: the channel that renders, sends and probes one row
(``bot.services.delivery.Channel``), and the one dispatcher that submits due rows to the one paced Sender
(``bot.chat.outbound.OutboundRouter``) in priority order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, InputFile, InputMediaDocument, Message
from telegram.constants import ParseMode

# The feature modules register their renderers when imported.
from bot.chat import (  # noqa: F401
    alerts,
    issuing_news,
    month_news,
    notifications,
    payables_news,
    profile_news,
    reminders,
    sales_news,
)
from bot.chat.outbound import Key, OutboundRouter, Route, mapped, newest_message_id, noted_message_ids
from bot.chat.rendering import RENDERERS, DocumentGroup, PhotoMessage, Rendered, TextMessage, within_limits
from bot.pacing import OutboundJob, PermanentSendError, Priority
from bot.services import Services
from bot.services.delivery import Channel, Found, Outcome
from bot.services.inbox import INVOICE_SUMMARY, NEW_INVOICE
from bot.services.outbox import Due, OutboxItem, Status

log = logging.getLogger(__name__)

ROUTE = "outbox"
# Kinds that arrive unasked, in the middle of whatever the user is doing (a supplier's invoice): once
# the last of a chat's queued rows is sent, the dialogue's question is asked again below them.
INTERRUPTING = frozenset({NEW_INVOICE.name, INVOICE_SUMMARY.name})


class TelegramChannel:
    """``bot.services.delivery.Channel`` over a PTB Bot and the renderer registry."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot, self.services = bot, services

    async def render(self, item: OutboxItem) -> Rendered | None:
        renderer = RENDERERS.get(item.kind)
        if renderer is None:
            log.error("outbox %s: no renderer for the kind %r", item.id, item.kind)
            return None
        rendered = await renderer(self.services, item)
        # Every kind's message fits whatever data went into it (a renderer lists with ``fit`` to say how
        # many items it left out; this is the last resort).
        return within_limits(rendered) if rendered is not None else None

    def newest_message_id(self, chat_id: int) -> int:
        return newest_message_id(self.bot, chat_id)

    def noted(self) -> dict[int, int]:
        """Newest message ids seen in chats since the last call (interactive answers included)."""
        return noted_message_ids(self.bot)

    async def send(self, chat_id: int, message: Rendered) -> Sequence[int]:
        bot = self.bot
        if isinstance(message, TextMessage):
            sent: Message | tuple[Message, ...] = await mapped(lambda: bot.send_message(
                chat_id, message.text, reply_markup=message.keyboard))
        elif isinstance(message, PhotoMessage):
            sent = await mapped(lambda: bot.send_photo(
                chat_id, InputFile(message.photo, filename=message.filename), caption=message.caption,
                reply_markup=message.keyboard))
        elif len(message.documents) == 1:
            [doc] = message.documents
            sent = await mapped(lambda: bot.send_document(
                chat_id, InputFile(doc.content, filename=doc.filename), caption=doc.caption))
        else:
            # attach=True: each file gets its own multipart name (the group refers to them by it).
            media = [InputMediaDocument(InputFile(d.content, filename=d.filename, attach=True),
                                        caption=d.caption, parse_mode=ParseMode.HTML)
                     for d in message.documents]
            sent = await mapped(lambda: bot.send_media_group(chat_id, media))
        return [m.message_id for m in (sent if isinstance(sent, tuple) else (sent,))]

    def can_probe(self, message: Rendered) -> bool:
        if isinstance(message, DocumentGroup):
            return bool(message.documents and message.documents[0].caption)
        return message.keyboard is not None

    def size(self, message: Rendered) -> int:
        return len(message.documents) if isinstance(message, DocumentGroup) else 1

    async def find(self, chat_id: int, message_id: int, message: Rendered) -> Found:
        bot = self.bot
        try:
            if isinstance(message, DocumentGroup):
                caption = message.documents[0].caption
                await mapped(lambda: bot.edit_message_caption(chat_id, message_id, caption=caption))
            else:
                await mapped(lambda: bot.edit_message_reply_markup(chat_id, message_id,
                                                                   reply_markup=message.keyboard))
        except PermanentSendError as exc:
            reason = str(exc).lower()
            if "not modified" in reason:
                return Found.OURS  # exists with exactly our marker
            if "not found" in reason:
                return Found.NONE
            return Found.OTHER  # a user's message, or one that cannot be edited this way
        log.warning("delivery probe changed message %s in chat %s (not the row's message)",
                    message_id, chat_id)
        return Found.OTHER


class OutboxDispatcher:
    """Submits due outbox rows to the shared Sender (rows left ``sending`` by a crash first, once) and
    keeps which rows are queued in this process; the Sender calls back into the delivery protocol."""

    def __init__(self, services: Services, outbound: OutboundRouter, channel: TelegramChannel) -> None:
        self.services, self.outbound, self.channel = services, outbound, channel
        self.queued: dict[int, int] = {}  # row id → chat id
        self.kinds: dict[int, str] = {}  # row id → its kind, while queued
        self._interrupted: set[int] = set()  # rows of an interrupting kind sent now (not found, not dropped)
        # Set by the chat (``bot.chat.interruptions``): ask the chat's open question again.
        self.after_interruption: Callable[[int], Awaitable[None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._recovered = False
        outbound.add_route(ROUTE, Route(self._send, on_sent=self._done, on_failed=self._failed,
                                        on_blocked=self._blocked))

    async def dispatch(self) -> int:
        """Submit every due row not queued yet; returns how many."""
        outbox = self.services.outbox
        noted = self.channel.noted()
        if noted:  # where a probe after a crash starts, for chats that had only interactive answers too
            await outbox.note_messages(noted)
        due = ([] if self._recovered else await outbox.in_doubt()) + await outbox.due()
        self._recovered = True
        return self.submit(due)

    async def dispatch_now(self, row_ids: Sequence[int], priority: Priority = Priority.INTERACTIVE) -> int:
        """Submit rows just added (e.g. the result of an invoice the user confirmed) without waiting for the
        next tick."""
        items = [await self.services.outbox.get(row_id) for row_id in row_ids]
        return self.submit([Due(i.id, i.chat_id, priority, i.kind) for i in items if i is not None])

    def submit(self, due: Sequence[Due]) -> int:
        submitted = 0
        for row in due:
            if row.id in self.queued:
                continue
            renderer = RENDERERS.get(row.kind)
            weight = renderer.kind.messages if renderer is not None else 1
            if self.outbound.submit(row.chat_id, ROUTE, row.id, row.priority, weight):
                self.queued[row.id] = row.chat_id
                self.kinds[row.id] = row.kind
                submitted += 1
        return submitted

    async def _send(self, job: OutboundJob[Key]) -> None:
        channel: Channel[Rendered] = self.channel
        row_id = job.payload[1]
        outcome = await self.services.delivery.deliver(channel, row_id)
        if outcome is Outcome.SENT and self.kinds.get(row_id) in INTERRUPTING:
            self._interrupted.add(row_id)

    def _done(self, job: OutboundJob[Key]) -> None:
        row_id = job.payload[1]
        chat_id = self.queued.pop(row_id, None)
        self.kinds.pop(row_id, None)
        if row_id not in self._interrupted:
            return
        self._interrupted.discard(row_id)
        # After the last queued row of the chat only: a burst of notices is followed by one question.
        if chat_id is None or chat_id in self.queued.values() or self.after_interruption is None:
            return
        task = asyncio.get_running_loop().create_task(self._reask(self.after_interruption, chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _reask(hook: Callable[[int], Awaitable[None]], chat_id: int) -> None:
        # A task of its own: the question is a direct reply, paced behind the notice just sent.
        try:
            await hook(chat_id)
        except Exception:  # the notice is delivered; a question not repeated must not break the sender
            log.exception("could not ask the open question again in chat %s", chat_id)

    async def _failed(self, job: OutboundJob[Key], exc: BaseException) -> None:
        row_id = job.payload[1]
        self.queued.pop(row_id, None)
        self.kinds.pop(row_id, None)
        self._interrupted.discard(row_id)
        if isinstance(exc, PermanentSendError):
            log.warning("outbox %s refused by Telegram: %s", row_id, exc)
            await self.services.outbox.mark(row_id, Status.FAILED)
        # else: retries exhausted for now; the row stays and the next dispatch submits it again

    async def _blocked(self, chat_id: int | str) -> None:
        for row_id, chat in list(self.queued.items()):
            if chat == chat_id:
                self.queued.pop(row_id, None)
                self.kinds.pop(row_id, None)
        if isinstance(chat_id, int):
            await self.services.inbox.pause_chat(chat_id)  # parks every unsent row of the chat too
