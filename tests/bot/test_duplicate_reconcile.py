"""A 440 (duplicate) is decided only on the hash of what KSeF holds: while the original cannot be read
the invoice stays in processing and is asked about again; an original KSeF does not have is not ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.issuing import Draft, InvoiceState
from tests.bot.test_issuing import BUYER_NIP, ready
from tests.fixtures.bot import BotHarness


def draft(name: str) -> Draft:
    return Draft.from_json({"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
                            "lines": [{"name": name, "quantity": "1", "unit_price": "10", "vat_rate": "23"}]})


async def test_duplicate_whose_original_cannot_be_read_yet_waits_then_is_decided_by_hash(
        bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    user, _, company_id = await ready(bot, 3801)
    svc = bot.services.issuing
    client = await bot.services.ksef_clients.get(company_id)
    # Originals "sent by another tool" that KSeF will not let anyone download for a while (21165).
    bot.sim.configure(storageDelaySeconds=600)
    views = []
    for name in ("Usługa A", "Usługa B"):
        view = await svc.prepare(user.id, user.chat_id, company_id, draft(name))
        xml = next(r["xml"] for r in await bot.table_rows("issued_invoices") if r["id"] == view.id)
        original = await client.send_invoice(xml, wait=True)
        view = await svc.issue(view.id)
        assert view.state is InvoiceState.PROCESSING and view.status_code == 440  # undecided: not "ours"
        assert view.ksef_number is None
        views.append((view, original.ksef_number))
    (kept, kept_number), (gone, gone_number) = views
    with bot.sim.state.lock:  # A's original is now stored; B's original is no longer in KSeF (21164)
        bot.sim.state.invoices[kept_number].permanent_storage_date = datetime.now(UTC) - timedelta(seconds=1)
        del bot.sim.state.invoices[gone_number]
    await svc.process_pending()
    kept_now, gone_now = await svc.get(kept.id), await svc.get(gone.id)
    assert kept_now.state is InvoiceState.ACCEPTED and kept_now.ksef_number == kept_number
    assert gone_now.state is InvoiceState.REJECTED and gone_now.ksef_number is None
