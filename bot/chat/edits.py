"""Which typed answer of each chat its dialogue refused, so that editing exactly that message counts as
a new answer to the same question (see ``bot.chat.unexpected.on_edited``)."""

from __future__ import annotations

from collections import OrderedDict

from bot.services.dialogs import Dialog


class RefusedAnswers:
    """The last refused answer per chat: (message id, flow, step).

    In memory only, bounded: after a restart (or for a chat pushed out) such an edit is answered like
    the edit of any older message — "send it as a new message" — which loses nothing.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._last: OrderedDict[int, tuple[int, str, str]] = OrderedDict()

    def note(self, chat_id: int, message_id: int, before: Dialog | None, after: Dialog | None) -> None:
        """Record a typed answer: refused when the dialogue is exactly where it was (the question stands)."""
        if before is None or before != after:
            self._last.pop(chat_id, None)
            return
        self._last[chat_id] = (message_id, before.flow, before.step)
        self._last.move_to_end(chat_id)
        while len(self._last) > self._limit:
            self._last.popitem(last=False)

    def is_refused(self, chat_id: int, message_id: int, dialog: Dialog | None) -> bool:
        """``message_id`` is the chat's last refused answer and its question still stands."""
        return dialog is not None and self._last.get(chat_id) == (message_id, dialog.flow, dialog.step)
