"""The A4 printout: text of parties and totals, QR codes that decode to the exact KSeF links, labels,
offline (KOD I + KOD II), total failure (no codes), pagination, official samples, the ``ksef pdf`` CLI.

Text comes out of the PDF with pypdf; QR images are extracted with pypdf and decoded with zxing-cpp.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
import zxingcpp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ksef import pdf, pdf_layout
from ksef.cli import main as ksef_main
from ksef.errors import KsefError, KsefValidationError
from ksef.fa3.summary import InvoiceSummary, LineSummary, PartySummary, PaymentSummary, RateTotal
from tests import certgen
from tests.paths import SAMPLES_FA3, VECTORS_FILE

SELLER_NIP = "5265877635"
KSEF_NUMBER = "5265877635-20250826-0100001AF629-AF"  # official example with a valid CRC-8
POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"
XML = "<Faktura>przykład – dokładne bajty</Faktura>".encode()


# --------------------------------------------------------------------------- helpers

def make_summary(n_lines: int = 2, *, name: str = "Usługa programistyczna – wdrożenie") -> InvoiceSummary:
    """A hand-built 23% invoice with Polish letters everywhere."""
    seller = PartySummary(SELLER_NIP, None, None, None, f"Zażółć Gęślą Jaźń {POLISH}",
                          ("ul. Świętokrzyska 5", "90-001 Łódź"), "PL", "biuro@example.pl", "600 100 200")
    buyer = PartySummary("7352765225", None, None, None, "Źrebię Łąkowe Sp. z o.o.",
                         ("ul. Testowa 10", "30-001 Kraków"), "PL", None, None)
    lines = tuple(
        LineSummary(i, f"{name} nr {i}", "godz.", Decimal("12.5"), Decimal("160.00"), None,
                    Decimal("2000.00"), Decimal("2460.00"), "23")
        for i in range(1, n_lines + 1)
    )
    net = Decimal("2000.00") * n_lines
    vat = Decimal("460.00") * n_lines
    return InvoiceSummary(
        seller=seller, buyer=buyer, number="FV/7/02/2026", issue_date=date(2026, 2, 2),
        sale_date=date(2026, 1, 31), issue_place="Łódź", currency="PLN", invoice_type="VAT",
        lines=lines, totals=(RateTotal("23", "23%", net, vat, net + vat),),
        net_total=net, vat_total=vat, gross_total=net + vat,
        payment=PaymentSummary("6", "przelew", (date(2026, 2, 16),), False, None,
                               ("61109010140000071219812874",)),
        notes=("Dziękujemy za współpracę – płatność w terminie.",), exemption_basis=None, created_at=None,
    )


def text_of(document: bytes) -> str:
    """All text of the PDF as one line: line breaks (wrapping) and no-break spaces become plain spaces."""
    reader = pypdf.PdfReader(io.BytesIO(document))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def qr_links(document: bytes) -> list[str]:
    """Every QR code found in the PDF's images, decoded."""
    found: list[str] = []
    for page in pypdf.PdfReader(io.BytesIO(document)).pages:
        for image in page.images:
            found.extend(code.text for code in zxingcpp.read_barcodes(image.image)
                         if code.format == zxingcpp.BarcodeFormat.QRCode)
    return found


def image_count(document: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(document)).pages)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def expected_kod1(xml: bytes, nip: str = SELLER_NIP, day: str = "02-02-2026",
                  host: str = "https://qr-test.ksef.mf.gov.pl") -> str:
    """KOD I computed here from docs/ksef.md#qr-codes, independently of ksef.qr."""
    return f"{host}/invoice/{nip}/{day}/{b64url(hashlib.sha256(xml).digest())}"


def verify_kod2(url: str, public_key: object) -> bool:
    """Check a KOD II signature the way the verification page would (docs/ksef.md#qr-codes)."""
    unsigned, signature_b64 = url.rsplit("/", 1)
    signature = base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4))
    signed = unsigned.removeprefix("https://").encode()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, signed, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                          hashes.SHA256())
        return True
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    return True


# --------------------------------------------------------------------------- content

def test_text_has_parties_lines_totals_payment_in_polish() -> None:
    summary = make_summary(2)
    kod1 = pdf.QrBlock(expected_kod1(XML), KSEF_NUMBER)
    text = text_of(pdf.render_summary_pdf(summary, kod1=kod1, ksef_number=KSEF_NUMBER))

    for expected in (
        "Faktura VAT", "FV/7/02/2026", "Data wystawienia", "02.02.2026", "31.01.2026", "Łódź",
        "SPRZEDAWCA", f"Zażółć Gęślą Jaźń {POLISH}", f"NIP: {SELLER_NIP}", "ul. Świętokrzyska 5",
        "NABYWCA", "Źrebię Łąkowe Sp. z o.o.", "NIP: 7352765225", "30-001 Kraków",
        "Usługa programistyczna – wdrożenie nr 2", "12,5", "godz.", "160,00", "2 000,00", "2 460,00", "23%",
        "Razem", "4 000,00", "920,00", "4 920,00", "Do zapłaty: 4 920,00 zł",
        "Forma płatności: przelew", "Termin płatności: 16.02.2026", "61 1090 1014 0000 0712 1981 2874",
        "Dziękujemy za współpracę – płatność w terminie.", f"Numer KSeF: {KSEF_NUMBER}", "Strona 1 z 1",
    ):
        assert expected in text, expected


def test_pdf_is_a4_and_embeds_the_unicode_font() -> None:
    document = pdf.render_summary_pdf(make_summary(1), kod1=None)
    reader = pypdf.PdfReader(io.BytesIO(document))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    resources: Any = reader.pages[0]["/Resources"]
    fonts = resources["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert any("DejaVuSans" in name for name in names), names


def test_output_is_deterministic() -> None:
    summary = make_summary(3)
    kod1 = pdf.QrBlock(expected_kod1(XML), pdf.LABEL_OFFLINE)
    first = pdf.render_summary_pdf(summary, kod1=kod1)
    assert first == pdf.render_summary_pdf(summary, kod1=kod1)
    assert first != pdf.render_summary_pdf(replace(summary, number="FV/8/02/2026"), kod1=kod1)


def test_printouts_laid_out_in_parallel_threads_are_the_same_bytes() -> None:
    # The bot lays printouts out in worker threads; several chats may confirm at once.
    from concurrent.futures import ThreadPoolExecutor

    summaries = [replace(make_summary(3), number=f"FV/{n}/02/2026") for n in range(6)]
    kod1 = pdf.QrBlock(expected_kod1(XML), pdf.LABEL_OFFLINE)
    serial = [pdf.render_summary_pdf(summary, kod1=kod1) for summary in summaries]
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(lambda summary: pdf.render_summary_pdf(summary, kod1=kod1), summaries * 2))
    assert parallel == serial * 2


def test_exempt_invoice_is_titled_faktura_and_prints_the_legal_basis() -> None:
    base = make_summary(1)
    exempt = replace(
        base,
        lines=(replace(base.lines[0], vat_rate="zw", gross=None),),
        totals=(RateTotal("zw", "zw", Decimal("2000.00"), Decimal("0"), Decimal("2000.00")),),
        vat_total=Decimal("0.00"), gross_total=Decimal("2000.00"),
        exemption_basis="art. 113 ust. 1 ustawy o VAT",
    )
    assert pdf_layout.document_title(exempt) == "Faktura"
    text = text_of(pdf.render_summary_pdf(exempt, kod1=None))
    assert "Faktura VAT" not in text
    assert "Podstawa zwolnienia z VAT: art. 113 ust. 1 ustawy o VAT" in text
    assert "Do zapłaty: 2 000,00 zł" in text


def test_three_hundred_lines_paginate_with_repeated_header_and_codes_at_the_end() -> None:
    long_name = "Bardzo długa nazwa towaru, która musi się zawinąć w komórce tabeli " * 2
    summary = make_summary(300, name=long_name)
    kod1 = pdf.QrBlock(expected_kod1(XML), KSEF_NUMBER)
    document = pdf.render_summary_pdf(summary, kod1=kod1, ksef_number=KSEF_NUMBER)
    reader = pypdf.PdfReader(io.BytesIO(document))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 5
    assert all("Nazwa towaru lub usługi" in page for page in pages[:-1])  # header row repeats
    assert f"Strona {len(pages)} z {len(pages)}" in pages[-1]
    text = text_of(document)
    assert re.search(r"nr 300\b", text) and re.search(r"nr 1\b", text)
    assert "Razem" in text and "738 000,00" in text  # 300 × 2 460,00
    assert qr_links(document) == [kod1.url]


# --------------------------------------------------------------------------- QR codes

def test_online_invoice_with_number_has_kod1_labelled_with_the_number() -> None:
    summary = make_summary(1)
    kod1, kod2 = pdf.verification_codes(XML, summary, env="test", ksef_number=KSEF_NUMBER)
    assert kod2 is None
    assert kod1 == pdf.QrBlock(expected_kod1(XML), KSEF_NUMBER)
    document = pdf.render_summary_pdf(summary, kod1=kod1, kod2=kod2, ksef_number=KSEF_NUMBER)
    assert qr_links(document) == [expected_kod1(XML)]
    text = text_of(document)
    assert "OFFLINE" not in text and "CERTYFIKAT" not in text
    assert text.count(KSEF_NUMBER) >= 2  # header and label under the code


def test_invoice_without_number_has_kod1_labelled_offline() -> None:
    summary = make_summary(1)
    kod1, kod2 = pdf.verification_codes(XML, summary, env="prod")
    assert kod2 is None and kod1 is not None and kod1.label == "OFFLINE"
    document = pdf.render_summary_pdf(summary, kod1=kod1)
    assert qr_links(document) == [expected_kod1(XML, host="https://qr.ksef.mf.gov.pl")]
    assert "OFFLINE" in text_of(document)


@pytest.mark.parametrize("kind", ["EC", "RSA"])
def test_offline_invoice_has_both_codes_signed_and_the_seller_beside_kod2(kind: str) -> None:
    key = certgen.new_key(kind)  # type: ignore[arg-type]
    summary = make_summary(1)
    offline = pdf.OfflineQr("01F20A5D352AE590", key)
    kod1, kod2 = pdf.verification_codes(XML, summary, env="test", offline=offline)
    assert kod1 is not None and kod2 is not None
    assert (kod1.label, kod2.label) == ("OFFLINE", "CERTYFIKAT")
    prefix = (f"https://qr-test.ksef.mf.gov.pl/certificate/Nip/{SELLER_NIP}/{SELLER_NIP}/01F20A5D352AE590/"
              f"{b64url(hashlib.sha256(XML).digest())}/")
    assert kod2.url.startswith(prefix)
    assert verify_kod2(kod2.url, key.public_key())

    document = pdf.render_summary_pdf(summary, kod1=kod1, kod2=kod2)
    assert sorted(qr_links(document)) == sorted([expected_kod1(XML), kod2.url])
    text = text_of(document)
    assert "OFFLINE" in text and "CERTYFIKAT" in text
    after_kod2 = text[text.index("KOD II"):]
    assert summary.seller.name and summary.seller.name in after_kod2
    assert f"NIP: {SELLER_NIP}" in after_kod2


def test_offline_invoice_keeps_kod2_after_it_gets_a_number() -> None:
    key = certgen.new_key("EC")
    kod1, kod2 = pdf.verification_codes(XML, make_summary(1), ksef_number=KSEF_NUMBER,
                                        offline=pdf.OfflineQr("0A1B", key))
    assert kod1 is not None and kod1.label == KSEF_NUMBER
    assert kod2 is not None and kod2.label == "CERTYFIKAT"


def test_total_failure_prints_no_codes() -> None:
    summary = make_summary(1)
    assert pdf.verification_codes(XML, summary, total_failure=True) == (None, None)
    document = pdf.render_summary_pdf(summary, kod1=None, kod2=None)
    assert image_count(document) == 0
    text = text_of(document)
    assert "OFFLINE" not in text and "KOD I" not in text


def test_printed_codes_are_at_least_25_mm() -> None:
    """Phones must read the printed codes: each QR image is drawn ≥ 25 mm wide (quiet zone included)."""
    key = certgen.new_key("RSA")
    kod1, kod2 = pdf.verification_codes(XML, make_summary(1), offline=pdf.OfflineQr("01F2", key))
    document = pdf.render_summary_pdf(make_summary(1), kod1=kod1, kod2=kod2)
    content = pypdf.PdfReader(io.BytesIO(document)).pages[0].get_contents()
    assert content is not None
    # reportlab draws each image as "q <w> 0 0 <h> x y cm /FormXob... Do Q".
    drawn = re.findall(rb"q\s+([\d.]+) 0 0 [\d.]+ [\d.]+ [\d.]+ cm\s*/FormXob", content.get_data())
    sizes = [float(width) for width in drawn]
    assert len(sizes) == 2
    assert min(sizes) >= 25 / 25.4 * 72


def test_bad_inputs_give_clear_errors() -> None:
    summary = make_summary(1)
    with pytest.raises(KsefValidationError, match="numer KSeF"):
        pdf.verification_codes(XML, summary, ksef_number="5265877635-20250826-0100001AF629-00")
    no_nip = replace(summary, seller=replace(summary.seller, nip=None))
    with pytest.raises(KsefValidationError, match="NIP sprzedawcy"):
        pdf.verification_codes(XML, no_nip)
    with pytest.raises(KsefError):
        pdf.render_pdf(b"to nie jest XML")


# --------------------------------------------------------------------------- formatting

@pytest.mark.parametrize(("value", "text"), [
    ("0", "0,00"), ("5", "5,00"), ("1234.5", "1 234,50"), ("1234567.891", "1 234 567,89"),
    ("-12.345", "-12,35"),
])
def test_amounts_are_formatted_the_polish_way(value: str, text: str) -> None:
    assert pdf_layout.format_amount(Decimal(value)).replace("\u00a0", " ") == text


def test_money_accounts_rates_and_dates() -> None:
    assert pdf_layout.format_money(Decimal("1234.5")).replace("\u00a0", " ") == "1 234,50 zł"
    assert [pdf_layout.format_rate(r) for r in ("23", "8", "0 KR", "0 WDT", "zw", "np I")] == [
        "23%", "8%", "0% KR", "0% WDT", "zw", "np I"]
    assert pdf_layout.format_date(date(2026, 2, 1)) == "01.02.2026"
    assert pdf_layout.format_unit_price(Decimal("0.12345678")) == "0,12345678"
    assert pdf_layout.format_unit_price(Decimal("20.4")) == "20,40"


# --------------------------------------------------------------------------- from XML (official samples)

def _sample(name: str) -> bytes:
    xml = (SAMPLES_FA3 / name).read_bytes()
    # The C# template carries placeholders meant to be filled in before use.
    return xml.replace(b"#nip#", SELLER_NIP.encode()).replace(b"#invoice_number#", b"0001")


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES_FA3.glob("*.xml")))
def test_every_official_sample_renders_with_its_kod1(name: str) -> None:
    from ksef.fa3 import parse

    xml = _sample(name)
    summary = parse(xml)
    document = pdf.render_pdf(xml, env="test")
    nip = summary.seller.nip
    assert nip is not None
    assert qr_links(document) == [expected_kod1(xml, nip, summary.issue_date.strftime("%d-%m-%Y"))]
    text = text_of(document)
    assert summary.number in text
    assert (summary.seller.name or "") in text and (summary.buyer.name or "") in text
    assert pdf_layout.format_amount(summary.gross_total).replace("\u00a0", " ") in text


def test_official_pdfgen_sample_on_prod_matches_the_published_vector() -> None:
    vectors = json.loads(VECTORS_FILE.read_text())["kod_I_invoice_link"]
    vector = next(v for v in vectors if v.get("input_file", "").startswith("samples/fa3/cirfmf-pdfgen"))
    xml = (SAMPLES_FA3 / "cirfmf-pdfgen-invoice.xml").read_bytes()
    document = pdf.render_pdf(xml, env="prod", ksef_number=KSEF_NUMBER)
    assert qr_links(document) == [vector["url"]]
    text = text_of(document)
    assert "Bartkowiak, Dróżdż and Górecki" in text and "33 569,50" in text and "Czarnków" in text


def test_art113_sample_is_a_plain_faktura_with_its_exemption() -> None:
    text = text_of(pdf.render_pdf(_sample("authored-minimal-zw-art113.xml")))
    assert "Faktura VAT" not in text and "Faktura" in text
    assert "art. 113 ust. 1 ustawy o VAT" in text and "Poznań" in text and "500,00 zł" in text


# --------------------------------------------------------------------------- CLI

def test_cli_writes_pdf_and_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "faktura.xml"
    source.write_bytes(_sample("authored-minimal-vat-23.xml"))
    card = tmp_path / "karta.png"
    code = ksef_main(["--json", "pdf", str(source), "--ksef-number", KSEF_NUMBER, "--card", str(card)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    document = (tmp_path / "faktura.pdf").read_bytes()
    assert out["pdf"] == str(tmp_path / "faktura.pdf") and out["kod1Label"] == KSEF_NUMBER
    assert qr_links(document) == [out["kod1"]] and out["kod2"] is None
    assert card.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_cli_offline_with_portal_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = certgen.make_pair("EC")
    (tmp_path / "k.key").write_bytes(files.key_file)
    (tmp_path / "k.crt").write_bytes(files.cert_file)
    (tmp_path / "haslo.txt").write_text(files.password + "\n", encoding="utf-8")
    xml = _sample("authored-minimal-vat-23.xml")
    (tmp_path / "f.xml").write_bytes(xml)
    code = ksef_main(["--json", "pdf", str(tmp_path / "f.xml"), "-o", str(tmp_path / "out.pdf"), "--offline",
                      "--key", str(tmp_path / "k.key"), "--cert", str(tmp_path / "k.crt"),
                      "--password-file", str(tmp_path / "haslo.txt")])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["kod1Label"], out["kod2Label"]) == ("OFFLINE", "CERTYFIKAT")
    assert verify_kod2(out["kod2"], files.certificate.public_key())
    assert sorted(qr_links((tmp_path / "out.pdf").read_bytes())) == sorted([out["kod1"], out["kod2"]])


@pytest.mark.parametrize("extra", [
    [],  # the file does not exist
    ["--offline"],  # no key/cert
    ["--total-failure", "--ksef-number", KSEF_NUMBER],
])
def test_cli_bad_input_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         extra: list[str]) -> None:
    source = tmp_path / ("missing.xml" if not extra else "f.xml")
    if extra:
        source.write_bytes(_sample("authored-minimal-vat-23.xml"))
    assert ksef_main(["pdf", str(source), *extra]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ksef: error: ") and "\n" not in err
    assert not (tmp_path / "f.pdf").exists() and not (tmp_path / "missing.pdf").exists()


def test_cli_wrong_key_password_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = certgen.make_pair("EC")
    (tmp_path / "k.key").write_bytes(files.key_file)
    (tmp_path / "k.crt").write_bytes(files.cert_file)
    (tmp_path / "p.txt").write_text("złe hasło", encoding="utf-8")
    (tmp_path / "f.xml").write_bytes(_sample("authored-minimal-vat-23.xml"))
    code = ksef_main(["pdf", str(tmp_path / "f.xml"), "--offline", "--key", str(tmp_path / "k.key"),
                      "--cert", str(tmp_path / "k.crt"), "--password-file", str(tmp_path / "p.txt")])
    assert code == 1
    assert capsys.readouterr().err.startswith("ksef: error: ")


def test_pdf_fonts_have_glyphs_for_every_polish_letter() -> None:
    from reportlab.pdfbase import pdfmetrics

    pdf.render_summary_pdf(make_summary(1), kod1=None)  # registers the fonts
    for name in ("KsefSans", "KsefSans-Bold"):
        glyphs = pdfmetrics.getFont(name).face.charToGlyph
        missing = [c for c in POLISH.replace(" ", "") + "–…" if ord(c) not in glyphs]
        assert missing == [], (name, missing)


def test_markup_characters_in_invoice_data_are_printed_literally() -> None:
    name = 'Śruby <M8> & "nakrętki" <b>nie pogrubiaj</b>'
    text = text_of(pdf.render_summary_pdf(make_summary(1, name=name), kod1=None))
    assert name in text
