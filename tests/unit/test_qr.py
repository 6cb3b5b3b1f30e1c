"""KOD I / KOD II links, signatures, PNG images and the ``ksef qr`` command (docs/ksef.md#qr-codes)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from PIL import Image

from ksef import qr
from ksef.certs import CertType, load_key_pair
from ksef.cli import main
from ksef.crypto import b64url, b64url_decode
from ksef.errors import KsefValidationError
from ksef.identifiers import make_ksef_number
from tests import certgen
from tests.paths import SAMPLES_FA3, SPEC_DIR, VECTORS_FILE

VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
AUTHORED = VECTORS["kod_II_authored_signatures"]
DOCS_KOD2 = VECTORS["kod_II_docs_example"]
SAMPLE = SAMPLES_FA3 / "cirfmf-pdfgen-invoice.xml"


def _vector_input(vector: dict[str, Any]) -> bytes:
    if "input_utf8" in vector:
        return str(vector["input_utf8"]).encode("utf-8")
    return (SPEC_DIR / str(vector["input_file"]).split(" ")[0]).read_bytes()


def _env_for(url: str) -> str:
    return "prod" if url.startswith("https://qr.ksef") else "test"


# --- KOD I ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["kod_I_invoice_link"], ids=lambda v: v["url"][-12:])
def test_kod1_reproduces_official_vectors(vector: dict[str, Any]) -> None:
    xml = _vector_input(vector)
    assert qr.invoice_hash(xml) == b64url_decode(vector["invoiceHash_base64url"])
    url = qr.kod1_url(_env_for(vector["url"]), vector["nip"], date.fromisoformat(vector["P_1"]), xml)
    assert url == vector["url"]


def test_kod1_docs_example_from_hash() -> None:
    example = VECTORS["kod_I_docs_example"]
    url = qr.kod1_url("test", example["nip"], date(2026, 2, 1),
                      invoice_hash=b64url_decode(example["hash_base64url"]))
    assert url == example["url"]


def test_kod1_uses_the_environment_qr_host() -> None:
    xml = b"<root>test</root>"
    hosts = {env: qr.kod1_url(env, "1234567890", date(2026, 1, 5), xml).split("/invoice/")[0]
             for env in ("test", "demo", "prod")}
    assert hosts == {"test": "https://qr-test.ksef.mf.gov.pl", "demo": "https://qr-demo.ksef.mf.gov.pl",
                     "prod": "https://qr.ksef.mf.gov.pl"}


def test_parse_links_round_trip() -> None:
    url = VECTORS["kod_I_docs_example"]["url"]
    link = qr.parse_kod1(url)
    assert (link.host, link.seller_nip, link.issue_date) == ("qr-test.ksef.mf.gov.pl", "1111111111",
                                                             date(2026, 2, 1))
    assert qr.kod1_url("test", link.seller_nip, link.issue_date, invoice_hash=link.invoice_hash) == url
    kod2 = qr.parse_kod2(AUTHORED["ecdsa_p256"]["url_with_p1363"])
    assert (kod2.context_type, kod2.context_value, kod2.seller_nip, kod2.certificate_serial) == (
        "Nip", "1111111111", "1111111111", "01F20A5D352AE590")
    assert kod2.invoice_hash == link.invoice_hash and len(kod2.signature) == 64
    assert kod2.signed_text == AUTHORED["string_to_sign"]
    for bad in ("https://qr-test.ksef.mf.gov.pl/invoice/1111111111/31-02-2026/" + "A" * 43,
                "https://qr-test.ksef.mf.gov.pl/invoice/111111111/01-02-2026/" + "A" * 43, url + "/x"):
        with pytest.raises(KsefValidationError):
            qr.parse_kod1(bad)
    with pytest.raises(KsefValidationError):
        qr.parse_kod2(url)


def test_kod1_rejects_bad_input() -> None:
    with pytest.raises(KsefValidationError):
        qr.kod1_url("test", "12345", date(2026, 1, 5), b"<x/>")
    with pytest.raises(KsefValidationError):  # neither xml nor hash
        qr.kod1_url("test", "1234567890", date(2026, 1, 5))
    with pytest.raises(KsefValidationError):  # both
        qr.kod1_url("test", "1234567890", date(2026, 1, 5), b"<x/>", invoice_hash=bytes(32))
    with pytest.raises(KsefValidationError):  # a Base64 text is not the raw digest
        qr.kod1_url("test", "1234567890", date(2026, 1, 5), invoice_hash=b"qrs2gCLXnTUy6--AHwHuDxFuCj0")
    with pytest.raises(KsefValidationError):
        qr.kod1_url("nowhere", "1234567890", date(2026, 1, 5), b"<x/>")


# --- KOD II: the official example and the authored signatures -------------------------------------


def _pem_private(text: str) -> Any:
    return serialization.load_pem_private_key(text.encode("ascii"), None)


def _pem_public(text: str) -> Any:
    return serialization.load_pem_public_key(text.encode("ascii"))


def test_kod2_signed_string_matches_docs_example() -> None:
    key = _pem_private(AUTHORED["rsa_pss_2048"]["private_key_pkcs8_pem"])
    url = qr.kod2_url("test", context_type=DOCS_KOD2["contextIdentifierType"],
                      context_value=DOCS_KOD2["contextIdentifierValue"], seller_nip=DOCS_KOD2["sellerNip"],
                      certificate_serial=DOCS_KOD2["certificateSerialNumber"], private_key=key,
                      invoice_hash=b64url_decode(VECTORS["kod_I_docs_example"]["hash_base64url"]))
    unsigned, signature = url.rsplit("/", 1)
    assert unsigned.removeprefix("https://") == DOCS_KOD2["string_to_sign"]
    assert unsigned == DOCS_KOD2["url"].rsplit("/", 1)[0]
    assert len(b64url_decode(signature)) == DOCS_KOD2["signature_bytes"] == 256
    assert "=" not in signature
    # Our own signature over the docs example verifies with the throwaway public key.
    assert qr.verify_kod2(url, _pem_public(AUTHORED["rsa_pss_2048"]["public_key_spki_pem"]))


def test_authored_ecdsa_signatures_verify_in_p1363_and_der() -> None:
    ec_vec = AUTHORED["ecdsa_p256"]
    public = _pem_public(ec_vec["public_key_spki_pem"])
    assert qr.verify_kod2(ec_vec["url_with_p1363"], public)
    der_url = f"https://{AUTHORED['string_to_sign']}/{ec_vec['signature_der_base64url']}"
    assert qr.verify_kod2(der_url, public)
    assert len(b64url_decode(ec_vec["signature_p1363_base64url"])) == 64


def test_authored_rsa_pss_signature_verifies() -> None:
    rsa_vec = AUTHORED["rsa_pss_2048"]
    assert qr.verify_kod2(rsa_vec["url"], _pem_public(rsa_vec["public_key_spki_pem"]))


def _tampered(url: str) -> list[str]:
    unsigned, signature = url.rsplit("/", 1)
    sig = bytearray(b64url_decode(signature))
    sig[10] ^= 0x01
    return [
        url.replace("/Nip/1111111111/1111111111/", "/Nip/1111111111/5265877635/"),
        url.replace("/01F20A5D352AE590/", "/01F20A5D352AE591/"),
        url.replace("UtQp9Gpc51y", "UtQp9Gpc51z"),
        url.replace("/Nip/", "/InternalId/"),
        url.replace("qr-test.", "qr."),
        f"{unsigned}/{b64url(bytes(sig))}",
    ]


@pytest.mark.parametrize("which", ["ecdsa", "rsa"])
def test_tampered_links_fail(which: str) -> None:
    if which == "ecdsa":
        url, public = AUTHORED["ecdsa_p256"]["url_with_p1363"], AUTHORED["ecdsa_p256"]["public_key_spki_pem"]
    else:
        url, public = AUTHORED["rsa_pss_2048"]["url"], AUTHORED["rsa_pss_2048"]["public_key_spki_pem"]
    key = _pem_public(public)
    assert qr.verify_kod2(url, key)
    for bad in _tampered(url):
        assert bad != url
        assert not qr.verify_kod2(bad, key), bad


def test_verify_rejects_non_kod2_links() -> None:
    key = _pem_public(AUTHORED["rsa_pss_2048"]["public_key_spki_pem"])
    assert not qr.verify_kod2(VECTORS["kod_I_docs_example"]["url"], key)
    assert not qr.verify_kod2("not a link", key)


# --- KOD II: our own signatures with certificates ---------------------------------------------------


@pytest.mark.parametrize("kind", ["RSA", "EC"])
def test_own_kod2_verifies_with_certificate(kind: str) -> None:
    files = certgen.make_pair(kind)  # type: ignore[arg-type]
    pair = load_key_pair(files.key_file, files.cert_file, files.password, expected_type=CertType.OFFLINE)
    xml = SAMPLE.read_bytes()
    url = qr.kod2_url("test", context_value="5265877635", seller_nip="5265877635",
                      certificate_serial=pair.serial_hex, private_key=pair.private_key, xml=xml)
    assert url.startswith("https://qr-test.ksef.mf.gov.pl/certificate/Nip/5265877635/5265877635/"
                          "01F20A5D352AE590/" + b64url(qr.invoice_hash(xml)) + "/")
    signature = b64url_decode(url.rsplit("/", 1)[1])
    assert len(signature) == (256 if kind == "RSA" else 64)  # EC: IEEE P1363 r‖s
    assert qr.verify_kod2(url, pair.certificate)
    for bad in _tampered(url.replace("5265877635/5265877635", "1111111111/1111111111")):
        assert not qr.verify_kod2(bad, pair.certificate)
    # Another certificate (other key) does not verify it.
    other = certgen.make_pair(kind, slot=1)  # type: ignore[arg-type]
    assert not qr.verify_kod2(url, other.certificate)
    # Same key, but a certificate with another serial: the link names the wrong certificate.
    renumbered = certgen.make_certificate(files.key, serial=0x1234)
    assert not qr.verify_kod2(url, renumbered)


@pytest.mark.parametrize("context_type", qr.CONTEXT_TYPES)
def test_context_types_spelled_exactly(context_type: str) -> None:
    key = certgen.new_key("EC")
    value = "5265877635" if context_type == "Nip" else "PL5265877635-1"
    url = qr.kod2_url("demo", context_type=context_type, context_value=value, seller_nip="5265877635",
                      certificate_serial="01f20a5d352ae590", private_key=key, xml=b"<x/>")
    assert f"/certificate/{context_type}/{value}/5265877635/01F20A5D352AE590/" in url
    assert qr.verify_kod2(url, key.public_key())


def test_kod2_rejects_bad_input() -> None:
    key = certgen.new_key("EC")
    base: dict[str, Any] = dict(context_value="5265877635", seller_nip="5265877635",
                                certificate_serial="01F20A5D352AE590", private_key=key, xml=b"<x/>")
    for override in ({"context_type": "NIP"}, {"context_type": "nip"}, {"certificate_serial": "XYZ"},
                     {"context_value": "12/34", "context_type": "InternalId"}, {"seller_nip": "abc"}):
        with pytest.raises(KsefValidationError):
            qr.kod2_url("test", **{**base, **override})
    with pytest.raises(KsefValidationError):  # P-384 is not what KSeF accepts
        qr.kod2_url("test", **{**base, "private_key": certgen.new_key("EC384")})
    with pytest.raises(KsefValidationError):  # nor RSA below 2048 bits
        qr.kod2_url("test", **{**base, "private_key": certgen.new_key("RSA", bits=1024)})


def test_offline_codes_for_a_sole_trader() -> None:
    files = certgen.make_pair("EC")
    pair = load_key_pair(files.key_file, files.cert_file, files.password, expected_type=CertType.OFFLINE)
    xml = SAMPLE.read_bytes()
    codes = qr.offline_codes("prod", pair, "5265877635", date(2025, 10, 31), xml)
    assert codes.kod1 == VECTORS["kod_I_invoice_link"][2]["url"]
    assert (codes.kod1_label, codes.kod2_label) == (qr.LABEL_OFFLINE, qr.LABEL_CERTIFICATE) == (
        "OFFLINE", "CERTYFIKAT")
    assert "/certificate/Nip/5265877635/5265877635/" in codes.kod2
    assert qr.verify_kod2(codes.kod2, pair.certificate)


# --- PNG images -----------------------------------------------------------------------------------


def _decode(png: bytes) -> list[Any]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return list(zxingcpp.read_barcodes(image))


def _long_kod2() -> str:
    return str(AUTHORED["rsa_pss_2048"]["url"])


@pytest.mark.parametrize(("url", "label"), [
    (VECTORS["kod_I_docs_example"]["url"], make_ksef_number("1111111111", "20260201", "0100001AF629")),
    (VECTORS["kod_I_docs_example"]["url"], qr.LABEL_OFFLINE),
    (AUTHORED["ecdsa_p256"]["url_with_p1363"], qr.LABEL_CERTIFICATE),
    (_long_kod2(), qr.LABEL_CERTIFICATE),
])
def test_png_decodes_back_to_the_exact_link(url: str, label: str) -> None:
    png = qr.qr_png(url, label)
    results = _decode(png)
    assert [r.text for r in results] == [url]
    assert results[0].ec_level in {"M", "Q", "H"}


def test_png_has_quiet_zone_and_label_below() -> None:
    url = VECTORS["kod_I_docs_example"]["url"]
    box = 5
    bare = Image.open(io.BytesIO(qr.qr_png(url, ""))).convert("L")
    labelled = Image.open(io.BytesIO(qr.qr_png(url, qr.LABEL_OFFLINE, box_size=box))).convert("L")
    assert labelled.height > bare.height
    quiet = 4 * box
    # Quiet zone: the top and left 4 modules and the 4 modules under the code are pure white.
    for region in [(0, 0, bare.width, quiet), (0, 0, quiet, bare.height),
                   (0, bare.height - quiet, bare.width, bare.height)]:
        assert labelled.crop(region).getextrema() == (255, 255), region
    # The label is drawn (dark pixels) below the code.
    label_area = labelled.crop((0, bare.height, labelled.width, labelled.height))
    darkest, _ = label_area.getextrema()
    assert isinstance(darkest, int) and darkest < 100


def test_png_still_decodes_when_small_and_scaled_down() -> None:
    # A printout scanned at lower resolution: 2 px per module, then shrunk by a quarter.
    url = _long_kod2()
    image = Image.open(io.BytesIO(qr.qr_png(url, qr.LABEL_CERTIFICATE, box_size=3)))
    small = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.BILINEAR)
    assert [r.text for r in zxingcpp.read_barcodes(small)] == [url]


def test_png_long_label_widens_canvas_not_the_code() -> None:
    url = VECTORS["kod_I_docs_example"]["url"]
    number = make_ksef_number("1111111111", "20260201", "0100001AF629")
    bare = Image.open(io.BytesIO(qr.qr_png(url, "")))
    labelled = Image.open(io.BytesIO(qr.qr_png(url, number)))
    assert labelled.width >= bare.width
    assert [r.text for r in zxingcpp.read_barcodes(labelled)] == [url]


@pytest.mark.parametrize("text", [_long_kod2(), "Zażółć gęślą jaźń|PL|12,00"])
def test_png_carries_the_text_bytes_without_an_eci_header(text: str) -> None:
    # KOD I/II links (ASCII) and Standard 2D payloads (UTF-8) alike: byte content exactly as given,
    # no ECI designator ("]Q1"), at error correction M.
    image = Image.open(io.BytesIO(qr.qr_png(text, "")))
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.HexECI)
    assert len(found) == 1 and found[0].symbology_identifier == "]Q1"
    assert bytes.fromhex(found[0].text)[3:] == text.encode("utf-8")
    assert found[0].ec_level == "M"


def test_png_rejects_weak_settings() -> None:
    with pytest.raises(KsefValidationError):
        qr.qr_png("https://x", "OFFLINE", error_correction="L")
    with pytest.raises(KsefValidationError):
        qr.qr_png("https://x", "OFFLINE", border=2)


# --- the ``ksef qr`` command ------------------------------------------------------------------------


def _write_pair(tmp_path: Path, files: certgen.PortalFiles) -> list[str]:
    (tmp_path / "offline.key").write_bytes(files.key_file)
    (tmp_path / "offline.crt").write_bytes(files.cert_file)
    (tmp_path / "password.txt").write_text(files.password + "\n", encoding="utf-8")
    return ["--key", str(tmp_path / "offline.key"), "--cert", str(tmp_path / "offline.crt"),
            "--password-file", str(tmp_path / "password.txt")]


def test_cli_kod1_prints_link_and_writes_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = VECTORS["kod_I_invoice_link"][2]["url"]
    number = make_ksef_number("5265877635", "20251031", "0100001AF629")
    code = main(["qr", str(SAMPLE), "--env", "prod", "--ksef-number", number, "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert expected in out and number in out
    png = tmp_path / "cirfmf-pdfgen-invoice-kod1.png"
    assert [r.text for r in _decode(png.read_bytes())] == [expected]
    assert not (tmp_path / "cirfmf-pdfgen-invoice-kod2.png").exists()


def test_cli_global_env_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "demo", "--json", "qr", str(SAMPLE), "-o", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sellerNip"] == "5265877635" and data["issueDate"] == "2025-10-31"
    assert [c["label"] for c in data["codes"]] == ["OFFLINE"]
    assert data["codes"][0]["url"].startswith("https://qr-demo.ksef.mf.gov.pl/invoice/5265877635/31-10-2025/")


@pytest.mark.parametrize("kind", ["EC", "RSA"])
def test_cli_offline_writes_both_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    files = certgen.make_pair(kind, der=kind == "RSA")  # type: ignore[arg-type]
    args = _write_pair(tmp_path, files)
    out = str(tmp_path / "out")
    code = main(["--json", "qr", str(SAMPLE), "--env", "test", "--offline", *args, "-o", out])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    kod1, kod2 = data["codes"]
    assert (kod1["label"], kod2["label"]) == ("OFFLINE", "CERTYFIKAT")
    assert kod2["url"].startswith(
        "https://qr-test.ksef.mf.gov.pl/certificate/Nip/5265877635/5265877635/01F20A5D352AE590/")
    assert qr.verify_kod2(kod2["url"], files.certificate)
    for entry in (kod1, kod2):
        assert [r.text for r in _decode(Path(entry["png"]).read_bytes())] == [entry["url"]]


def _run_failing(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code != 0
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    return lines[0]


def test_cli_offline_with_authentication_certificate_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _write_pair(tmp_path, certgen.make_pair("EC", cert_type=CertType.AUTHENTICATION))
    line = _run_failing(["qr", str(SAMPLE), "--offline", *args, "-o", str(tmp_path)], capsys)
    assert "uwierzytelniający" in line and "Offline" in line
    assert not list(tmp_path.glob("*.png"))


def test_cli_offline_wrong_password_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _write_pair(tmp_path, certgen.make_pair("EC"))
    (tmp_path / "password.txt").write_text("wrong\n", encoding="utf-8")
    line = _run_failing(["qr", str(SAMPLE), "--offline", *args, "-o", str(tmp_path)], capsys)
    assert "Hasło" in line


def test_cli_bad_inputs_fail_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "nie ma takiego pliku" in _run_failing(["qr", str(tmp_path / "missing.xml")], capsys)
    text = tmp_path / "note.xml"
    text.write_text("to nie jest XML", encoding="utf-8")
    assert "XML" in _run_failing(["qr", str(text), "-o", str(tmp_path)], capsys)
    other = tmp_path / "other.xml"
    other.write_text("<a><b/></a>", encoding="utf-8")
    assert "FA(3)" in _run_failing(["qr", str(other), "-o", str(tmp_path)], capsys)
    assert "numer KSeF" in _run_failing(
        ["qr", str(SAMPLE), "--ksef-number", "5265877635-20251031-0100001AF629-00", "-o", str(tmp_path)],
        capsys)
    assert "--key" in _run_failing(["qr", str(SAMPLE), "--offline", "-o", str(tmp_path)], capsys)
    foreign = make_ksef_number("1111111111", "20251031", "0100001AF629")
    assert "nie należy" in _run_failing(["qr", str(SAMPLE), "--ksef-number", foreign, "-o", str(tmp_path)],
                                        capsys)


def test_cli_missing_p1_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = SAMPLE.read_bytes()
    start, end = xml.index(b"<P_1>"), xml.index(b"</P_1>") + len(b"</P_1>")
    broken = tmp_path / "no-p1.xml"
    broken.write_bytes(xml[:start] + xml[end:])
    assert "P_1" in _run_failing(["qr", str(broken), "-o", str(tmp_path)], capsys)


def test_cli_offline_key_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KSEF_KEY_PASSWORD", raising=False)
    files = certgen.make_pair("EC")
    args = _write_pair(tmp_path, files)
    base = ["qr", str(SAMPLE), "--offline", "-o", str(tmp_path)]
    # A text file named .key.
    (tmp_path / "offline.key").write_text("moje hasło to kot123\n", encoding="utf-8")
    assert "nie jest kluczem prywatnym" in _run_failing([*base, *args], capsys)
    # The right key, but no password anywhere; then the password from the environment works.
    (tmp_path / "offline.key").write_bytes(files.key_file)
    no_password = args[:4]
    assert "zaszyfrowany" in _run_failing([*base, *no_password], capsys)
    monkeypatch.setenv("KSEF_KEY_PASSWORD", files.password)
    assert main([*base, *no_password]) == 0
    assert "CERTYFIKAT" in capsys.readouterr().out
