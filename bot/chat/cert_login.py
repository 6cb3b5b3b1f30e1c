"""``/certlogin``: connect with a KSeF Authentication certificate (guide, NIP, ``.key``, ``.cert``,
password); ``/offline``: the one-tap Offline certificate (quota shown, one confirmation). Buttons: ``ac:``."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import guide
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.certificates import receive_pair_file, take_password_and_files
from bot.chat.common import Context, active_company, display_env, error_text, ids, language, send
from bot.i18n import esc, fmt_date, t
from bot.services.connect import parse_nip
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from ksef.certs import CertType

FLOW = "auth"
# After a failed final check, which step to ask again (None: end the dialogue).
RETRY_STEP = {
    "cert_password": "password",
    "cert_mismatch": "key",
    "key_not_key": "key",
    "key_cost": "key",
    "key_timeout": "password",
    "cert_not_cert": "cert",
    "cert_expired": "cert",
    "cert_not_yet_valid": "cert",
    "auth_wrong_type": "cert",
    "auth_rejected": "cert",
    "auth_no_rights": "nip",
    "nip_format": "nip",
    "nip_checksum": "nip",
    "ksef_unavailable": "password",
    "ksef_busy": "password",
    "ksef_error": "password",
}


def switch_button(lang: str) -> InlineKeyboardMarkup:
    """The "switch to a certificate" button shown to token users."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.auth_switch"), callback_data="ac:sw")]])


async def command(update: Update, context: Context) -> None:
    """/certlogin (/logowanie): the guide, then the files."""
    user_id, chat_id = ids(update)
    await begin(context, user_id, chat_id, await language(context, user_id))


async def begin(context: Context, user_id: int, chat_id: int, lang: str) -> None:
    svc = context.services
    await svc.dialogs.clear(chat_id)
    dialog = Dialog(FLOW, "guide:0", {})
    await svc.dialogs.set(chat_id, user_id, dialog)
    await guide.show(context, chat_id, lang, dialog)


async def offline_command(update: Update, context: Context) -> None:
    """/offline (/certyfikat_offline): offer the one-tap Offline certificate for the active company."""
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    company = await active_company(context, user_id, chat_id, lang, "auth.need_company")
    if company is not None:
        await offer_enrollment(context, user_id, chat_id, lang, company.id)


async def on_document(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """A file while the dialogue waits for the ``.key`` or the ``.cert`` (then the password)."""
    await receive_pair_file(update, context, dialog, lang, expected=CertType.AUTHENTICATION,
                            after_cert="password")


async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """Typed input: the NIP, then (after both files) the key's password (deleted at once)."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services
    if dialog.step == "nip":
        try:
            nip = parse_nip(update.effective_message.text)
            await svc.connect.check_nip_available(user_id, nip)
        except ServiceError as exc:
            await send(context, chat_id, error_text(lang, exc))
            return
        following = Dialog(FLOW, "key", {**dialog.data, "nip": nip})
        await svc.dialogs.set(chat_id, user_id, following)
        await guide.show(context, chat_id, lang, following)
        return
    taken = await take_password_and_files(update, context, dialog, lang)
    if taken is None:
        return
    password, key, cert = taken
    await send(context, chat_id, t(lang, "auth.checking"))
    try:
        result = await svc.cert_login.connect_certificate(user_id, chat_id, str(dialog.data["nip"]), key,
                                                          cert, password)
    except ServiceError as exc:
        del password
        await send(context, chat_id, error_text(lang, exc))
        await _retry(context, user_id, chat_id, lang, dialog, RETRY_STEP.get(exc.code))
        return
    del password
    await svc.dialogs.clear(chat_id)
    stored = result.certificate
    await send(context, chat_id, t(lang, "auth.connected", nip=result.nip,
                                   environment=esc(display_env(lang, result.environment)),
                                   serial=stored.serial_hex, until=fmt_date(lang, stored.not_after)))
    if result.replaced_token:
        await send(context, chat_id, t(lang, "auth.token_removed"))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.auth_enroll"),
                                                         callback_data=f"ac:of:{result.company_id}")]])
    await send(context, chat_id, t(lang, "auth.offer_offline"), markup)


async def _retry(context: Context, user_id: int, chat_id: int, lang: str, dialog: Dialog,
                 step: str | None) -> None:
    svc = context.services
    if step is None:
        await svc.dialogs.clear(chat_id)
        return
    if step in ("key", "cert", "nip"):
        await svc.dialogs.drop_upload(chat_id, "cert")
        if step != "cert":
            await svc.dialogs.drop_upload(chat_id, "key")
    retry = Dialog(FLOW, step, {} if step == "nip" else dialog.data)
    await svc.dialogs.set(chat_id, user_id, retry)
    if step != "password":  # the error text already asks to type the password again
        await guide.show(context, chat_id, lang, retry)


async def offer_enrollment(context: Context, user_id: int, chat_id: int, lang: str,
                           company_id: int) -> None:
    """Show the KSeF quota and ask once before using it."""
    svc = context.services
    try:
        company = await svc.companies.get(user_id, company_id)
        quota = await svc.enroll.quota(user_id, company_id)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    if not quota.can_request or quota.enrollments_left <= 0 or quota.certificates_left <= 0:
        await send(context, chat_id, t(lang, "err.enroll_quota"))
        return
    # The confirmation is one-shot: "go" acts only while this dialogue is open (a second press does nothing).
    await svc.dialogs.set(chat_id, user_id, Dialog(FLOW, "enroll", {"company_id": company_id}))
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "btn.auth_enroll_yes"), callback_data=f"ac:go:{company_id}"),
        InlineKeyboardButton(t(lang, "btn.no"), callback_data="ac:no"),
    ]])
    await send(context, chat_id, t(lang, "auth.quota", nip=company.nip, enrollments=quota.enrollments_left,
                                   certificates=quota.certificates_left), markup)


# ``ac:sw`` also on a token reminder, with the outbox row's id (the delivery probe's marker).
ACTIONS: dict[str, Spec] = {"sw": (Field.OPTIONAL_ID,), "no": (), "of": (Field.ID,), "go": (Field.ID,)}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``ac:sw[:<row>]`` (switch from a token), ``ac:of:<id>`` (offer), ``ac:go:<id>`` (enroll), ``ac:no``."""
    user_id, chat_id = ids(update)
    action = pressed.action
    if action == "sw":
        await begin(context, user_id, chat_id, lang)
        return
    svc = context.services
    if action == "no":
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "kept"))
        return
    company_id = pressed.id
    if action == "of":
        await offer_enrollment(context, user_id, chat_id, lang, company_id)
        return
    dialog = await svc.dialogs.get(chat_id)
    state = (dialog.flow, dialog.step, dialog.data.get("company_id")) if dialog else None
    if state != (FLOW, "enroll", company_id):
        await send(context, chat_id, t(lang, "stale_button"))
        return
    await svc.dialogs.clear(chat_id)
    await send(context, chat_id, t(lang, "auth.enrolling"))
    try:
        stored = await svc.enroll.enroll_offline(user_id, company_id)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    await send(context, chat_id, t(lang, "auth.enrolled", name=esc(stored.name), serial=stored.serial_hex,
                                   until=fmt_date(lang, stored.not_after)))
