"""Delivering outbox rows so that the user sees each notification exactly once.

Protocol for one row: ``pending`` → mark ``sending`` (with the chat's highest known message id) →
Telegram call → mark ``sent`` with the message id. A row found in ``sending`` (crash or an ambiguous
timeout after the call) is first *probed*: message ids in a private chat are sequential, so the
message, if it was delivered, is one of the next few ids after the recorded one. For each candidate
the messenger re-applies the exact inline keyboard the notification carries (its callback data name
this outbox row); Telegram answers "message is not modified" only for a message that exists with
that very keyboard — i.e. ours. Found → marked sent, nothing is sent again; not found → sent now.

Where the recorded id comes from: ``bot.chat.outbound.TrackingRateLimiter`` sees every Bot API
call of this process (interactive answers included) and keeps the newest message id per chat; the
newest id of our own notifications is also stored (``inbox_chat_cursor``).

Limits (honest): when no id is known for the chat (first message since a restart to a chat that
never got a notification) nothing is probed and a crash in that window can show a duplicate; the
probe looks at ``PROBE_SPAN`` ids; if more messages than that were added to the
chat between the recorded id and ours (e.g. many interactive answers, which are not tracked here),
a delivered notification is not recognised and is sent a second time. A candidate that is a
*different* bot message with an inline keyboard would get our keyboard (the edit succeeds); this
needs a crash inside the send window AND an untracked bot message right after the recorded id.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from bot.metrics import observe_sent
from bot.pacing import ChatBlocked, PermanentSendError, RetryAfter
from bot.services.inbox import InboxService, OutboxView

log = logging.getLogger(__name__)

PROBE_SPAN = 5


class Messenger(Protocol):
    """The Telegram side (``bot.chat.outbound``): raises ``bot.pacing`` errors."""

    async def send(self, view: OutboxView) -> int:
        """Send the rendered notification; returns Telegram's message id."""
        ...

    def newest_message_id(self, chat_id: int) -> int:
        """The newest message id the bot knows in the chat (0: none seen since the start)."""
        ...

    async def is_delivered(self, view: OutboxView, message_id: int) -> bool | None:
        """True: the message ``message_id`` is this notification; False: it is another message;
        None: there is no message with that id (nothing after it either)."""
        ...


class NotifyService:
    """Runs the delivery protocol for one outbox row at a time (the Sender serialises per chat)."""

    def __init__(self, inbox: InboxService) -> None:
        self.inbox = inbox

    async def probe(self, messenger: Messenger, view: OutboxView) -> int | None:
        """The id of the already-delivered message of ``view``, if it can be found."""
        if not view.after_message_id:
            # Nothing known about the chat: probing from id 1 could edit old messages, so prefer
            # the (unlikely) visible duplicate to touching the user's history.
            return None
        start = view.after_message_id + 1
        for message_id in range(start, start + PROBE_SPAN):
            found = await messenger.is_delivered(view, message_id)
            if found is True:
                return message_id
            if found is None:
                return None
        return None

    async def deliver(self, messenger: Messenger, outbox_id: int) -> bool:
        """Deliver one row once; True when a message was sent now (False: done already or found)."""
        view = await self.inbox.outbox(outbox_id)
        if view is None or view.status not in ("pending", "sending"):
            return False
        if view.status == "sending":
            found = await self.probe(messenger, view)
            if found is not None:
                log.info("outbox %s: delivered before the interruption (message %s)", outbox_id, found)
                await self.inbox.mark_sent(outbox_id, found)
                return False
        after = await self.inbox.mark_sending(outbox_id, messenger.newest_message_id(view.chat_id))
        view = OutboxView(**{**view.__dict__, "after_message_id": after, "status": "sending"})
        started = time.perf_counter()
        try:
            message_id = await messenger.send(view)
        except (RetryAfter, PermanentSendError, ChatBlocked):
            # Telegram answered with a refusal: certainly not delivered; no probe needed next time.
            await self.inbox.mark_status(outbox_id, "pending")
            raise
        # Transient errors leave the row in `sending`: the next attempt probes first.
        sent_in = time.perf_counter() - started
        delay = await self.inbox.mark_sent(outbox_id, message_id)
        observe_sent(view.kind, sent_in, delay)
        return True
