"""Only the owner decides where customers pay: a member cannot change the bank account of the seller
profile, and the owner is told of every change someone else makes to it (through the outbox, queued in
the transaction that saves the change)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.errors import ServiceError
from tests.bot.test_issuing import ready
from tests.fixtures.bot import BotHarness

OWNERS_ACCOUNT = "61 1090 1014 0000 0712 1981 2874"


async def test_member_keeps_the_owners_account_and_the_owner_hears_of_the_change(bot_app: BotHarness) -> None:
    owner, nip, company_id = await ready(bot_app, 3701)
    payload = await bot_app.services.members.invite(owner.id, company_id)
    member = bot_app.user(3702)
    await bot_app.say(member, f"/start {payload}", contains=nip)
    with pytest.raises(ServiceError) as refused:  # the service refuses it, whatever the chat does
        await bot_app.services.profiles.save(member.id, company_id, name="Przejęta", address=["ul. A 1"],
                                             vat_exempt=False, bank_account="PL27114020040000300201355387",
                                             default_rate="23", payment_days=14)
    assert refused.value.code == "account_owner_only"
    await bot_app.say(member, "/profil", contains="krok 1 z 7")
    await bot_app.say(member, "Kowalski Usługi IT", contains="Krok 2 z 7")
    await bot_app.say(member, "ul. Długa 5; 00-001 Warszawa", contains="Krok 3 z 7")
    kept = await bot_app.say(member, "vat", contains="tylko właściciel firmy")
    assert OWNERS_ACCOUNT in kept.content and "Krok 5 z 7" in kept.content
    await bot_app.say(member, "23", contains="Krok 6 z 7")
    await bot_app.say(member, "30", contains="Krok 7 z 7")
    prices = await bot_app.say(member, "-", contains="Ostatnie pytanie")
    await bot_app.press(member, prices, "Netto", contains="Zapisano dane sprzedawcy")
    told = await bot_app.fake.wait_for_bot_message(owner.chat_id, lambda m: "zmieniła dane" in m.content)
    assert f"(id {member.id})" in told.content and f"NIP {nip}" in told.content
    assert "• nazwa: Jan Kowalski Usługi IT → Kowalski Usługi IT" in told.content
    assert "• termin płatności (dni): 14 → 30" in told.content and "rachunek" not in told.content
    profile = await bot_app.services.profiles.get(company_id)
    assert profile is not None and profile.bank_account == OWNERS_ACCOUNT
    assert await notices(bot_app) == 1  # the refused save queued nothing
    # The owner's own change is not announced back to the owner.
    await bot_app.services.profiles.save(owner.id, company_id, name="Jan", address=["ul. A 1"],
                                         vat_exempt=False, bank_account=None, default_rate="23",
                                         payment_days=14)
    assert await notices(bot_app) == 1
    # Each change is its own notice, even the same change again at the same instant (the dedupe key
    # names the change, not its content).
    bot_app.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    profiles = bot_app.services.profiles
    for pattern in ("KK/{n}/{YYYY}", "KOR/{n}/{YYYY}", "KK/{n}/{YYYY}"):
        await profiles.set_correction_pattern(member.id, company_id, pattern)
    assert await notices(bot_app) == 4
    await bot_app.fake.wait_until(lambda: len([m for m in bot_app.fake.bot_messages(owner.chat_id)
                                               if "• numeracja korekt:" in m.content]) == 3,
                                  message="three notices of the corrections' numbering")


async def notices(bot: BotHarness) -> int:
    return len([r for r in await bot.table_rows("outbox") if r["kind"] == "profile.changed"])
