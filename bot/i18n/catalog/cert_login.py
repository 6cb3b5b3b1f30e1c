"""``/certlogin`` and ``/offline``: login with an Authentication certificate, one-tap Offline certificate."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

from bot.i18n.links import TAXPAYER_PORTAL

PL: dict[str, str] = {
    "guide.auth.0": (
        "<b>Krok 1 z 5.</b> Certyfikat uwierzytelniający KSeF zastępuje token (tokeny działają tylko do "
        "31 grudnia 2026). Zaloguj się do <b>Aplikacji Podatnika KSeF</b> (" + TAXPAYER_PORTAL + ") profilem "
        "zaufanym, e-dowodem albo podpisem kwalifikowanym."
    ),
    "guide.auth.1": "<b>Krok 2 z 5.</b> Wejdź w <b>„Certyfikaty”</b> i wybierz <b>„Wnioskuj o certyfikat KSeF”</b>.",
    "guide.auth.2": (
        "<b>Krok 3 z 5.</b> Wpisz nazwę (np. „ksef-bot”), wybierz typ <b>„Uwierzytelnianie”</b> "
        "(Authentication) i ustal hasło do klucza prywatnego — będzie potrzebne za chwilę."
    ),
    "guide.auth.3": "<b>Krok 4 z 5.</b> Zapisz plik <b>.key</b> (klucz prywatny) na swoim urządzeniu.",
    "guide.auth.4": (
        "<b>Krok 5 z 5.</b> Wyślij wniosek, po chwili odśwież listę i pobierz plik <b>.cert</b>. Potem kliknij "
        "„Dalej”."
    ),
    "auth.ask_key": "Wyślij plik <b>.key</b> certyfikatu uwierzytelniającego jako dokument.",
    "auth.ask_cert": "Dziękuję. Teraz wyślij plik <b>.cert</b> (lub .crt) certyfikatu uwierzytelniającego.",
    "auth.checking": "Loguję się do KSeF tym certyfikatem…",
    "auth.connected": (
        "✅ Firma NIP {nip} połączona z KSeF ({environment}) certyfikatem uwierzytelniającym "
        "(nr <code>{serial}</code>, ważny do {until}). Hasło nie zostało zapisane, a klucz jest przechowywany "
        "w postaci zaszyfrowanej."
    ),
    "auth.token_removed": "Token tej firmy został usunięty — nie jest już potrzebny.",
    "auth.offer_offline": (
        "Mogę też jednym kliknięciem uzyskać certyfikat <b>Offline</b> (do kodu KOD II na fakturach "
        "wystawianych, gdy KSeF nie działa) — bez wchodzenia do Aplikacji Podatnika."
    ),
    "btn.auth_enroll": "Uzyskaj certyfikat Offline",
    "btn.auth_enroll_yes": "Tak, złóż wniosek",
    "btn.auth_switch": "Przejdź na certyfikat",
    "auth.quota": (
        "Wniosek o certyfikat Offline dla NIP {nip} zużyje 1 z limitu KSeF. Pozostało: {enrollments} "
        "{enrollments:plural:wniosek|wnioski|wniosków} i {certificates} {certificates:plural:miejsce|miejsca|miejsc} na aktywne "
        "certyfikaty.\nWygeneruję klucz, złożę wniosek, poczekam "
        "na certyfikat i zapiszę go zaszyfrowany. Kontynuować?"
    ),
    "auth.enrolling": "Składam wniosek w KSeF i czekam na certyfikat…",
    "auth.enrolled": (
        "✅ Certyfikat Offline „{name}” (nr <code>{serial}</code>) ważny do {until} zapisany. Faktury "
        "wystawione offline dostaną kod KOD II."
    ),
    "auth.need_company": "Najpierw połącz firmę certyfikatem uwierzytelniającym: /logowanie",
    "err.auth_wrong_type": (
        "To nie jest certyfikat uwierzytelniający (np. certyfikat Offline służy tylko do kodów QR i nie "
        "pozwala się zalogować). Wyślij plik .cert certyfikatu typu „Uwierzytelnianie”."
    ),
    "err.auth_no_rights": (
        "KSeF nie wpuścił tym certyfikatem do firmy NIP {nip}: jego właściciel nie ma uprawnień w tej firmie. "
        "Sprawdź NIP albo użyj certyfikatu osoby uprawnionej."
    ),
    "err.auth_rejected": (
        "KSeF odrzucił ten certyfikat (np. unieważniony, wygasły albo to nie certyfikat KSeF). "
        "Wygeneruj nowy certyfikat uwierzytelniający i spróbuj ponownie: /logowanie"
    ),
    "err.enroll_quota": (
        "Limit wniosków lub aktywnych certyfikatów KSeF dla tej firmy jest wyczerpany. Unieważnij "
        "niepotrzebny certyfikat w Aplikacji Podatnika i spróbuj ponownie."
    ),
    "err.enroll_failed": "KSeF nie wydał certyfikatu Offline. Spróbuj ponownie później.",
    "err.enroll_needs_cert": (
        "KSeF wydaje certyfikaty tylko po zalogowaniu certyfikatem. Najpierw połącz firmę NIP {nip} "
        "certyfikatem uwierzytelniającym: /logowanie"
    ),
    "err.tokens_ended": (
        "KSeF nie przyjmuje już tokenu firmy NIP {nip}: od 1 stycznia 2027 tokeny nie działają. Co zrobić:\n"
        "1. Zaloguj się do Aplikacji Podatnika KSeF (" + TAXPAYER_PORTAL + ").\n"
        "2. „Certyfikaty” → „Wnioskuj o certyfikat KSeF”, typ „Uwierzytelnianie”, ustal hasło.\n"
        "3. Pobierz pliki .key i .cert.\n"
        "4. Wpisz tutaj /logowanie i wyślij oba pliki oraz hasło."
    ),
}

EN: dict[str, str] = {
    "guide.auth.0": (
        "<b>Step 1 of 5.</b> A KSeF Authentication certificate replaces the token (tokens work only until "
        "31 December 2026). Log in to the <b>KSeF Taxpayer Application</b> (" + TAXPAYER_PORTAL + ")."
    ),
    "guide.auth.1": "<b>Step 2 of 5.</b> Open <b>“Certificates”</b> and choose <b>“Request a KSeF certificate”</b>.",
    "guide.auth.2": (
        "<b>Step 3 of 5.</b> Enter a name, choose the type <b>“Authentication”</b> and set a password for the "
        "private key — you will need it in a moment."
    ),
    "guide.auth.3": "<b>Step 4 of 5.</b> Save the <b>.key</b> file (private key) on your device.",
    "guide.auth.4": "<b>Step 5 of 5.</b> Submit, refresh the list, download the <b>.cert</b> file, then press Next.",
    "auth.ask_key": "Send the Authentication certificate's <b>.key</b> file as a document.",
    "auth.ask_cert": "Thank you. Now send the Authentication certificate's <b>.cert</b> (or .crt) file.",
    "auth.checking": "Logging in to KSeF with this certificate…",
    "auth.connected": (
        "✅ Company NIP {nip} connected to KSeF ({environment}) with an Authentication certificate "
        "(no. <code>{serial}</code>, valid until {until}). The password was not stored; the key is kept encrypted."
    ),
    "auth.token_removed": "I removed this company's token — it is no longer needed.",
    "auth.offer_offline": (
        "I can also get you an <b>Offline</b> certificate (for the KOD II code on invoices issued while KSeF "
        "is down) with one tap — no portal steps."
    ),
    "btn.auth_enroll": "Get an Offline certificate",
    "btn.auth_enroll_yes": "Yes, request it",
    "btn.auth_switch": "Switch to a certificate",
    "auth.quota": (
        "Requesting an Offline certificate for NIP {nip} uses 1 of your KSeF limit. Left: {enrollments} "
        "{enrollments:plural:request|requests} and {certificates} active certificate {certificates:plural:slot|slots}.\n"
        "I will generate the key, request, wait and store the certificate encrypted. Continue?"
    ),
    "auth.enrolling": "Requesting the certificate from KSeF and waiting for it…",
    "auth.enrolled": (
        "✅ Offline certificate “{name}” (no. <code>{serial}</code>) valid until {until} stored. Offline "
        "invoices will get the KOD II code."
    ),
    "auth.need_company": "First connect a company with an Authentication certificate: /certlogin",
    "err.auth_wrong_type": (
        "This is not an Authentication certificate (an Offline certificate only signs QR codes and cannot log "
        "in). Send the .cert file of an “Authentication” certificate."
    ),
    "err.auth_no_rights": (
        "KSeF refused this certificate for NIP {nip}: its owner has no rights in this company. Check the NIP or "
        "use the certificate of an authorised person."
    ),
    "err.auth_rejected": (
        "KSeF rejected this certificate (revoked, expired or not a KSeF certificate). Request a new "
        "Authentication certificate and try again: /certlogin"
    ),
    "err.enroll_quota": (
        "The KSeF limit of requests or active certificates for this company is used up. Revoke an unneeded "
        "certificate in the Taxpayer Application and try again."
    ),
    "err.enroll_failed": "KSeF did not issue the Offline certificate. Please try again later.",
    "err.enroll_needs_cert": (
        "KSeF issues certificates only after a certificate login. First connect NIP {nip} with an "
        "Authentication certificate: /certlogin"
    ),
    "err.tokens_ended": (
        "KSeF no longer accepts the token of NIP {nip}: tokens stopped working on 1 January 2027. What to do:\n"
        "1. Log in to the KSeF Taxpayer Application (" + TAXPAYER_PORTAL + ").\n"
        "2. “Certificates” → “Request a KSeF certificate”, type “Authentication”, set a password.\n"
        "3. Download the .key and .cert files.\n"
        "4. Type /certlogin here and send both files and the password."
    ),
}
