"""How updates reach the bot: ``getUpdates`` long polling, or a webhook (``setWebhook`` /
``deleteWebhook`` / ``getWebhookInfo``) the server POSTs each update to, in order."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from bot.sandbox.botapi.records import BotApiError, UploadedFile, bad_request
from bot.sandbox.botapi.registry import method

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi

_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Update types delivered when allowed_updates is empty (Telegram's default leaves these out).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; "
                     "use deleteWebhook to delete the webhook first")


def _update_type(update: Mapping[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


def take_updates(fake: FakeBotApi, offset: int | None, limit: int) -> list[dict[str, Any]]:
    """Confirm the updates before ``offset`` (a negative one keeps the last ``-offset``) and return
    up to ``limit`` of the rest that the bot wants."""
    with fake.lock:
        state = fake.state
        if offset is not None:
            if offset < 0:
                state.updates = state.updates[offset:] if -offset < len(state.updates) else state.updates
            else:
                state.updates = [u for u in state.updates if u["update_id"] >= offset]
        allowed = set(state.allowed_updates)
        wanted = [u for u in state.updates if (_update_type(u) in allowed if allowed
                                                else _update_type(u) not in _OPT_IN_UPDATES)]
        if len(wanted) != len(state.updates):
            state.updates = wanted  # Telegram never creates updates of types not allowed
        return [dict(u) for u in wanted[:limit]]


async def get_updates(fake: FakeBotApi, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``getUpdates``: answer at once when updates wait, else wait up to ``timeout`` seconds (≤ 50)."""
    if fake.webhook_url:
        raise BotApiError(409, _CONFLICT_WEBHOOK)
    offset = params.get("offset")
    limit = params.get("limit", 100)
    timeout = params.get("timeout", 0)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        limit = 100
    try:
        timeout = min(max(float(timeout), 0.0), 50.0)
    except (TypeError, ValueError):
        timeout = 0.0
    allowed = params.get("allowed_updates")
    with fake.lock:
        if isinstance(allowed, list):
            fake.state.allowed_updates = [str(a) for a in allowed]
        fake.state.poll_generation += 1
        generation = fake.state.poll_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        # Subscribe before looking, so an update queued in between still wakes this poll at once.
        event = fake.subscribe(loop)
        found = take_updates(fake, offset if isinstance(offset, int) else None, limit)
        if found or fake.closed:
            return found
        with fake.lock:
            holding = fake.state.hold_polls
        remaining = deadline - loop.time()
        if remaining <= 0 or (timeout == 0 and holding):
            return []
        with fake.lock:
            if fake.state.poll_generation != generation:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running")
            if fake.webhook_url:
                raise BotApiError(409, _CONFLICT_WEBHOOK)
            fake.state.polls_waiting += 1
        if holding:
            fake.notify(changed=False)  # whoever stops the bot waits for a held poll
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), 1.0 if holding else min(remaining, 1.0))
        finally:
            with fake.lock:
                fake.state.polls_waiting -= 1
        if holding:
            deadline = loop.time() + timeout  # a held poll waits for the server to close


async def deliver_webhook(fake: FakeBotApi) -> None:
    """POST queued updates to the webhook one by one, in order; a failed delivery stays queued and is
    remembered for ``getWebhookInfo``."""
    with fake.lock:
        if fake.delivering or not fake.webhook_url:
            return
        fake.delivering = True
    try:
        async with httpx.AsyncClient(transport=fake.webhook_transport, timeout=10.0) as client:
            while True:
                with fake.lock:
                    url, secret = fake.webhook_url, fake.webhook_secret
                    batch = take_updates(fake, None, 1)
                    if not url or not batch:
                        fake.delivering = False
                        return
                update = batch[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    res = await client.post(url, json=update, headers=headers)
                    failure = None if res.status_code < 300 else f"Wrong response from the webhook: " \
                                                                f"{res.status_code} {res.reason_phrase}"
                except httpx.HTTPError as err:
                    failure = f"Connection failed: {err.__class__.__name__}"
                with fake.lock:
                    if failure:
                        fake.webhook_last_error = (int(time.time()), failure)
                        fake.delivering = False
                        return
                    fake.state.updates = [u for u in fake.state.updates
                                          if u["update_id"] != update["update_id"]]
                fake.notify()
    except BaseException:
        with fake.lock:
            fake.delivering = False
        raise


@method("setWebhook")
def _set_webhook(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    url = str(params.get("url") or "")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    # Telegram demands HTTPS; this local server also accepts http:// so bots can be tested on loopback.
    with fake.lock:
        if params.get("drop_pending_updates"):
            fake.state.updates.clear()
        fake.webhook_url = url or None
        fake.webhook_secret = str(secret) if (secret and url) else None
        fake.webhook_last_error = None
        if isinstance(params.get("allowed_updates"), list):
            fake.state.allowed_updates = [str(a) for a in params["allowed_updates"]]
        if isinstance(params.get("max_connections"), int):
            fake.webhook_max_connections = params["max_connections"]
    fake.notify()  # a waiting getUpdates now answers 409
    if url:
        task = asyncio.get_running_loop().create_task(_flush_soon(fake))  # called from the ASGI loop
        fake.tasks.add(task)
        task.add_done_callback(fake.tasks.discard)
    return True


async def _flush_soon(fake: FakeBotApi) -> None:
    await asyncio.sleep(0.05)  # the bot usually starts listening right after setWebhook returns
    await fake.flush_webhook()


@method("deleteWebhook")
def _delete_webhook(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake.lock:
        fake.webhook_url = None
        fake.webhook_secret = None
        if params.get("drop_pending_updates"):
            fake.state.updates.clear()
    return True


@method("getWebhookInfo")
def _get_webhook_info(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake.lock:
        info: dict[str, Any] = {"url": fake.webhook_url or "", "has_custom_certificate": False,
                                "pending_update_count": len(fake.state.updates)}
        if fake.webhook_url:
            info["max_connections"] = fake.webhook_max_connections
            if fake.state.allowed_updates:
                info["allowed_updates"] = list(fake.state.allowed_updates)
            if fake.webhook_last_error:
                info["last_error_date"], info["last_error_message"] = fake.webhook_last_error
    return info
