"""``/certificate``: the portal guide, then the ``.key``, the ``.cert``, a name and the password (deleted)."""

from __future__ import annotations

from telegram import Update

from bot.chat import guide, secrets
from bot.chat.common import Context, active_company, delete_message, error_text, ids, language, send
from bot.i18n import esc, fmt_datetime, t
from bot.services.certificates import check_cert_file, check_file_size, check_key_file, clean_name
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from ksef.certs import CertType

# After a failed final check, which step to ask again.
RETRY_STEP = {
    "cert_password": "password",
    "cert_name": "name",
    "cert_mismatch": "key",
    "key_not_key": "key",
    "key_cost": "key",
    "key_timeout": "password",
    "cert_not_cert": "cert",
    "cert_expired": "cert",
    "cert_not_yet_valid": "cert",
    "cert_wrong_type": "cert",
    "cert_other_nip": "cert",
}


async def command(update: Update, context: Context) -> None:
    """/certificate: for the active company."""
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    company = await active_company(context, user_id, chat_id, lang, "cert.need_company")
    if company is not None:
        await begin(context, user_id, chat_id, lang, company.id)


async def begin(context: Context, user_id: int, chat_id: int, lang: str, company_id: int) -> None:
    svc = context.services
    try:
        company = await svc.companies.get(user_id, company_id)
        await svc.certificates.require_owner(user_id, company_id)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    await svc.dialogs.clear(chat_id)
    dialog = Dialog("cert", "guide:0", {"company_id": company_id})
    await svc.dialogs.set(chat_id, user_id, dialog)
    await send(context, chat_id, t(lang, "cert.intro", nip=company.nip))
    await guide.show(context, chat_id, lang, dialog)


async def receive_pair_file(update: Update, context: Context, dialog: Dialog, lang: str, *,
                            expected: CertType, after_cert: str) -> None:
    """A ``.key`` or ``.cert`` while a certificate dialogue (offline or login) waits for it: check it,
    keep it (vault-encrypted) until the dialogue ends, and move to ``cert`` or ``after_cert``."""
    message = update.effective_message
    assert message is not None and message.document is not None
    user_id, chat_id = ids(update)
    svc = context.services
    if dialog.step not in ("key", "cert"):
        await send(context, chat_id, t(lang, "expect_text"))
        return
    document = message.document
    holds_key = secrets.key_named(document)
    try:
        check_file_size(document.file_size)  # before downloading anything
        data = bytes(await (await document.get_file()).download_as_bytearray())
        holds_key = holds_key or secrets.holds_private_key(data)
        if dialog.step == "key":
            check_key_file(data)
        else:
            check_cert_file(data, svc.clock(), expected=expected)
    except ServiceError as exc:
        text = error_text(lang, exc)
        if holds_key:  # refused, but still half of a secret: it does not stay in the chat either
            text += "\n\n" + await secrets.delete(context, chat_id, message.message_id, lang, "key")
        await send(context, chat_id, text)
        return
    if dialog.step == "key":
        # The key file is encrypted, but it is still half of a secret: do not leave it in the chat.
        await delete_message(context, chat_id, message.message_id)
    elif holds_key:  # a certificate file with the key inside (one PEM with both)
        await secrets.remove(context, chat_id, message.message_id, lang, "key")
    await svc.dialogs.put_upload(chat_id, dialog.step, data)
    following = Dialog(dialog.flow, "cert" if dialog.step == "key" else after_cert, dialog.data)
    await svc.dialogs.set(chat_id, user_id, following)
    await guide.show(context, chat_id, lang, following)


async def take_password_and_files(update: Update, context: Context, dialog: Dialog,
                                  lang: str) -> tuple[str, bytes, bytes] | None:
    """The password step of both certificate dialogues: delete the password message at once, then
    return (password, .key bytes, .cert bytes); None when the dialogue is not at that step or the
    uploads went missing (then it asks again from the key)."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services
    if dialog.step != "password":
        waiting_for_file = dialog.step in ("key", "cert")
        await send(context, chat_id, t(lang, "expect_document" if waiting_for_file else "use_buttons"))
        return None
    password = update.effective_message.text
    # Delete first: the password must not stay in the chat whatever happens next.
    if not await delete_message(context, chat_id, update.effective_message.message_id):
        await send(context, chat_id, t(lang, "password_deleted_failed"))
    key = await svc.dialogs.get_upload(chat_id, "key")
    cert = await svc.dialogs.get_upload(chat_id, "cert")
    if key is None or cert is None:  # uploads went missing: ask from the key again
        retry = Dialog(dialog.flow, "key", dialog.data)
        await svc.dialogs.set(chat_id, user_id, retry)
        await guide.show(context, chat_id, lang, retry)
        return None
    return password, key, cert


async def on_document(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """A file while the offline-certificate dialogue waits for the ``.key`` or the ``.cert``."""
    await receive_pair_file(update, context, dialog, lang, expected=CertType.OFFLINE, after_cert="name")


async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """Typed input: the certificate's name, then its password."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services
    if dialog.step == "name":
        try:
            name = clean_name(update.effective_message.text)
        except ServiceError as exc:
            await send(context, chat_id, error_text(lang, exc))
            return
        following = Dialog("cert", "password", {**dialog.data, "name": name})
        await svc.dialogs.set(chat_id, user_id, following)
        await guide.show(context, chat_id, lang, following)
        return
    taken = await take_password_and_files(update, context, dialog, lang)
    if taken is None:
        return
    password, key, cert = taken
    try:
        stored = await svc.certificates.add(user_id, int(dialog.data["company_id"]), str(dialog.data["name"]),
                                            key, cert, password)
    except ServiceError as exc:
        del password
        await send(context, chat_id, error_text(lang, exc))
        step = RETRY_STEP.get(exc.code)
        if step is None:
            await svc.dialogs.clear(chat_id)
            return
        if step in ("key", "cert"):
            await svc.dialogs.drop_upload(chat_id, "cert")
            if step == "key":
                await svc.dialogs.drop_upload(chat_id, "key")
        retry = Dialog("cert", step, dialog.data)
        await svc.dialogs.set(chat_id, user_id, retry)
        if step != "password":
            await guide.show(context, chat_id, lang, retry)
        return
    del password
    await svc.dialogs.clear(chat_id)
    await send(context, chat_id, t(lang, "cert_stored", name=esc(stored.name), serial=stored.serial_hex,
                                   not_before=fmt_datetime(lang, stored.not_before),
                                   not_after=fmt_datetime(lang, stored.not_after)))
