"""``/profil``: the seller profile questions and their errors."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "err.pattern_invalid": "Wzorzec numeru musi zawierać {n} i może zawierać {MM}, {YYYY}, {YY}, np. FV/{n}/{MM}/{YYYY}.",
    "err.pattern_needs_year": (
        "Wzorzec numeru musi zawierać rok: {YYYY} albo {YY}. Numer faktury nie może się powtórzyć, a bez "
        "roku numeracja od stycznia powtórzyłaby zeszłoroczne numery. Np. FV/{n}/{YYYY} albo FV/{n}/{MM}/{YYYY}."
    ),
    "err.pattern_needs_month": (
        "Numeracja zaczyna się co miesiąc od 1, więc wzorzec musi zawierać miesiąc {MM} i rok — np. "
        "FV/{n}/{MM}/{YYYY}."
    ),
    "err.reset_invalid": "Numeracja może się zerować co miesiąc albo co rok.",
    "err.days_invalid": "Termin płatności podaj w dniach: liczba od 0 do {limit}.",
    "pf.ask_name": "Dane sprzedawcy (krok 1 z 7). Podaj nazwę firmy, tak jak ma być na fakturze.",
    "pf.ask_address": "Krok 2 z 7. Adres firmy, np. „ul. Długa 5; 00-001 Warszawa”.",
    "pf.ask_vat": "Krok 3 z 7. Czy jesteś czynnym podatnikiem VAT? Wpisz „vat” albo „zw” (zwolnienie, art. 113).",
    "pf.ask_account": "Krok 4 z 7. Numer rachunku bankowego do przelewów (albo „-”, jeśli bez rachunku).",
    "pf.ask_rate": "Krok 5 z 7. Domyślna stawka VAT (np. 23, 8, 5, 0, zw).",
    "pf.ask_days": "Krok 6 z 7. Domyślny termin płatności w dniach (np. 14).",
    "pf.ask_pattern": (
        "Krok 7 z 7. Wzorzec numeru faktury, np. <code>FV/{n}/{MM}/{YYYY}</code> (numeracja od 1 co miesiąc) "
        "albo <code>FV/{n}/{YYYY}</code> (co rok). Wpisz „-”, by przyjąć pierwszy."
    ),
    "pf.vat_answer": "Wpisz „vat” albo „zw”.",
    "pf.saved": (
        "Zapisano dane sprzedawcy:\n{name}\n{address}\n{vat}\nRachunek: {account}\nStawka: {rate}, termin: "
        "{days} {days:plural:dzień|dni|dni}\nNumeracja: {pattern}\n\nWystaw fakturę: /wystaw"
    ),
    "pf.vat_payer": "Czynny podatnik VAT",
    "pf.vat_exempt": "Zwolniony z VAT (art. 113)",
}

EN: dict[str, str] = {
    "err.pattern_needs_year": (
        "The number pattern must contain the year: {YYYY} or {YY}. An invoice number "
        "must never repeat, and without the year January would repeat last year's "
        "numbers. E.g. FV/{n}/{YYYY} or FV/{n}/{MM}/{YYYY}."
    ),
    "err.pattern_needs_month": (
        "Numbering restarts from 1 every month, so the pattern must contain the month "
        "{MM} and the year, e.g. FV/{n}/{MM}/{YYYY}."
    ),
    "err.pattern_invalid": "The number pattern must contain {n} and may contain {MM}, {YYYY}, {YY}, e.g. FV/{n}/{MM}/{YYYY}.",
    "err.reset_invalid": "Numbering can start again every month or every year.",
    "err.days_invalid": "Give the payment term in days: a number from 0 to {limit}.",
    "pf.ask_name": "Seller's details (step 1 of 7). Send the company name as it should appear on invoices.",
    "pf.ask_address": "Step 2 of 7. The company's address, e.g. “ul. Długa 5; 00-001 Warszawa”.",
    "pf.ask_vat": "Step 3 of 7. Are you an active VAT payer? Type “vat”, or “zw” if exempt (art. 113).",
    "pf.ask_account": "Step 4 of 7. The bank account for transfers (or “-” for none).",
    "pf.ask_rate": "Step 5 of 7. The default VAT rate (e.g. 23, 8, 5, 0, zw).",
    "pf.ask_days": "Step 6 of 7. The default payment term in days (e.g. 14).",
    "pf.ask_pattern": "Step 7 of 7. The invoice number pattern, e.g. <code>FV/{n}/{MM}/{YYYY}</code> (numbering from 1 every month) or <code>FV/{n}/{YYYY}</code> (every year). Type “-” to take the first.",
    "pf.vat_answer": "Type “vat” or “zw”.",
    "pf.saved": "Seller's details saved:\n{name}\n{address}\n{vat}\nAccount: {account}\nRate: {rate}, term: {days} {days:plural:day|days}\nNumbering: {pattern}\n\nIssue an invoice: /invoice",
    "pf.vat_payer": "Active VAT payer",
    "pf.vat_exempt": "VAT exempt (art. 113)",
}
