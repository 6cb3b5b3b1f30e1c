"""Issuing invoices by chat, online: fast path, preview, confirm, printout, numbering, restart."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib

import pytest
from sqlalchemy import update

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.services.errors import ServiceError
from bot.services.issuing import Draft
from bot.services.ksef_clients import KsefClientOptions
from bot.store.db import Database
from bot.store.models_outbox import OutboxRow
from ksef.qr import parse_kod1
from tests.fixtures.bot import BotHarness

BUYER_NIP = "5260250274"
CONFIRM = "✅ Zatwierdź i wyślij"


async def ready(bot: BotHarness, user_id: int, *, vat_exempt: bool = False) -> tuple[FakeUser, str, int]:
    """A user with a connected company and a seller profile (set through the services)."""
    nip, token = bot.sim.create_subject()
    await bot.services.connect.connect_token(user_id, user_id, nip, token)
    company_id = (await bot.services.companies.require_active_company(user_id)).id
    await bot.services.profiles.save(user_id, company_id, name="Jan Kowalski Usługi IT",
                                     address=["ul. Długa 5", "00-001 Warszawa"], vat_exempt=vat_exempt,
                                     bank_account="61 1090 1014 0000 0712 1981 2874",
                                     default_rate="zw" if vat_exempt else "23", payment_days=14)
    return bot.user(user_id), nip, company_id


async def to_preview(bot: BotHarness, user: FakeUser, command: str) -> ChatMessage:
    """Fast path with a buyer not seen before: name and address are asked once."""
    await bot.say(user, command, contains="nazwę nabywcy")
    await bot.say(user, "ACME Sp. z o.o.", contains="adres nabywcy")
    return await bot.say(user, "ul. Prosta 1; 00-950 Warszawa", contains="Podgląd faktury")


async def confirm_and_collect(bot: BotHarness, user: FakeUser, preview: ChatMessage) -> list[ChatMessage]:
    """Press Confirm; return the bot messages until the XML file (the last of the printout) arrives. The
    preview itself turns into "sending…" (no new message for that)."""
    first = await bot.press(user, preview, CONFIRM, timeout=60, contains="")
    await bot.fake.wait_for_bot_message(
        user.chat_id, lambda m: m.document is not None and (m.document.filename or "").endswith(".xml"),
        after=first.message_id - 1, timeout=60)
    edited = bot.fake.message(user.chat_id, preview.message_id)
    assert edited is not None and edited.edited and "Wysyłam do KSeF" in edited.content
    assert edited.all_buttons == []  # Confirm cannot be pressed twice
    return [m for m in bot.fake.chat_messages(user.chat_id)
            if m.from_bot and m.message_id >= first.message_id]


def sim_invoice_xml(bot: BotHarness, ksef_number: str) -> bytes:
    with bot.sim.state.lock:
        return bytes(bot.sim.state.invoices[ksef_number].xml)


async def test_fast_path_issues_online_and_returns_pdf_png_xml(bot_app: BotHarness) -> None:
    user, nip, _ = await ready(bot_app, 6001)
    preview = await to_preview(bot_app, user, f"/wystaw {BUYER_NIP} Usługa programistyczna 1 x 5000 23%")
    shown = preview.content.replace("\xa0", " ")
    assert "netto 5 000,00 zł, VAT 1 150,00 zł, brutto 6 150,00 zł" in shown
    messages = await confirm_and_collect(bot_app, user, preview)
    accepted = next(m for m in messages if "przyjęta w KSeF" in m.content)
    rows = await bot_app.table_rows("issued_invoices")
    assert len(rows) == 1 and rows[0]["state"] == "accepted"
    ksef_number = rows[0]["ksef_number"]
    assert ksef_number in accepted.content and rows[0]["number"].startswith("FV/1/")
    pdf = next(m for m in messages if m.document and (m.document.filename or "").endswith(".pdf"))
    assert pdf.document is not None and pdf.document.content.startswith(b"%PDF")
    photo = next(m for m in messages if m.photo is not None)
    assert photo.photo is not None and photo.photo.content.startswith(b"\x89PNG")
    xml = next(m for m in messages if m.document and (m.document.filename or "").endswith(".xml"))
    assert xml.document is not None
    accepted_xml = sim_invoice_xml(bot_app, ksef_number)
    assert xml.document.content == accepted_xml == rows[0]["xml"]
    # Two messages: the KOD I photo with the outcome as its caption, then PDF + XML as one document group.
    assert [m.message_id for m in messages] == [photo.message_id, pdf.message_id, xml.message_id]
    assert photo is accepted and pdf.raw["media_group_id"] == xml.raw["media_group_id"]
    assert len(photo.content) < 400 and "https://" not in photo.content  # a short caption, no raw link
    assert {b.text for b in photo.all_buttons} == {"📄 UPO", "🔁 Wystaw ponownie", "🔗 Link z kodu QR"}
    links = await bot_app.press(user, photo, "🔗 Link z kodu QR", contains="KOD I")
    # KOD I carries the SHA-256 of exactly the XML the simulator accepted.
    url = links.content.split("KOD I (weryfikacja faktury): ", 1)[1].split()[0].strip()
    link = parse_kod1(url)
    digest = base64.urlsafe_b64encode(hashlib.sha256(accepted_xml).digest()).rstrip(b"=").decode()
    assert link.seller_nip == nip and url.endswith("/" + digest)
    # The buyer is remembered: the next fast path goes straight to the preview.
    again = await bot_app.say(user, f"/wystaw {BUYER_NIP} Hosting 12 x 100 8%", contains="Podgląd faktury")
    assert "ACME" in again.content


async def test_two_simultaneous_confirmations_get_distinct_numbers(bot_factory: object) -> None:
    bot_app: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot_app, 6002)
    svc = bot_app.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": ["ul. Prosta 1"]},
             "lines": [{"name": "Usługa", "quantity": "1", "unit": "szt.", "unit_price": "100",
                        "vat_rate": "23"}], "prices": "net", "payment_days": 7, "method": "transfer"}
    views = await asyncio.gather(*(svc.prepare(6002, 6002, company_id, Draft.from_json(draft))
                                   for _ in range(5)))
    numbers = sorted(v.number for v in views)
    assert len(set(numbers)) == 5
    assert sorted(int(n.split("/")[1]) for n in numbers) == [1, 2, 3, 4, 5]  # no gaps


async def test_restart_between_store_and_send_sends_exactly_once(bot_factory: object) -> None:
    # No background run before the crash: only the restarted bot may finish the invoice.
    bot: BotHarness = await bot_factory(issuing_interval=0.3, issuing_first=3600)  # type: ignore[operator]
    user, _, company_id = await ready(bot, 6003)
    svc = bot.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "2", "unit_price": "50", "vat_rate": "23"}]}
    view = await svc.prepare(6003, user.chat_id, company_id, Draft.from_json(draft))
    # Simulate a send whose answer was lost: KSeF got the bytes in the recorded session, we never learnt it.
    client = await bot.services.ksef_clients.get(company_id)
    session = await client.sessions.ensure()
    await svc.records.update(view.id, state="sending", session_reference=session.reference_number)
    xml = (await bot.table_rows("issued_invoices"))[0]["xml"]
    await client.send_invoice(xml, wait=True)
    bot.options = dataclasses.replace(bot.options, issuing_first=0.1)
    await bot.crash_and_restart()
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "przyjęta w KSeF" in m.content, after=0,
                                        timeout=60)
    with bot.sim.state.lock:
        stored = [i for i in bot.sim.state.invoices.values() if i.invoice_hash == view.invoice_hash]
    assert len(stored) == 1
    rows = await bot.table_rows("issued_invoices")
    assert rows[0]["state"] == "accepted" and rows[0]["ksef_number"] == stored[0].ksef_number


async def test_prepared_invoice_is_sent_after_a_crash(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3, issuing_first=3600)  # type: ignore[operator]
    user, _, company_id = await ready(bot, 6004)
    draft = {"buyer": {"nip": None, "name": "Anna Nowak", "address": []},
             "lines": [{"name": "Naprawa", "quantity": "1", "unit_price": "123.45", "vat_rate": "8"}]}
    view = await bot.services.issuing.prepare(6004, user.chat_id, company_id, Draft.from_json(draft))
    bot.options = dataclasses.replace(bot.options, issuing_first=0.1)
    await bot.crash_and_restart()
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "przyjęta w KSeF" in m.content, after=0,
                                        timeout=60)
    with bot.sim.state.lock:
        stored = [i for i in bot.sim.state.invoices.values() if i.invoice_hash == view.invoice_hash]
    assert len(stored) == 1


async def nothing_made(bot: BotHarness) -> None:
    assert await bot.table_rows("issued_invoices") == []
    assert await bot.table_rows("invoice_counters") == []


async def test_bad_inputs_get_clear_messages_and_leave_nothing(bot_app: BotHarness) -> None:
    user, _, company_id = await ready(bot_app, 6005)
    answer = await bot_app.say(user, "/wystaw 1234567890 Usługa 1 x 100 23%")
    assert "1234567890" in answer.content and "NIP" in answer.content
    answer = await bot_app.say(user, f"/wystaw {BUYER_NIP} Usługa -1 x 100 23%")
    assert "ilości „-1”" in answer.content and "np. 2 szt." in answer.content
    answer = await bot_app.say(user, f"/wystaw {BUYER_NIP} Usługa 1 x abc 23%")
    assert "abc" in answer.content
    answer = await bot_app.say(user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 17%")
    assert "stawki VAT „17%”" in answer.content and "np. 23%" in answer.content
    # A 10 000-character line name is refused at the preview and dropped; the buyer questions stay.
    await bot_app.say(user, f"/wystaw {BUYER_NIP}", contains="nazwę nabywcy")
    long_name = await bot_app.say(user, "N" * 10_000)
    assert "nazwa nabywcy" in long_name.content and len(long_name.content) < 1000
    await bot_app.say(user, "ACME", contains="adres nabywcy")
    await bot_app.say(user, "-", contains="pozycję faktury")
    refused = await bot_app.say(user, "X" * 10_000 + " 1 x 100 23%")
    assert "512" in refused.content and "pozycję faktury" in refused.content
    dialog = await bot_app.services.dialogs.get(user.chat_id)
    assert dialog is not None and dialog.data["draft"]["lines"] == []
    # No lines: refused by the service before any number is taken.
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []}, "lines": []}
    with pytest.raises(ServiceError) as refused_draft:
        await bot_app.services.issuing.prepare(6005, user.chat_id, company_id, Draft.from_json(draft))
    assert refused_draft.value.code == "no_lines"
    await nothing_made(bot_app)
    await bot_app.say(user, "/cancel", contains="")


async def test_special_characters_are_shown_escaped_and_kept_exactly(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 6006)
    await bot_app.say(user, f"/wystaw {BUYER_NIP}", contains="nazwę nabywcy")
    await bot_app.say(user, '<b>Kowalski & "Syn"</b>', contains="adres nabywcy")
    await bot_app.say(user, "ul. <Krótka> 1 & 2; 00-001 Warszawa", contains="pozycję faktury")
    preview = await bot_app.say(user, "*Audyt* _kodu_ </x> &amp; 1 x 100 23%", contains="Podgląd faktury")
    assert '<b>Kowalski & "Syn"</b>' in preview.content  # shown literally, not as HTML
    assert "*Audyt* _kodu_ </x> &amp;" in preview.content
    messages = await confirm_and_collect(bot_app, user, preview)
    xml = next(m for m in messages if m.document and (m.document.filename or "").endswith(".xml"))
    assert xml.document is not None
    from ksef.fa3 import parse

    summary = parse(xml.document.content)
    assert summary.buyer.name == '<b>Kowalski & "Syn"</b>'
    assert summary.lines[0].name == "*Audyt* _kodu_ </x> &amp;"


async def test_seller_profile_dialogue_then_consumer_invoice(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    await bot_app.services.connect.connect_token(6007, 6007, nip, token)
    user = bot_app.user(6007)
    await bot_app.say(user, "/wystaw", contains="/profil")  # no profile yet: told what to do
    await bot_app.say(user, "/profil", contains="krok 1 z 7")
    await bot_app.say(user, "Anna Nowak Projekty", contains="Krok 2 z 7")
    await bot_app.say(user, "ul. Polna 3; 30-001 Kraków", contains="Krok 3 z 7")
    await bot_app.say(user, "może", contains="„vat” albo „zw”")
    await bot_app.say(user, "vat", contains="Krok 4 z 7")
    await bot_app.say(user, "61 1090 1014 0000 0712 1981 2875", contains="rachunk")  # bad checksum
    await bot_app.say(user, "61 1090 1014 0000 0712 1981 2874", contains="Krok 5 z 7")
    await bot_app.say(user, "8%", contains="Krok 6 z 7")
    await bot_app.say(user, "dwa tygodnie", contains="od 0 do 365")
    await bot_app.say(user, "7", contains="Krok 7 z 7")
    await bot_app.say(user, "FV-{YYYY}", contains="{n}")
    # Without the year the numbers of next year would repeat this year's: refused, naming a valid pattern.
    await bot_app.say(user, "{n}", contains="musi zawierać rok: {YYYY} albo {YY}")
    await bot_app.say(user, "FV/{n}/{MM}", contains="FV/{n}/{MM}/{YYYY}")
    prices = await bot_app.say(user, "R/{n}/{YYYY}", contains="netto (bez VAT) czy brutto")
    await bot_app.say(user, "może", contains="netto (bez VAT) czy brutto")  # asked again, with the buttons
    saved = await bot_app.press(user, prices, "Brutto", contains="Zapisano dane sprzedawcy")
    assert "R/{n}/{YYYY}" in saved.content and "Anna Nowak Projekty" in saved.content
    assert "Ceny na nowych fakturach: brutto" in saved.content
    await bot_app.say(user, "/wystaw", contains="NIP nabywcy")
    await bot_app.say(user, "-", contains="nazwę nabywcy")
    await bot_app.say(user, "Jan Klient", contains="adres nabywcy")
    await bot_app.say(user, "-", contains="pozycję faktury")
    preview = await bot_app.say(user, "Projekt logo 1 x 1000", contains="Podgląd faktury")
    assert "konsument" in preview.content and "8%" in preview.content  # the profile's default rate
    assert "Ceny: brutto" in preview.content  # the profile's pricing method
    messages = await confirm_and_collect(bot_app, user, preview)
    assert any("przyjęta w KSeF" in m.content for m in messages)
    rows = await bot_app.table_rows("issued_invoices")
    assert rows[0]["number"].startswith("R/1/")


async def test_a_pattern_without_the_year_never_issues_a_number_twice(bot_factory: object) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select, update

    from bot.store.models_issuing import InvoiceCounter, SellerProfile

    bot_app: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot_app, 6010)
    profiles = bot_app.services.profiles
    for pattern, reset, code in (("{n}", "yearly", "pattern_needs_year"), ("{n}/{MM}", "monthly",
                                 "pattern_needs_year"), ("FV/{n}/{YYYY}", "monthly", "pattern_needs_month")):
        with pytest.raises(ServiceError) as refused:
            await profiles.save(6010, company_id, name="Jan Kowalski Usługi IT", address=["ul. Długa 5"],
                                vat_exempt=False, bank_account=None, default_rate="23", payment_days=14,
                                pattern=pattern, reset=reset)
        assert refused.value.code == code
    # A profile stored before the rule (pattern "{n}", restarting yearly): the new year's first number
    # would repeat last year's. It is refused with a clear code instead of failing on the unique key.
    async with bot_app.db.transaction() as session:
        await session.execute(update(SellerProfile).where(SellerProfile.company_id == company_id)
                              .values(pattern="{n}", reset="yearly"))
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": ["ul. Prosta 1"]},
             "lines": [{"name": "Usługa", "quantity": "1", "unit": "szt.", "unit_price": "100",
                        "vat_rate": "23"}], "prices": "net", "payment_days": 7, "method": "transfer"}
    issuing = bot_app.services.issuing
    bot_app.clock.set(datetime(2026, 12, 30, 12, tzinfo=UTC))
    assert (await issuing.prepare(6010, 6010, company_id, Draft.from_json(draft))).number == "1"
    bot_app.clock.set(datetime(2027, 1, 4, 12, tzinfo=UTC))
    with pytest.raises(ServiceError) as taken:
        await issuing.prepare(6010, 6010, company_id, Draft.from_json(draft))
    assert taken.value.code == "number_taken" and taken.value.params["number"] == "1"
    async with bot_app.db.transaction() as session:  # nothing stored half-way: not even the counter
        periods = (await session.execute(select(InvoiceCounter.period).where(
            InvoiceCounter.company_id == company_id))).scalars().all()
    assert periods == ["2026"]
    assert len(await bot_app.table_rows("issued_invoices")) == 1


async def test_duplicate_440_is_reconciled_not_sent_as_new(bot_factory: object) -> None:
    bot_app: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    user, _, company_id = await ready(bot_app, 6008)
    svc = bot_app.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]}
    view = await svc.prepare(6008, user.chat_id, company_id, Draft.from_json(draft))
    xml = (await bot_app.table_rows("issued_invoices"))[0]["xml"]
    client = await bot_app.services.ksef_clients.get(company_id)
    first = await client.send_invoice(xml, wait=True)  # KSeF already has it (e.g. sent by another tool)
    assert first.ksef_number
    view = await svc.issue(view.id)
    assert view.state == "accepted" and view.ksef_number == first.ksef_number and view.status_code == 440
    with bot_app.sim.state.lock:
        assert sum(i.invoice_hash == view.invoice_hash for i in bot_app.sim.state.invoices.values()) == 1


async def test_slow_processing_is_followed_up_and_upo_and_issue_again_work(bot_factory: object) -> None:
    # A confirmation waits 0.3 s for the KSeF number, then the issuing job follows the invoice up.
    bot: BotHarness = await bot_factory(issuing_interval=0.3,  # type: ignore[operator]
                                        ksef_clients=KsefClientOptions(status_timeout=0.3))
    user, _, _ = await ready(bot, 6009)
    bot.sim.configure(processingDelaySeconds=2)
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 3 h x 200 23%")
    await bot.press(user, preview, CONFIRM, contains="jeszcze przetwarza", timeout=30)
    await bot.fake.wait_for_bot_message(
        user.chat_id, lambda m: m.document is not None and (m.document.filename or "").endswith(".xml"),
        after=preview.message_id, timeout=60)
    accepted = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "przyjęta w KSeF" in m.content,
                                                   after=preview.message_id, timeout=5)
    rows = await bot.table_rows("issued_invoices")
    assert rows[0]["state"] == "accepted"
    bot.sim.configure(processingDelaySeconds=0)
    upo = await bot.press(user, accepted, "📄 UPO", timeout=30)
    assert upo.document is not None and rows[0]["ksef_number"].encode() in upo.document.content
    again = await bot.press(user, accepted, "🔁 Wystaw ponownie", contains="Podgląd faktury", timeout=30)
    assert "ACME" in again.content and "600,00" in again.content


async def test_revoked_token_keeps_the_invoice_and_says_so(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    nip, token = bot.sim.create_subject()
    await bot.services.connect.connect_token(6010, 6010, nip, token)
    user = bot.user(6010)
    company_id = (await bot.services.companies.require_active_company(6010)).id
    await bot.services.profiles.save(6010, company_id, name="Firma", address=["ul. A 1", "00-001 Warszawa"],
                                     vat_exempt=False, bank_account=None, default_rate="23", payment_days=7)
    bot.sim.revoke_token(token)
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    told = await bot.press(user, preview, CONFIRM, contains="Spróbuję ponownie", timeout=30)
    row = (await bot.table_rows("issued_invoices"))[0]
    assert row["state"] == "prepared" and row["number"] in told.content.replace("&#x27;", "'")
    assert await bot.services.dialogs.get(user.chat_id) is None  # no Confirm left to press twice


async def test_a_long_invoice_preview_fits_in_one_message(bot_app: BotHarness) -> None:
    from bot.services.dialogs import Dialog

    user, _, company_id = await ready(bot_app, 6011)
    lines = [{"name": f"{i} " + "Długa nazwa usługi " * 25, "quantity": "1", "unit": "szt.",
              "unit_price": "10", "vat_rate": "23"} for i in range(1, 40)]
    draft = {"buyer": {"nip": BUYER_NIP, "name": "B" * 500, "address": ["A" * 300]}, "lines": lines,
             "prices": "net", "payment_days": 7, "method": "transfer"}
    await bot_app.services.dialogs.set(user.chat_id, 6011, Dialog("issue", "line",
                                                                  {"company_id": company_id, "draft": draft}))
    preview = await bot_app.say(user, "Ostatnia 1 x 10 23%", contains="Podgląd faktury")
    assert len(preview.content) <= 4096 and "25 dalszych pozycji" in preview.content
    assert "brutto 492,00" in preview.content.replace("\xa0", " ")  # 40 × 12,30


async def test_simultaneous_confirmations_on_postgresql(bot_factory: object,
                                                        pg_database: tuple[str, str]) -> None:
    url, schema = pg_database
    bot: BotHarness = await bot_factory(database_url=url, db_schema=schema,  # type: ignore[operator]
                                        issuing_first=3600)
    _, _, company_id = await ready(bot, 6012)
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "100", "vat_rate": "23"}]}
    views = await asyncio.gather(*(bot.services.issuing.prepare(6012, 6012, company_id,
                                                                Draft.from_json(draft))
                                   for _ in range(8)))
    assert sorted(int(v.number.split("/")[1]) for v in views) == list(range(1, 9))


# --- the documents of an issued invoice: nothing lost, nothing shown twice, wherever a crash hits -----

def printout_counts(bot: BotHarness, chat_id: int) -> tuple[int, int, int]:
    """(photos, PDFs, XML files) the user has received."""
    messages = bot.fake.bot_messages(chat_id)
    names = [(m.document.filename or "") for m in messages if m.document is not None]
    return (sum(m.photo is not None for m in messages), sum(n.endswith(".pdf") for n in names),
            sum(n.endswith(".xml") for n in names))


async def rows_sent(bot: BotHarness, kinds: tuple[str, ...] = ("issued.result", "issued.documents")) -> bool:
    rows = [r for r in await bot.table_rows("outbox") if r["kind"] in kinds]
    return len(rows) == len(kinds) and all(r["status"] == "sent" for r in rows)


async def test_crash_between_storing_and_sending_the_documents_loses_nothing(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory()  # type: ignore[operator]
    user, _, _ = await ready(bot, 6020)
    for method in ("sendPhoto", "sendMediaGroup"):  # Telegram down: the result stays queued
        bot.fake.fail_next(method, status=500, count=10_000)
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    await user.press(preview, CONFIRM)

    async def queued() -> bool:
        return len([r for r in await bot.table_rows("outbox") if r["kind"].startswith("issued.")]) == 2

    await bot.eventually(queued, timeout=30, message="the result and the documents stored")
    assert (await bot.table_rows("issued_invoices"))[0]["state"] == "accepted"
    await bot.crash_and_restart()
    bot.fake.clear_faults()
    await bot.eventually(lambda: rows_sent(bot), timeout=60, message="both rows delivered after the restart")
    assert printout_counts(bot, user.chat_id) == (1, 1, 1)


async def test_crash_between_sending_and_marking_the_documents_shows_nothing_twice(
        bot_factory: object) -> None:
    bot: BotHarness = await bot_factory()  # type: ignore[operator]
    user, _, _ = await ready(bot, 6021)
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    await confirm_and_collect(bot, user, preview)
    await bot.eventually(lambda: rows_sent(bot), message="both rows marked sent")
    before = {r["id"]: r for r in await bot.table_rows("outbox") if r["kind"].startswith("issued.")}
    await bot.stop()
    # The database exactly as a crash right after Telegram accepted both leaves it: `sending`, no ids.
    db = Database.from_url(bot.settings.database_url)
    async with db.transaction() as session:
        await session.execute(update(OutboxRow).where(OutboxRow.id.in_(list(before)))
                              .values(status="sending", message_ids=[], sent_at=None))
    await db.dispose()
    await bot.start()
    await bot.eventually(lambda: rows_sent(bot), timeout=30, message="the probes to settle both rows")
    after = {r["id"]: r for r in await bot.table_rows("outbox") if r["id"] in before}
    # Found by their markers: the photo's keyboard, the first document's caption (both ids of the group).
    assert {i: r["message_ids"] for i, r in after.items()} == {i: r["message_ids"] for i, r in before.items()}
    assert printout_counts(bot, user.chat_id) == (1, 1, 1)


async def test_ambiguous_network_error_after_the_documents_arrived_is_not_a_duplicate(
        bot_factory: object) -> None:
    bot: BotHarness = await bot_factory()  # type: ignore[operator]
    user, _, _ = await ready(bot, 6022)
    # Telegram stores the group, then the connection breaks: the bot cannot know it arrived.
    bot.fake.fail_next("sendMediaGroup", drop=True, status=200)
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    await user.press(preview, CONFIRM)
    await bot.eventually(lambda: rows_sent(bot), timeout=60, message="both rows marked sent")
    [documents] = [r for r in await bot.table_rows("outbox") if r["kind"] == "issued.documents"]
    assert documents["attempts"] == 2 and len(documents["message_ids"]) == 2  # probed, found, not resent
    assert printout_counts(bot, user.chat_id) == (1, 1, 1)
