"""The owner's notice of a seller-profile change someone else made: the renderer of the outbox kind
``profile.changed`` (the company's name, address, VAT status and account are on every invoice it issues)."""

from __future__ import annotations

from bot.chat.rendering import Rendered, TextMessage, renders
from bot.i18n import clip, esc, t
from bot.i18n.limits import fit
from bot.services import Services
from bot.services.outbox import OutboxItem
from bot.services.seller_profile import FIELDS, PROFILE_CHANGED, ProfileChanged


@renders(PROFILE_CHANGED)
async def profile_changed(services: Services, row: OutboxItem, change: ProfileChanged) -> Rendered | None:
    # No keyboard: delivered at least once (a repeated notice is better than a missed one).
    lang = row.language
    lines = [t(lang, "pf.changed_line", field=t(lang, f"pf.field.{c.field}"), old=esc(clip(c.old, 200)),
               new=esc(clip(c.new, 200))) for c in change.changes if c.field in FIELDS]
    if not lines:
        return None
    head = t(lang, "pf.changed", nip=change.nip, user_id=change.changed_by)
    return TextMessage(fit([head], lines, [t(lang, "pf.changed_tail")],
                           more=lambda count: t(lang, "more_items", count=count)))
