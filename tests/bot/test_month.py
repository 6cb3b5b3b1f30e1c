"""The month in one picture, through the fake Bot API and the simulator: the figures of a month (sales with
a correction and an exempt item, purchases from another company with its correction and a foreign-currency
invoice, an injected supplier invoice) equal sums computed here from the stored XMLs with lxml; the ZIP
holds exactly the month's files and its CSV adds up to the same; split parts stay under the limit; the
automatic summary comes once, on the month's first working day after a holiday and a weekend."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree
from PIL import Image

from bot.chat.month import parse_month_arg, parse_period
from bot.services.issuing import Draft, IssuedView
from bot.services.month import (
    Doc,
    Money,
    MonthFigures,
    Side,
    due_month,
    first_working_day,
    read_amounts,
    side_figures,
)
from bot.services.month_package import PackageFile, ascii_name, zip_parts
from bot.services.sales.spec import CorrectionSpec, LineEdit
from ksef.fa3 import build, invoice_from_dict
from ksef.schemas import FA3_NAMESPACE
from ksef.timezone import WARSAW
from tests.bot.test_companies import forged_press
from tests.bot.test_corrections import DRAFT
from tests.bot.test_issuing import ready
from tests.bot.test_notify import (
    BASE_INVOICE,
    any_bot_factory_fixture,  # noqa: F401 (the fixture any_bot_factory, found by pytest here)
    backend_fixture,  # noqa: F401 (the fixture backend)
)
from tests.fixtures.bot import BotHarness

NS = {"fa": FA3_NAMESPACE}
CENT = Decimal("0.01")
USER, SUPPLIER_USER = 7801, 7802
PNG = b"\x89PNG\r\n\x1a\n"
# P_13_x (net) / P_14_x (VAT) of FA(3) and the rate each stands for.
FIELDS = {"P_13_1": ("23", "P_14_1"), "P_13_2": ("8", "P_14_2"), "P_13_3": ("5", "P_14_3"),
          "P_13_7": ("zw", None)}
EXEMPT = {**DRAFT, "lines": [*DRAFT["lines"][:1],
                             {"name": "Szkolenie BHP", "quantity": "2", "unit": "os.", "unit_price": "450",
                              "vat_rate": "zw"}],
          "exemption_basis": "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT", "exemption_kind": "P_19A"}


def at(bot: BotHarness, day: date, hour: int = 12, minute: int = 0) -> None:
    """Move the bot's clock to ``day`` at ``hour``:``minute`` Warsaw time (it keeps running from there)."""
    moment = datetime.combine(day, time(hour, minute), WARSAW)
    bot.clock.fixed = None
    bot.clock.offset = moment - datetime.now(UTC)


async def issue(bot: BotHarness, user_id: int, company_id: int, draft: dict[str, Any]) -> IssuedView:
    svc = bot.services.issuing
    view = await svc.prepare(user_id, user_id, company_id, Draft.from_json(draft))
    issued = await svc.issue(view.id)
    assert issued.state == "accepted", issued
    return issued


async def correct(bot: BotHarness, user_id: int, invoice_id: int) -> IssuedView:
    spec = CorrectionSpec(invoice_id).with_line(LineEdit(2, quantity=Decimal(2))).with_reason("Drugie okno")
    corrections = bot.services.corrections
    preview = await corrections.preview(user_id, spec)
    prepared = await corrections.prepare(user_id, user_id, spec, preview.version)
    issued = await bot.services.issuing.issue(prepared.correction.id)
    assert issued.state == "accepted", issued
    return issued


def supplier_xml(buyer_nip: str, number: str, issued_on: str) -> bytes:
    due = (date.fromisoformat(issued_on) + timedelta(days=14)).isoformat()
    data = {**BASE_INVOICE, "number": number, "issue_date": issued_on,
            "buyer": {**BASE_INVOICE["buyer"], "nip": buyer_nip},
            "payment": {**BASE_INVOICE["payment"], "due_date": due}}
    return build(invoice_from_dict(data))


def amounts(xml: bytes) -> tuple[dict[str, tuple[Decimal, Decimal, Decimal | None]], Decimal, str,
                                 Decimal | None]:
    """Net, VAT and VAT in PLN (``P_14_xW``) per rate, gross, currency and the exchange rate, read from
    the XML here with lxml."""
    fa = etree.fromstring(xml).find("fa:Fa", NS)
    assert fa is not None
    rates = {}
    for net_field, (rate, vat_field) in FIELDS.items():
        net = fa.findtext(f"fa:{net_field}", namespaces=NS)
        if net is not None:
            vat = fa.findtext(f"fa:{vat_field}", namespaces=NS) if vat_field else None
            vat_pln = fa.findtext(f"fa:{vat_field}W", namespaces=NS) if vat_field else None
            rates[rate] = (Decimal(net), Decimal(vat or "0"), Decimal(vat_pln) if vat_pln else None)
    row_rates = {r.text for r in fa.iterfind("fa:FaWiersz/fa:KursWaluty", NS)}
    exchange = Decimal(row_rates.pop()) if len(row_rates) == 1 else None
    return rates, Decimal(fa.findtext("fa:P_15", namespaces=NS) or "0"), \
        fa.findtext("fa:KodWaluty", namespaces=NS) or "PLN", exchange


def expected(xmls: list[bytes]) -> tuple[dict[str, tuple[Decimal, Decimal]], Decimal, Decimal, Decimal]:
    """Per-rate net and VAT, and the totals, in PLN (a foreign currency by the invoice's own rate)."""
    by_rate: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for xml in xmls:
        rates, _, currency, exchange = amounts(xml)
        for rate, (net, vat, vat_pln) in rates.items():
            factor = Decimal(1) if currency == "PLN" else exchange
            assert factor is not None
            by_rate[rate][0] += (net * factor).quantize(CENT, ROUND_HALF_UP)
            in_pln = vat_pln if vat_pln is not None else (vat * factor).quantize(CENT, ROUND_HALF_UP)
            by_rate[rate][1] += in_pln
    net = sum((v[0] for v in by_rate.values()), Decimal(0))
    vat = sum((v[1] for v in by_rate.values()), Decimal(0))
    return {k: (v[0], v[1]) for k, v in by_rate.items()}, net, vat, net + vat


def shown_rates(figures: MonthFigures, side: str) -> dict[str, tuple[Decimal, Decimal]]:
    return {r.rate: (r.net, r.vat) for r in getattr(figures, side).rates}


async def month_rows(bot: BotHarness, table: str, start: date, end: date) -> list[dict[str, Any]]:
    rows = await bot.table_rows(table)
    return [r for r in rows if r["issue_date"] is not None and start <= _day(r["issue_date"]) < end
            and r.get("state", "accepted") == "accepted"]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def test_figures_package_and_register_equal_the_stored_xml(any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(issuing_first=3600, poll_interval=1, inbox_tick=0.2)
    bot.sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 1000, "perHour": 10000}})
    user, nip, company_id = await ready(bot, USER)
    _, _, supplier_id = await ready(bot, SUPPLIER_USER)
    to_us = {**DRAFT, "buyer": {**DRAFT["buyer"], "nip": nip}}
    # October and December: outside the month.
    at(bot, date(2026, 10, 30))
    before = await issue(bot, USER, company_id, DRAFT)
    bot.sim.inject_invoice(supplier_xml(nip, "Z/10/2026", "2026-10-28"))
    at(bot, date(2026, 12, 2))
    after = await issue(bot, USER, company_id, DRAFT)
    # November: an invoice, its correction, an exempt item; purchases from the other company (an invoice,
    # its correction, one in euro) and an injected supplier invoice.
    at(bot, date(2026, 11, 10))
    invoice = await issue(bot, USER, company_id, DRAFT)
    exempt = await issue(bot, USER, company_id, EXEMPT)
    bought = await issue(bot, SUPPLIER_USER, supplier_id, to_us)
    euro = {**to_us, "currency": "EUR", "exchange": {"rate": "4.2345", "table": "218/A/NBP/2026",
                                                   "table_date": "2026-11-09", "lookup_date": "2026-11-10"}}
    in_euro = await issue(bot, SUPPLIER_USER, supplier_id, euro)
    bot.sim.inject_invoice(supplier_xml(nip, "Z/11/2026", "2026-11-18"))
    at(bot, date(2026, 11, 20))
    kor = await correct(bot, USER, invoice.id)
    bought_kor = await correct(bot, SUPPLIER_USER, bought.id)
    assert in_euro.ksef_number and bought_kor.ksef_number and before.number and after.number

    bot.clock.offset = timedelta()  # back to the present: the polls were scheduled by it

    async def all_bought() -> bool:
        rows = await bot.table_rows("received_invoices")
        return len([r for r in rows if r["company_id"] == company_id and r["xml"] is not None]) == 5

    await bot.eventually(all_bought, timeout=60, message="five purchase invoices stored with their XML")

    start, end = date(2026, 11, 1), date(2026, 12, 1)
    sales = [r for r in await month_rows(bot, "issued_invoices", start, end) if r["company_id"] == company_id]
    purchases = [r for r in await month_rows(bot, "received_invoices", start, end)
                 if r["company_id"] == company_id]
    assert {r["number"] for r in sales} == {invoice.number, exempt.number, kor.number}
    assert len(purchases) == 4
    figures = await bot.services.month.figures(USER, company_id, 2026, 11)

    # Sales: every rate, the totals, and the correction counted as its difference.
    rates, net, vat, gross = expected([bytes(r["xml"]) for r in sales])
    assert shown_rates(figures, "sales") == rates and "zw" in rates
    assert (figures.sales.net, figures.sales.vat, figures.sales.gross) == (net, vat, gross)
    assert figures.sales.documents == 3 and figures.sales.corrections == 1
    # Purchases: the euro invoice in PLN by its own rate.
    rates, net, vat, gross = expected([bytes(r["xml"]) for r in purchases])
    assert shown_rates(figures, "purchases") == rates
    assert (figures.purchases.net, figures.purchases.vat, figures.purchases.gross) == (net, vat, gross)
    assert figures.purchases.converted == 1 and figures.purchases.corrections == 1
    assert figures.vat_difference == figures.sales.vat - figures.purchases.vat
    # Outstanding: every invoice up to November's end, nothing paid yet (a correction lowers its invoice).
    issued_gross = [amounts(bytes(r["xml"]))[1] for r in await bot.table_rows("issued_invoices")
                    if r["company_id"] == company_id and _day(r["issue_date"]) < end]
    assert {(m.currency, m.amount) for m in figures.receivables} == {("PLN", sum(issued_gross, Decimal(0)))}
    await bot.services.payments.mark_paid(USER, exempt.id)  # a customer paid: owed less by that invoice
    paid = await bot.services.month.figures(USER, company_id, 2026, 11)
    exempt_gross = amounts(bytes(next(r["xml"] for r in sales if r["number"] == exempt.number)))[1]
    assert paid.receivables == (Money("PLN", sum(issued_gross, Decimal(0)) - exempt_gross),)
    owed = defaultdict(lambda: Decimal(0))
    for row in await bot.table_rows("received_invoices"):
        if row["company_id"] == company_id and _day(row["issue_date"]) < end and Decimal(row["gross"]) > 0:
            owed[row["currency"]] += Decimal(row["gross"])
    assert {(m.currency, m.amount) for m in figures.payables} == set(owed.items())
    by_supplier: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
    for row in purchases:
        by_supplier[row["seller_nip"]] += expected([bytes(row["xml"])])[3]
    assert [(s.nip, s.gross) for s in figures.suppliers] == sorted(by_supplier.items(), key=lambda i: -i[1])

    # The chat: /miesiac with a bad month, then November: the chart and the summary, then the package.
    at(bot, date(2026, 12, 3))
    refused = await bot.say(user, "/miesiac trzynasty", contains="Nie rozumiem miesiąca")
    assert "„trzynasty”" in refused.content and "/miesiac 11.2026" in refused.content
    await bot.say(user, "/miesiac 01.2027", contains="Miesiąc styczeń 2027 jeszcze się nie zaczął")
    summary = await bot.say(user, "/miesiac 11.2026", contains="Podsumowanie: listopad 2026")
    shown = summary.content.replace("\xa0", " ").replace("\u202f", " ")
    assert "Sprzedaż (3 dokumenty, w tym 1 korekta)" in shown
    assert "Zakupy (4 dokumenty, w tym 1 korekta)" in shown
    assert "szacunek" in shown and "nie deklaracja JPK_VAT" in shown
    chart = next(m for m in bot.fake.bot_messages(user.chat_id) if m.photo is not None)
    assert chart.photo is not None and chart.photo.content.startswith(PNG)
    assert Image.open(io.BytesIO(chart.photo.content)).size == (1200, 900)

    package = await bot.press(user, summary, "📦 Paczka dla księgowej", timeout=60,
                              contains="Paczka dla księgowej: listopad 2026")
    assert package.document is not None and package.document.filename == f"paczka_{nip}_2026_11.zip"
    archive = zipfile.ZipFile(io.BytesIO(package.document.content))
    names = set(archive.namelist())
    stored = {bytes(r["xml"]) for r in sales + purchases}
    xmls = {archive.read(n) for n in names if n.endswith(".xml") and not n.endswith("_UPO.xml")}
    assert xmls == stored  # exactly the month's documents: nothing from October or December
    assert len([n for n in names if n.endswith(".pdf")]) == len(stored)
    assert len([n for n in names if n.endswith("_UPO.xml")]) == len(sales)
    assert all(archive.read(n).startswith(b"%PDF") for n in names if n.endswith(".pdf"))
    assert all(n.isascii() and " " not in n for n in names)
    register = archive.read("rejestr_2026_11.csv")
    assert register.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(register.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(stored)

    def total(kind: str, column: str, currency: str = "PLN") -> Decimal:
        return sum((Decimal(r[column].replace(",", ".")) for r in rows
                    if r["Typ"] == kind and r["Waluta"] == currency), Decimal(0))

    assert (total("sprzedaż", "Netto"), total("sprzedaż", "VAT"), total("sprzedaż", "Brutto")) == (
        figures.sales.net, figures.sales.vat, figures.sales.gross)
    for kind, side in (("sprzedaż", figures.sales), ("zakup", figures.purchases)):  # all of it, in PLN
        assert sum((Decimal(r["Netto w zł"].replace(",", ".")) for r in rows if r["Typ"] == kind),
                   Decimal(0)) == side.net
        assert sum((Decimal(r["VAT w zł"].replace(",", ".")) for r in rows if r["Typ"] == kind),
                   Decimal(0)) == side.vat
    (euro_xml,) = [bytes(r["xml"]) for r in purchases if r["currency"] == "EUR"]
    assert total("zakup", "Netto", "EUR") == sum((v[0] for v in amounts(euro_xml)[0].values()), Decimal(0))
    assert {r["Numer KSeF"] for r in rows} == {r["ksef_number"] for r in sales + purchases}

    # A small part limit: the same files in several ZIPs, each within the limit.
    biggest = max(i.compress_size + 2 * len(i.filename) + 100 for i in archive.infolist())
    limit = max(biggest, len(package.document.content) // 3)
    split = await bot.services.month_package.build(USER, company_id, 2026, 11, limit=limit)
    assert len(split.parts) >= 2 and all(len(p.content) <= limit for p in split.parts)
    assert [p.filename for p in split.parts] == [f"paczka_{nip}_2026_11_{n}.zip"
                                                 for n in range(1, len(split.parts) + 1)]
    parts = [set(zipfile.ZipFile(io.BytesIO(p.content)).namelist()) for p in split.parts]
    assert set().union(*parts) == names and sum(len(p) for p in parts) == len(names)


async def test_the_summary_comes_once_on_the_first_working_day(any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(issuing_first=3600, month_interval=0.2)
    user, _, company_id = await ready(bot, USER)
    month = bot.services.month
    assert await month.month_summary(USER, company_id) is True
    assert await month.set_month_summary(USER, company_id, False) is False
    assert await month.set_month_summary(USER, company_id, True) is True
    at(bot, date(2026, 12, 4))
    await issue(bot, USER, company_id, DRAFT)

    def summaries() -> list[Any]:
        return [m for m in bot.fake.bot_messages(user.chat_id) if "Podsumowanie: grudzień 2026" in m.content]

    async def rows() -> list[dict[str, Any]]:
        return [r for r in await bot.table_rows("outbox") if r["kind"].startswith("month.")]

    # 1 January 2027 is a holiday (Friday), then a weekend: the first working day is Monday the 4th.
    for day, hour in ((date(2027, 1, 1), 10), (date(2027, 1, 2), 10), (date(2027, 1, 4), 8)):
        at(bot, day, hour)
        assert await month.queue_due() == 0
    assert await rows() == []
    # Quiet hours 09:00–10:00: queued at 09:05, held until they end.
    await bot.services.inbox.set_quiet_hours(USER, company_id, 9 * 60, 10 * 60)
    at(bot, date(2027, 1, 4), 9, 5)

    async def held() -> bool:
        found = await rows()
        return len(found) == 2 and all(r["status"] == "pending" and r["not_before"] for r in found)

    await bot.eventually(held, timeout=15, message="the summary queued and held")
    assert summaries() == []
    at(bot, date(2027, 1, 4), 10, 1)
    await bot.eventually(lambda: _sent(rows), timeout=30, message="the summary sent")
    text = await bot.fake.wait_until(summaries, timeout=15, message="the summary in the chat")
    assert len(text) == 1 and "📦 Paczka dla księgowej" in [b.text for b in text[0].all_buttons]
    photos = [m for m in bot.fake.bot_messages(user.chat_id) if m.photo is not None]
    assert len(photos) == 1 and photos[0].photo is not None and photos[0].photo.content.startswith(PNG)
    # Not twice: later ticks that day and the catch-up day after queue nothing new.
    assert await month.queue_due() == 0
    at(bot, date(2027, 1, 5), 11)
    assert await month.queue_due() == 0
    at(bot, date(2027, 1, 6), 11)
    assert await month.queue_due() == 0
    assert len(await rows()) == 2 and len(summaries()) == 1

    # Its package button (the row id last), and forged buttons: a month that is none, a company that is
    # not the user's, a month not begun.
    package = await bot.press(user, text[0], "📦 Paczka dla księgowej", timeout=60,
                              contains="Paczka dla księgowej: grudzień 2026, 1 dokument")
    assert package.document is not None
    assert len(zipfile.ZipFile(io.BytesIO(package.document.content)).namelist()) == 4  # CSV, XML, PDF, UPO
    for data, answer in ((f"mo:zip:{company_id}:202613", "nieaktualny"),
                         (f"mo:zip:{company_id + 50}:202612", "Nie masz dostępu do tej firmy"),
                         (f"mo:show:{company_id}:209901", "nieaktualny"),
                         (f"mo:zip:{company_id}", "nieaktualny")):
        count = len(bot.fake.bot_messages(user.chat_id))
        await forged_press(bot, user, data)
        await bot.fake.wait_until(lambda n=count: len(bot.fake.bot_messages(user.chat_id)) > n,  # type: ignore[misc]
                                  timeout=15, message=data)
        assert answer in bot.fake.bot_messages(user.chat_id)[-1].content, data

    # Switched off, or the company muted: January's summary (1 February 2027 is a Monday) is not queued;
    # both undone, it is.
    await month.set_month_summary(USER, company_id, False)
    at(bot, date(2027, 2, 1), 11)
    assert await month.queue_due() == 0
    await bot.services.inbox.set_muted(USER, company_id, True)
    await month.set_month_summary(USER, company_id, True)
    assert await month.queue_due() == 0
    assert len(await rows()) == 2
    await bot.services.inbox.set_muted(USER, company_id, False)

    async def january() -> bool:
        return len([r for r in await rows() if r["dedupe_key"].endswith(":2027-01")]) == 2

    await bot.eventually(january, timeout=15, message="January's summary queued")


async def _sent(rows: Any) -> bool:
    found = await rows()
    return len(found) == 2 and all(r["status"] == "sent" for r in found)


def test_month_arguments_and_button_periods() -> None:
    for text, period in (("11.2026", (2026, 11)), ("1/2027", (2027, 1)), (" 03-2026 ", (2026, 3)),
                         ("2026-11", (2026, 11)), ("2026.2", (2026, 2))):
        assert parse_month_arg(text) == period, text
    for text in ("13.2026", "0.2026", "listopad", "11.26", "11.1999", "", "11.2026.1", "1" * 40):
        assert parse_month_arg(text) is None, text
    assert parse_period(202611) == (2026, 11)
    assert [parse_period(code) for code in (202613, 202600, 199912, 0)] == [None] * 4


def test_the_first_working_day_and_the_window_of_the_summary() -> None:
    # 1 Jan 2027: a Friday holiday, then a weekend; 1–3 May 2027: holidays and a Sunday; 1 Nov 2026: a
    # Sunday and a holiday; 1 Dec 2026: a Tuesday.
    assert [first_working_day(*m) for m in ((2027, 1), (2027, 5), (2026, 11), (2026, 12))] == [
        date(2027, 1, 4), date(2027, 5, 4), date(2026, 11, 2), date(2026, 12, 1)]

    def due(day: date, hour: int, minute: int = 0) -> tuple[int, int] | None:
        return due_month(datetime.combine(day, time(hour, minute), WARSAW))

    assert due(date(2027, 1, 1), 12) is None and due(date(2027, 1, 4), 8, 59) is None
    assert due(date(2027, 1, 4), 9) == (2026, 12) and due(date(2027, 1, 5), 23, 59) == (2026, 12)
    assert due(date(2027, 1, 6), 9) is None
    assert due(date(2026, 12, 1), 9) == (2026, 11) and due(date(2026, 12, 2), 9) == (2026, 11)


def test_parts_stay_within_the_limit_and_a_file_too_big_is_left_out() -> None:
    files = [PackageFile(f"sprzedaz/FV_{n}.xml", bytes(range(256)) * (40 + n)) for n in range(12)]
    whole, _ = zip_parts(files, "paczka", 10**9)
    assert [p.filename for p in whole] == ["paczka.zip"]
    limit = len(whole[0].content) // 3
    parts, too_big = zip_parts([*files, PackageFile("zakupy/huge.pdf", bytes(range(256)) * 10**4)], "paczka",
                               limit)
    assert [f.name for f in too_big] == ["zakupy/huge.pdf"]
    assert len(parts) >= 3 and all(len(p.content) <= limit for p in parts)
    assert [p.filename for p in parts] == [f"paczka_{n}.zip" for n in range(1, len(parts) + 1)]
    unpacked = {n: zipfile.ZipFile(io.BytesIO(p.content)).read(n) for p in parts
                for n in zipfile.ZipFile(io.BytesIO(p.content)).namelist()}
    assert unpacked == {f.name: f.content for f in files}
    assert ascii_name("FV/ŁÓDŹ 12/2026 żółć") == "FV_LODZ_12_2026_zolc"


def test_a_foreign_currency_without_a_rate_and_an_unreadable_xml_stay_out_of_the_sums() -> None:
    pln = supplier_xml("7352765225", "A/1", "2026-11-03")
    eur = pln.replace(b"<KodWaluty>PLN</KodWaluty>", b"<KodWaluty>EUR</KodWaluty>")
    assert eur != pln
    docs = [Doc(Side.PURCHASE, n, f"A/{n}", None, date(2026, 11, 3), "5265877635", "Hurtownia", currency,
                False, "0", xml)
            for n, (currency, xml) in enumerate((("PLN", pln), ("EUR", eur), ("PLN", b"<Faktura/>"),
                                                 ("PLN", None)), start=1)]
    side = side_figures(docs, [read_amounts(d) for d in docs])
    _, gross, _, _ = amounts(pln)
    assert (side.documents, side.unreadable, side.converted) == (4, 2, 0)
    assert side.gross == gross and side.unconverted == (Money("EUR", gross),)
    assert {r.rate for r in side.rates} == {"23", "5"}
