"""``/start``: the token guide, the NIP and token questions and their errors."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "welcome": (
        "Cześć! Jestem asystentem KSeF: powiadomię Cię o nowych fakturach i pomogę je wystawiać.\n\n"
        "Żeby zacząć, podłączę Twoją firmę do KSeF. Potrzebny będzie <b>token KSeF</b>, który "
        "wygenerujesz w Aplikacji Podatnika KSeF. Poprowadzę Cię krok po kroku.\n"
        "W każdej chwili możesz przerwać poleceniem /cancel. English: /language"
    ),
    "guide.token.0": "<b>Krok 1 z 8.</b> Otwórz Aplikację Podatnika KSeF: https://ap.ksef.mf.gov.pl",
    "guide.token.1": "<b>Krok 2 z 8.</b> Wpisz NIP swojej firmy.",
    "guide.token.2": (
        "<b>Krok 3 z 8.</b> Uwierzytelnij się: <b>Profilem Zaufanym</b> albo <b>kwalifikowanym "
        "certyfikatem</b> (podpisem lub pieczęcią)."
    ),
    "guide.token.3": "<b>Krok 4 z 8.</b> Wybierz <b>Tokeny</b> → <b>Generuj token</b>.",
    "guide.token.4": "<b>Krok 5 z 8.</b> Wpisz nazwę aplikacji, np. <i>ksef-bot</i>.",
    "guide.token.5": (
        "<b>Krok 6 z 8.</b> Zaznacz uprawnienia <b>przeglądanie faktur</b> i <b>wystawianie faktur</b>. "
        "Oba są potrzebne: pierwsze do powiadomień, drugie do wystawiania."
    ),
    "guide.token.6": "<b>Krok 7 z 8.</b> Wpisz nazwę tokenu, np. <i>Telegram</i>.",
    "guide.token.7": (
        "<b>Krok 8 z 8.</b> Kliknij <b>Generuj token</b> i skopiuj go. Token jest pokazywany tylko raz. "
        "Gdy go masz, kliknij „Dalej”."
    ),
    "ask_nip": "Podaj NIP firmy (10 cyfr, np. 526-025-02-74).",
    "ask_token": "Wklej teraz token KSeF dla NIP {nip}. Usunę Twoją wiadomość z tokenem zaraz po jej odczytaniu.",
    "ask_token_replace": "Wklej nowy token KSeF dla NIP {nip}. Usunę wiadomość z tokenem od razu.",
    "token_too_early": (
        "To wygląda na token, a prosiłem o NIP. Usunąłem tę wiadomość dla bezpieczeństwa. "
        "Najpierw podaj NIP firmy (10 cyfr)."
    ),
    "checking_token": "Sprawdzam token w KSeF…",
    "token_deleted_failed": "Nie udało mi się usunąć wiadomości z tokenem. Usuń ją proszę ręcznie.",
    "connected": (
        "Gotowe! Firma NIP {nip} jest podłączona do KSeF (środowisko: {environment}). Token ma oba "
        "potrzebne uprawnienia: przeglądanie i wystawianie faktur."
    ),
    "connected_replaced": "Token firmy NIP {nip} został wymieniony i sprawdzony w KSeF.",
    "token_limited": (
        "Uwaga: tokeny wygenerowane po 1 lutego 2026 r. są ważne tylko do {until}. Przypomnę Ci o tym "
        "w grudniu. Później zalecamy logowanie certyfikatem KSeF."
    ),
    "after_connect": "Twoje firmy i certyfikaty: /ksef. Certyfikat offline (do kodów QR): /certificate",
    "err.nip_format": "To nie jest NIP: potrzebuję 10 cyfr (spacje, myślniki i prefiks PL mogą być). Spróbuj jeszcze raz.",
    "err.nip_checksum": "Ten NIP ma błędną cyfrę kontrolną — pewnie literówka. Sprawdź go i wpisz ponownie.",
    "err.token_format": (
        "To nie wygląda na token KSeF (jest pusty, za długi albo zawiera spacje). Skopiuj cały token "
        "z Aplikacji Podatnika i wklej go jeszcze raz."
    ),
    "err.nip_mismatch": (
        "Ten token należy do innego NIP niż {nip}. Sprawdź NIP albo wygeneruj token dla tej firmy. "
        "Podaj NIP jeszcze raz."
    ),
    "err.token_rejected": (
        "KSeF nie przyjął tego tokenu. Najczęściej token jest skopiowany niecały albo NIP {nip} nie "
        "zgadza się z tokenem. Wklej token ponownie albo przerwij (/cancel) i sprawdź NIP."
    ),
    "err.token_revoked": "Ten token został unieważniony lub jest nieaktywny. Wygeneruj nowy w Aplikacji Podatnika i wklej go.",
    "err.token_missing_rights": (
        "Token nie ma wszystkich potrzebnych uprawnień{missing_text}. Wygeneruj nowy token z uprawnieniami "
        "<b>przeglądanie faktur</b> i <b>wystawianie faktur</b> i wklej go tutaj."
    ),
    "right.InvoiceRead": "przeglądanie faktur",
    "right.InvoiceWrite": "wystawianie faktur",
    "err.company_taken": (
        "Firma NIP {nip} jest już podłączona przez inną osobę. Poproś ją o zaproszenie (w /ksef: "
        "„Zaproś osobę”)."
    ),
    "err.not_owner": "Masz dostęp do firmy NIP {nip} z zaproszenia; token może zmienić tylko jej właściciel.",
}

EN: dict[str, str] = {
    "welcome": (
        "Hi! I am a KSeF assistant: I will tell you about new invoices and help you issue them.\n\n"
        "First I will connect your company to KSeF. You need a <b>KSeF token</b>, generated in the KSeF "
        "taxpayer application. I will guide you step by step.\nStop at any time with /cancel."
    ),
    "guide.token.0": "<b>Step 1 of 8.</b> Open the KSeF taxpayer application: https://ap.ksef.mf.gov.pl",
    "guide.token.1": "<b>Step 2 of 8.</b> Enter your company's NIP.",
    "guide.token.2": (
        "<b>Step 3 of 8.</b> Authenticate with <b>Profil Zaufany</b> or a <b>qualified certificate</b> "
        "(signature or seal)."
    ),
    "guide.token.3": "<b>Step 4 of 8.</b> Choose <b>Tokeny</b> → <b>Generuj token</b>.",
    "guide.token.4": "<b>Step 5 of 8.</b> Enter an application name, e.g. <i>ksef-bot</i>.",
    "guide.token.5": (
        "<b>Step 6 of 8.</b> Tick the rights <b>przeglądanie faktur</b> (view invoices) and "
        "<b>wystawianie faktur</b> (issue invoices). Both are needed."
    ),
    "guide.token.6": "<b>Step 7 of 8.</b> Enter a name for the token, e.g. <i>Telegram</i>.",
    "guide.token.7": (
        "<b>Step 8 of 8.</b> Click <b>Generuj token</b> and copy it — it is shown only once. Then press "
        "“Next”."
    ),
    "ask_nip": "Send the company's NIP (10 digits, e.g. 526-025-02-74).",
    "ask_token": "Now paste the KSeF token for NIP {nip}. I will delete your message right after reading it.",
    "ask_token_replace": "Paste the new KSeF token for NIP {nip}. I will delete the message at once.",
    "token_too_early": (
        "That looks like a token, but I asked for the NIP. I deleted the message to be safe. "
        "Send the company's NIP first (10 digits)."
    ),
    "checking_token": "Checking the token with KSeF…",
    "token_deleted_failed": "I could not delete the message with the token. Please delete it yourself.",
    "connected": (
        "Done! The company with NIP {nip} is connected to KSeF (environment: {environment}). The token has "
        "both rights needed: viewing and issuing invoices."
    ),
    "connected_replaced": "The token of NIP {nip} was replaced and checked with KSeF.",
    "token_limited": (
        "Note: tokens generated after 1 February 2026 are valid only until {until}. I will remind you in "
        "December. Certificate login is the way that lasts."
    ),
    "after_connect": "Your companies and certificates: /ksef. Offline certificate (for QR codes): /certificate",
    "err.nip_format": "That is not a NIP: I need 10 digits (spaces, dashes and a PL prefix are fine). Try again.",
    "err.nip_checksum": "This NIP has a wrong check digit — probably a typo. Check it and send it again.",
    "err.token_format": (
        "That does not look like a KSeF token (empty, too long or with spaces). Copy the whole token and "
        "paste it again."
    ),
    "err.nip_mismatch": (
        "This token belongs to a NIP other than {nip}. Check the NIP or generate a token for this company. "
        "Send the NIP again."
    ),
    "err.token_rejected": (
        "KSeF did not accept this token. Usually it was not copied in full, or NIP {nip} does not match the "
        "token. Paste the token again, or stop (/cancel) and check the NIP."
    ),
    "err.token_revoked": "This token was revoked or is inactive. Generate a new one and paste it.",
    "err.token_missing_rights": (
        "The token lacks rights{missing_text}. Generate a new token with <b>przeglądanie faktur</b> and "
        "<b>wystawianie faktur</b> and paste it here."
    ),
    "right.InvoiceRead": "view invoices",
    "right.InvoiceWrite": "issue invoices",
    "err.company_taken": "The company with NIP {nip} is already connected by someone else. Ask them for an invitation.",
    "err.not_owner": "You have access to NIP {nip} by invitation; only its owner can change the token.",
}
