"""Collective identifiers (IZ) through ``KsefClient`` against the simulator: create, query, look up,
list, and KSeF's refusals (unknown invoice, mixed sellers, duplicate, too many invoices, limits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ksef.client import KsefClient
from ksef.collective import CollectiveInvoice
from ksef.errors import CollectiveIdentifierError, KsefApiError, KsefValidationError, MissingPermissionsError
from ksef.identifiers import collective_id_is_valid, random_valid_nip
from tests.fixtures.sim import SimHandle


def _client(sim: SimHandle, nip: str, token: str) -> KsefClient:
    return KsefClient(sim.base_url, nip=nip, token=token, pace=False)


async def test_create_query_look_up_and_list(sim: SimHandle) -> None:
    buyer, token = sim.create_subject()
    seller, seller_token = sim.create_subject()
    numbers = sim.inject_bulk(seller, buyer, 3)
    async with _client(sim, buyer, token) as client:
        iz = await client.create_collective_identifier(
            [
                CollectiveInvoice(numbers[0], Decimal("1234.50"), "PLN", "Faktura za październik"),
                CollectiveInvoice(numbers[1], Decimal("10.01"), "EUR"),
                numbers[2],
            ]
        )
        assert collective_id_is_valid(iz) and iz.startswith(f"{seller}-IZ")
        now = datetime.now(UTC)
        found = await client.query_collective_identifiers(now - timedelta(days=1), now + timedelta(minutes=1))
        assert [(f.number, f.invoice_count, f.created_in_current_context) for f in found] == [(iz, 3, True)]
        assert found[0].date_created is not None and abs(found[0].date_created - now) < timedelta(minutes=1)
        assert [i.number for i in await client.collective_identifiers_of(numbers[1])] == [iz]
        listed = await client.collective_identifier_invoices([iz])
        assert [i.ksef_number for i in listed] == sorted(numbers, reverse=True)  # KSeF number descending
        by_number = {i.ksef_number: i for i in listed}
        first = by_number[numbers[0]]
        assert (first.amount, first.currency, first.description, first.details_hidden) == (
            Decimal("1234.5"),
            "PLN",
            "Faktura za październik",
            False,
        )
        assert (by_number[numbers[2]].amount, by_number[numbers[2]].details_hidden) == (None, False)
    # the seller (Podmiot1 of the invoices) sees the IZ in its query, as not created in its context
    async with _client(sim, seller, seller_token) as client:
        now = datetime.now(UTC)
        seen = await client.query_collective_identifiers(now - timedelta(hours=1), now + timedelta(minutes=1))
        assert [(s.number, s.created_in_current_context) for s in seen] == [(iz, False)]
        mine = await client.query_collective_identifiers(
            now - timedelta(hours=1), now + timedelta(minutes=1), created_in_current_context=True
        )
        assert mine == []
    # a third party may list the invoices of a known IZ, without the payment details
    other, other_token = sim.create_subject()
    async with _client(sim, other, other_token) as client:
        hidden = {i.ksef_number: i for i in await client.collective_identifier_invoices([iz])}
        assert hidden[numbers[0]].details_hidden and hidden[numbers[0]].amount is None
        assert hidden[numbers[0]].description is None
        assert not hidden[numbers[2]].details_hidden  # nothing was given for it: nothing hidden
        assert await client.collective_identifiers_of(numbers[0]) == []  # not its invoice
        now = datetime.now(UTC)
        assert await client.query_collective_identifiers(now - timedelta(hours=1), now) == []


async def test_refusals_mixed_sellers_duplicate_unknown_and_too_many(sim: SimHandle) -> None:
    buyer, token = sim.create_subject()
    first, second = random_valid_nip(), random_valid_nip()
    a = sim.inject_bulk(first, buyer, 2)
    b = sim.inject_bulk(second, buyer, 1)
    strangers = sim.inject_bulk(first, random_valid_nip(), 1)  # the same seller, another buyer
    async with _client(sim, buyer, token) as client:
        with pytest.raises(CollectiveIdentifierError) as mixed:
            await client.create_collective_identifier([a[0], b[0]])
        assert mixed.value.code == 71004 and any(b[0] in d for d in mixed.value.details)
        with pytest.raises(CollectiveIdentifierError) as duplicate:
            await client.create_collective_identifier([a[0], a[1], a[0]])
        assert duplicate.value.code == 71005 and any(a[0] in d for d in duplicate.value.details)
        with pytest.raises(CollectiveIdentifierError) as unknown:
            await client.create_collective_identifier([a[0], strangers[0]])  # not visible to the buyer
        assert unknown.value.code == 71001 and any(strangers[0] in d for d in unknown.value.details)
        with pytest.raises(KsefValidationError):
            await client.create_collective_identifier([a[0]])  # at least two, refused before sending
        many = sim.inject_bulk(first, buyer, 501)
        with pytest.raises(KsefApiError) as too_many:
            await client.create_collective_identifier(many)
        assert too_many.value.code == 21405 and "500" in " ".join(too_many.value.details)
        iz = await client.create_collective_identifier(many[:500])  # the default limit is allowed
        assert len(await client.collective_identifier_invoices([iz])) == 500  # one full page
        assert (
            await client.query_collective_identifiers(
                datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC)
            )
        )[0].invoice_count == 500


async def test_an_invoice_belongs_to_at_most_132_identifiers_of_a_context(sim: SimHandle) -> None:
    buyer, token = sim.create_subject()
    seller = random_valid_nip()
    numbers = sim.inject_bulk(seller, buyer, 3)
    sim.set_limits({"enabled": False})  # 133 creations: more than the 120/min of collectiveIdentifier
    async with _client(sim, buyer, token) as client:
        created = [
            await client.create_collective_identifier([numbers[0], numbers[1 + i % 2]]) for i in range(132)
        ]
        with pytest.raises(CollectiveIdentifierError) as full:
            await client.create_collective_identifier([numbers[0], numbers[2]])
        assert full.value.code == 71002 and any(numbers[0] in d for d in full.value.details)
        assert numbers[1] not in " ".join(full.value.details)
        assert sorted(i.number for i in await client.collective_identifiers_of(numbers[0])) == sorted(created)


async def test_permissions_any_of_read_write_or_manage(sim: SimHandle) -> None:
    buyer, _ = sim.create_subject()
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 2)
    manage_only = sim.create_token(buyer, ["CollectiveIdentifierManage"])
    async with _client(sim, buyer, manage_only) as client:
        assert collective_id_is_valid(await client.create_collective_identifier(numbers))
    credentials_only = sim.create_token(buyer, ["CredentialsRead"])
    async with _client(sim, buyer, credentials_only) as client:
        with pytest.raises(MissingPermissionsError):
            await client.check_token(required=("CollectiveIdentifierManage",))
        with pytest.raises(KsefApiError) as refused:
            await client.create_collective_identifier(numbers)
        assert refused.value.http_status == 403


async def test_a_query_over_100_days_is_asked_for_in_pieces(sim: SimHandle) -> None:
    buyer, token = sim.create_subject()
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 2)
    sim.admin.delete("/sim/requests")
    async with _client(sim, buyer, token) as client:
        iz = await client.create_collective_identifier(numbers)
        now = datetime.now(UTC)
        found = await client.query_collective_identifiers(
            now - timedelta(days=250), now + timedelta(minutes=1)
        )
    assert [f.number for f in found] == [iz]
    calls = sim.admin.get("/sim/requests", params={"path": "/collective-identifiers/query"}).json()[
        "requests"
    ]
    assert len(calls) == 3 and all(c["status"] == 200 for c in calls)
