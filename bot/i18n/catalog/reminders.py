"""Reminders sent on their due date (token end, certificate expiry, switching to a certificate)."""

from bot.i18n.links import TAXPAYER_PORTAL

PL: dict[str, str] = {
    "remind.token_expiry": (
        "Przypomnienie: według obecnych przepisów token KSeF firmy NIP {nip} przestanie działać {until}. "
        "Potem KSeF wpuści bota tylko certyfikatem KSeF. Przejście zajmuje kilka minut: przycisk poniżej "
        "albo /logowanie."
    ),
    "remind.certificate_expiry": (
        "Przypomnienie: certyfikat KSeF „{name}” (nr {serial}) firmy NIP {nip} wygasa {until}. "
        "Wygeneruj nowy w Aplikacji Podatnika i dodaj go: /certyfikat"
    ),
    "remind.token_switch": (
        "Przypomnienie: token KSeF firmy NIP {nip} działa tylko do {until}. Przejdź na logowanie "
        "certyfikatem uwierzytelniającym — instrukcja krok po kroku: /logowanie"
    ),
    "remind.tokens_ended": (
        "⚠️ KSeF odrzuca token firmy NIP {nip}: od 1 stycznia 2027 tokeny nie działają, więc nie pobiorę "
        "ani nie wyślę faktur. Co zrobić:\n"
        "1. Zaloguj się do Aplikacji Podatnika KSeF (" + TAXPAYER_PORTAL + ").\n"
        "2. „Certyfikaty” → „Wnioskuj o certyfikat KSeF”, typ „Uwierzytelnianie”, ustal hasło.\n"
        "3. Pobierz pliki .key i .cert.\n"
        "4. Wpisz tutaj /logowanie i wyślij oba pliki oraz hasło."
    ),
}

EN: dict[str, str] = {
    "remind.token_expiry": (
        "Reminder: under today's rules the KSeF token of NIP {nip} stops working on {until}. After that KSeF "
        "lets the bot in only with a KSeF certificate. Switching takes a few minutes: the button below or "
        "/certlogin."
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
        "1. Log in to the KSeF Taxpayer Application (" + TAXPAYER_PORTAL + ").\n"
        "2. “Certificates” → “Request a KSeF certificate”, type “Authentication”, set a password.\n"
        "3. Download the .key and .cert files.\n"
        "4. Type /certlogin here and send both files and the password."
    ),
}
