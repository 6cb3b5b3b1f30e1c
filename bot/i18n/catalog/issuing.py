"""``/wystaw``: issuing a sales invoice, the preview, delivery and the issuing errors."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "iv.no_company": "Najpierw podłącz firmę do KSeF: /start",
    "iv.no_profile": "Zanim wystawisz pierwszą fakturę, podaj dane sprzedawcy: /profil",
    "iv.known_buyers": "Zapisani kontrahenci:\n{buyers}",
    "iv.btn.confirm": "✅ Zatwierdź i wyślij",
    "iv.btn.offline": "📴 Wystaw offline",
    "iv.btn.add": "➕ Dodaj pozycję",
    "iv.btn.edit": "✏️ Popraw pozycje",
    "iv.btn.cancel": "✖ Anuluj",
    "iv.btn.upo": "📄 UPO",
    "iv.btn.again": "🔁 Wystaw ponownie",
    "iv.sending": "Faktura nr <b>{number}</b> zapisana. Wysyłam do KSeF…",
    "iv.accepted": "✅ Faktura nr <b>{number}</b> przyjęta w KSeF.\nNumer KSeF: <code>{ksef_number}</code>",
    "iv.duplicate": (
        "KSeF ma już tę fakturę (ten sam plik), więc nie została wysłana drugi raz. "
        "Numer KSeF: <code>{ksef_number}</code>"
    ),
    "iv.kod1_caption": "KOD I (weryfikacja faktury): {url}",
    "iv.kod2_caption": "KOD II (weryfikacja wystawcy, certyfikat offline): {url}",
    "iv.rejected": (
        "❌ KSeF odrzucił fakturę nr <b>{number}</b> (kod {code}).\nPowód: {reason}\n"
        "Co zrobić: popraw dane i wystaw fakturę jeszcze raz (/wystaw). Ta faktura nie jest w KSeF."
    ),
    "iv.processing": "KSeF jeszcze przetwarza fakturę nr <b>{number}</b>. Nic nie musisz robić — napiszę, gdy nada numer.",
    "iv.offline": (
        "📴 KSeF jest niedostępny, więc faktura nr <b>{number}</b> została wystawiona w trybie {mode}.\n"
        "Możesz ją już przekazać nabywcy (PDF z kodami QR poniżej). Wyślę ją do KSeF sam, gdy tylko KSeF "
        "zacznie działać — najpóźniej {deadline}."
    ),
    "iv.offline_chosen": "📴 Faktura nr <b>{number}</b> wystawiona offline (tryb {mode}). Wyślę ją do KSeF najpóźniej {deadline}.",
    "iv.waiting_no_cert": (
        "KSeF jest teraz niedostępny, a do wystawienia faktury offline potrzebny jest certyfikat offline "
        "KSeF (podpisuje KOD II na wydruku). Nie masz go jeszcze — dodasz go przez /certyfikat.\n"
        "Faktura nr <b>{number}</b> jest zapisana; wyślę ją do KSeF, gdy tylko zacznie działać."
    ),
    "iv.offline_accepted": "✅ Faktura offline nr <b>{number}</b> trafiła do KSeF.\nNumer KSeF: <code>{ksef_number}</code>",
    "iv.deadline": (
        "⚠️ Faktura offline nr <b>{number}</b> nadal nie jest w KSeF, bo KSeF nie przyjmuje faktur. "
        "Termin wysłania mija {deadline}. Próbuję dalej; jeśli ogłoszono awarię całkowitą, wysyłka nie jest "
        "wymagana i faktura pozostaje ważna."
    ),
    "iv.upo_caption": "UPO faktury {number}",
    "iv.deadline_unsent": (
        "⚠️ Faktura nr <b>{number}</b> (firma NIP {nip}) nadal nie trafiła do KSeF. Powód: {reason}\n"
        "Wystawiona {issued}, więc trzeba ją wysłać do KSeF najpóźniej {deadline} (po dniu wystawienia "
        "liczy się jak faktura offline24). Próbuję dalej sam; jeśli winny jest token, wymień go w /ksef."
    ),
    "iv.deadline_no_answer": "KSeF jeszcze jej nie przyjął",
    "iv.code_online": "📷 Kod QR (KOD I) pozwala sprawdzić fakturę w KSeF.",
    "iv.code_offline": "📷 Kod QR (KOD I) pozwala sprawdzić fakturę w KSeF, gdy już tam trafi.",
    "iv.codes_offline": "📷 Na obrazku KOD I (faktura) i KOD II (wystawca) — wydrukuj oba na fakturze.",
    "iv.btn.link": "🔗 Link z kodu QR",
    "iv.btn.link_kod2": "🔗 Link KOD II",
    "iv.links": "Linki z kodów QR faktury nr <b>{number}</b>:",
    "iv.doc_pdf": "📄 Faktura {number} (NIP {nip}) — wydruk PDF",
    "iv.doc_xml": "🧾 Faktura {number} (NIP {nip}) — plik XML dla KSeF",
    "iv.sending_offline": "Faktura nr <b>{number}</b> zapisana. Wystawiam offline…",
    "iv.retry": (
        "Faktura nr <b>{number}</b> jest zapisana, ale nie udało się jej teraz wysłać do KSeF ({reason}). "
        "Spróbuję ponownie sam i dam znać."
    ),
    "iv.total_failure": (
        "Ogłoszono całkowitą awarię KSeF. Faktura nr <b>{number}</b> jest wystawiona poza KSeF i zapisana; "
        "w tej sytuacji wysyłanie jej do KSeF nie jest wymagane. Wydruk (bez kodów QR) poniżej."
    ),
    "iv.cancelled": "Anulowano. Nic nie zostało wystawione.",
    "iv.line_added": "Dodano pozycję {no}.",
    "iv.again": "Nowa faktura na podstawie {number}:",
    "err.nip_invalid": "„{nip}” to nie jest poprawny NIP (10 cyfr z prawidłową cyfrą kontrolną).",
    "err.line_format": (
        "Nie rozumiem tej pozycji. Wpisz: nazwa, ilość, x, cena, stawka — np. "
        "<code>Usługa programistyczna 1 x 5000 23%</code>"
    ),
    "err.no_buyer": "Brakuje nabywcy faktury.",
    "err.no_lines": "Faktura musi mieć co najmniej jedną pozycję.",
    "err.too_many_lines": "W czacie faktura może mieć najwyżej {limit} {limit:plural:pozycję|pozycje|pozycji}.",
    "err.no_company": "Najpierw podłącz firmę do KSeF: /start",
    "err.no_profile": "Najpierw podaj dane sprzedawcy: /profil",
    "err.no_token": "Firma nie ma zapisanego tokenu KSeF. Dodaj go: /start",
    "err.invoice_unknown": "Nie znam takiej faktury.",
    "err.upo_not_ready": "UPO będzie dostępne, gdy KSeF nada fakturze numer.",
    "err.upo_unavailable": "Nie udało się teraz pobrać UPO z KSeF. Spróbuj za chwilę.",
    "err.numbering_busy": "Nie udało się nadać numeru faktury. Spróbuj jeszcze raz.",
    "err.number_taken": (
        "Numer {number} już był użyty w tej firmie: wzorzec numeru bez roku powtarza numery. Ustaw w /profil "
        "wzorzec z rokiem, np. FV/{{n}}/{{YYYY}}, i zatwierdź fakturę ponownie."
    ),
    "err.invoice_data": "Niepoprawne dane faktury.",
}

EN: dict[str, str] = {
    "iv.no_company": "Connect a company to KSeF first: /start",
    "iv.no_profile": "Before your first invoice, enter the seller details: /profil",
    "iv.btn.confirm": "✅ Confirm and send",
    "iv.btn.offline": "📴 Issue offline",
    "iv.btn.add": "➕ Add a line",
    "iv.btn.edit": "✏️ Edit lines",
    "iv.btn.cancel": "✖ Cancel",
    "iv.btn.again": "🔁 Issue again",
    "iv.sending": "Invoice <b>{number}</b> saved. Sending it to KSeF…",
    "iv.accepted": "✅ Invoice <b>{number}</b> accepted by KSeF.\nKSeF number: <code>{ksef_number}</code>",
    "iv.cancelled": "Cancelled. Nothing was issued.",
    "iv.btn.upo": "📄 UPO",
    "iv.duplicate": "KSeF already holds this invoice (the same file), so I did not send it again. KSeF number: <code>{ksef_number}</code>",
    "iv.kod1_caption": "KOD I (invoice verification): {url}",
    "iv.kod2_caption": "KOD II (issuer verification, offline certificate): {url}",
    "iv.rejected": (
        "❌ KSeF rejected invoice <b>{number}</b> (code {code}).\nReason: {reason}\n"
        "What to do: correct the data and issue the invoice again (/wystaw). This invoice is not in KSeF."
    ),
    "iv.processing": "KSeF is still processing invoice <b>{number}</b>. Nothing to do — I will write when it has its number.",
    "iv.offline": (
        "📴 KSeF is unavailable, so invoice <b>{number}</b> was issued in {mode} mode.\n"
        "You can give it to the buyer now. I will send it to KSeF myself as soon as KSeF works — by {deadline} at the latest."
    ),
    "iv.offline_chosen": "📴 Invoice <b>{number}</b> issued offline ({mode} mode). I will send it to KSeF by {deadline} at the latest.",
    "iv.waiting_no_cert": (
        "KSeF is unavailable now, and issuing offline needs a KSeF offline certificate (it signs KOD II on the "
        "printout). You have none yet — add one with /certificate.\nInvoice <b>{number}</b> is saved; I will send "
        "it to KSeF as soon as KSeF works."
    ),
    "iv.offline_accepted": "✅ Offline invoice <b>{number}</b> is in KSeF.\nKSeF number: <code>{ksef_number}</code>",
    "iv.deadline": (
        "⚠️ Offline invoice <b>{number}</b> is still not in KSeF, because KSeF accepts no invoices. The deadline "
        "for sending it is {deadline}. I keep trying; if a total failure was announced, sending is not required "
        "and the invoice stays valid."
    ),
    "iv.retry": "Invoice <b>{number}</b> is saved, but it could not be sent to KSeF now ({reason}). I will try again myself and tell you.",
    "iv.total_failure": (
        "A total KSeF failure was announced. Invoice <b>{number}</b> is issued outside KSeF and saved; in this "
        "situation it need not be sent to KSeF. The printout (without QR codes) follows."
    ),
    "iv.code_online": "📷 The QR code (KOD I) lets anyone check the invoice in KSeF.",
    "iv.code_offline": "📷 The QR code (KOD I) lets anyone check the invoice in KSeF once it is there.",
    "iv.codes_offline": "📷 The picture holds KOD I (the invoice) and KOD II (the issuer) — print both on the invoice.",
    "iv.btn.link": "🔗 Link from the QR code",
    "iv.btn.link_kod2": "🔗 KOD II link",
    "iv.links": "Links from the QR codes of invoice <b>{number}</b>:",
    "iv.doc_pdf": "📄 Invoice {number} (NIP {nip}) — PDF printout",
    "iv.doc_xml": "🧾 Invoice {number} (NIP {nip}) — XML file for KSeF",
    "iv.sending_offline": "Invoice <b>{number}</b> saved. Issuing it offline…",
    "iv.upo_caption": "UPO of invoice {number}",
    "iv.deadline_unsent": (
        "⚠️ Invoice <b>{number}</b> (company NIP {nip}) has still not reached KSeF. Reason: {reason}\n"
        "It was issued on {issued}, so it must be sent to KSeF by {deadline} at the latest (after its issue "
        "day it counts as an offline24 invoice). I keep trying; if the token is the cause, replace it in /ksef."
    ),
    "iv.deadline_no_answer": "KSeF has not accepted it yet",
    "err.number_taken": (
        "Number {number} was already used by this company: a pattern without the year "
        "repeats numbers. Set a pattern with the year in /profil, e.g. FV/{{n}}/{{YYYY}}, and "
        "confirm the invoice again."
    ),
    "iv.known_buyers": "Saved buyers:\n{buyers}",
    "iv.line_added": "Item {no} added.",
    "iv.again": "A new invoice based on {number}:",
    "err.nip_invalid": "“{nip}” is not a valid NIP (10 digits with a correct check digit).",
    "err.line_format": "I do not understand this item. Type: name, quantity, x, price, rate — e.g. <code>Programming service 1 x 5000 23%</code>",
    "err.no_buyer": "The invoice has no buyer.",
    "err.no_lines": "An invoice needs at least one item.",
    "err.too_many_lines": "In the chat an invoice can have at most {limit} {limit:plural:item|items}.",
    "err.no_company": "First connect a company to KSeF: /start",
    "err.no_profile": "First enter the seller's details: /profile",
    "err.no_token": "The company has no KSeF login stored. Connect it: /start",
    "err.invoice_unknown": "I do not know this invoice.",
    "err.upo_not_ready": "The UPO will be available once KSeF gives the invoice its number.",
    "err.upo_unavailable": "The UPO could not be fetched from KSeF right now. Try again in a moment.",
    "err.numbering_busy": "The invoice number could not be assigned. Please try again.",
    "err.invoice_data": "The invoice data are not valid.",
}
