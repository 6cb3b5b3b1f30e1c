"""Standard 2D transfer codes (ksef.transfer_qr): field rules, the title decision, decoding the PNG."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ksef.errors import KsefValidationError
from ksef.identifiers import ksef_number_checksum, make_ksef_number
from ksef.transfer_qr import (
    TITLE_MAX,
    TransferQr,
    TransferQrRefused,
    TransferRequest,
    parse_transfer_payload,
    recipient_name_in_code,
    transfer_qr,
    transfer_title,
)

ACCOUNT = "61109010140000071219812874"
KSEF = make_ksef_number("5265877635", "20261204", "0100A0B1C2D3")
IZ_BODY = "5265877635-IZ202612-0A1B2C3D4E5F"
IZ = f"{IZ_BODY}-{ksef_number_checksum(IZ_BODY)}"


def _qr(**overrides) -> TransferQr:
    values = {"account": ACCOUNT, "amount": Decimal("1234.50"), "recipient_name": "Jan Kowalski",
              "title": transfer_title("FV 12/2026", ksef_number=KSEF), "recipient_nip": "5265877635"}
    values.update(overrides)
    result = transfer_qr(TransferRequest(**values))
    assert isinstance(result, TransferQr), result
    return result


def _refused(**overrides) -> TransferQrRefused:
    values = {"account": ACCOUNT, "amount": Decimal("100"), "recipient_name": "Jan Kowalski",
              "title": transfer_title("FV 1/2026")}
    values.update(overrides)
    result = transfer_qr(TransferRequest(**values))
    assert isinstance(result, TransferQrRefused), result
    return result


def _decode(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return str(found[0].text)


def test_the_recommendations_examples_are_reproduced_exactly():
    # Examples of the ZBP recommendation: a recipient with NIP (type 1) and without (type 2).
    with_nip = _qr(account="92124012340001567890123456", amount=Decimal("12.00"), recipient_name="Odbiorca 1",
                   title=transfer_title("FV 1234/34/2012"), recipient_nip="1234567890")
    assert with_nip.payload == "1234567890|PL|92124012340001567890123456|001200|Odbiorca 1|FV 1234/34/2012|||"
    without = _qr(account="92124012340001567890123456", amount=Decimal("12"), recipient_name="Odbiorca 1",
                  title=transfer_title("Przelew ekspress"), recipient_nip=None)
    assert without.payload == "|PL|92124012340001567890123456|001200|Odbiorca 1|Przelew ekspress|||"
    assert without.recipient_nip is None


def test_one_invoice_the_ksef_number_stays_whole_outside_the_code():
    code = _qr()
    assert code.title.full == f"FV 12/2026 KSeF {KSEF}" and len(KSEF) == 35 > TITLE_MAX
    assert code.title_in_code == "FV 12/2026" and code.title.reference == KSEF
    assert code.ksef_number_in_code is False and not code.title.reference_in_short
    fields = parse_transfer_payload(code.payload)
    assert fields.title == "FV 12/2026" and fields.account == ACCOUNT and fields.amount_grosze == 123450
    assert fields.recipient_nip == "5265877635" and fields.country == "PL" and fields.reserved == ("", "", "")
    assert KSEF[:10] + "-" not in code.payload  # no piece of the KSeF number anywhere in the code


def test_invoice_numbers_that_do_not_fit_whole_give_a_generic_code_title():
    long_number = "FV/2026/12/04/SPRZEDAZ-HURT/000123"  # 34 characters
    title = transfer_title(long_number, ksef_number=KSEF)
    assert title.full == f"{long_number} KSeF {KSEF}" and title.short == "Zapłata za fakturę"
    assert transfer_title("FV|12", ksef_number=KSEF).short == "Zapłata za fakturę"  # '|' is the separator
    assert transfer_title(None, ksef_number=KSEF).full == f"KSeF {KSEF}"
    giant = "X" * 120
    assert transfer_title(giant, ksef_number=KSEF).full == f"KSeF {KSEF}"  # the number gives way, never KSeF
    offline = transfer_title("  FV   7/2026 ")
    assert (offline.full, offline.short, offline.reference) == ("FV 7/2026", "FV 7/2026", None)


def test_collective_identifier_title():
    title = transfer_title(collective_id=IZ, invoice_numbers=["FV 1/12", "FV 2/12", "FV 3/12"])
    assert title.full == f"KSeF {IZ} FV 1/12, FV 2/12, FV 3/12" and title.reference == IZ
    assert len("Faktury FV 1/12, FV 2/12, FV 3/12") == 33 and title.short == "Płatność zbiorcza"
    short_list = transfer_title(collective_id=IZ, invoice_numbers=["A/1", "A/2"])
    assert short_list.short == "Faktury A/1, A/2"
    many = transfer_title(collective_id=IZ, invoice_numbers=[f"FV {i}/12/2026" for i in range(20)])
    assert many.full == f"KSeF {IZ}" and many.short == "Płatność zbiorcza"  # 140 characters at most
    code = _qr(title=title)
    assert code.ksef_number_in_code is False and code.title_in_code == "Płatność zbiorcza"


@pytest.mark.parametrize(("number", "kwargs", "match"), [
    ("FV 1", {"ksef_number": KSEF[:-1] + ("0" if KSEF[-1] != "0" else "1")}, "numerem KSeF"),
    ("FV 1", {"ksef_number": KSEF[:32]}, "numerem KSeF"),
    ("FV 1", {"collective_id": IZ[:-2] + ("00" if not IZ.endswith("00") else "01")}, "zbiorczym"),
    ("FV 1", {"ksef_number": KSEF, "collective_id": IZ}, "nie oba"),
    ("  ", {}, "podaj numer"),
    ("F" * 141, {}, "140"),
])
def test_a_wrong_identifier_is_refused_rather_than_used(number, kwargs, match):
    with pytest.raises(KsefValidationError, match=match):
        transfer_title(number, **kwargs)


@pytest.mark.parametrize(("amount", "field"), [
    (Decimal("0.01"), "000001"), (Decimal("12"), "001200"), (Decimal("9999.99"), "999999"),
    (Decimal("100.5"), "010050"),
])
def test_amount_is_six_digits_in_grosze(amount, field):
    code = _qr(amount=amount)
    assert code.payload.split("|")[3] == field and code.amount_in_code


@pytest.mark.parametrize(("amount", "words"), [
    (Decimal("10000.00"), "nie mieści się"),
    (Decimal("12.345"), "groszach"),
    (Decimal("0"), "dodatniej"),
    (Decimal("-50"), "dodatniej"),
])
def test_amounts_that_do_not_fit_are_refused_never_cut(amount, words):
    refused = _refused(amount=amount, split_payment=True)
    assert refused.fields == ("amount",) and words in refused.problems[0].message
    assert refused.split_payment and refused.title.full == "FV 1/2026"


def test_large_amount_can_be_left_for_the_payer_to_type():
    code = transfer_qr(TransferRequest(ACCOUNT, Decimal("15000.00"), "Jan Kowalski", transfer_title("FV 1")),
                       manual_amount_over_limit=True)
    assert isinstance(code, TransferQr)
    assert code.payload.split("|")[3] == "000000" and not code.amount_in_code
    assert code.amount == Decimal("15000.00")
    assert "10 000,00" in _refused(amount=Decimal("10000")).problems[0].message.replace("\xa0", " ")


def test_accounts_nip_and_several_problems_at_once():
    assert _qr(account="PL61 1090 1014 0000 0712 1981 2874").account == ACCOUNT
    refused = _refused(account="DE89370400440532013000", recipient_nip="123", amount=Decimal("0"),
                       recipient_name="🙂")
    assert refused.fields == ("account", "recipient_nip", "amount", "recipient_name")
    assert all(p.message for p in refused.problems)
    assert "sumę kontrolną" in _refused(account=ACCOUNT[:-1] + "5").problems[0].message
    assert _qr(recipient_nip="PL 526-587-76-35").payload.startswith("5265877635|PL|")


def test_polish_letters_are_kept_and_counted_as_characters_and_decoded_back():
    name = "Łódź Żółć Gęślą Jaźń"  # 20 characters, 29 bytes in UTF-8
    code = _qr(recipient_name=name, title=transfer_title("Zażółć 1/2026"))
    assert code.name_in_code == name and not code.name_shortened
    png = code.png()
    assert _decode(png) == code.payload
    assert parse_transfer_payload(_decode(png)).recipient_name == name


@pytest.mark.parametrize(("name", "in_code"), [
    ("Jan Kowalski Usługi Informatyczne", "Jan Kowalski Usługi"),
    ("ABC SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ", "ABC sp. z o.o."),
    ("Kowalski i Wspólnicy Spółka Jawna", "Kowalski i Wspólnicy"),
    ("„Café” Müller — Bäckerei", '"Cafe" Muller'),
    ("Przedsiębiorstwohandlowousługowe", "Przedsiębiorstwohand"),
    ("  Anna   Nowak ", "Anna Nowak"),
])
def test_recipient_name_is_folded_and_shortened_as_the_standard_allows(name, in_code):
    assert recipient_name_in_code(name) == in_code
    assert len(in_code) <= 20


def test_split_payment_flag_travels_with_the_code():
    code = _qr(split_payment=True)
    assert code.split_payment and "MPP" not in code.payload and len(code.payload.split("|")) == 9


def test_png_with_a_label_still_decodes():
    code = _qr()
    assert _decode(code.png(label="Przelew 1 234,50 zł", box_size=4)) == code.payload


def test_parse_refuses_payloads_that_break_the_rules():
    good = _qr().payload
    parse_transfer_payload(good)
    for bad in (good + "|", good.replace("|PL|", "|DE|"), good.replace("123450", "1234500"),
                good.replace("FV 12/2026", "X" * 33), good.replace(ACCOUNT, ACCOUNT[:-1])):
        with pytest.raises(KsefValidationError):
            parse_transfer_payload(bad)


@settings(max_examples=300, deadline=None)
@given(number=st.text(min_size=1, max_size=60), name=st.text(min_size=1, max_size=60),
       grosze=st.integers(min_value=1, max_value=999_999))
def test_any_input_gives_a_valid_payload_or_a_named_refusal(number, name, grosze):
    try:
        title = transfer_title(number, ksef_number=KSEF)
    except KsefValidationError:
        assert not number.split()  # only a blank invoice number is refused (the KSeF number is valid)
        return
    assert KSEF in title.full and len(title.full) <= 140
    result = transfer_qr(TransferRequest(ACCOUNT, Decimal(grosze) / 100, name, title))
    if isinstance(result, TransferQrRefused):
        assert result.fields == ("recipient_name",)
        return
    fields = parse_transfer_payload(result.payload)
    assert fields.amount_grosze == grosze and fields.account == ACCOUNT
    assert fields.title == title.short and fields.recipient_name == result.name_in_code
    # the code's title is the whole invoice number or the generic one: never a cut-off piece of anything
    assert fields.title in {" ".join(number.split()), "Zapłata za fakturę"}


def test_collective_identifier_validation():
    from ksef.identifiers import collective_id_is_valid

    assert collective_id_is_valid(IZ) and len(IZ) == 35
    body13 = "5265877635-IZ202613-0A1B2C3D4E5F"
    lower = IZ_BODY.lower()
    for bad in (f"{body13}-{ksef_number_checksum(body13)}", f"{lower}-{ksef_number_checksum(lower)}",
                IZ.replace("-IZ", "-XX"), KSEF, IZ + "0"):
        assert not collective_id_is_valid(bad), bad
