"""End to end: a supplier invoice's notification carries what paying needs, and "💸 Zapłać" shows the
payment card with the VAT-list check and the transfer QR code; "Zapłać wszystkie" pays several invoices
of one supplier under one IZ created in KSeF (fake Bot API + simulator, white list included)."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import zxingcpp
from lxml import etree
from PIL import Image
from sqlalchemy import update

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.store.models_inbox import ReceivedInvoice
from ksef.banking import normalize_account
from ksef.collective import CollectiveInvoice
from ksef.fa3 import build, invoice_from_dict
from ksef.identifiers import collective_id_is_valid, ksef_number_is_valid, random_valid_nip
from ksef.sim.whitelist import derived_account
from ksef.transfer_qr import TITLE_MAX, parse_transfer_payload
from tests.bot.test_companies import forged_press
from tests.bot.test_notify import (
    any_bot_factory_fixture,  # noqa: F401 (the fixture any_bot_factory, found by pytest here)
    backend_fixture,  # noqa: F401 (the fixture backend)
    connected_bot,
    wait_mentioned,
)
from tests.fixtures.bot import BotHarness
from tests.unit.test_due import with_parts

ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
NRB = normalize_account(ACCOUNT)
SELLER = "5265877635"


def supplier_invoice(buyer_nip: str, number: str, *, seller_nip: str = SELLER,
                     seller_name: str = "Hurtownia Papieru Kowalski", unit_price: str = "20.00",
                     payment: dict[str, Any] | None = None, split: bool = False,
                     more_accounts: tuple[str, ...] = (), **extra: Any) -> bytes:
    """An FA(3) invoice of one 23 % line (gross = 1.23 × unit price), with extra NrRB when asked."""
    data: dict[str, Any] = {
        "number": number, "issue_date": "2026-12-01", "currency": "PLN", "prices": "net",
        "seller": {"nip": seller_nip, "name": seller_name, "address": ["ul. Długa 1", "00-001 Warszawa"]},
        "buyer": {"name": "Kupujący", "nip": buyer_nip, "address": ["ul. Testowa 10", "30-001 Kraków"]},
        "lines": [{"name": "Papier A4", "quantity": "1", "unit": "szt.", "unit_price": unit_price,
                   "vat_rate": "23"}],
        "payment": payment or {"method": "transfer", "due_date": "2026-12-15", "bank_account": ACCOUNT},
        "split_payment": split, **extra,
    }
    xml = build(invoice_from_dict(data))
    if not more_accounts:
        return xml
    root = etree.fromstring(xml)
    ns = {"fa": root.nsmap[None]}
    first = root.find(".//fa:Platnosc/fa:RachunekBankowy", ns)
    assert first is not None
    for offset, account in enumerate(more_accounts, start=1):
        extra = copy.deepcopy(first)
        nr = extra.find("fa:NrRB", ns)
        assert nr is not None
        nr.text = account
        parent = first.getparent()
        assert parent is not None
        parent.insert(parent.index(first) + offset, extra)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


async def qr_after(bot: BotHarness, user: FakeUser, card: ChatMessage) -> str:
    """The payload of the first QR photo the bot sent after ``card``."""
    def photos() -> list[ChatMessage]:
        return [m for m in bot.fake.bot_messages(user.chat_id)
                if m.photo is not None and m.message_id > card.message_id]

    found: list[ChatMessage] = await bot.fake.wait_until(photos, message="the transfer QR code")
    photo = found[0].photo
    assert photo is not None and "zeskanuj" in found[0].content
    with Image.open(io.BytesIO(photo.content)) as picture:
        [code] = zxingcpp.read_barcodes(picture)
    return code.text


def no_piece_of(reference: str, payload: str) -> bool:
    """A KSeF number or IZ is in the payload whole, or nothing of it past the seller's NIP is."""
    return reference in payload or reference[:11] not in payload


def shown(message: ChatMessage) -> str:
    """The message's text with Babel's non-breaking spaces (amounts, "zł") as plain spaces."""
    return message.content.replace("\xa0", " ").replace("\u202f", " ")


async def stored(bot: BotHarness, ksef_number: str) -> dict[str, Any]:
    return next(r for r in await bot.table_rows("received_invoices") if r["ksef_number"] == ksef_number)


async def test_notification_has_due_date_accounts_and_mpp_and_the_card_pays_with_a_scannable_code(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    second = derived_account("7352765225")
    xml = supplier_invoice(nip, "FV/10/2026", split=True, more_accounts=(second,), unit_price="200.00",
                           payment={"method": "transfer", "due_days": 14, "bank_account": ACCOUNT})
    ksef = bot.sim.inject_invoice(xml)
    note = await wait_mentioned(bot, user.chat_id, ksef)
    text = shown(note)
    assert "Termin płatności: 15 grudnia 2026" in text  # 14 dni od wystawienia (1.12): computed
    assert "PL61 1090 1014 0000 0712 1981 2874" in text
    assert f"PL{second[:2]} {second[2:6]}" in text  # the second account, grouped
    assert "Podzielona płatność (MPP)" in text and "Forma płatności: przelew" in text
    row = await stored(bot, ksef)
    assert row["split_payment"] is True and row["payment_method"] == "6"
    assert row["bank_accounts"] == [NRB, second] and row["due_date"] == date(2026, 12, 15)
    assert row["paid_at"] is None

    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    full_title = f"FV/10/2026 KSeF {ksef}"
    assert full_title in shown(card) and ksef_number_is_valid(ksef)
    assert "Odbiorca: Hurtownia Papieru Kowalski, NIP 5265877635" in shown(card)
    assert "Konto: PL61 1090 1014 0000 0712 1981 2874" in shown(card) and "Kwota: 246,00 zł" in shown(card)
    assert "przelew MPP" in shown(card)
    assert "✅ Konto jest na białej liście VAT" in shown(card) and "ZAW-NR" not in shown(card)
    row = await stored(bot, ksef)
    assert row["wl_assigned"] is True and row["wl_account"] == NRB and row["wl_request_id"]
    assert row["wl_request_id"] in shown(card) and row["wl_checked_on"] is not None
    payload = await qr_after(bot, user, card)
    fields = parse_transfer_payload(payload)
    assert (fields.recipient_nip, fields.country, fields.account) == (SELLER, "PL", NRB)
    assert fields.amount_grosze == 24600 and fields.title == "FV/10/2026" and len(fields.title) <= TITLE_MAX
    assert fields.recipient_name == "Hurtownia Papieru" and fields.reserved == ("", "", "")
    assert no_piece_of(ksef, payload)
    assert "krótki tytuł „FV/10/2026”" in shown(card)  # the code's title, and why it is short

    other = await bot.press(user, card, f"Konto 2: …{second[-4:]}", contains="Przelew za fakturę")
    assert f"Konto: PL{second[:2]} {second[2:6]}" in shown(other) and "Płacisz na konto nr 2" in shown(other)
    assert parse_transfer_payload(await qr_after(bot, user, other)).account == second
    assert (await stored(bot, ksef))["wl_account"] == second
    details = await bot.press(user, note, "Szczegóły", contains="Pozycje faktury")  # /faktury's way in
    assert [b.text for b in details.all_buttons] == ["💸 Zapłać"]

    # Once the transfer has left, the card records it in one tap (the payables' paid state).
    await bot.press(user, other, "✅ Zapłacona", contains="Zapisano: FV/10/2026")
    row = await stored(bot, ksef)
    assert row["paid_at"] is not None and row["paid_source"] == "user" and row["paid_minor"] == 24600


async def test_white_list_on_and_off_the_list_over_and_under_15000(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    listed, unlisted = random_valid_nip(), random_valid_nip()
    for seller, accounts in ((listed, [ACCOUNT]), (unlisted, [derived_account(unlisted)])):
        answer = bot.sim.admin.post("/sim/wl/subjects", json={
            "nip": seller, "name": f"Dostawca {seller}", "statusVat": "Czynny", "accountNumbers": accounts})
        assert answer.status_code == 201
    cases = {}  # (on the list, over 15 000 zł) -> KSeF number
    for on_list, seller in ((True, listed), (False, unlisted)):
        for over, price in ((False, "1000.00"), (True, "20000.00")):
            xml = supplier_invoice(nip, f"FV/{int(on_list)}{int(over)}/2026", seller_nip=seller,
                                   seller_name=f"Dostawca {seller}", unit_price=price)
            cases[on_list, over] = bot.sim.inject_invoice(xml)
    for (on_list, over), ksef in cases.items():
        note = await wait_mentioned(bot, user.chat_id, ksef)
        card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
        row = await stored(bot, ksef)
        assert row["wl_assigned"] is on_list and row["wl_account"] == NRB
        assert row["wl_request_id"] and row["wl_request_id"] in shown(card)
        text = shown(card)
        assert ("✅ Konto jest na białej liście" in text) is on_list
        assert ("❌ Tego konta nie ma na białej liście" in text) is not on_list
        warned = "Kwota powyżej 15 000 zł, a konta nie ma na białej liście" in text
        assert warned is (over and not on_list), (on_list, over)
        assert ("ZAW-NR w ciągu 7 dni" in text and "kosztów podatkowych" in text
                and "odpowiadasz solidarnie" in text) is warned
        fields = parse_transfer_payload(await qr_after(bot, user, card))
        if over:  # 24 600 zł is past the code's 9 999,99 zł: typed by the payer, said so
            assert fields.amount_grosze == 0 and "wpisz ją ręcznie (24 600,00 zł)" in text
        else:
            assert fields.amount_grosze == 123000
    checks = bot.sim.admin.get("/sim/wl/requests", params={"method": "check"}).json()["requests"]
    assert len(checks) == 2  # one per seller and account a day: the day's answer is kept (MF's limits)
    # Asked again the same day: the stored answer, no request to MF.
    note = await wait_mentioned(bot, user.chat_id, cases[False, True])
    again = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    assert (await stored(bot, cases[False, True]))["wl_request_id"] in shown(again)
    assert len(bot.sim.admin.get("/sim/wl/requests", params={"method": "check"}).json()["requests"]) == 2


async def test_mf_unreachable_or_limit_used_up_the_card_still_pays(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    ksef = bot.sim.inject_invoice(supplier_invoice(nip, "FV/20/2026", unit_price="20000.00"))
    limited = bot.sim.inject_invoice(supplier_invoice(nip, "FV/21/2026", seller_nip="7352765225"))
    note = await wait_mentioned(bot, user.chat_id, ksef)
    bot.sim.admin.put("/sim/wl/failure", json={"mode": "down"})
    try:
        card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    finally:
        bot.sim.admin.put("/sim/wl/failure", json={"mode": "none"})
    assert "Nie udało się teraz sprawdzić konta na białej liście VAT" in shown(card)
    assert "Kwota przekracza 15 000 zł: sprawdź konto" in shown(card)
    assert f"FV/20/2026 KSeF {ksef}" in shown(card)
    assert parse_transfer_payload(await qr_after(bot, user, card)).account == NRB
    row = await stored(bot, ksef)
    assert row["wl_request_id"] is None and row["wl_assigned"] is None
    note = await wait_mentioned(bot, user.chat_id, limited)
    bot.sim.admin.put("/sim/wl/failure", json={"mode": "limit"})
    try:
        card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    finally:
        bot.sim.admin.put("/sim/wl/failure", json={"mode": "none"})
    assert "wykorzystano dzienny limit zapytań do MF" in shown(card)
    assert "Przelew możesz zrobić" in shown(card)
    assert "Kwota przekracza 15 000 zł" not in shown(card)  # 24,60 zł
    assert parse_transfer_payload(await qr_after(bot, user, card)).amount_grosze == 2460
    assert (await stored(bot, limited))["wl_request_id"] is None


async def test_an_account_failing_its_checksum_gets_no_code_and_a_warning(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    bad = NRB[:-1] + str((int(NRB[-1]) + 1) % 10)  # one digit off: the checksum catches it
    xml = supplier_invoice(nip, "FV/40/2026").replace(NRB.encode(), bad.encode())
    ksef = bot.sim.inject_invoice(xml)
    note = await wait_mentioned(bot, user.chat_id, ksef)
    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    text = shown(card)
    assert "Kodu QR nie da się zrobić (numer konta)" in text and "sumę kontrolną" in text
    assert "Numer konta na fakturze jest błędny" in text and f"FV/40/2026 KSeF {ksef}" in text
    await bot.say(user, "/faktury", contains="Faktury zakupowe")  # the chat went on: nothing came between
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if m.photo is not None]
    assert bot.sim.admin.get("/sim/wl/requests", params={"method": "check"}).json()["requests"] == []


async def test_foreign_currency_no_code_and_the_warning_states_its_condition(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    seller = random_valid_nip()
    bot.sim.admin.post("/sim/wl/subjects", json={"nip": seller, "name": "Lieferant",
                                                 "accountNumbers": [derived_account(seller)]})
    xml = supplier_invoice(nip, "EU/1", seller_nip=seller, seller_name="Lieferant", unit_price="100.00",
                           currency="EUR", exchange_rate="4.2345")
    ksef = bot.sim.inject_invoice(xml)
    note = await wait_mentioned(bot, user.chat_id, ksef)
    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    text = shown(card)
    assert "Faktura jest w walucie EUR" in text and "123,00 €" in text
    assert "Konta nie ma na białej liście." in text and "po średnim kursie NBP z dnia przed zapłatą" in text
    assert "ZAW-NR" in text  # 123 EUR is far below 15 000 zł today, but the rate of the paying day decides
    row = await stored(bot, ksef)
    assert row["wl_assigned"] is False and row["wl_request_id"] in text
    await bot.say(user, "/faktury", contains="Faktury zakupowe")
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if m.photo is not None]  # no QR for euro


async def test_pay_all_makes_one_iz_for_three_invoices_of_one_supplier(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    prices = ("100.00", "200.00", "300.00")
    numbers = [bot.sim.inject_invoice(supplier_invoice(nip, f"F/{i}/12", unit_price=p))
               for i, p in enumerate(prices, start=1)]
    other = bot.sim.inject_invoice(supplier_invoice(nip, "X/1", seller_nip="7352765225", seller_name="Inny"))
    notes = [await wait_mentioned(bot, user.chat_id, k) for k in numbers]
    await wait_mentioned(bot, user.chat_id, other)
    card = await bot.press(user, notes[0], "💸 Zapłać", contains="Przelew za fakturę")
    assert "Ten sprzedawca ma 3 niezapłacone faktury" in shown(card)
    together = await bot.press(user, card, "💸 Zapłać wszystkie (3)", contains="Jeden przelew")
    assert "Jeden przelew za 3 faktury" in shown(together)
    assert "Razem do zapłaty: 738,00 zł" in shown(together)  # (100 + 200 + 300) × 1,23
    [iz] = list(bot.sim.state.collective_ids)
    assert collective_id_is_valid(iz) and f"KSeF {iz} F/1/12, F/2/12, F/3/12" in shown(together)
    made = bot.sim.state.collective_ids[iz]
    assert {i.ksef_number for i in made.invoices} == set(numbers)
    assert sorted(i.amount or 0 for i in made.invoices) == [123.0, 246.0, 369.0]
    rows = {r["ksef_number"]: r for r in await bot.table_rows("received_invoices")}
    assert [rows[k]["collective_id"] for k in numbers] == [iz] * 3 and rows[other]["collective_id"] is None
    payload = await qr_after(bot, user, together)
    fields = parse_transfer_payload(payload)
    assert fields.amount_grosze == 73800 and fields.account == NRB and no_piece_of(iz, payload)
    assert fields.title == "Faktury F/1/12, F/2/12, F/3/12"  # the numbers fit in 32 characters; the IZ not
    # Pressed again: the same IZ, none new in KSeF.
    again = await bot.press(user, card, "💸 Zapłać wszystkie (3)", contains="Jeden przelew")
    assert iz in shown(again) and list(bot.sim.state.collective_ids) == [iz]
    # One of them paid since (the paid state is another feature's: written here as it will store it):
    # the other two are another set of invoices, so another IZ.
    async with bot.db.transaction() as session:
        await session.execute(update(ReceivedInvoice).where(ReceivedInvoice.ksef_number == numbers[0])
                              .values(paid_at=datetime.now(UTC), paid_source="user"))
    card = await bot.press(user, notes[1], "💸 Zapłać", contains="Przelew za fakturę")
    assert "Ten sprzedawca ma 2 niezapłacone faktury" in shown(card)
    pair = await bot.press(user, card, "💸 Zapłać wszystkie (2)", contains="Jeden przelew")
    [new] = [k for k in bot.sim.state.collective_ids if k != iz]
    assert new in shown(pair) and "Razem do zapłaty: 615,00 zł" in shown(pair)
    assert {i.ksef_number for i in bot.sim.state.collective_ids[new].invoices} == set(numbers[1:])


async def test_an_iz_whose_answer_was_lost_is_found_not_made_again(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    numbers = [bot.sim.inject_invoice(supplier_invoice(nip, f"L/{i}")) for i in range(2)]
    note = await wait_mentioned(bot, user.chat_id, numbers[0])
    await wait_mentioned(bot, user.chat_id, numbers[1])
    company_id = (await stored(bot, numbers[0]))["company_id"]
    client = await bot.services.ksef_clients.get(company_id)
    # An earlier press made this IZ, and the bot died before storing it (same invoices and amounts).
    lost = await client.create_collective_identifier(
        [CollectiveInvoice(k, Decimal("24.60"), "PLN") for k in sorted(numbers)])
    other = await client.create_collective_identifier([CollectiveInvoice(k) for k in numbers])  # no amounts
    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    together = await bot.press(user, card, "💸 Zapłać wszystkie (2)", contains="Jeden przelew")
    assert lost in shown(together) and other not in shown(together)
    assert sorted(bot.sim.state.collective_ids) == sorted([lost, other])  # none made by the press
    assert [(await stored(bot, k))["collective_id"] for k in numbers] == [lost, lost]


async def test_ksef_refusing_the_iz_is_said_plainly_and_nothing_is_stored(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    bot.sim.configure(collectiveIdentifierMaxInvoices=2)
    numbers = [bot.sim.inject_invoice(supplier_invoice(nip, f"FV/{i}/12")) for i in range(3)]
    note = await wait_mentioned(bot, user.chat_id, numbers[0])
    for k in numbers[1:]:
        await wait_mentioned(bot, user.chat_id, k)
    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    answer = await bot.press(user, card, "💸 Zapłać wszystkie (3)", contains="identyfikatora zbiorczego")
    assert "KSeF nie utworzył identyfikatora zbiorczego" in shown(answer) and "najwyżej 2" in shown(answer)
    assert not bot.sim.state.collective_ids
    assert all(r["collective_id"] is None for r in await bot.table_rows("received_invoices"))


async def test_paid_by_card_and_cash_not_marked_paid(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    paid = bot.sim.inject_invoice(supplier_invoice(nip, "P/1", payment={
        "method": "card", "paid": True, "paid_date": "2026-12-01"}))
    cash = bot.sim.inject_invoice(supplier_invoice(nip, "G/1", payment={"method": "cash"}))
    note = await wait_mentioned(bot, user.chat_id, paid)
    assert "Według faktury już zapłacona" in shown(note)
    assert "💸 Zapłać" not in {b.text for b in note.all_buttons}
    row = await stored(bot, paid)
    assert row["paid_source"] == "xml" and row["paid_minor"] == 2460 and row["paid_at"] is not None
    assert row["payment_method"] == "2"
    details = await bot.press(user, note, "Szczegóły", contains="Pozycje faktury")
    assert details.all_buttons == []
    note = await wait_mentioned(bot, user.chat_id, cash)
    assert "Forma płatności: gotówka. Faktura nie podaje, że już zapłacono." in shown(note)
    assert "💸 Zapłać" not in {b.text for b in note.all_buttons}
    assert (await stored(bot, cash))["paid_at"] is None


async def test_parts_paid_before_issue_leave_the_rest_to_pay(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    parts = (("200.00", "2026-11-20"), ("30.00", "2026-11-25"))
    part = bot.sim.inject_invoice(with_parts(supplier_invoice(nip, "Z/1", unit_price="1000.00"), parts))
    parts = (("100.00", "2026-11-20"), ("23.00", "2026-11-28"))
    whole = bot.sim.inject_invoice(with_parts(supplier_invoice(nip, "Z/2", unit_price="100.00"), parts,
                                              in_full=True))
    note = await wait_mentioned(bot, user.chat_id, part)
    assert "Według faktury zapłacono już 230,00 zł, zostało 1 000,00 zł." in shown(note)
    assert (await stored(bot, part))["paid_minor"] == 23000 and (await stored(bot, part))["paid_at"] is None
    card = await bot.press(user, note, "💸 Zapłać", contains="Przelew za fakturę")
    assert "Zostało do zapłaty: 1 000,00 zł (faktura: 1 230,00 zł)" in shown(card)
    assert parse_transfer_payload(await qr_after(bot, user, card)).amount_grosze == 100000
    note = await wait_mentioned(bot, user.chat_id, whole)
    assert "Według faktury już zapłacona." in shown(note)
    assert "💸 Zapłać" not in {b.text for b in note.all_buttons}
    row = await stored(bot, whole)
    assert row["paid_source"] == "xml" and row["paid_minor"] == 12300
    assert row["paid_at"] == datetime(2026, 11, 28, 11, tzinfo=UTC)  # the last part's day, noon in Warsaw


async def test_an_invoice_stored_without_its_xml_is_downloaded_for_the_card(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    for i in range(11):  # more than one poll downloads: stored from the metadata only, one summary
        bot.sim.inject_invoice(supplier_invoice(nip, f"M/{i}", split=i == 10))
    await wait_mentioned(bot, user.chat_id, "Nowe faktury zakupowe: 11")
    first = next(r for r in await bot.table_rows("received_invoices") if r["invoice_number"] == "M/10")
    assert first["xml"] is None and first["bank_accounts"] is None
    listed = await bot.say(user, "/faktury", contains="Faktury zakupowe")
    details = await bot.press(user, listed, next(b.text for b in listed.all_buttons if "M/10" in b.text))
    card = await bot.press(user, details, "💸 Zapłać", contains="Przelew za fakturę")
    assert "Konto: PL61 1090 1014 0000 0712 1981 2874" in shown(card) and "przelew MPP" in shown(card)
    assert f"M/10 KSeF {first['ksef_number']}" in shown(card)
    row = await stored(bot, first["ksef_number"])
    assert row["xml"] is not None and row["bank_accounts"] == [NRB] and row["split_payment"] is True


async def test_forged_or_foreign_pay_buttons_get_the_stale_answer(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    ksef = bot.sim.inject_invoice(supplier_invoice(nip, "FV/30/2026"))
    await wait_mentioned(bot, user.chat_id, ksef)
    invoice_id = (await stored(bot, ksef))["id"]
    stranger = bot.user(5099)
    await bot.say(stranger, "/start")
    for who, data in ((user, "py:c:999999"), (user, "py:a:1:x"), (user, "py:z"), (user, "py:q:1"),
                      (stranger, f"py:c:{invoice_id}"), (stranger, f"py:z:{invoice_id}")):
        answer = await bot.reply_to(who, lambda w=who, d=data: forged_press(bot, w, d))
        assert "nieaktualny" in shown(answer), data
    assert (await stored(bot, ksef))["wl_request_id"] is None  # nothing asked for a stranger

