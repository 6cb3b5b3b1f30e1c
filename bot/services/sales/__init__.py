"""The sales side after issuing (no Telegram here):

- :mod:`.columns`: the register columns of a document, filled from its XML on write, and search folding;
- :mod:`.register`: lists, filters, search and the invoice card, all from what is stored;
- :mod:`.payments`: customers' payments (paid, partly paid, undo) and what is due;
- :mod:`.spec` and :mod:`.corrections`: corrective invoices made by chat;
- :mod:`.overdue`: invoices past their due date, told to the seller once.
"""
