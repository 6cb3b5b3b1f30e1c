"""Texts of the chat's guards: input the bot cannot use (stickers, photos, edits), secrets removed from
the chat, messages too long for Telegram, refusals that protect unfinished invoices and payments."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "more_items": "…i {count} więcej",
    "in.details_more": "…i {count} {count:plural:pozycja|pozycje|pozycji} więcej. Pełna lista: „Wydruk PDF” albo „Plik XML”.",
    "in.pdf_failed": "Z tej faktury nie da się zrobić wydruku PDF. Pełna treść jest w „Plik XML”.",
}

EN: dict[str, str] = {
    "more_items": "…and {count} more",
    "in.details_more": "…and {count} more {count:plural:line|lines}. The full list: “PDF printout” or “XML file”.",
    "in.pdf_failed": "This invoice cannot be turned into a PDF printout. Its full content is in “XML file”.",
}
