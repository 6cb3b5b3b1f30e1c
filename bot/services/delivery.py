"""The one exactly-once protocol for outbox rows (no Telegram here; the Telegram side is a :class:`Channel`).

For one row: ``pending`` → mark ``sending`` (with the newest message id known in the chat) → ONE Telegram
call → mark ``sent`` with the message id(s). A refusal (429, 400, 403) means certainly not delivered: the
row goes back to ``pending`` (or its end state). Any other failure (timeout, connection lost after the
request left, a crash) leaves the row ``sending``: the next attempt first *probes* whether the message
arrived. Message ids in a private chat are sequential, so a delivered message is one of the next few ids
after the recorded one, and each rendered message carries a marker that only it matches:

* a text or photo message: its inline keyboard, unique to the row (the row id is in a button's callback
  data). Re-applying exactly that keyboard with ``editMessageReplyMarkup`` answers "message is not
  modified" only for a message that already has it — ours;
* a document group: the caption of its first document, unique to the row. Re-applying it with
  ``editMessageCaption`` answers "message is not modified" only for that document.

Found → marked sent with the ids found, nothing is sent again; not found → sent now.

Where the recorded id comes from: the Bot's rate limiter (``bot.chat.outbound.PacedRateLimiter``) sees
every message this process creates, interactive answers included, and the dispatcher stores the newest
id per chat (``outbox_chat_cursors``) every pass; ``mark_sending`` records the larger of that and the
stored one. With none at all, the chat is new to the bot and the probe starts at id 1.

Limits (honest):
* a chat whose history predates the cursors (upgraded from a version without them, only interactive
  answers so far) has no id stored: a crash during its first outbox message probes its first messages;
* the ids of interactive answers reach the database at the dispatcher's next pass (about a second): a
  crash within that second leaves the stored id behind them, and the probe looks at them too;
* the probe looks at :data:`PROBE_SPAN` ids; if more messages than that were added to the chat between the
  recorded id and ours, a delivered message is not recognised and is sent again;
* a candidate that is a *different* bot message is changed by the probe's edit (it gets our keyboard, or
  for a document our caption). Every Bot API call of this process passes through the rate limiter, which
  keeps the newest id per chat, and a chat has one outbox message in flight at a time, so this needs a
  crash inside the send window AND an interactive answer with a keyboard or a caption sent to the same
  chat within that window;
* a kind that renders without a marker (:meth:`Channel.can_probe` false) is delivered at least once: a
  row of it found ``sending`` is sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from enum import Enum
from typing import Protocol, TypeVar

from bot.metrics import observe_sent
from bot.pacing import ChatBlocked, PermanentSendError, RetryAfter
from bot.services.outbox import Outbox, OutboxItem, Status

log = logging.getLogger(__name__)

PROBE_SPAN = 5  # message ids after the recorded one that a probe looks at

R = TypeVar("R")


class Found(Enum):
    """What a probe learnt about one message id."""

    OURS = "ours"  # that message is the row's message
    OTHER = "other"  # another message (keep looking)
    NONE = "none"  # no message with that id (not yet, or deleted)


class Channel(Protocol[R]):
    """The Telegram side of delivery (``bot.chat.delivery``); raises ``bot.pacing`` errors."""

    async def render(self, item: OutboxItem) -> R | None:
        """The row as a message; None when it is no longer due (its subject is gone)."""
        ...

    def newest_message_id(self, chat_id: int) -> int:
        """The newest message id this process knows in the chat (0: none seen since the start)."""
        ...

    async def send(self, chat_id: int, message: R) -> Sequence[int]:
        """The ONE Telegram call; the ids of the message(s) it created."""
        ...

    def can_probe(self, message: R) -> bool:
        """Whether the message carries a marker unique to its row."""
        ...

    def size(self, message: R) -> int:
        """How many chat messages it makes (a document group: one per document)."""
        ...

    async def find(self, chat_id: int, message_id: int, message: R) -> Found:
        """Is ``message_id`` this message (by its marker)?"""
        ...


class Outcome(Enum):
    """What :meth:`Delivery.deliver` did with a row."""

    SENT = "sent"  # sent now
    FOUND = "found"  # delivered before an interruption: found by the probe, marked sent
    DROPPED = "dropped"  # no longer due (recipient left the company, subject gone)
    DONE = "done"  # nothing to do (sent, failed or blocked already)


class Delivery:
    """Runs the protocol for one row at a time (the paced sender keeps one row in flight per chat)."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def deliver(self, channel: Channel[R], row_id: int) -> Outcome:
        """Deliver one row once. Telegram's errors propagate (as ``bot.pacing`` errors) after the row is
        marked accordingly, so the sender retries, waits or gives up."""
        item = await self.outbox.get(row_id)
        if item is None or item.status not in (Status.PENDING, Status.SENDING):
            return Outcome.DONE
        if not item.member:
            log.info("outbox %s dropped: the recipient is no longer a member of the company", row_id)
            await self.outbox.mark(row_id, Status.DROPPED)
            return Outcome.DROPPED
        message = await channel.render(item)
        if message is None:
            log.info("outbox %s (%s) dropped: nothing to send any more", row_id, item.kind)
            await self.outbox.mark(row_id, Status.DROPPED)
            return Outcome.DROPPED
        if item.status is Status.SENDING and channel.can_probe(message):
            found = await self._probe(channel, item, message)
            if found is not None:
                ids = list(range(found, found + channel.size(message)))
                log.info("outbox %s: delivered before the interruption (message %s)", row_id, found)
                await self.outbox.mark_sent(row_id, ids)
                return Outcome.FOUND
        await self.outbox.mark_sending(row_id, channel.newest_message_id(item.chat_id))
        started = time.perf_counter()
        try:
            sent = list(await channel.send(item.chat_id, message))
        except (RetryAfter, PermanentSendError, ChatBlocked):
            # Telegram answered with a refusal: certainly not delivered, no probe needed next time.
            await self.outbox.mark(row_id, Status.PENDING)
            raise
        # Any other error leaves the row `sending`: the next attempt probes first.
        seconds = time.perf_counter() - started
        delay = await self.outbox.mark_sent(row_id, sent)
        observe_sent(item.kind, seconds, delay)
        return Outcome.SENT

    @staticmethod
    async def _probe(channel: Channel[R], item: OutboxItem, message: R) -> int | None:
        # No id known: the bot never stored one for this chat (every message it sees is noted), so the
        # chat is new to it and ours is one of its first messages.
        start = (item.after_message_id or 0) + 1
        for message_id in range(start, start + PROBE_SPAN):
            # "No such message" does not end the search: an id in between may be a deleted message (the
            # bot deletes secrets the user pastes), and ours may come after it.
            if await channel.find(item.chat_id, message_id, message) is Found.OURS:
                return message_id
        return None
