"""The month in one picture: /miesiac, the automatic summary, its chart and the accountant's package."""


PL: dict[str, str] = {
    "mo.month_names": (
        "styczeń|luty|marzec|kwiecień|maj|czerwiec|lipiec|sierpień|wrzesień|październik|listopad|grudzień"
    ),
    "mo.title": "📊 <b>Podsumowanie: {month}</b> · NIP {nip}",
    "mo.sales": "<b>Sprzedaż</b> ({count} {count:plural:dokument|dokumenty|dokumentów}{corrections})",
    "mo.purchases": "<b>Zakupy</b> ({count} {count:plural:dokument|dokumenty|dokumentów}{corrections})",
    "mo.with_corrections": ", w tym {count} {count:plural:korekta|korekty|korekt}",
    "mo.totals": "netto {net} · VAT {vat}\nbrutto {gross}",
    "mo.rate_line": "  • {label}: netto {net}, VAT {vat}",
    "mo.rate_line_no_vat": "  • {label}: netto {net}",
    "mo.none": "brak",
    "mo.converted": (
        "  Waluty obce przeliczone po kursie z faktury: {count} "
        "{count:plural:dokument|dokumenty|dokumentów}."
    ),
    "mo.unconverted": "  Bez kursu w fakturze, poza sumami: {amounts}.",
    "mo.unreadable": "  Faktury bez czytelnego XML, poza sumami: {count}.",
    "mo.vat_to_pay": "<b>VAT do zapłaty (szacunek): {amount}</b>",
    "mo.vat_to_refund": "<b>Nadwyżka VAT naliczonego (szacunek): {amount}</b>",
    "mo.vat_note": (
        "<i>To szacunek z faktur w KSeF według daty wystawienia, nie deklaracja JPK_VAT: "
        "termin odliczenia, limity i odwrotne obciążenie rozlicza księgowość.</i>"
    ),
    "mo.balances": "<b>Nierozliczone</b> (faktury do końca miesiąca, stan na dziś)",
    "mo.receivables": "Należności od klientów: {amounts}",
    "mo.payables": "Do zapłaty dostawcom: {amounts}",
    "mo.suppliers": "<b>Najwięksi dostawcy</b> (brutto)",
    "mo.supplier_line": "{n}. {name} — {amount}",
    "mo.empty": "Za {month} nie ma faktur sprzedaży ani zakupu.",
    "mo.btn.package": "📦 Paczka dla księgowej",
    "mo.btn.previous": "‹ {month}",
    "mo.btn.next": "{month} ›",
    "mo.bad_arg": (
        "Nie rozumiem miesiąca „{given}”. Podaj miesiąc i rok, np. <code>/miesiac 11.2026</code>, "
        "albo samo /miesiac dla bieżącego miesiąca."
    ),
    "mo.future": (
        "Miesiąc {month} jeszcze się nie zaczął. Podaj bieżący lub wcześniejszy, np. "
        "<code>/miesiac {example}</code>."
    ),
    "mo.no_company": "Najpierw podłącz firmę do KSeF: /start",
    "mo.chart_title": "Sprzedaż i zakupy netto: {first} – {last}",
    "mo.chart_sales": "Sprzedaż",
    "mo.chart_purchases": "Zakupy",
    "mo.chart_unit": "zł",
    "mo.chart_unit_k": "tys. zł",
    "mo.chart_months": "sty|lut|mar|kwi|maj|cze|lip|sie|wrz|paź|lis|gru",
    "mo.chart_caption": "📈 Sprzedaż i zakupy netto, 12 miesięcy: {first} – {last}",
    "mo.package_building": "📦 Przygotowuję paczkę za {month}…",
    "mo.package_busy": "Paczka za {month} już się przygotowuje — chwilę.",
    "mo.package_empty": "Za {month} nie ma dokumentów: paczka byłaby pusta.",
    "mo.package_caption": (
        "📦 Paczka dla księgowej: {month}, {count} "
        "{count:plural:dokument|dokumenty|dokumentów}"
    ),
    "mo.package_part": " (część {n} z {total})",
    "mo.package_contents": (
        "W środku: XML i PDF faktur, UPO sprzedaży i rejestr CSV (Excel otworzy go od "
        "razu)."
    ),
    "mo.package_missing": "Nie udało się dołączyć:\n{items}",
    "mo.missing.xml": "{number}: brak pliku XML (KSeF nie odpowiada — spróbuj później)",
    "mo.missing.pdf": "{number}: nie udało się utworzyć PDF (XML jest w paczce)",
    "mo.missing.upo": "{number}: brak UPO (KSeF nie odpowiada — spróbuj później)",
    "mo.missing.size": "{number}: plik większy niż 50 MB (Telegram go nie przyjmie)",
    "mo.package_failed": "Nie udało się przygotować paczki. Spróbuj ponownie za chwilę.",
}

EN: dict[str, str] = {
    "mo.month_names": "January|February|March|April|May|June|July|August|September|October|November|December",
    "mo.title": "📊 <b>Summary: {month}</b> · NIP {nip}",
    "mo.sales": "<b>Sales</b> ({count} {count:plural:document|documents}{corrections})",
    "mo.purchases": "<b>Purchases</b> ({count} {count:plural:document|documents}{corrections})",
    "mo.with_corrections": ", {count} {count:plural:correction|corrections} among them",
    "mo.totals": "net {net} · VAT {vat}\ngross {gross}",
    "mo.rate_line": "  • {label}: net {net}, VAT {vat}",
    "mo.rate_line_no_vat": "  • {label}: net {net}",
    "mo.none": "none",
    "mo.converted": (
        "  Foreign currencies converted at the invoice's own rate: {count} "
        "{count:plural:document|documents}."
    ),
    "mo.unconverted": "  No rate on the invoice, left out of the sums: {amounts}.",
    "mo.unreadable": "  XML unreadable or not downloaded, left out of the sums: {count}.",
    "mo.vat_to_pay": "<b>VAT to pay (estimate): {amount}</b>",
    "mo.vat_to_refund": "<b>Excess of input VAT (estimate): {amount}</b>",
    "mo.vat_note": (
        "<i>An estimate from the invoices in KSeF by issue date, not a JPK_VAT return: when VAT may be "
        "deducted, limits and reverse charge are for your accountant.</i>"
    ),
    "mo.balances": "<b>Outstanding</b> (invoices up to the month's end, as of today)",
    "mo.receivables": "Owed by customers: {amounts}",
    "mo.payables": "To pay suppliers: {amounts}",
    "mo.suppliers": "<b>Largest suppliers</b> (gross)",
    "mo.supplier_line": "{n}. {name} — {amount}",
    "mo.empty": "There are no sales or purchase invoices in {month}.",
    "mo.btn.package": "📦 Package for the accountant",
    "mo.btn.previous": "‹ {month}",
    "mo.btn.next": "{month} ›",
    "mo.bad_arg": (
        "I do not understand the month “{given}”. Give the month and year, e.g. "
        "<code>/month 11.2026</code>, or just /month for the current month."
    ),
    "mo.future": (
        "{month} has not begun yet. Give this month or an earlier one, e.g. <code>/month "
        "{example}</code>."
    ),
    "mo.no_company": "Connect a company to KSeF first: /start",
    "mo.chart_title": "Net sales and purchases: {first} – {last}",
    "mo.chart_sales": "Sales",
    "mo.chart_purchases": "Purchases",
    "mo.chart_unit": "zł",
    "mo.chart_unit_k": "thousand zł",
    "mo.chart_months": "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec",
    "mo.chart_caption": "📈 Net sales and purchases, 12 months: {first} – {last}",
    "mo.package_building": "📦 Preparing the package for {month}…",
    "mo.package_busy": "The package for {month} is being prepared already — a moment.",
    "mo.package_empty": "There are no documents in {month}: the package would be empty.",
    "mo.package_caption": "📦 Package for the accountant: {month}, {count} {count:plural:document|documents}",
    "mo.package_part": " (part {n} of {total})",
    "mo.package_contents": (
        "Inside: the invoices' XML and PDF, the sales' UPOs and a CSV register (opens in "
        "Excel)."
    ),
    "mo.package_missing": "Could not include:\n{items}",
    "mo.missing.xml": "{number}: no XML file (KSeF does not answer — try later)",
    "mo.missing.pdf": "{number}: no PDF could be made (the XML is in the package)",
    "mo.missing.upo": "{number}: no UPO (KSeF does not answer — try later)",
    "mo.missing.size": "{number}: file larger than 50 MB (Telegram does not take it)",
    "mo.package_failed": "The package could not be prepared. Please try again in a moment.",
}
