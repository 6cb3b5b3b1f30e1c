"""The accountant's package of a month: one ZIP (split into parts when bigger than a bot may upload) with
every XML and PDF of the month's sales and purchases, corrections included, the UPOs of the sales, and
a CSV register (semicolon-separated, decimal comma, UTF-8 with a BOM so a spreadsheet opens it right).

Which documents: exactly those the month's figures count (:mod:`bot.services.month`). What is stored is
used; only what is missing is fetched (a purchase's XML not downloaded yet, a sale's UPO not asked for
yet), each once and then stored by the service that fetches it. PDFs are laid out and the ZIP written in a
worker thread: a month of a busy trader is seconds of CPU the event loop must not wait for.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.services.issuing.printout import make_printout
from bot.services.month import Doc, DocAmounts, MonthDocs, MonthService, Side, read_amounts
from ksef.environments import resolve_environment
from ksef.pdf import render_pdf

log = logging.getLogger(__name__)

# Telegram's limit for a file a bot uploads is 50 MB (https://core.telegram.org/bots/api#senddocument);
# a part stays under it with room for the multipart framing, whichever "MB" Telegram means.
PART_LIMIT = 49_000_000
_LEVEL = 6  # deflate level; the sizes below are computed with exactly the compressor zipfile uses
_ENTRY_OVERHEAD = 30 + 46  # local header + central directory record, without the name
_END_OVERHEAD = 22  # end of central directory
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

FetchXml = Callable[[int], Awaitable[bytes]]  # a purchase's XML by its row id (downloaded once, stored)
FetchUpo = Callable[[int, int], Awaitable[bytes]]  # a sale's UPO by (user id, row id) (fetched once, stored)

CSV_HEADER = ("Typ", "Rodzaj", "Numer", "Numer KSeF", "Data wystawienia", "NIP kontrahenta",
              "Nazwa kontrahenta", "Netto", "VAT", "Brutto", "Waluta", "Kurs", "Netto w zł", "VAT w zł")


@dataclass(frozen=True)
class PackageFile:
    name: str  # path inside the ZIP, ASCII
    content: bytes


@dataclass(frozen=True)
class PackagePart:
    filename: str
    content: bytes
    names: tuple[str, ...]  # the files it holds


@dataclass(frozen=True)
class Package:
    """The ZIP part(s) and what could not be included (document numbers with the reason)."""

    parts: tuple[PackagePart, ...]
    missing: tuple[tuple[str, str], ...]  # (number, reason: "xml" | "pdf" | "upo" | "size")
    documents: int


def ascii_name(text: str, limit: int = 80) -> str:
    """A file-name-safe ASCII form: Polish letters without diacritics, anything else but letters, digits,
    ``.``, ``_`` and ``-`` as ``_`` (``FV/1/12/2026`` → ``FV_1_12_2026``)."""
    text = text.replace("ł", "l").replace("Ł", "L")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _UNSAFE.sub("_", plain).strip("._")[:limit] or "dokument"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def register_csv(docs: Sequence[Doc], amounts: Sequence[DocAmounts | None]) -> bytes:
    """The CSV register: one row per document, amounts in the document's currency, then the exchange rate
    and net and VAT in PLN (empty when a foreign-currency document gives no rate)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for doc, found in zip(docs, amounts, strict=True):
        correction = found.correction if found is not None else doc.correction
        gross = found.gross if found is not None else _stored_gross(doc)
        pln = found.pln if found is not None else None
        writer.writerow((
            "sprzedaż" if doc.side is Side.SALE else "zakup", "korekta" if correction else "faktura",
            doc.number, doc.ksef_number or "", doc.issue_date.isoformat(), doc.counterparty_nip or "",
            doc.counterparty_name, _amount(found.net if found else None),
            _amount(found.vat if found else None), _amount(gross), doc.currency,
            f"{found.rate}".replace(".", ",") if found is not None and found.rate is not None else "",
            _amount(pln[0] if pln else None), _amount(pln[1] if pln else None)))
    return buffer.getvalue().encode("utf-8-sig")


def _stored_gross(doc: Doc) -> Decimal | None:
    try:
        return Decimal(doc.gross_text)
    except ArithmeticError:
        return None


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}_{n}{dot}{extension}"
    taken.add(candidate)
    return candidate


def package_files(month: MonthDocs) -> tuple[list[PackageFile], list[tuple[str, str]]]:
    """Every file of the package (PDFs laid out here: call it in a worker thread), and what is missing."""
    env = resolve_environment(month.environment)
    amounts = [read_amounts(d) for d in month.docs]
    register = register_csv(month.docs, amounts)
    files = [PackageFile(f"rejestr_{month.year:04d}_{month.month:02d}.csv", register)]
    missing: list[tuple[str, str]] = []
    taken: set[str] = set()
    for doc in month.docs:
        if doc.xml is None:
            missing.append((doc.number, "xml"))
            continue
        if doc.side is Side.SALE:
            stem = f"sprzedaz/{ascii_name(doc.number)}"
        else:
            stem = f"zakupy/{ascii_name(doc.number, 60)}_{ascii_name(doc.counterparty_nip or 'bez_NIP')}"
        xml_name = _unique(f"{stem}.xml", taken)
        stem = xml_name[:-4]
        files.append(PackageFile(xml_name, doc.xml))
        try:
            if doc.side is Side.SALE:
                pdf = make_printout(doc.xml, number=doc.number, mode=doc.mode, ksef_number=doc.ksef_number,
                                    kod2_url=doc.kod2_url, env=env).pdf
            else:
                pdf = render_pdf(doc.xml, env=env, ksef_number=doc.ksef_number)
        except Exception as exc:  # a supplier's XML may be anything: its PDF is left out, said so
            log.info("package: no PDF for document %s (%s)", doc.id, type(exc).__name__)
            missing.append((doc.number, "pdf"))
        else:
            files.append(PackageFile(_unique(f"{stem}.pdf", taken), pdf))
        if doc.side is Side.SALE:
            if doc.upo is not None:
                files.append(PackageFile(_unique(f"{stem}_UPO.xml", taken), doc.upo))
            else:
                missing.append((doc.number, "upo"))
    return files, missing


def _compressed_size(content: bytes) -> int:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)  # what zipfile's ZIP_DEFLATED uses
    return len(compressor.compress(content)) + len(compressor.flush())


def zip_parts(files: Sequence[PackageFile], stem: str, limit: int,
              date_time: tuple[int, int, int, int, int, int] = (2026, 1, 1, 0, 0, 0),
              ) -> tuple[list[PackagePart], list[PackageFile]]:
    """The files packed in order into ZIPs of at most ``limit`` bytes each: ``<stem>.zip`` when one is
    enough, else ``<stem>_1.zip``, ``<stem>_2.zip``… A file that alone exceeds the limit is returned
    apart (it cannot be sent by a bot whole)."""
    groups: list[list[PackageFile]] = [[]]
    used = _END_OVERHEAD
    too_big: list[PackageFile] = []
    for file in files:
        cost = _compressed_size(file.content) + _ENTRY_OVERHEAD + 2 * len(file.name.encode())
        if cost + _END_OVERHEAD > limit:
            too_big.append(file)
            continue
        if used + cost > limit and groups[-1]:
            groups.append([])
            used = _END_OVERHEAD
        groups[-1].append(file)
        used += cost
    parts = []
    for group in (g for g in groups if g):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as archive:
            for file in group:
                info = zipfile.ZipInfo(file.name, date_time=date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, file.content, compresslevel=_LEVEL)
        parts.append(PackagePart("", buffer.getvalue(), tuple(f.name for f in group)))
    if len(parts) == 1:
        parts = [replace(parts[0], filename=f"{stem}.zip")]
    else:
        parts = [replace(p, filename=f"{stem}_{n}.zip") for n, p in enumerate(parts, start=1)]
    return parts, too_big


def build_package(month: MonthDocs, limit: int = PART_LIMIT) -> Package:
    """The whole package of a month (CPU-bound: call it in a worker thread)."""
    files, missing = package_files(month)
    stem = f"paczka_{ascii_name(month.nip)}_{month.year:04d}_{month.month:02d}"
    parts, too_big = zip_parts(files, stem, limit, (month.year, month.month, 1, 0, 0, 0))
    missing += [(f.name.rsplit("/", 1)[-1], "size") for f in too_big]
    return Package(tuple(parts), tuple(missing), len(month.docs))


class PackageService:
    """Gathers a month's documents (fetching what is missing, once) and builds the package."""

    def __init__(self, month: MonthService, fetch_xml: FetchXml, fetch_upo: FetchUpo) -> None:
        self.month, self.fetch_xml, self.fetch_upo = month, fetch_xml, fetch_upo

    async def build(self, user_id: int, company_id: int, year: int, month: int, *,
                    limit: int = PART_LIMIT) -> Package:
        """The month's package (AccessDenied for a non-member); ``limit``: bytes per ZIP part."""
        docs = await self.month.documents(user_id, company_id, year, month)
        completed = []
        for doc in docs.docs:
            completed.append(await self._complete(user_id, doc))
        return await asyncio.to_thread(build_package, replace(docs, docs=tuple(completed)), limit)

    async def _complete(self, user_id: int, doc: Doc) -> Doc:
        try:
            if doc.side is Side.PURCHASE and doc.xml is None:
                return replace(doc, xml=await self.fetch_xml(doc.id))
            if doc.side is Side.SALE and doc.upo is None:
                return replace(doc, upo=await self.fetch_upo(user_id, doc.id))
        except Exception as exc:  # KSeF unreachable, token revoked: the package says what is missing
            log.info("package: document %s not completed (%s)", doc.id, type(exc).__name__)
        return doc
