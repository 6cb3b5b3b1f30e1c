"""``/start``: the token guide, the NIP and token questions and their errors."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

from bot.i18n.links import TAXPAYER_PORTAL

PL: dict[str, str] = {
    "welcome": (
        "Cześć! Jestem asystentem KSeF: powiadomię o nowych fakturach i pomogę je wystawiać.\n\n"
        "Najpierw połączę Twoją firmę z KSeF. Wybierz, jak bot ma się logować:\n"
        "🔐 <b>Certyfikat KSeF</b> — działa także po 2026 r. Poprowadzę krok po kroku (/logowanie), "
        "a certyfikat offline do kodów QR uzyskasz potem jednym kliknięciem.\n"
        "🔑 <b>Token KSeF</b> — według obecnych przepisów działa tylko do {until} "
        "({days_left}), potem trzeba przejść na certyfikat.\n\n"
        "Przerwać można w każdej chwili: /anuluj. English: /jezyk"
    ),
    "welcome_tokens_ended": (
        "Cześć! Jestem asystentem KSeF: powiadomię o nowych fakturach i pomogę je wystawiać.\n\n"
        "Najpierw połączę Twoją firmę z KSeF. Tokeny KSeF działały do 31 grudnia 2026 r., więc bot "
        "loguje się <b>certyfikatem KSeF</b>. Poprowadzę krok po kroku, a certyfikat offline do kodów QR "
        "uzyskasz potem jednym kliknięciem.\n\n"
        "Przerwać można w każdej chwili: /anuluj. English: /jezyk"
    ),
    "days_left": "{days:plural:został|zostały|zostało} {days} {days:plural:dzień|dni|dni}",
    "btn.choose_cert": "🔐 Certyfikat KSeF (zalecany)",
    "btn.choose_token": "🔑 Token (do 31.12.2026)",
    "tokens_over": (
        "Tokeny KSeF działały do 31 grudnia 2026 r. Połącz firmę certyfikatem KSeF — poprowadzę krok "
        "po kroku."
    ),
    "guide.token.0": "<b>Krok 1 z 8.</b> Otwórz Aplikację Podatnika KSeF: " + TAXPAYER_PORTAL,
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
        "To wygląda na token, a potrzebny jest najpierw NIP. Wiadomość usunięta dla bezpieczeństwa. "
        "Najpierw podaj NIP firmy (10 cyfr)."
    ),
    "checking_token": "Sprawdzam token w KSeF…",
    "token_deleted_failed": "Nie udało się usunąć wiadomości z tokenem. Usuń ją, proszę, ręcznie.",
    "connected": (
        "Gotowe! Firma NIP {nip} jest połączona z KSeF ({environment}). Token ma oba potrzebne "
        "uprawnienia: przeglądanie i wystawianie faktur."
    ),
    "connected_replaced": "Token firmy NIP {nip} został wymieniony i sprawdzony w KSeF.",
    "token_limited": (
        "⏳ Według obecnych przepisów ten token działa tylko do {until} — {days_left}. Potem KSeF "
        "wpuści bota tylko certyfikatem KSeF. Przejście zajmuje kilka minut: przycisk poniżej "
        "albo /logowanie."
    ),
    "after_connect": "Twoje firmy i certyfikaty: /ksef. Certyfikat offline (do kodów QR): /certyfikat",
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
        "zgadza się z tokenem. Wklej token ponownie albo przerwij (/anuluj) i sprawdź NIP."
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
        "First I will connect your company to KSeF. Choose how the bot logs in:\n"
        "🔐 <b>KSeF certificate</b> — keeps working after 2026. I will guide you step by step "
        "(/certlogin); the offline certificate for QR codes then takes one tap.\n"
        "🔑 <b>KSeF token</b> — under today's rules it works only until {until} ({days_left}); then "
        "you switch to a certificate.\n\n"
        "Stop at any time with /cancel. Polski: /language"
    ),
    "welcome_tokens_ended": (
        "Hi! I am a KSeF assistant: I will tell you about new invoices and help you issue them.\n\n"
        "First I will connect your company to KSeF. KSeF tokens worked until 31 December 2026, so the bot "
        "logs in with a <b>KSeF certificate</b>. I will guide you step by step; the offline certificate "
        "for QR codes then takes one tap.\n\nStop at any time with /cancel. Polski: /language"
    ),
    "days_left": "{days} {days:plural:day|days} left",
    "btn.choose_cert": "🔐 KSeF certificate (recommended)",
    "btn.choose_token": "🔑 Token (until 31.12.2026)",
    "tokens_over": "KSeF tokens worked until 31 December 2026. Connect with a KSeF certificate — I will guide you.",
    "guide.token.0": "<b>Step 1 of 8.</b> Open the KSeF taxpayer application: " + TAXPAYER_PORTAL,
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
        "Done! The company with NIP {nip} is connected to KSeF ({environment}). The token has both rights "
        "needed: viewing and issuing invoices."
    ),
    "connected_replaced": "The token of NIP {nip} was replaced and checked with KSeF.",
    "token_limited": (
        "⏳ Under today's rules this token works only until {until} — {days_left}. After that KSeF lets "
        "the bot in only with a KSeF certificate. Switching takes a few minutes: the button below or "
        "/certlogin."
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
