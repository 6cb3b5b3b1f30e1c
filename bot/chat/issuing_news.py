"""What the user receives about an issued invoice, at most two messages: the result (the KOD I photo, or
for an offline invoice one picture with KOD I and KOD II, with a short caption naming the outcome and
buttons for the UPO, issuing again and the codes' links; a text when there is no code to show) and the
documents (PDF + XML as one document group). Renderers of the outbox kinds ``issued.*``."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.rendering import Document, DocumentGroup, PhotoMessage, Rendered, TextMessage, renders
from bot.i18n import clip, esc, fmt_date, t
from bot.services import Services
from bot.services.errors import ServiceError
from bot.services.issuing import InvoiceState, IssuedView
from bot.services.issuing.news import (
    DEADLINE_WARNING,
    ISSUED_DOCUMENTS,
    ISSUED_RESULT,
    DeadlineWarning,
    IssuedDocuments,
    IssuedResult,
)
from bot.services.issuing.records import ONLINE
from bot.services.issuing.state import UNFINISHED
from bot.services.outbox import OutboxItem
from ksef.system_warnings import XML_DISCOURAGED_CHARACTERS

REASON_CHARS = 500  # KSeF's status text (its description and details) as quoted in a message
MODE_NAMES = {"offline24": "offline24", "offline": "offline (niedostępność KSeF)", "awaryjny": "awaryjnym"}


def result_keyboard(lang: str, view: IssuedView, row_id: int, *, link: bool,
                    kod2: bool = False) -> InlineKeyboardMarkup:
    """UPO (once KSeF gave a number), issue again, the codes' links (``kod2``: the picture holds KOD II,
    whose link is some 500 characters: kept off the caption, sent on request); the row id makes it unique
    to the row (the delivery probe's marker)."""
    row = [InlineKeyboardButton(t(lang, "iv.btn.again"), callback_data=f"iv:again:{view.id}:{row_id}")]
    if view.ksef_number:
        row.insert(0, InlineKeyboardButton(t(lang, "iv.btn.upo"), callback_data=f"iv:upo:{view.id}"))
    rows = [row]
    if link:
        rows.append([InlineKeyboardButton(t(lang, "iv.btn.link_kod2" if kod2 else "iv.btn.link"),
                                          callback_data=f"iv:link:{view.id}")])
    return InlineKeyboardMarkup(rows)


async def _view(services: Services, invoice_id: int) -> IssuedView | None:
    try:
        return await services.issuing.get(invoice_id)
    except ServiceError:
        return None  # deleted with its company meanwhile


@renders(ISSUED_RESULT)
async def issued_result(services: Services, row: OutboxItem, result: IssuedResult) -> Rendered | None:
    view = await _view(services, result.invoice_id)
    if view is None:
        return None
    lang, number = row.language, esc(view.number)
    state = result.state
    # KSeF accepted it but warned of characters it will refuse in future: said with the result.
    warned = "\n\n" + t(lang, "ksef.warning.xml_002") \
        if XML_DISCOURAGED_CHARACTERS in view.system_warnings else ""
    if state is InvoiceState.ACCEPTED and view.mode == ONLINE:
        key = "iv.duplicate" if view.status_code == 440 else "iv.accepted"
        codes = await services.issuing.codes(view.id)
        text = t(lang, key, number=number, ksef_number=esc(view.ksef_number)) + warned
        if codes is None:
            return TextMessage(text, result_keyboard(lang, view, row.id, link=False))
        return PhotoMessage(codes.png, f"KOD-I-{view.id}.png", text + "\n\n" + t(lang, "iv.code_online"),
                            result_keyboard(lang, view, row.id, link=True))
    if state is InvoiceState.ACCEPTED:  # an offline invoice reached KSeF: its documents were given already
        return TextMessage(t(lang, "iv.offline_accepted", number=number, ksef_number=esc(view.ksef_number))
                           + warned, result_keyboard(lang, view, row.id, link=False))
    if state is InvoiceState.OFFLINE:
        deadline = fmt_date(lang, view.deadline) if view.deadline else "—"
        key = "iv.offline_chosen" if result.chosen_offline else "iv.offline"
        text = t(lang, key, number=number, mode=esc(MODE_NAMES.get(view.mode, view.mode)), deadline=deadline)
        codes = await services.issuing.codes(view.id)
        if codes is None:
            return TextMessage(text, result_keyboard(lang, view, row.id, link=False))
        hint = t(lang, "iv.codes_offline" if codes.kod2_url else "iv.code_offline")
        return PhotoMessage(codes.png, f"KOD-{view.id}.png", text + "\n\n" + hint,
                            result_keyboard(lang, view, row.id, link=True, kod2=bool(codes.kod2_url)))
    if state is InvoiceState.KEPT:
        return TextMessage(t(lang, "iv.total_failure", number=number),
                           result_keyboard(lang, view, row.id, link=False))
    if state is InvoiceState.REJECTED:
        text = t(lang, "iv.rejected", number=number, code=view.status_code or "—",
                 reason=esc(clip(view.status_text or "—", REASON_CHARS)))
        return TextMessage(text, result_keyboard(lang, view, row.id, link=False))
    # No button fits the states below (nothing is final yet): delivered at least once.
    if state is InvoiceState.WAITING:
        return TextMessage(t(lang, "iv.waiting_no_cert", number=number))
    if state is InvoiceState.PROCESSING:
        return TextMessage(t(lang, "iv.processing", number=number))
    reason = esc(clip(view.status_text or "—", REASON_CHARS))
    return TextMessage(t(lang, "iv.retry", number=number, reason=reason))


@renders(ISSUED_DOCUMENTS)
async def issued_documents(services: Services, row: OutboxItem,
                           documents: IssuedDocuments) -> Rendered | None:
    view = await _view(services, documents.invoice_id)
    if view is None:
        return None
    printout = await services.issuing.printout(view.id)
    lang, number, nip = row.language, esc(view.number), esc(printout.seller_nip)
    # The number and the seller's NIP make the first caption unique to this invoice (the probe's marker).
    return DocumentGroup((
        Document(f"{printout.file_stem}.pdf", printout.pdf, t(lang, "iv.doc_pdf", number=number, nip=nip)),
        Document(f"{printout.file_stem}.xml", printout.xml, t(lang, "iv.doc_xml", number=number, nip=nip))))


@renders(DEADLINE_WARNING)
async def deadline_warning(services: Services, row: OutboxItem, warning: DeadlineWarning) -> Rendered | None:
    view = await _view(services, warning.invoice_id)
    if view is None or view.state not in UNFINISHED:
        return None  # it reached KSeF (or was settled) meanwhile: no warning any more
    lang, deadline = row.language, fmt_date(row.language, warning.deadline)
    # No keyboard: delivered at least once (a repeated warning is better than a missed one).
    if view.state is InvoiceState.OFFLINE:
        return TextMessage(t(lang, "iv.deadline", number=esc(view.number), deadline=deadline))
    nip = ""
    if row.user_id is not None and row.company_id is not None:
        try:
            nip = (await services.companies.get(row.user_id, row.company_id)).nip
        except ServiceError:
            return None  # no longer a member: not theirs to hear
    reason = view.status_text or t(lang, "iv.deadline_no_answer")
    return TextMessage(t(lang, "iv.deadline_unsent", number=esc(view.number), nip=esc(nip),
                         issued=fmt_date(lang, view.issue_date), deadline=deadline,
                         reason=esc(clip(reason, REASON_CHARS))))
