"""Reminders sent on their due date (token end, certificate expiry, switching to a certificate)."""


PL: dict[str, str] = {
    "remind.token_expiry": (
        "Przypomnienie: token KSeF firmy NIP {nip} przestanie działać {until}. Wygeneruj nowy token "
        "w Aplikacji Podatnika (a gdy będzie dostępne, przejdź na logowanie certyfikatem) i wymień go "
        "w /ksef → „Wymień token”."
    ),
    "remind.certificate_expiry": (
        "Przypomnienie: certyfikat KSeF „{name}” (nr {serial}) firmy NIP {nip} wygasa {until}. "
        "Wygeneruj nowy w Aplikacji Podatnika i dodaj go: /certificate"
    ),
    "remind.token_switch": (
        "Przypomnienie: token KSeF firmy NIP {nip} działa tylko do {until}. Przejdź na logowanie "
        "certyfikatem uwierzytelniającym — instrukcja krok po kroku: /certlogin"
    ),
    "remind.tokens_ended": (
        "⚠️ KSeF odrzuca token firmy NIP {nip}: od 1 stycznia 2027 tokeny nie działają, więc nie pobiorę "
        "ani nie wyślę faktur. Co zrobić:\n"
        "1. Zaloguj się do Aplikacji Podatnika KSeF (ksef.podatki.gov.pl).\n"
        "2. „Certyfikaty” → „Wnioskuj o certyfikat KSeF”, typ „Uwierzytelnianie”, ustal hasło.\n"
        "3. Pobierz pliki .key i .cert.\n"
        "4. Wpisz tutaj /certlogin i wyślij oba pliki oraz hasło."
    ),
}

EN: dict[str, str] = {
    "remind.token_expiry": (
        "Reminder: the KSeF token of NIP {nip} stops working {until}. Generate a new token in the taxpayer "
        "application (or move to certificate login once available) and replace it in /ksef → “Replace token”."
    ),
    "remind.certificate_expiry": (
        "Reminder: KSeF certificate “{name}” (no. {serial}) of NIP {nip} expires {until}. Generate a new "
        "one in the taxpayer application and add it: /certificate"
    ),
    "remind.token_switch": (
        "Reminder: the KSeF token of NIP {nip} works only until {until}. Switch to an Authentication "
        "certificate — step-by-step guide: /certlogin"
    ),
    "remind.tokens_ended": (
        "⚠️ KSeF rejects the token of NIP {nip}: tokens stopped working on 1 January 2027, so I cannot fetch "
        "or send invoices. What to do:\n"
        "1. Log in to the KSeF Taxpayer Application (ksef.podatki.gov.pl).\n"
        "2. “Certificates” → “Request a KSeF certificate”, type “Authentication”, set a password.\n"
        "3. Download the .key and .cert files.\n"
        "4. Type /certlogin here and send both files and the password."
    ),
}
