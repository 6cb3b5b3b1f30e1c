"""Collective identifiers ("identyfikator zbiorczy", IZ; KSeF API 2.7.0+;
docs/ksef.md#collective-identifiers).

An IZ groups invoices of one seller, so that one bank transfer paying them all can name the IZ
instead of every KSeF number. ``POST /collective-identifiers`` creates one (at least 2 invoices, at
most the context's limit, 500 by default; an invoice may belong to at most 132 IZs of a context);
``POST /collective-identifiers/query`` lists those of the context (created in it, or naming it as
seller) by creation date, at most 100 days per query; ``GET /collective-identifiers/ksef/{ksefNumber}``
those an invoice belongs to; ``POST /collective-identifiers/invoices`` (2.8.1: the POST form only)
the invoices of up to 10 IZs. Any of InvoiceRead, InvoiceWrite, CollectiveIdentifierManage suffices;
all four share the ``collectiveIdentifier`` rate-limit group (20/s, 120/min, 240/h).

Refusals KSeF decides (unknown invoice, different sellers, repeated number, limits) are not
second-guessed locally: they come back as :class:`~ksef.errors.CollectiveIdentifierError` (71001,
71002, 71004, 71005) or :class:`~ksef.errors.KsefApiError` 21405 (e.g. too many invoices).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ksef.auth import AuthorizedApi
from ksef.daterange import format_utc, split_range
from ksef.errors import KsefError, KsefValidationError
from ksef.identifiers import collective_id_is_valid, ksef_number_is_valid
from ksef.models import parse_datetime

MIN_INVOICES = 2                 # schema GenerateCollectiveIdentifierRequest: minItems 2
MAX_DESCRIPTION = 512
QUERY_PAGE_SIZE = 200            # POST /collective-identifiers/query, GET .../ksef/{n}: pageSize 10..200
INVOICES_PAGE_SIZE = 500         # POST /collective-identifiers/invoices: pageSize 10..500
NUMBERS_PER_LIST_CALL = 10       # collectiveIdentifierNumbers: at most 10 per call


@dataclass(frozen=True)
class CollectiveInvoice:
    """One invoice to put in a new IZ, optionally with the amount paid for it and a description."""

    ksef_number: str
    amount: Decimal | None = None
    currency: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``CollectiveIdentifierInvoice`` shape (after :meth:`check`)."""
        body: dict[str, Any] = {"ksefNumber": self.ksef_number}
        if self.amount is not None:
            # JSON numbers are decimal text: the amount goes out exactly as written (2 decimals)
            body["payment"] = {"amount": float(self.amount), "currency": self.currency}
        if self.description is not None:
            body["description"] = self.description
        return body

    def check(self) -> None:
        """Refuse locally what can never be right (bad KSeF number, amount without currency...)."""
        if not ksef_number_is_valid(self.ksef_number):
            raise KsefValidationError(f"niepoprawny numer KSeF: {self.ksef_number!r}")
        if (self.amount is None) != (self.currency is None):
            raise KsefValidationError("kwota płatności wymaga waluty (i odwrotnie)")
        if self.currency is not None and not (len(self.currency) == 3 and self.currency.isalpha()
                                              and self.currency.isupper()):
            raise KsefValidationError(f"niepoprawny kod waluty: {self.currency!r}")
        if self.amount is not None and not self.amount.is_finite():
            raise KsefValidationError("niepoprawna kwota płatności")
        if self.description is not None and len(self.description) > MAX_DESCRIPTION:
            raise KsefValidationError(f"opis może mieć najwyżej {MAX_DESCRIPTION} znaków")


@dataclass(frozen=True)
class CollectiveIdentifier:
    """An IZ as the list answers describe it (``invoice_count`` is None where KSeF does not say)."""

    number: str
    date_created: datetime | None
    created_in_current_context: bool
    invoice_count: int | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> CollectiveIdentifier:
        count = body.get("invoiceCount")
        return cls(number=str(body.get("collectiveIdentifierNumber") or ""),
                   date_created=parse_datetime(body.get("dateCreated")),
                   created_in_current_context=bool(body.get("createdInCurrentContext")),
                   invoice_count=count if isinstance(count, int) and not isinstance(count, bool) else None)


@dataclass(frozen=True)
class CollectiveIdentifierInvoice:
    """One invoice of an IZ. Payment and description are only shown to the IZ's creator and to the
    subjects of the invoice (``details_hidden`` is True when KSeF withheld them from this context)."""

    ksef_number: str
    collective_identifier_number: str
    amount: Decimal | None
    currency: str | None
    description: str | None
    details_hidden: bool

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> CollectiveIdentifierInvoice:
        payment = body.get("payment") if isinstance(body.get("payment"), dict) else None
        amount: Decimal | None = None
        if payment is not None and isinstance(payment.get("amount"), int | float):
            try:
                amount = Decimal(str(payment["amount"]))
            except InvalidOperation:
                amount = None
        return cls(ksef_number=str(body.get("ksefNumber") or ""),
                   collective_identifier_number=str(body.get("collectiveIdentifierNumber") or ""),
                   amount=amount,
                   currency=str(payment["currency"]) if payment and payment.get("currency") else None,
                   description=body.get("description") if isinstance(body.get("description"), str) else None,
                   details_hidden=bool(body.get("detailsHidden")))


def _newest_first(items: Iterable[CollectiveIdentifier]) -> list[CollectiveIdentifier]:
    # KSeF sorts by dateCreated, then number, both descending; pieces of a split query are merged so
    first = datetime.min.replace(tzinfo=UTC)
    return sorted(items, key=lambda i: (i.date_created or first, i.number), reverse=True)


class CollectiveIdentifiers:
    """The four IZ operations for one client."""

    def __init__(self, api: AuthorizedApi) -> None:
        self._api = api

    async def create(self, invoices: Sequence[CollectiveInvoice | str]) -> str:
        """A new IZ for ``invoices`` (KSeF numbers of one seller); returns its number."""
        items = [i if isinstance(i, CollectiveInvoice) else CollectiveInvoice(i) for i in invoices]
        if len(items) < MIN_INVOICES:
            raise KsefValidationError(f"identyfikator zbiorczy obejmuje co najmniej {MIN_INVOICES} faktury")
        for item in items:
            item.check()
        body = await self._api.json("POST", "/collective-identifiers",
                                    json_body={"invoices": [i.to_json() for i in items]})
        number = str(body.get("collectiveIdentifierNumber") or "")
        if not collective_id_is_valid(number):
            raise KsefError(f"KSeF zwrócił niepoprawny identyfikator zbiorczy {number!r}")
        return number

    async def query(self, created_from: datetime, created_to: datetime, *, number: str | None = None,
                    invoice_count_from: int | None = None, invoice_count_to: int | None = None,
                    created_in_current_context: bool | None = None) -> list[CollectiveIdentifier]:
        """IZs of this context created in ``[created_from, created_to]``, newest first (all pages; a
        range over 100 days is asked for in pieces)."""
        found: dict[str, CollectiveIdentifier] = {}
        for lo, hi in split_range(created_from, created_to):
            body: dict[str, Any] = {"dateCreatedFrom": format_utc(lo), "dateCreatedTo": format_utc(hi)}
            for key, value in (("collectiveIdentifierNumber", number),
                               ("invoiceCountFrom", invoice_count_from),
                               ("invoiceCountTo", invoice_count_to),
                               ("createdInCurrentContext", created_in_current_context)):
                if value is not None:
                    body[key] = value
            async for item in self._pages("POST", "/collective-identifiers/query", QUERY_PAGE_SIZE,
                                          "collectiveIdentifiers", json_body=body):
                iz = CollectiveIdentifier.from_json(item)
                found[iz.number] = iz  # a seam between pieces is in both: keep one
        return _newest_first(found.values())

    async def of_invoice(self, ksef_number: str) -> list[CollectiveIdentifier]:
        """The IZs ``ksef_number`` belongs to, newest first (all pages)."""
        if not ksef_number_is_valid(ksef_number):
            raise KsefValidationError(f"niepoprawny numer KSeF: {ksef_number!r}")
        return [CollectiveIdentifier.from_json(item) async for item in self._pages(
            "GET", f"/collective-identifiers/ksef/{ksef_number}", QUERY_PAGE_SIZE, "collectiveIdentifiers")]

    async def invoices(self, numbers: Iterable[str]) -> list[CollectiveIdentifierInvoice]:
        """The invoices of the IZs ``numbers`` (asked for 10 at a time, all pages)."""
        wanted = list(dict.fromkeys(numbers))
        for number in wanted:
            if not collective_id_is_valid(number):
                raise KsefValidationError(f"niepoprawny identyfikator zbiorczy: {number!r}")
        out: list[CollectiveIdentifierInvoice] = []
        for start in range(0, len(wanted), NUMBERS_PER_LIST_CALL):
            chunk = wanted[start:start + NUMBERS_PER_LIST_CALL]
            out += [CollectiveIdentifierInvoice.from_json(item) async for item in self._pages(
                "POST", "/collective-identifiers/invoices", INVOICES_PAGE_SIZE, "invoices",
                json_body={"collectiveIdentifierNumbers": chunk})]
        return out

    async def _pages(self, method: str, path: str, page_size: int, key: str,
                     json_body: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Items of every page (``x-continuation-token`` paging); the lists only read, so a repeat is safe."""
        token: str | None = None
        while True:
            headers = {"x-continuation-token": token} if token else None
            body = await self._api.json(method, path, params={"pageSize": page_size}, json_body=json_body,
                                        headers=headers, idempotent=True)
            items = body.get(key)
            if not isinstance(items, list):
                raise KsefError(f"odpowiedź {path} bez listy {key!r}")
            for item in items:
                if isinstance(item, dict):
                    yield item
            token = body.get("continuationToken") or None
            if not token:
                return
