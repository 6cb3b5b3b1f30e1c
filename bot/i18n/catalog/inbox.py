"""Purchase invoices: notifications, the invoice buttons, ``/faktury`` and the notification settings."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "in.new": "🧾 <b>Nowa faktura zakupowa</b> (firma NIP {company})",
    "in.seller": "Sprzedawca: <b>{name}</b>, NIP {nip}",
    "in.number": "Numer faktury: {number}",
    "in.issued": "Data wystawienia: {date}",
    "in.gross": "Kwota brutto: <b>{amount}</b>",
    "in.due": "Termin płatności: {date}",
    "in.account": "Konto do przelewu: {account}",
    "in.ksef": "Numer KSeF: <code>{number}</code>",
    "in.summary": "🧾 <b>Nowe faktury zakupowe: {count}</b> (firma NIP {company})",
    "in.summary_line": "• {seller} — {number} — {amount}",
    "in.summary_more": "…i {count} {count:plural:kolejna|kolejne|kolejnych}. Wszystkie: /faktury",
    "btn.in_details": "Szczegóły",
    "btn.in_xml": "Plik XML",
    "btn.in_pdf": "Wydruk PDF",
    "btn.in_list": "Lista faktur",
    "btn.in_to_pay": "💰 Do zapłaty",
    "btn.in_prev": "« Nowsze",
    "btn.in_next": "Starsze »",
    "in.details": "Pozycje faktury {number}:",
    "in.line": "{no}. {name} — {qty} {unit} × {price} = {gross}",
    "in.rate": "VAT {label}: netto {net}, VAT {vat}, brutto {gross}",
    "in.list_header": "Faktury zakupowe firmy NIP {nip} ({first}–{last} z {total}):",
    "in.list_empty": "Nie ma jeszcze faktur zakupowych firmy NIP {nip}. Nowe pojawią się tu same.",
    "in.list_line": "{no}. {date} {seller} — {number} — {amount}",
    "in.no_company": "Najpierw podłącz firmę: /start",
    "in.unavailable": "Nie udało się teraz pobrać faktury z KSeF. Spróbuj za chwilę.",
    "in.muted": "Powiadomienia o fakturach firmy NIP {nip} są wyciszone. Włączysz je: /powiadomienia wlacz",
    "in.unmuted": "Powiadomienia o fakturach firmy NIP {nip} są włączone.",
    "in.resumed": (
        "Witaj ponownie! Powiadomienia o nowych fakturach są znowu włączone. Zaraz wyślę {count} "
        "{count:plural:fakturę, która przyszła|faktury, które przyszły|faktur, które przyszły} pod Twoją nieobecność "
        "(z {days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}). Wszystkie faktury: /faktury"
    ),
    "in.resumed_none": (
        "Witaj ponownie! Powiadomienia o nowych fakturach są znowu włączone. Wszystkie faktury: "
                       "/faktury"
    ),
    "in.quiet_set": (
        "Godziny ciszy dla firmy NIP {nip}: {start}–{end} (czas polski). Faktury z tego czasu "
                    "przyjdą po jego końcu."
    ),
    "in.quiet_off": "Godziny ciszy dla firmy NIP {nip} są wyłączone.",
    "in.settings_help": (
        "Ustawienia powiadomień aktywnej firmy:\n/powiadomienia wylacz — wycisz\n/powiadomienia wlacz — "
        "włącz\n/cisza 22:00-07:00 — godziny ciszy\n/cisza wylacz — bez godzin ciszy"
    ),
    "in.backfill": "Pobieram faktury zakupowe z {days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}…",
    "in.backfill_done": (
        "Gotowe: znaleziono {count} {count:plural:nową fakturę|nowe faktury|nowych faktur} z "
        "{days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}."
    ),
    "in.backfill_failed": "Nie udało się pobrać faktur z KSeF ({error}). Spróbuj później.",
}

EN: dict[str, str] = {
    "in.new": "🧾 <b>New purchase invoice</b> (company NIP {company})",
    "in.seller": "Seller: <b>{name}</b>, NIP {nip}",
    "in.number": "Invoice number: {number}",
    "in.issued": "Issue date: {date}",
    "in.gross": "Gross amount: <b>{amount}</b>",
    "in.due": "Due date: {date}",
    "in.account": "Bank account: {account}",
    "in.ksef": "KSeF number: <code>{number}</code>",
    "in.summary": "🧾 <b>New purchase invoices: {count}</b> (company NIP {company})",
    "in.summary_line": "• {seller} — {number} — {amount}",
    "in.summary_more": "…and {count} more. All of them: /invoices",
    "btn.in_details": "Details",
    "btn.in_xml": "XML file",
    "btn.in_pdf": "PDF printout",
    "btn.in_list": "Invoice list",
    "btn.in_to_pay": "💰 To pay",
    "btn.in_prev": "« Newer",
    "btn.in_next": "Older »",
    "in.details": "Lines of invoice {number}:",
    "in.line": "{no}. {name} — {qty} {unit} × {price} = {gross}",
    "in.rate": "VAT {label}: net {net}, VAT {vat}, gross {gross}",
    "in.list_header": "Purchase invoices of company NIP {nip} ({first}–{last} of {total}):",
    "in.list_empty": "No purchase invoices of company NIP {nip} yet. New ones will appear here.",
    "in.list_line": "{no}. {date} {seller} — {number} — {amount}",
    "in.no_company": "Connect a company first: /start",
    "in.unavailable": "Could not get the invoice from KSeF right now. Try again in a moment.",
    "in.muted": "Invoice notifications of company NIP {nip} are muted. To turn them on: /notifications on",
    "in.unmuted": "Invoice notifications of company NIP {nip} are on.",
    "in.resumed": (
        "Welcome back! New invoice notifications are on again. In a moment I will send the {count} "
        "{count:plural:invoice that|invoices that} arrived while you were away (last {days} {days:plural:day|days}). "
        "All invoices: /invoices"
    ),
    "in.resumed_none": "Welcome back! New invoice notifications are on again. All invoices: /invoices",
    "in.quiet_set": (
        "Quiet hours for company NIP {nip}: {start}–{end} (Polish time). Invoices found then "
                    "arrive when they end."
    ),
    "in.quiet_off": "Quiet hours for company NIP {nip} are off.",
    "in.settings_help": (
        "Notification settings of the active company:\n/notifications off — mute\n/notifications on — "
        "unmute\n/quiet 22:00-07:00 — quiet hours\n/quiet off — no quiet hours"
    ),
    "in.backfill": "Fetching purchase invoices of the last {days} {days:plural:day|days}…",
    "in.backfill_done": "Done: found {count} new {count:plural:invoice|invoices} of the last {days} {days:plural:day|days}.",
    "in.backfill_failed": "Could not fetch invoices from KSeF ({error}). Try later.",
}
