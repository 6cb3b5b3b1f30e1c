"""Polling KSeF for purchase invoices: how often, "Sprawdź teraz" (check now), the limits KSeF sets, and
KSeF's warnings about an issued invoice."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "poll.every": "🔄 Nowe faktury sprawdzam w KSeF co {interval} (ostatnio: {last}).",
    "poll.every_quiet": "🔄 Nowe faktury sprawdzam w KSeF co {interval} (ostatnio: {last}), bo od tygodnia nie przyszła żadna (po nowej fakturze znów co {base}).",
    "poll.every_dormant": "🔄 Nowe faktury sprawdzam w KSeF co {interval} (ostatnio: {last}), bo od miesiąca nie przyszła żadna (po nowej fakturze znów co {base}).",
    "poll.not_yet": "🔄 Pierwsze sprawdzenie KSeF za chwilę.",
    "poll.never": "jeszcze nie",
    "poll.hint": "Czekasz na fakturę? Naciśnij „Sprawdź teraz”.",
    "btn.poll_now": "🔄 Sprawdź teraz",
    "poll.checking": "🔄 Sprawdzam KSeF…",
    "poll.nothing_new": "Sprawdzone w KSeF: nie ma nowych faktur zakupowych firmy NIP {nip}.",
    "poll.found": "Sprawdzone w KSeF: {count} {count:plural:nowa faktura|nowe faktury|nowych faktur} firmy NIP {nip}. {count:plural:Powiadomienie zaraz przyjdzie|Powiadomienia zaraz przyjdą|Powiadomienia zaraz przyjdą}.",
    "poll.failed": "Nie udało się teraz sprawdzić KSeF. Spróbuję ponownie automatycznie, a nowe faktury przyjdą w powiadomieniu.",
    "poll.queued": "🔄 Sprawdzam KSeF. Jeśli jest coś nowego, przyjdzie w osobnym powiadomieniu.",
    "poll.limited": "KSeF pozwala sprawdzać faktury firmy tylko kilka razy na godzinę. Za {wait} będzie można sprawdzić ponownie, a nowe faktury i tak przyjdą same (sprawdzam co {interval}).",
    "poll.backfill_limited": "KSeF pozwala pytać o faktury firmy tylko kilka razy na godzinę. Za {wait} będzie można pobrać faktury z ostatnich dni.",
    "poll.seconds": "{n} s",
    "poll.minutes": "{n} min",
    "poll.hours": "{h} godz.",
    "poll.hours_minutes": "{h} godz. {m} min",
    "poll.details_stored": "Faktura {number} od {seller}: {amount}. Pozycje faktury są w pliku XML i na wydruku PDF.",
    "ksef.warning.xml_002": "⚠️ KSeF przyjął fakturę, ale ostrzega, że jej tekst zawiera niezalecane znaki (np. niewidoczne znaki sterujące). W przyszłości KSeF może takie faktury odrzucać: w kolejnych fakturach wpisuj nazwy i opisy zwykłym tekstem.",
}

EN: dict[str, str] = {
    "poll.every": "🔄 I check KSeF for new invoices every {interval} (last check: {last}).",
    "poll.every_quiet": "🔄 I check KSeF for new invoices every {interval} (last check: {last}), as none has come for a week (after a new invoice, every {base} again).",
    "poll.every_dormant": "🔄 I check KSeF for new invoices every {interval} (last check: {last}), as none has come for a month (after a new invoice, every {base} again).",
    "poll.not_yet": "🔄 The first check of KSeF comes in a moment.",
    "poll.never": "not yet",
    "poll.hint": "Waiting for an invoice? Press “Check now”.",
    "btn.poll_now": "🔄 Check now",
    "poll.checking": "🔄 Checking KSeF…",
    "poll.nothing_new": "Checked in KSeF: no new purchase invoices of company NIP {nip}.",
    "poll.found": "Checked in KSeF: {count} new {count:plural:invoice|invoices} of company NIP {nip}. {count:plural:The notification comes|The notifications come} in a moment.",
    "poll.failed": "Could not check KSeF right now. I will try again automatically, and new invoices will come as notifications.",
    "poll.queued": "🔄 Checking KSeF. Anything new comes as a separate notification.",
    "poll.limited": "KSeF allows checking a company's invoices only a few times an hour. In {wait} you can check again; new invoices come anyway (I check every {interval}).",
    "poll.backfill_limited": "KSeF allows asking for a company's invoices only a few times an hour. In {wait} you can fetch the invoices of the last days.",
    "poll.seconds": "{n} s",
    "poll.minutes": "{n} min",
    "poll.hours": "{h} h",
    "poll.hours_minutes": "{h} h {m} min",
    "poll.details_stored": "Invoice {number} from {seller}: {amount}. Its lines are in the XML file and the PDF printout.",
    "ksef.warning.xml_002": "⚠️ KSeF accepted the invoice but warns that its text holds discouraged characters (e.g. invisible control characters). KSeF may refuse such invoices in future: type names and descriptions as plain text in your next invoices.",
}
