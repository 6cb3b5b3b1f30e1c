"""Supplier invoices anyone can issue to the user's NIP: bidi controls, escaped currency codes, and
messages that always fit Telegram's 4 096 characters (details, summaries, /faktury)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

import ksef.pdf
from bot.chat.notifications import render
from bot.chat.rendering import Document, DocumentGroup, PhotoMessage, TextMessage, within_limits
from bot.i18n import clip, esc, t
from bot.i18n.limits import CAPTION_LIMIT, MESSAGE_LIMIT, fit, shorten, visible_length
from bot.sandbox.botapi import parse_html, utf16_len
from bot.services.inbox import InvoiceView, NewsView
from bot.store.models import Reminder
from bot.store.models_inbox import InboxSync
from ksef.fa3 import build, invoice_from_dict
from tests.bot.test_certificates import PASSWORD, connected
from tests.bot.test_notify import BASE_INVOICE, connected_bot, wait_mentioned
from tests.fixtures.bot import BotHarness

RLO = "\u202e"


def supplier_xml(buyer_nip: str, number: str, *, seller_name: str = "Hurtownia Papieru Kowalski",
                 lines: int = 2) -> bytes:
    """An FA(3) invoice as other software could send it: the seller name is put into the XML as given
    (our own builder refuses invisible controls, KSeF's schema does not)."""
    items = [{"name": f"Pozycja {i} " + "x" * 150, "quantity": "1", "unit": "szt.", "unit_price": "1.00",
              "vat_rate": "23"} for i in range(lines)] if lines > 2 else BASE_INVOICE["lines"]
    data = {**BASE_INVOICE, "number": number, "lines": items,
            "buyer": {**BASE_INVOICE["buyer"], "nip": buyer_nip},
            "seller": {**BASE_INVOICE["seller"], "name": "SELLER-NAME-HERE"}}
    return build(invoice_from_dict(data)).replace(b"SELLER-NAME-HERE", seller_name.encode())


def _view(**changes: Any) -> NewsView:
    invoice = InvoiceView(1, 1, "5260250274", "5265877635-20260202-0100001AB111-8A", "5265877635",
                          "Hurtownia", "FV/1", date(2026, 2, 2), "10.00", "PLN", None, None, True, "test")
    invoice = replace(invoice, **changes)
    return NewsView("5260250274", (invoice,), 1)


def test_currency_code_and_bidi_controls_cannot_reach_the_markup() -> None:
    text, _ = render("pl", 1, True, _view(currency="<b>", seller_name=f"Evil{RLO} Corp\u2066\u200b"))
    plain_text, _ = parse_html(text)  # Telegram's parser: raises on broken markup
    assert "<b>" in plain_text  # shown as the characters it is, not as a tag
    assert RLO not in plain_text and "\u2066" not in plain_text and "\u200b" not in plain_text
    assert "Evil Corp, NIP 5265877635" in plain_text
    assert esc("a\u200db") == "a\u200db"  # a zero-width joiner (emoji, scripts) moves nothing: kept


def test_fit_and_shorten_keep_within_the_limit() -> None:
    items = [f"• <b>{'ż' * 300}</b> {i}" for i in range(40)]
    text = fit(["<b>head</b>"], items, ["tail"], more=lambda n: f"…i {n} więcej")
    assert visible_length(text) <= MESSAGE_LIMIT and text.endswith("więcej\ntail")
    kept = text.count("• ")
    assert f"…i {40 - kept} więcej" in text and kept > 5
    parse_html(text)
    cut = shorten("<i>start\n" + "😀" * 5000 + "</i>")
    assert cut == "<i>start</i>\n…" and utf16_len(parse_html(cut)[0]) <= MESSAGE_LIMIT
    one_line = shorten("😀" * 5000)
    assert utf16_len(parse_html(one_line)[0]) <= MESSAGE_LIMIT
    assert clip("a\n\nb   c", 10) == "a b c" and clip("x" * 20, 10) == "x" * 9 + "…"


def test_an_outbox_message_fits_whatever_its_renderer_put_in() -> None:
    """The last resort for every outbox kind: texts within 4 096 characters, captions within 1 024."""
    long_lines = "\n".join(f"<b>{i}</b> " + "ł" * 100 for i in range(100))
    text = within_limits(TextMessage(long_lines))
    photo = within_limits(PhotoMessage(b"png", "k.png", long_lines))
    group = within_limits(DocumentGroup((Document("a.pdf", b"%PDF", long_lines),)))
    assert isinstance(text, TextMessage) and isinstance(photo, PhotoMessage)
    assert isinstance(group, DocumentGroup)
    assert utf16_len(parse_html(text.text)[0]) <= MESSAGE_LIMIT and text.text.endswith("\n…")
    for caption in (photo.caption, group.documents[0].caption):
        assert utf16_len(parse_html(caption)[0]) <= CAPTION_LIMIT and caption.startswith("<b>0</b>")
    assert within_limits(TextMessage("krótko")) == TextMessage("krótko")


async def _poll_now(bot: BotHarness) -> None:
    async with bot.db.transaction() as session:
        await session.execute(update(InboxSync).values(next_poll_at=datetime.now(UTC) - timedelta(seconds=1)))


async def test_huge_and_hostile_supplier_invoices_get_messages_that_fit(
        bot_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    bot, user, nip = await connected_bot(bot_factory, poll_interval=3600)
    bot.sim.configure(hwmLagSeconds=0)  # an injected invoice is visible to the very next poll
    await bot.eventually(lambda: _first_poll_done(bot), timeout=15, message="the first poll")
    # One invoice of 1 000 lines from a seller whose name carries a right-to-left override.
    number = bot.sim.inject_invoice(supplier_xml(nip, "FV/1000/2026", seller_name=f"Kowalski {RLO}SA",
                                                 lines=1000))
    await _poll_now(bot)
    note = await wait_mentioned(bot, user.chat_id, number, timeout=30)
    assert RLO not in note.content and "Kowalski SA, NIP 5265877635" in note.content
    details = await bot.press(user, note, "Szczegóły", contains="Pozycje faktury")
    assert utf16_len(details.content) <= MESSAGE_LIMIT
    assert "pozycji więcej" in details.content and "Wydruk PDF" in details.content
    assert "VAT 23%" in details.content  # the totals come after the cut lines
    threads: list[bool] = []
    real_render = ksef.pdf.render_pdf

    def spy(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.current_thread() is threading.main_thread())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(ksef.pdf, "render_pdf", spy)
    await bot.reply_to(user, lambda: user.press(note, "Wydruk PDF"),
                       predicate=lambda m: m.document is not None, timeout=30)
    assert threads == [False]  # rendered off the event loop's thread
    # Twelve invoices with the longest names and numbers FA(3) allows, found by one poll: one summary.
    before = len(bot.fake.bot_messages(user.chat_id))
    for i in range(12):
        longest = supplier_xml(nip, f"{i:02d}-" + "N" * 250, seller_name="S" * 511 + str(i % 10))
        bot.sim.inject_invoice(longest)
    await _poll_now(bot)
    summary = await wait_mentioned(bot, user.chat_id, "Nowe faktury zakupowe: 12", timeout=30)
    assert len(bot.fake.bot_messages(user.chat_id)) == before + 1
    assert utf16_len(summary.content) <= MESSAGE_LIMIT and summary.content.count("\n• ") == 12
    listing = await bot.say(user, "/faktury", contains="Faktury zakupowe firmy")
    assert utf16_len(listing.content) <= MESSAGE_LIMIT and "(1–10 z 13)" in listing.content
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if "Coś poszło nie tak" in m.content]


async def _first_poll_done(bot: BotHarness) -> bool:
    rows = await bot.table_rows("inbox_sync")
    return bool(rows) and rows[0]["last_poll_at"] is not None


def test_more_items_text_exists_in_both_languages() -> None:
    assert t("pl", "more_items", count=3) == "…i 3 więcej" and t("en", "more_items", count=3) == "…and 3 more"


async def test_a_name_with_markup_reaches_its_reminder_as_typed(bot_factory: Callable[..., Any]) -> None:
    """Stored user text (a certificate's name) is escaped where a reminder embeds it, so the reminder is
    sent (not refused by Telegram's HTML parser at every tick)."""
    bot: BotHarness = await bot_factory(tick_interval=0.2)
    user, nip = await connected(bot, 3403)
    issued = bot.sim.issue_certificate(nip, "Offline", PASSWORD)
    company_id = (await bot.table_rows("companies"))[0]["id"]
    await bot.services.certificates.add(user.id, company_id, "<b>Mój & offline", issued["key"].encode(),
                                        issued["cert"].encode(), PASSWORD)
    async with bot.db.transaction() as session:
        await session.execute(update(Reminder).values(due_at=datetime.now(UTC) - timedelta(minutes=1)))
    reminder = await wait_mentioned(bot, user.chat_id, "Przypomnienie: certyfikat")
    assert "„<b>Mój & offline”" in reminder.content
