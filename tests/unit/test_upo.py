"""ksef.upo: the receipt's session, document entries and dates are read; anything else is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ksef.upo import UpoParseError, parse_upo

UPO = """<?xml version="1.0" encoding="utf-8"?>
<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">
  <NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego>
  <NumerReferencyjnySesji>20261204-SO-2F1A3B4C5D-6E7F8A9B0C-1D</NumerReferencyjnySesji>
  <Uwierzytelnienie><IdKontekstu><Nip>5260250274</Nip></IdKontekstu>
    <SkrotDokumentuUwierzytelniajacego>AAAA</SkrotDokumentuUwierzytelniajacego></Uwierzytelnienie>
  <NazwaStrukturyLogicznej>Schemat_FA(3)_v1-0E.xsd</NazwaStrukturyLogicznej>
  <KodFormularza>FA (3)</KodFormularza>
  <Dokument>
    <NipSprzedawcy>5260250274</NipSprzedawcy>
    <NumerKSeFDokumentu>5260250274-20261204-0100001AF629-AF</NumerKSeFDokumentu>
    <NumerFaktury>FV/7/12/2026</NumerFaktury>
    <DataWystawieniaFaktury>2026-12-04</DataWystawieniaFaktury>
    <DataPrzeslaniaDokumentu>2026-12-04T11:05:40.841+01:00</DataPrzeslaniaDokumentu>
    <DataNadaniaNumeruKSeF>2026-12-04T11:05:41.045+01:00</DataNadaniaNumeruKSeF>
    <SkrotDokumentu>GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=</SkrotDokumentu>
    <TrybWysylki>Offline</TrybWysylki>
  </Dokument>
</Potwierdzenie>""".encode()


def test_an_invoice_upo_is_read() -> None:
    upo = parse_upo(UPO)
    assert upo.session_reference == "20261204-SO-2F1A3B4C5D-6E7F8A9B0C-1D"
    assert upo.context == "5260250274" and upo.receiver == "Ministerstwo Finansów"
    doc = upo.document("5260250274-20261204-0100001AF629-AF")
    assert doc is not None and doc.invoice_number == "FV/7/12/2026" and doc.mode == "Offline"
    assert doc.issue_date == date(2026, 12, 4)
    assert doc.numbered_at == datetime(2026, 12, 4, 11, 5, 41, 45000, tzinfo=timezone(timedelta(hours=1)))
    assert upo.document("5260250274-20261204-0100001AF629-00") is None


@pytest.mark.parametrize("data", [b"<Potwierdzenie>", b"<Faktura xmlns='x'/>", b"not xml"])
def test_other_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(UpoParseError):
        parse_upo(data)
