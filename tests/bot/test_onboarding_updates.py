"""The per-chat serial update processor: one chat in order, other chats not blocked."""

from __future__ import annotations

import asyncio

from telegram import Chat, Update, User
from telegram import Message as TgMessage

from bot.chat.updates import PerChatSerialProcessor


def update_for(chat_id: int, update_id: int) -> Update:
    user = User(chat_id, "Jan", False)
    message = TgMessage(update_id, None, Chat(chat_id, Chat.PRIVATE), from_user=user, text="x")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_same_chat_waits_other_chat_runs() -> None:
    processor = PerChatSerialProcessor(16)
    order: list[str] = []
    release_first = asyncio.Event()

    async def handler(name: str, gate: asyncio.Event | None = None) -> None:
        order.append(f"{name}:start")
        if gate is not None:
            await gate.wait()
        order.append(f"{name}:end")

    first = asyncio.create_task(processor.process_update(update_for(1, 1), handler("a1", release_first)))
    await asyncio.sleep(0)
    second = asyncio.create_task(processor.process_update(update_for(1, 2), handler("a2")))
    other = asyncio.create_task(processor.process_update(update_for(2, 3), handler("b1")))
    await other  # chat 2 finishes although chat 1 is still busy
    assert order[:1] == ["a1:start"] and "b1:end" in order and "a2:start" not in order
    release_first.set()
    await asyncio.gather(first, second)
    assert order.index("a1:end") < order.index("a2:start")
    assert processor._locks == {}  # idle chats are forgotten


async def test_abandon_cancels_what_runs_and_refuses_what_comes() -> None:
    """The runner's crash seam: handlers in flight are cancelled, waiting and later ones never run."""
    processor = PerChatSerialProcessor(16)
    order: list[str] = []
    started, never = asyncio.Event(), asyncio.Event()

    async def handler(name: str) -> None:
        order.append(f"{name}:start")
        started.set()
        await never.wait()  # mid-handler (e.g. waiting for KSeF) when the process dies
        order.append(f"{name}:end")

    running = asyncio.create_task(processor.process_update(update_for(1, 1), handler("a1")))
    waiting = asyncio.create_task(processor.process_update(update_for(1, 2), handler("a2")))
    await started.wait()
    await processor.abandon()
    assert running.cancelled() and waiting.cancelled()
    await processor.process_update(update_for(2, 3), handler("b1"))  # after the "crash": refused
    assert order == ["a1:start"]
