"""KOD I / KOD II verification links and their QR images (docs/ksef.md#qr-codes).

* KOD I ``{qrHost}/invoice/{sellerNip}/{DD-MM-YYYY}/{hash}`` — every invoice printout.
* KOD II ``{qrHost}/certificate/{ctxType}/{ctxValue}/{sellerNip}/{serial}/{hash}/{signature}`` —
  offline invoices only, signed with the issuer's **Offline** KSeF certificate.

``hash`` is the Base64URL (no padding) SHA-256 of the exact invoice XML bytes sent to KSeF.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final, cast

import qrcode
import qrcode.constants
import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ksef.certs import KsefCertificate, PrivateKey, PublicKey, serial_hex
from ksef.crypto import b64url, b64url_decode, sha256
from ksef.environments import Environment, resolve_environment
from ksef.errors import KsefValidationError
from ksef.identifiers import normalize_nip

LABEL_OFFLINE: Final = "OFFLINE"
LABEL_CERTIFICATE: Final = "CERTYFIKAT"
CONTEXT_TYPES: Final = ("Nip", "InternalId", "NipVatUe", "PeppolId")

_HASH_LEN = 32
_EC_P1363_LEN = 64
# RSASSA-PSS parameters fixed by KSeF for KOD II (docs/ksef.md#qr-codes).
_PSS_SALT_LEN = 32


def invoice_hash(xml: bytes) -> bytes:
    """SHA-256 of the exact invoice bytes (the same digest as the send request's ``invoiceHash``)."""
    return sha256(xml)


def _environment(env: Environment | str) -> Environment:
    try:
        return env if isinstance(env, Environment) else resolve_environment(env)
    except ValueError as exc:
        raise KsefValidationError(str(exc)) from exc


def _host(env: Environment | str) -> str:
    return _environment(env).qr_host.rstrip("/")


def _nip(text: str, what: str = "NIP sprzedawcy") -> str:
    nip = normalize_nip(text)
    # Format only, no checksum: KSeF enforces the checksum only on PRD, and the official test
    # inputs (e.g. 1234567890) fail it; the invoice builder validates NIPs for real.
    if not re.fullmatch(r"\d{10}", nip):
        raise KsefValidationError(f"{what} musi mieć 10 cyfr, otrzymano {text!r}")
    return nip


def _hash_segment(xml: bytes | None, digest: bytes | None) -> str:
    if (xml is None) == (digest is None):
        raise KsefValidationError("podaj albo XML faktury, albo jej skrót (dokładnie jedno z nich)")
    if xml is not None:
        return b64url(invoice_hash(xml))
    if digest is None or len(digest) != _HASH_LEN:
        raise KsefValidationError(f"skrót faktury musi mieć {_HASH_LEN} bajty (SHA-256)")
    return b64url(digest)


def _date_segment(issue_date: date) -> str:
    if isinstance(issue_date, datetime):
        issue_date = issue_date.date()
    return issue_date.strftime("%d-%m-%Y")


def kod1_url(env: Environment | str, seller_nip: str, issue_date: date, xml: bytes | None = None, *,
             invoice_hash: bytes | None = None) -> str:
    """KOD I link: ``{qrHost}/invoice/{sellerNip}/{P_1 as DD-MM-YYYY}/{hash}``.

    Give the exact XML bytes sent to KSeF, or their SHA-256 as ``invoice_hash``.
    """
    segment = _hash_segment(xml, invoice_hash)
    return f"{_host(env)}/invoice/{_nip(seller_nip)}/{_date_segment(issue_date)}/{segment}"


def _strip_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def _sign(private_key: PrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        if private_key.key_size < 2048:
            raise KsefValidationError("KOD II: klucz RSA musi mieć co najmniej 2048 bitów")
        return private_key.sign(
            data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=_PSS_SALT_LEN), hashes.SHA256())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise KsefValidationError("KOD II: klucz EC musi być na krzywej P-256")
        der = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # IEEE P1363: r‖s, each left-padded to 32 bytes (the form KSeF prefers).
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    raise KsefValidationError("KOD II: obsługiwane są tylko klucze RSA i EC P-256")


def _segment(value: str, what: str) -> str:
    value = value.strip()
    if not value or re.search(r"[\s/?#%]", value):
        raise KsefValidationError(f"{what}: niedozwolona wartość {value!r}")
    return value


def kod2_url(env: Environment | str, *, context_type: str = "Nip", context_value: str, seller_nip: str,
             certificate_serial: str, private_key: PrivateKey, xml: bytes | None = None,
             invoice_hash: bytes | None = None) -> str:
    """KOD II link, signed with the private key of the issuer's Offline certificate.

    The signed string is the link without ``https://`` up to and including the hash segment;
    RSA keys sign with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32), EC P-256 keys with ECDSA-SHA-256
    in IEEE P1363 form. The signature is appended Base64URL without padding.
    """
    if context_type not in CONTEXT_TYPES:
        raise KsefValidationError(
            f"nieznany typ kontekstu {context_type!r}; dozwolone: {', '.join(CONTEXT_TYPES)}")
    ctx_value = _nip(context_value, "NIP kontekstu") if context_type == "Nip" else _segment(
        context_value, "identyfikator kontekstu")
    serial = certificate_serial.strip().upper()
    if not re.fullmatch(r"[0-9A-F]+", serial):
        raise KsefValidationError(
            f"numer seryjny certyfikatu musi być szesnastkowy, otrzymano {certificate_serial!r}")
    segment = _hash_segment(xml, invoice_hash)
    unsigned = f"{_host(env)}/certificate/{context_type}/{ctx_value}/{_nip(seller_nip)}/{serial}/{segment}"
    signature = _sign(private_key, _strip_scheme(unsigned).encode("utf-8"))
    return f"{unsigned}/{b64url(signature)}"


@dataclass(frozen=True)
class OfflineCodes:
    """Both links an offline invoice printout carries, with their labels."""

    kod1: str
    kod2: str
    kod1_label: str = LABEL_OFFLINE
    kod2_label: str = LABEL_CERTIFICATE


def offline_codes(env: Environment | str, certificate: KsefCertificate, seller_nip: str, issue_date: date,
                  xml: bytes, *, context_type: str = "Nip", context_value: str | None = None) -> OfflineCodes:
    """KOD I + KOD II for an offline invoice of a sole trader (context ``Nip`` = seller NIP by default)."""
    digest = invoice_hash(xml)
    return OfflineCodes(
        kod1=kod1_url(env, seller_nip, issue_date, invoice_hash=digest),
        kod2=kod2_url(env, context_type=context_type, context_value=context_value or seller_nip,
                      seller_nip=seller_nip, certificate_serial=certificate.serial_hex,
                      private_key=certificate.private_key, invoice_hash=digest),
    )


@dataclass(frozen=True)
class Kod1Link:
    """The parts of a KOD I link."""

    host: str
    seller_nip: str
    issue_date: date
    invoice_hash: bytes


_KOD1_RE = re.compile(
    r"^(?:https?://)?(?P<host>[^/]+(?:/[^/]+)*?)/invoice/(?P<nip>\d{10})/"
    r"(?P<d>\d{2})-(?P<m>\d{2})-(?P<y>\d{4})/(?P<hash>[A-Za-z0-9_-]{43})$")


def parse_kod1(url: str) -> Kod1Link:
    """Split a KOD I link into its parts; raises ``KsefValidationError`` when it is not one."""
    match = _KOD1_RE.match(url.strip())
    if not match:
        raise KsefValidationError("to nie jest link KOD I (…/invoice/NIP/DD-MM-RRRR/skrót)")
    try:
        issue_date = date(int(match["y"]), int(match["m"]), int(match["d"]))
        digest = b64url_decode(match["hash"])
    except ValueError as exc:
        raise KsefValidationError(f"uszkodzony link KOD I: {exc}") from exc
    if len(digest) != _HASH_LEN:
        raise KsefValidationError("uszkodzony link KOD I: skrót nie ma 32 bajtów")
    return Kod1Link(match["host"], match["nip"], issue_date, digest)


@dataclass(frozen=True)
class Kod2Link:
    """The parts of a KOD II link."""

    host: str
    context_type: str
    context_value: str
    seller_nip: str
    certificate_serial: str
    invoice_hash: bytes
    signature: bytes
    signed_text: str


_KOD2_RE = re.compile(
    r"^(?:https?://)?(?P<host>[^/]+(?:/[^/]+)*?)/certificate/(?P<ctype>[^/]+)/(?P<cvalue>[^/]+)/"
    r"(?P<nip>\d{10})/(?P<serial>[0-9A-Fa-f]+)/(?P<hash>[A-Za-z0-9_-]{43})/(?P<sig>[A-Za-z0-9_-]+)$")


def parse_kod2(url: str) -> Kod2Link:
    """Split a KOD II link into its parts; raises ``KsefValidationError`` when it is not one."""
    match = _KOD2_RE.match(url.strip())
    if not match:
        raise KsefValidationError("to nie jest link KOD II (…/certificate/…)")
    try:
        digest = b64url_decode(match["hash"])
        signature = b64url_decode(match["sig"])
    except ValueError as exc:
        raise KsefValidationError(f"uszkodzony link KOD II: {exc}") from exc
    signed = _strip_scheme(url.strip()).rsplit("/", 1)[0]
    return Kod2Link(match["host"], match["ctype"], match["cvalue"], match["nip"], match["serial"].upper(),
                    digest, signature, signed)


def _verify_signature(public_key: object, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data,
                              padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=_PSS_SALT_LEN),
                              hashes.SHA256())
            return True
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(signature) == _EC_P1363_LEN:
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                           int.from_bytes(signature[32:], "big"))
            else:
                der = signature  # ASN.1 DER (RFC 3279), as the Java client emits
            public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def verify_kod2(url: str, certificate: x509.Certificate | PublicKey) -> bool:
    """True when the KOD II link's signature verifies with ``certificate`` (or a bare public key).

    EC signatures are accepted in P1363 and DER form. With a certificate, the serial in the link
    must also be the certificate's. Anything malformed or not matching gives False.
    """
    try:
        link = parse_kod2(url)
    except KsefValidationError:
        return False
    if link.context_type not in CONTEXT_TYPES or len(link.invoice_hash) != _HASH_LEN:
        return False
    if isinstance(certificate, x509.Certificate):
        if link.certificate_serial != serial_hex(certificate) and int(link.certificate_serial, 16) != (
                certificate.serial_number):
            return False
        public_key: object = certificate.public_key()
    else:
        public_key = certificate
    return _verify_signature(public_key, link.signature, link.signed_text.encode("utf-8"))


# --- images ---------------------------------------------------------------------------------------

QUIET_ZONE_MODULES: Final = 4
_LEVELS: Final = ("M", "Q", "H")


@lru_cache(maxsize=64)
def _symbol(text: str, level: str) -> Image.Image:
    """The bare QR symbol (no quiet zone), one pixel per module, dark modules 0.

    ASCII text (every KSeF link) is encoded by zxing-cpp (C++): the smallest version for the level
    and the mask with the lowest ISO/IEC 18004 penalty, at a twentieth of the pure-Python cost, and
    with no ECI header for ASCII. Other text (a Standard 2D transfer with Polish letters) must be raw
    UTF-8 in byte mode without an ECI header, which zxing-cpp cannot write (it adds ECI 4 or 899),
    so qrcode encodes it as before.

    Cached: one invoice's printout draws its KOD I twice (in the PDF and as the chat's image). The
    image is shared, so callers never change it (they expand and resize into new images).
    """
    if text.isascii():
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=level)
        matrix = barcode.to_image(scale=1, add_quiet_zones=False)
        height, width = matrix.shape[0], matrix.shape[1]
        # zxing-cpp's Image exports the buffer protocol (8-bit rows), which its stubs do not declare.
        pixels = memoryview(cast(Any, matrix)).tobytes()
        return Image.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1)
    code = qrcode.QRCode(error_correction=_QRCODE_LEVELS[level], border=0)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)  # smallest version that fits, and the mask with the lowest ISO penalty
    rows = code.get_matrix()
    pixels = bytes(0 if dark else 255 for row in rows for dark in row)
    return Image.frombytes("L", (len(rows), len(rows)), pixels)


_QRCODE_LEVELS: Final = {"M": qrcode.constants.ERROR_CORRECT_M, "Q": qrcode.constants.ERROR_CORRECT_Q,
                         "H": qrcode.constants.ERROR_CORRECT_H}


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        from ksef.fonts import BOLD

        return ImageFont.truetype(str(BOLD), size)
    except (ImportError, OSError):
        # Pillow's bundled scalable font: no Polish letters, which these labels do not need.
        return ImageFont.load_default(size=size)


def qr_png(url: str, label: str, *, box_size: int = 5, border: int = QUIET_ZONE_MODULES,
           error_correction: str = "M") -> bytes:
    """A PNG of the QR code for ``url`` with ``label`` (KSeF number, ``OFFLINE``, ``CERTYFIKAT``) under it.

    Error correction M or better, a quiet zone of at least 4 modules, ``box_size`` pixels per module
    (the reference client uses 5). The label is drawn centred below the quiet zone, sized to the
    code's width (a long KSeF number widens the canvas rather than shrinking below a legible size).
    An empty label gives the bare code.
    """
    if error_correction not in _LEVELS:
        raise KsefValidationError("poziom korekcji błędów kodu QR: M, Q lub H")
    if box_size < 1 or border < QUIET_ZONE_MODULES:
        raise KsefValidationError("kod QR: co najmniej 1 piksel na moduł i margines 4 modułów")
    # The module matrix at one pixel per module, with its quiet zone, scaled up nearest-neighbour:
    # sharp edges, and far cheaper than drawing each module.
    symbol = ImageOps.expand(_symbol(url, error_correction), border=border, fill=255)
    modules = symbol.width
    code = symbol.resize((modules * box_size, modules * box_size), Image.Resampling.NEAREST)
    if not label:
        return _png(code)

    width = code.width
    usable = width - 2 * box_size
    # Shrink a long label (a 35-character KSeF number) to the code's width, but not below a size
    # that still prints legibly; past that the canvas widens instead.
    size, smallest = max(10, min(box_size * 5, 40)), max(10, box_size * 3)
    font = _font(size)
    while size > smallest and _text_width(font, label) > usable:
        size -= 1
        font = _font(size)
    text_width = _text_width(font, label)
    canvas_width = max(width, text_width + 2 * box_size)
    ascent, descent = _font_metrics(font)
    # The label starts below the full quiet zone (which the code image already includes), so the
    # four clear modules scanners need stay clear; the canvas only grows by the text's height.
    text_top = code.height
    height = text_top + ascent + descent + box_size * 2
    image = Image.new("L", (canvas_width, height), 255)
    image.paste(code, ((canvas_width - width) // 2, 0))
    draw = ImageDraw.Draw(image)
    if isinstance(font, ImageFont.FreeTypeFont):
        draw.text((canvas_width // 2, text_top), label, fill=0, font=font, anchor="ma")
    else:  # bitmap fonts know no anchors
        draw.text(((canvas_width - text_width) // 2, text_top), label, fill=0, font=font)
    return _png(image)


def qr_pair_png(first: tuple[str, str], second: tuple[str, str], *, box_size: int = 5) -> bytes:
    """Two labelled codes side by side in one PNG, e.g. KOD I (``OFFLINE``) and KOD II (``CERTYFIKAT``) of
    an offline invoice: one picture in a chat instead of two. Each is ``(url, label)``; each code keeps
    its own quiet zone, so either scans on its own."""
    left, right = (Image.open(io.BytesIO(qr_png(url, label, box_size=box_size)))
                   for url, label in (first, second))
    gap = box_size * QUIET_ZONE_MODULES
    image = Image.new("L", (left.width + gap + right.width, max(left.height, right.height)), 255)
    image.paste(left, (0, 0))
    image.paste(right, (left.width + gap, 0))
    return _png(image)


def bare_qr_image(url: str, *, box_size: int, error_correction: str = "M") -> tuple[Image.Image, int]:
    """The bare code for ``url`` as a grayscale image (error correction M, the 4-module quiet zone,
    ``box_size`` pixels per module) and its side in modules: what a PDF embeds without a PNG round trip."""
    if error_correction not in _LEVELS:
        raise KsefValidationError("poziom korekcji błędów kodu QR: M, Q lub H")
    if box_size < 1:
        raise KsefValidationError("kod QR: co najmniej 1 piksel na moduł")
    symbol = ImageOps.expand(_symbol(url, error_correction), border=QUIET_ZONE_MODULES, fill=255)
    modules = symbol.width
    return symbol.resize((modules * box_size, modules * box_size), Image.Resampling.NEAREST), modules


def _text_width(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> int:
    left, _, right, _ = font.getbbox(text)
    return int(right - left)


def _font_metrics(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> tuple[int, int]:
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        return int(ascent), int(descent)
    _, top, _, bottom = font.getbbox("Ag")
    return int(bottom - top), 0


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # A label-less code is pure black and white: store it as a 1-bit PNG (a third of the size).
    if image.getcolors(2) is not None:
        image = image.convert("1")
    image.save(buffer, format="PNG")
    return buffer.getvalue()
