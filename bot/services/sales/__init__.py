"""The sales side after issuing (no Telegram here; the register columns each issued document carries, and
search folding, are ``bot.services.issuing.columns``):

- :mod:`.register`: lists, filters, search and the invoice card, all from what is stored;
- :mod:`.payments`: customers' payments (paid, partly paid, undo) and what is due;
- :mod:`.spec` and :mod:`.corrections`: corrective invoices made by chat;
- :mod:`.overdue`: invoices past their due date, told to the seller once.
"""
