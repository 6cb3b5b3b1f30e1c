"""The outbound pacer and sender with simulated time (no sleeping, no Telegram)."""

from __future__ import annotations

import asyncio
import bisect
import random
from collections import Counter, defaultdict

import pytest

from bot.pacing import (
    ChatBlocked,
    OutboundJob,
    Pacer,
    PacingConfig,
    PermanentSendError,
    Priority,
    RetryAfter,
    Sender,
    TransientSendError,
)

Job = OutboundJob[str]


class FakeClock:
    """Virtual time: ``sleep`` first lets other ready tasks run (a completion may wake the sender and
    cancel the sleep), then jumps forward — time only passes when nothing else can happen."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        for _ in range(10):
            await asyncio.sleep(0)
        self.now += max(0.0, seconds)


def max_in_window(times: list[float], window: float) -> int:
    """The largest number of events inside any closed interval of length ``window``."""
    ordered = sorted(times)
    counts = (bisect.bisect_right(ordered, t + window + 1e-9) - i for i, t in enumerate(ordered))
    return max(counts, default=0)


def run_pacer(pacer: Pacer[str], until: float = 1e9, start: float = 0.0) -> list[tuple[float, Job]]:
    """Drive a pacer with instant successful sends; return (time, job) in sending order."""
    now, out = start, []
    while now < until:
        job = pacer.take(now)
        if job is not None:
            out.append((now, job))
            pacer.sent(job, now)
            continue
        wake = pacer.next_wakeup(now)
        if wake is None:
            break
        assert wake > now, "the pacer must not ask to be polled in a busy loop"
        now = wake
    return out


def jobs(chat: int, n: int, priority: Priority = Priority.NOTIFICATION, tag: str = "m") -> list[Job]:
    return [OutboundJob(chat, f"{tag}{chat}-{i}", f"text {i}", priority) for i in range(n)]


# --- Pacer: rates, order, fairness ------------------------------------------------------------------

def test_global_rate_never_exceeds_30_in_any_second() -> None:
    pacer: Pacer[str] = Pacer(PacingConfig())
    for chat in range(1, 2001):
        pacer.submit(jobs(chat, 1)[0], 0.0)
    out = run_pacer(pacer)
    times = [t for t, _ in out]
    assert len(out) == 2000
    assert max_in_window(times, 1.0) <= 30
    # ... and it is not idle either: 2000 messages at 28/s take about 71 s.
    assert times[-1] == pytest.approx(2000 / 28, rel=0.02)


def test_per_chat_rate_beyond_burst() -> None:
    cfg = PacingConfig(chat_rate=1.0, chat_burst=2)
    pacer: Pacer[str] = Pacer(cfg)
    for job in jobs(7, 20):
        pacer.submit(job, 0.0)
    times = [t for t, _ in run_pacer(pacer)]
    assert len(times) == 20
    for window in (0.5, 1.0, 3.0, 10.0):
        assert max_in_window(times, window) <= cfg.chat_burst + cfg.chat_rate * window
    assert times[-1] == pytest.approx(18.0)  # 2 at once, then one per second


def test_messages_of_one_chat_keep_their_order() -> None:
    pacer: Pacer[str] = Pacer()
    for chat in (1, 2, 3):
        for job in jobs(chat, 5):
            pacer.submit(job, 0.0)
    sent = run_pacer(pacer)
    for chat in (1, 2, 3):
        assert [j.key for _, j in sent if j.chat_id == chat] == [f"m{chat}-{i}" for i in range(5)]


def test_interactive_reply_is_not_stuck_behind_a_broadcast() -> None:
    pacer: Pacer[str] = Pacer()
    for chat in range(1000, 11000):
        pacer.submit(OutboundJob(chat, f"b{chat}", "awaria KSeF", Priority.BULK), 0.0)
    user = 42
    replies = jobs(user, 5, Priority.INTERACTIVE, tag="r")
    sent: list[tuple[float, Job]] = []
    now = 0.0
    while len(sent) < 400:  # the first ~14 s of a 6-minute broadcast
        if now >= 3.0 and replies:  # the user writes 3 s into the broadcast
            for reply in replies:
                pacer.submit(reply, now)
            replies = []
        job = pacer.take(now)
        if job is None:
            wake = pacer.next_wakeup(now)
            assert wake is not None
            now = wake
            continue
        sent.append((now, job))
        pacer.sent(job, now)
    reply_times = [t for t, j in sent if j.chat_id == user]
    assert len(reply_times) == 5, "all five replies go out during the broadcast"
    # Burst of 2 at once, then the chat's own 1/s pace — the broadcast adds (almost) nothing.
    assert reply_times[-1] - 3.0 < 3.0 + 0.5
    assert max_in_window([t for t, _ in sent], 1.0) <= 30


def test_one_chats_backlog_does_not_block_others() -> None:
    pacer: Pacer[str] = Pacer()
    for job in jobs(1, 300):  # a big backlog in chat 1
        pacer.submit(job, 0.0)
    for chat in range(2, 52):
        pacer.submit(jobs(chat, 1)[0], 0.0)
    sent = run_pacer(pacer, until=5.0)
    others = {j.chat_id for _, j in sent if j.chat_id != 1}
    assert others == set(range(2, 52)), "50 other chats are all served within 5 s"
    assert sum(1 for _, j in sent if j.chat_id == 1) <= 2 + 5


def test_same_class_chats_take_turns() -> None:
    pacer: Pacer[str] = Pacer(PacingConfig(global_rate=5, global_burst=1))
    for chat in range(1, 4):
        for job in jobs(chat, 10):
            pacer.submit(job, 0.0)
    first = [j.chat_id for _, j in run_pacer(pacer)[:9]]
    assert Counter(first) == {1: 3, 2: 3, 3: 3}


def test_group_chats_get_the_per_minute_limit() -> None:
    pacer: Pacer[str] = Pacer()
    for job in jobs(-100123, 30):
        pacer.submit(job, 0.0)
    times = [t for t, _ in run_pacer(pacer)]
    assert max_in_window(times, 60.0) <= 20 + 3


def test_retry_after_pauses_only_that_chat() -> None:
    pacer: Pacer[str] = Pacer()
    for chat in (1, 2):
        for job in jobs(chat, 3):
            pacer.submit(job, 0.0)
    first = pacer.take(0.0)
    assert first is not None
    pacer.retry_after(first, 5.0, 0.0)
    sent = run_pacer(pacer)
    chat1 = [t for t, j in sent if j.chat_id == first.chat_id]
    other = [t for t, j in sent if j.chat_id != first.chat_id]
    assert min(chat1) >= 5.0
    assert next(j.key for _, j in sent if j.chat_id == first.chat_id) == first.key  # still first
    assert min(other) < 0.5 and len(other) == 3


def test_repeated_429s_lower_then_restore_the_global_rate() -> None:
    cfg = PacingConfig(flood_threshold=3, flood_window=10, flood_cooldown=60)
    pacer: Pacer[str] = Pacer(cfg)
    for chat in range(1, 4):
        pacer.submit(jobs(chat, 1)[0], 0.0)
    for now in (0.0, 0.1, 0.2):
        job = pacer.take(now)
        assert job is not None
        pacer.retry_after(job, 1.0, now)
    assert pacer.global_rate == pytest.approx(28 * 0.75)
    assert pacer.rate_lowered == 1
    pacer.submit(jobs(9, 1)[0], 61.0)
    assert pacer.take(61.0) is not None
    assert pacer.global_rate == pytest.approx(28.0)


def test_blocked_chat_discards_and_refuses() -> None:
    pacer: Pacer[str] = Pacer()
    for queued in jobs(5, 4):
        pacer.submit(queued, 0.0)
    job = pacer.take(0.0)
    assert job is not None
    discarded = pacer.block(job)
    assert [j.key for j in discarded] == ["m5-1", "m5-2", "m5-3"]
    assert pacer.queued == 0 and pacer.next_wakeup(0.0) is None
    assert pacer.submit(jobs(5, 1, tag="x")[0], 1.0) is False
    pacer.unblock(5)
    assert pacer.submit(jobs(5, 1, tag="x")[0], 1.0) is True


def test_reporting_a_job_that_is_not_in_flight_is_an_error() -> None:
    pacer: Pacer[str] = Pacer()
    job = jobs(1, 1)[0]
    pacer.submit(job, 0.0)
    with pytest.raises(ValueError, match="not in flight"):
        pacer.sent(job, 0.0)


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="global_rate"):
        PacingConfig(global_rate=0)
    with pytest.raises(ValueError, match="class_weights"):
        PacingConfig(class_weights=(1, 1))  # type: ignore[arg-type]


# --- Sender with a fake clock and a fake send -------------------------------------------------------

class FakeTelegram:
    """Records deliveries; scripted failures per job key (a list of exceptions, used in turn)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delivered: list[tuple[float, Job]] = []
        self.attempts: Counter[object] = Counter()
        self.script: dict[object, list[BaseException]] = defaultdict(list)
        self.blocked: set[int | str] = set()

    async def send(self, job: Job) -> None:
        self.attempts[job.key] += 1
        if job.chat_id in self.blocked:
            raise ChatBlocked("Forbidden: bot was blocked by the user")
        if self.script[job.key]:
            raise self.script[job.key].pop(0)
        self.delivered.append((self.clock.now, job))
        await asyncio.sleep(0)


def make_sender(**kwargs: object) -> tuple[Sender[str], FakeTelegram, FakeClock, dict[str, list[object]]]:
    clock = FakeClock()
    tg = FakeTelegram(clock)
    events: dict[str, list[object]] = defaultdict(list)

    async def on_sent(job: Job) -> None:
        events["sent"].append(job.key)

    def on_failed(job: Job, exc: BaseException) -> None:
        events["failed"].append((job.key, type(exc).__name__))

    def on_blocked(chat_id: int | str) -> None:
        events["blocked"].append(chat_id)

    sender: Sender[str] = Sender(tg.send, clock=clock, on_sent=on_sent, on_failed=on_failed,
                                 on_blocked=on_blocked, rng=random.Random(7), **kwargs)  # type: ignore[arg-type]
    return sender, tg, clock, events


async def test_sender_delivers_everything_once_within_limits() -> None:
    sender, tg, _, events = make_sender()
    async with sender:
        for chat in range(1, 6):
            for job in jobs(chat, 5):
                sender.submit(job)
        for chat in range(100, 200):
            sender.submit(jobs(chat, 1)[0])
        await sender.drain()
    keys = [j.key for _, j in tg.delivered]
    assert len(keys) == 125 and len(set(keys)) == 125
    assert sorted(map(str, events["sent"])) == sorted(map(str, keys))
    times = [t for t, _ in tg.delivered]
    assert max_in_window(times, 1.0) <= 30
    for chat in range(1, 6):
        chat_times = [t for t, j in tg.delivered if j.chat_id == chat]
        assert max_in_window(chat_times, 1.0) <= 3
    assert sender.stats.sent == 125 and sender.stats.failed == 0


async def test_sender_retry_after_pauses_only_that_chat() -> None:
    sender, tg, clock, events = make_sender()
    start = clock.now
    tg.script["m1-0"] = [RetryAfter(7)]
    async with sender:
        for chat in (1, 2):
            for job in jobs(chat, 2):
                sender.submit(job)
        await sender.drain()
    chat1 = [(t - start, j.key) for t, j in tg.delivered if j.chat_id == 1]
    chat2 = [t - start for t, j in tg.delivered if j.chat_id == 2]
    assert [k for _, k in chat1] == ["m1-0", "m1-1"], "order kept after the 429"
    assert chat1[0][0] >= 7.0
    assert max(chat2) < 1.0
    assert sender.stats.retry_after == 1 and tg.attempts["m1-0"] == 2
    assert events["failed"] == []


async def test_sender_transient_errors_are_retried_with_backoff() -> None:
    sender, tg, clock, events = make_sender()
    start = clock.now
    tg.script["m3-0"] = [TransientSendError("502"), TransientSendError("timeout")]
    async with sender:
        sender.submit(jobs(3, 1)[0])
        await sender.drain()
    assert tg.attempts["m3-0"] == 3
    assert events["sent"] == ["m3-0"] and events["failed"] == []
    assert sender.stats.retried == 2
    # backoff 1 s then 2 s, each with jitter in [half, full]
    assert 1.5 <= tg.delivered[0][0] - start <= 3.0 + 0.01


async def test_sender_gives_up_after_max_attempts() -> None:
    sender, tg, _, events = make_sender(config=PacingConfig(max_attempts=3))
    tg.script["m4-0"] = [TransientSendError("down")] * 5
    async with sender:
        sender.submit(jobs(4, 2)[0])
        sender.submit(jobs(4, 2)[1])
        await sender.drain()
    assert tg.attempts["m4-0"] == 3
    assert events["failed"] == [("m4-0", "TransientSendError")]
    assert events["sent"] == ["m4-1"], "the next message of the chat still goes out"


async def test_sender_unexpected_exception_counts_as_transient() -> None:
    sender, tg, _, events = make_sender()
    tg.script["m8-0"] = [RuntimeError("bug in the adapter")]
    async with sender:
        sender.submit(jobs(8, 1)[0])
        await sender.drain()
    assert events["sent"] == ["m8-0"] and sender.stats.retried == 1


async def test_sender_blocked_chat_reports_and_stops() -> None:
    sender, tg, _, events = make_sender()
    tg.blocked.add(9)
    async with sender:
        for job in jobs(9, 3):
            sender.submit(job)
        sender.submit(jobs(10, 1)[0])
        await sender.drain()
        assert sender.submit(jobs(9, 1, tag="later")[0]) is False
    assert events["blocked"] == [9]
    assert tg.attempts["m9-0"] == 1 and tg.attempts["m9-1"] == 0
    assert events["sent"] == ["m10-0"]
    assert sender.stats.discarded == 2 and sender.stats.refused == 1


async def test_sender_permanent_failure_reports_without_retry() -> None:
    sender, tg, _, events = make_sender()
    tg.script["m11-0"] = [PermanentSendError("Bad Request: message is too long")]
    async with sender:
        for job in jobs(11, 2):
            sender.submit(job)
        await sender.drain()
    assert tg.attempts["m11-0"] == 1
    assert events["failed"] == [("m11-0", "PermanentSendError")]
    assert events["sent"] == ["m11-1"]


async def test_sender_survives_a_failing_callback() -> None:
    clock = FakeClock()
    tg = FakeTelegram(clock)

    def broken(job: Job) -> None:
        raise OSError("database is locked")

    sender: Sender[str] = Sender(tg.send, clock=clock, on_sent=broken)
    async with sender:
        for chat in (1, 2):
            sender.submit(jobs(chat, 1)[0])
        await sender.drain()
    assert len(tg.delivered) == 2 and sender.stats.sent == 2


async def test_stop_leaves_queued_jobs_unsent() -> None:
    sender, tg, _, _ = make_sender()
    sender.start()
    for job in jobs(12, 10):
        sender.submit(job)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await sender.stop()
    assert 1 <= len(tg.delivered) < 10
    assert sender.pending == 10 - len(tg.delivered)


async def test_stop_with_drain_sends_everything() -> None:
    sender, tg, _, _ = make_sender()
    sender.start()
    for job in jobs(13, 4):
        sender.submit(job)
    await sender.stop(drain=True)
    assert [j.key for _, j in tg.delivered] == [f"m13-{i}" for i in range(4)]


def test_bulk_keeps_a_share_when_notifications_saturate() -> None:
    pacer: Pacer[str] = Pacer()
    for chat in range(1, 3001):
        pacer.submit(OutboundJob(chat, f"n{chat}", "faktura", Priority.NOTIFICATION), 0.0)
        pacer.submit(OutboundJob(-chat - 10**6, f"b{chat}", "news", Priority.BULK), 0.0)
    first = [j.priority for _, j in run_pacer(pacer, until=20.0)]
    bulk_share = first.count(Priority.BULK) / len(first)
    assert 0.2 <= bulk_share <= 0.3  # weights 3 : 1 between the two busy classes, never starved


def test_idle_chats_are_forgotten_after_a_broadcast() -> None:
    pacer: Pacer[str] = Pacer()
    for chat in range(1, 5001):
        pacer.submit(jobs(chat, 1)[0], 0.0)
    sent = run_pacer(pacer)
    assert len(sent) == 5000
    assert pacer.tracked_chats < 1100  # only chats served since the last sweep remain
    # A chat forgotten and seen again is paced from scratch and still served.
    again = jobs(1, 3, tag="again")
    for job in again:
        pacer.submit(job, 1000.0)
    assert [j.key for _, j in run_pacer(pacer, start=1000.0)] == [j.key for j in again]


async def test_a_hanging_send_times_out_and_is_retried() -> None:
    clock = FakeClock()
    calls: list[str] = []

    async def send(job: Job) -> None:
        calls.append(str(job.key))
        if len(calls) == 1:
            await asyncio.Event().wait()  # never answers

    sender: Sender[str] = Sender(send, clock=clock, config=PacingConfig(send_timeout=0.05))
    async with sender:
        sender.submit(jobs(21, 1)[0])
        await sender.drain()
    assert calls == ["m21-0", "m21-0"]
    assert sender.stats.retried == 1 and sender.stats.sent == 1


def test_an_album_takes_one_token_per_item() -> None:
    """A document group of two spends two of the chat's tokens: the next message to the chat waits a
    full second (a plain message would go at once with the burst of 2 left)."""
    pacer: Pacer[str] = Pacer(PacingConfig(chat_rate=1.0, chat_burst=2.0), now=0.0)
    pacer.submit(OutboundJob(1, "album", "album", weight=2), 0.0)
    pacer.submit(OutboundJob(1, "text", "text"), 0.0)
    pacer.submit(OutboundJob(2, "other", "other"), 0.0)
    sent = {job.key: at for at, job in run_pacer(pacer, until=10.0)}
    assert sent["album"] == 0.0 and sent["other"] < 0.1  # another chat is not held up
    assert sent["text"] == pytest.approx(1.0, abs=0.01)
