"""``/miesiac [MM.YYYY]`` (``/month``): the month's figures of the active company with a 12-month chart,
and the buttons under the summary: the accountant's package (``mo:zip``) and the months around it
(``mo:show``). The texts and the chart are :mod:`bot.chat.month_texts` (the automatic summary,
:mod:`bot.chat.month_news`, sends the same).
"""

from __future__ import annotations

import logging
import re

from telegram import InputFile, Update

from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, active_company, error_text, ids, send
from bot.chat.common import language as language_for
from bot.chat.month_texts import chart_caption, chart_png, keyboard, month_name, summary_text
from bot.i18n import clip, esc, t
from bot.services.errors import ServiceError
from bot.services.month_package import Package

log = logging.getLogger(__name__)

# mo:show:<company>:<YYYYMM>[:<row>] and mo:zip:<company>:<YYYYMM>[:<row>] (the row: an outbox message's
# marker for the delivery probe).
ACTIONS: dict[str, Spec] = {"show": (Field.ID, Field.ID, Field.OPTIONAL_ID),
                            "zip": (Field.ID, Field.ID, Field.OPTIONAL_ID)}
_ARG = re.compile(r"(?P<m>\d{1,2})\s*[./-]\s*(?P<y>\d{4})|(?P<y2>\d{4})\s*[./-]\s*(?P<m2>\d{1,2})")
FIRST_YEAR = 2000
_building: set[tuple[int, int, int, int]] = set()  # (user, company, year, month) whose package is being built


def parse_period(code: int) -> tuple[int, int] | None:
    """``YYYYMM`` from button data, or None when it is not a month."""
    year, month = divmod(code, 100)
    return (year, month) if FIRST_YEAR <= year <= 9999 and 1 <= month <= 12 else None


def parse_month_arg(text: str) -> tuple[int, int] | None:
    """``11.2026``, ``11/2026``, ``1-2026`` or ``2026-11`` → (2026, 11); None otherwise."""
    found = _ARG.fullmatch(text.strip())
    if found is None:
        return None
    year = int(found.group("y") or found.group("y2"))
    month = int(found.group("m") or found.group("m2"))
    return (year, month) if 1 <= month <= 12 and year >= FIRST_YEAR else None


# ------------------------------------------------------------------------------------------ handlers

async def command(update: Update, context: Context) -> None:
    """/miesiac [MM.YYYY]: the month's summary of the active company (this month without an argument)."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    given = " ".join(context.args or []).strip()
    today = context.services.month.today()
    period = (today.year, today.month) if not given else parse_month_arg(given[:40])
    if period is None:
        await send(context, chat_id, t(lang, "mo.bad_arg", given=esc(clip(given, 40))))
        return
    if period > (today.year, today.month):
        await send(context, chat_id, t(lang, "mo.future", month=month_name(lang, *period),
                                       example=f"{today.month:02d}.{today.year}"))
        return
    company = await active_company(context, user_id, chat_id, lang, "mo.no_company")
    if company is None:
        return
    await show(context, user_id, chat_id, lang, company.id, *period)


async def show(context: Context, user_id: int, chat_id: int, lang: str, company_id: int, year: int,
               month: int) -> None:
    """The chart (when the 12 months hold anything), then the summary with its buttons."""
    svc = context.services
    try:
        figures = await svc.month.figures(user_id, company_id, year, month)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    png = await chart_png(svc, company_id, year, month, lang)
    if png is not None:
        await context.bot.send_photo(chat_id, InputFile(png, filename=f"wykres_{year:04d}_{month:02d}.png"),
                                     caption=chart_caption(lang, year, month))
    await send(context, chat_id, summary_text(lang, figures),
               keyboard(lang, company_id, year, month, svc.month.today()))


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``mo:show`` another month's summary; ``mo:zip`` the accountant's package."""
    user_id, chat_id = ids(update)
    company_id, code = pressed.ids[0], pressed.ids[1]
    period = parse_period(code)
    if period is None:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if pressed.action == "show":
        today = context.services.month.today()
        if period > (today.year, today.month):
            await send(context, chat_id, t(lang, "stale_button"))
            return
        await show(context, user_id, chat_id, lang, company_id, *period)
        return
    await package(context, user_id, chat_id, lang, company_id, *period)


async def package(context: Context, user_id: int, chat_id: int, lang: str, company_id: int, year: int,
                  month: int) -> None:
    """Start building the month's package in a task of the runtime and return: the chat stays responsive
    meanwhile (its updates are handled one at a time), and a second press while it is being built is told
    so (one package, not two). Membership is checked before anything is announced."""
    key = (user_id, company_id, year, month)
    name = month_name(lang, year, month)
    if key in _building:
        await send(context, chat_id, t(lang, "mo.package_busy", month=name))
        return
    try:
        await context.services.month.require_member(user_id, company_id)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    _building.add(key)
    try:
        await send(context, chat_id, t(lang, "mo.package_building", month=name))
    except BaseException:
        _building.discard(key)
        raise
    context.runtime.tasks.spawn(_build_and_send(context, key, chat_id, lang))


async def _build_and_send(context: Context, key: tuple[int, int, int, int], chat_id: int, lang: str) -> None:
    """Build off the event loop, send one document per ZIP part; every failure gets an answer."""
    user_id, company_id, year, month = key
    name = month_name(lang, year, month)
    try:
        built = await context.services.month_package.build(user_id, company_id, year, month)
        await _send_package(context, chat_id, lang, name, built)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
    except Exception:  # nobody awaits this task: the user is told here, the log keeps the reason
        log.exception("package of company %s, %s-%s failed", company_id, year, month)
        try:
            await send(context, chat_id, t(lang, "mo.package_failed"))
        except Exception:
            log.warning("could not tell the user the package failed")
    finally:
        _building.discard(key)


async def _send_package(context: Context, chat_id: int, lang: str, name: str, built: Package) -> None:
    if not built.documents:
        await send(context, chat_id, t(lang, "mo.package_empty", month=name))
        return
    total = len(built.parts)
    for n, part in enumerate(built.parts, start=1):
        caption = t(lang, "mo.package_caption", month=name, count=built.documents)
        if total > 1:
            caption += t(lang, "mo.package_part", n=n, total=total)
        if n == 1:
            caption += "\n" + t(lang, "mo.package_contents")
        # A part may be tens of megabytes: the upload gets the time it needs.
        await context.bot.send_document(chat_id, InputFile(part.content, filename=part.filename),
                                        caption=caption, write_timeout=300, read_timeout=60)
    if built.missing:
        items = [t(lang, f"mo.missing.{reason}", number=esc(clip(number, 60)))
                 for number, reason in built.missing]
        await send(context, chat_id, t(lang, "mo.package_missing", items="\n".join(items)))
