"""Issuing while KSeF is down: offline invoice with KOD II, queued upload, deadline warning."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import zxingcpp
from cryptography import x509
from PIL import Image

from bot.services.issuing import Draft
from ksef.availability import AvailabilityConfig
from ksef.qr import parse_kod1, verify_kod2
from tests.bot.test_issuing import BUYER_NIP, CONFIRM, ready, to_preview
from tests.fixtures.bot import BotHarness

PASSWORD = "Offline-Haslo-1"


async def add_offline_certificate(bot: BotHarness, user_id: int, nip: str,
                                  company_id: int) -> x509.Certificate:
    issued = bot.sim.issue_certificate(nip, "Offline", PASSWORD)
    await bot.services.certificates.add(user_id, company_id, "offline", issued["key"].encode(),
                                        issued["cert"].encode(), PASSWORD)
    return x509.load_pem_x509_certificate(issued["cert"].encode())


async def test_down_then_offline_invoice_then_upload_with_offline_mode(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3)  # type: ignore[operator]
    user, nip, company_id = await ready(bot, 6101)
    cert = await add_offline_certificate(bot, 6101, nip, company_id)
    bot.sim.set_availability(api="down")
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa programistyczna 1 x 5000 23%")
    told = await bot.press(user, preview, CONFIRM, contains="trybie offline24", timeout=30)
    # One picture holds both codes; the links come on request.
    assert told.photo is not None and "KOD I (faktura) i KOD II (wystawca)" in told.content
    # A short caption a phone shows whole: no raw link in it, the link is a button away.
    assert "http" not in told.content and len(told.content) < 400
    with Image.open(io.BytesIO(told.photo.content)) as picture:
        scanned = sorted(r.text for r in zxingcpp.read_barcodes(picture))
    links = await bot.press(user, told, "🔗 Link KOD II", contains="KOD II")
    kod1_url = links.content.split("KOD I (weryfikacja faktury): ", 1)[1].split()[0]
    kod2_url = links.content.split("certyfikat offline): ", 1)[1].split()[0]
    assert scanned == sorted([kod1_url, kod2_url])
    assert verify_kod2(kod2_url, cert)
    await bot.fake.wait_until(lambda: len(bot.fake.sent_documents(user.chat_id)) >= 2, message="documents")
    documents = [m for m in bot.fake.chat_messages(user.chat_id) if m.document is not None]
    assert [(m.document.filename or "")[-4:] for m in documents if m.document] == [".pdf", ".xml"]
    rows = await bot.table_rows("issued_invoices")
    assert rows[0]["state"] == "offline" and rows[0]["mode"] == "offline24" and rows[0]["deadline"]
    # The deadline is tomorrow's working day, so the warning is due right away.
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "Termin wysłania mija" in m.content,
                                        after=told.message_id, timeout=30)
    bot.sim.set_availability(api="up")
    uploaded = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "trafiła do KSeF" in m.content,
                                                   after=told.message_id, timeout=60)
    rows = await bot.table_rows("issued_invoices")
    ksef_number = rows[0]["ksef_number"]
    assert rows[0]["state"] == "accepted" and ksef_number in uploaded.content
    with bot.sim.state.lock:
        stored = bot.sim.state.invoices[ksef_number]
        session = bot.sim.state.sessions[stored.session_reference or ""]
        sent = [i for i in session.invoices if i.ksef_number == ksef_number]
    assert sent and sent[0].offline_mode is True
    assert stored.xml == rows[0]["xml"]
    link = parse_kod1(kod1_url)
    assert link.seller_nip == nip
    assert kod1_url.endswith(stored.invoice_hash.replace("+", "-").replace("/", "_").rstrip("="))


async def test_without_offline_certificate_the_bot_explains_and_keeps_it(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3)  # type: ignore[operator]
    user, _, _ = await ready(bot, 6102)
    bot.sim.set_availability(api="down")
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    explained = await bot.press(user, preview, CONFIRM, contains="/certyfikat", timeout=30)
    assert "certyfikat offline" in explained.content
    assert (await bot.table_rows("issued_invoices"))[0]["state"] == "waiting"
    bot.sim.set_availability(api="up")
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "przyjęta w KSeF" in m.content,
                                        after=explained.message_id, timeout=60)


async def test_deadline_warning_waits_for_the_working_day_before(bot_factory: object) -> None:
    # The job never runs here: the test calls the queue itself and checks what it reports.
    bot: BotHarness = await bot_factory(issuing_interval=3600, issuing_first=3600)  # type: ignore[operator]
    user, nip, company_id = await ready(bot, 6103)
    await add_offline_certificate(bot, 6103, nip, company_id)
    svc = bot.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]}
    view = await svc.prepare(6103, user.chat_id, company_id, Draft.from_json(draft))
    bot.sim.set_availability(api="down")
    view = await svc.issue(view.id, offline=True)
    assert view.state == "offline"
    far = svc.today() + timedelta(days=14)
    await svc.records.update(view.id, deadline=far)
    outbox = bot.services.outbox

    async def warnings() -> int:  # queued, whether or not the dispatcher has sent it yet
        return sum((await outbox.counts("issued.deadline")).values())

    await svc.process_pending()
    assert await warnings() == 0
    bot.clock.advance(timedelta(days=13))
    await svc.process_pending()
    assert await warnings() == 1
    [row] = [r for r in await bot.table_rows("outbox") if r["kind"] == "issued.deadline"]
    assert row["payload"] == {"invoice_id": view.id, "deadline": far.isoformat()}
    await svc.process_pending()
    assert await warnings() == 1  # only once


async def test_technically_rejected_offline_invoice_gets_a_technical_correction(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3)  # type: ignore[operator]
    user, nip, company_id = await ready(bot, 6104)
    await add_offline_certificate(bot, 6104, nip, company_id)
    svc = bot.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]}
    bot.sim.set_availability(api="down")
    view = await svc.prepare(6104, user.chat_id, company_id, Draft.from_json(draft))
    view = await svc.issue(view.id, offline=True)
    # The stored file is damaged (as a technical defect would be): KSeF will reject it (430).
    broken = b"<?xml version='1.0' encoding='UTF-8'?><Faktura>uszkodzona</Faktura>"
    from ksef.crypto import sha256_b64

    await svc.records.update(view.id, xml=broken, invoice_hash=sha256_b64(broken))
    bot.sim.set_availability(api="up")
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "trafiła do KSeF" in m.content, after=0,
                                        timeout=60)
    row = (await bot.table_rows("issued_invoices"))[0]
    assert row["state"] == "accepted" and row["corrected_hash"] == sha256_b64(broken)
    with bot.sim.state.lock:
        stored = bot.sim.state.invoices[row["ksef_number"]]
    assert stored.hash_of_corrected == sha256_b64(broken) and stored.xml == row["xml"]


def latarnia_message(category: str) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"id": f"K/2026/AWR/{category}", "eventId": 4242, "category": category, "type": "FAILURE_START",
            "title": "Awaria KSeF", "text": "Trwa awaria systemu KSeF.", "start": now.isoformat(),
            "end": None, "version": 1, "published": now.isoformat()}


async def announced(bot: BotHarness, category: str) -> None:
    bot.sim.set_availability(latarnia={"status": category, "messages": [latarnia_message(category)]})
    for _ in range(5):
        await bot.services.availability.check()
        if (await bot.services.availability.current()).offline_mode is not None:
            return
    raise AssertionError("the monitor did not take up the announcement")


async def test_announced_failure_issues_in_emergency_mode_without_trying_ksef(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(  # type: ignore[operator]
        issuing_interval=3600, issuing_first=3600, availability_interval=3600,
        availability_config=AvailabilityConfig(environment="prod"))
    user, nip, company_id = await ready(bot, 6105)
    await add_offline_certificate(bot, 6105, nip, company_id)
    await announced(bot, "FAILURE")
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    await bot.press(user, preview, CONFIRM, contains="trybie awaryjnym", timeout=30)
    row = (await bot.table_rows("issued_invoices"))[0]
    assert row["mode"] == "awaryjny" and row["state"] == "offline" and row["session_reference"] is None
    assert row["legal_deadline"] >= row["deadline"] > row["issue_date"]


async def test_total_failure_keeps_the_invoice_and_says_sending_is_not_required(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(  # type: ignore[operator]
        issuing_interval=3600, issuing_first=3600, availability_interval=3600,
        availability_config=AvailabilityConfig(environment="prod"))
    user, _, _ = await ready(bot, 6106)
    await announced(bot, "TOTAL_FAILURE")
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%")
    told = await bot.press(user, preview, CONFIRM, contains="nie jest wymagane", timeout=30)
    pdf = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: m.document is not None,
                                              after=told.message_id, timeout=30)
    assert pdf.document is not None and pdf.document.content.startswith(b"%PDF")
    row = (await bot.table_rows("issued_invoices"))[0]
    assert row["state"] == "kept" and row["mode"] == "total_failure"
    assert not any(m.photo for m in bot.fake.chat_messages(user.chat_id))  # no QR codes at all


async def test_an_invoice_stuck_before_ksef_is_warned_to_the_issuer_and_the_owner(
        bot_factory: object) -> None:
    """Every unfinished invoice has a deadline from its issue day (sent later, it is an offline24 one): a
    member's invoice stuck waiting for KSeF (down, and no offline certificate) is warned about, at least
    once, to them and to the owner."""
    bot: BotHarness = await bot_factory(issuing_interval=3600, issuing_first=3600)  # type: ignore[operator]
    owner, nip, company_id = await ready(bot, 6110)
    invitation = await bot.services.members.invite(6110, company_id)
    await bot.services.members.accept(6111, 6111, invitation)
    member = bot.user(6111)
    svc = bot.services.issuing
    draft = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
             "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]}
    view = await svc.prepare(6111, member.chat_id, company_id, Draft.from_json(draft))
    assert view.deadline is not None and view.deadline > view.issue_date  # offline24: next working day
    bot.sim.set_availability(api="down")
    view = await svc.issue(view.id)
    assert view.state == "waiting"  # kept, sent online when KSeF answers
    outbox = bot.services.outbox

    async def warnings() -> list[dict[str, object]]:
        return [r for r in await bot.table_rows("outbox") if r["kind"] == "issued.deadline"]

    await svc.process_pending()
    assert await warnings() == []  # a send that may still succeed within the hour is not warned about
    bot.clock.advance(timedelta(hours=2))
    await svc.process_pending()
    queued = await warnings()
    assert sorted(r["user_id"] for r in queued) == [6110, 6111]
    await svc.process_pending()
    assert len(await warnings()) == 2  # once
    for user in (owner, member):  # the dispatcher sends them (the inbox job runs it every second)
        told = await bot.fake.wait_for_bot_message(
            user.chat_id, lambda m: "nadal nie trafiła do KSeF" in m.content, after=0, timeout=30)
        assert view.number in told.content and nip in told.content

    async def both_sent() -> bool:
        return await outbox.counts("issued.deadline") == {"sent": 2}

    await bot.eventually(both_sent, message="both warnings marked sent")
