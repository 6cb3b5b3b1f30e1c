"""The automatic summary of the month before, on the month's first working day: renderers of the outbox
kinds ``month.chart`` (the 12-month chart) and ``month.summary`` (the figures with the package button,
whose data carries the row id: the delivery probe's marker). Both are made when sent, from what is stored
then; a member who switched the summary off meanwhile, or a month with nothing in it, gets nothing."""

from __future__ import annotations

from bot.chat.month_texts import chart_caption, chart_png, keyboard, summary_text
from bot.chat.rendering import PhotoMessage, Rendered, TextMessage, renders
from bot.services import Services
from bot.services.errors import ServiceError
from bot.services.month import MONTH_CHART, MONTH_SUMMARY, MonthNews
from bot.services.outbox import OutboxItem


async def _wanted(services: Services, row: OutboxItem, payload: MonthNews) -> bool:
    if row.user_id is None:
        return False
    try:
        return await services.month.month_summary(row.user_id, payload.company_id)
    except ServiceError:  # no longer a member: nothing to send
        return False


@renders(MONTH_CHART)
async def month_chart(services: Services, row: OutboxItem, payload: MonthNews) -> Rendered | None:
    """The chart of the 12 months up to the summarised one (a photo without buttons: the summary below
    carries them)."""
    if not await _wanted(services, row, payload):
        return None
    lang = row.language
    png = await chart_png(services, payload.company_id, payload.year, payload.month, lang)
    if png is None:
        return None
    return PhotoMessage(png, f"wykres_{payload.year:04d}_{payload.month:02d}.png",
                        chart_caption(lang, payload.year, payload.month))


@renders(MONTH_SUMMARY)
async def month_summary(services: Services, row: OutboxItem, payload: MonthNews) -> Rendered | None:
    """The month's figures with the package button and the months around it."""
    if not await _wanted(services, row, payload):
        return None
    figures = await services.month.figures_of(payload.company_id, payload.year, payload.month)
    if figures.empty:
        return None
    lang = row.language
    return TextMessage(summary_text(lang, figures),
                       keyboard(lang, payload.company_id, payload.year, payload.month, services.month.today(),
                                row.id))
