"""Polish texts (the default language). HTML markup; user data is escaped by the caller."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

TEXTS: dict[str, str] = {
    # --- general ---
    "welcome": (
        "Cześć! Jestem asystentem KSeF: powiadomię Cię o nowych fakturach i pomogę je wystawiać.\n\n"
        "Żeby zacząć, podłączę Twoją firmę do KSeF. Potrzebny będzie <b>token KSeF</b>, który "
        "wygenerujesz w Aplikacji Podatnika KSeF. Poprowadzę Cię krok po kroku.\n"
        "W każdej chwili możesz przerwać poleceniem /cancel. English: /language"
    ),
    "btn.next": "Dalej ▶",
    "btn.back": "◀ Wstecz",
    "btn.stop": "✖ Przerwij",
    "btn.have_token": "Mam już token",
    "btn.have_files": "Mam już pliki",
    "cancelled": "Przerwano. Nic nie zostało zapisane. Zacznij od nowa: /start",
    "nothing_to_cancel": "Nic teraz nie trwa. Polecenia: /start, /ksef, /language, /forget",
    "stale_button": "Ten przycisk jest już nieaktualny.",
    "use_buttons": "Użyj przycisków pod ostatnią wiadomością albo przerwij: /cancel",
    "idle_timeout": (
        "Nie było odpowiedzi od dłuższego czasu, więc przerwałem konfigurację. Nic nie zostało zapisane "
        "połowicznie. Gdy zechcesz wrócić: /start"
    ),
    "error_generic": "Coś poszło nie tak po mojej stronie. Spróbuj ponownie za chwilę.",
    # --- token guide (one step per message) ---
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
    "ask_token": (
        "Wklej teraz token KSeF dla NIP {nip}. Usunę Twoją wiadomość z tokenem zaraz po jej odczytaniu."
    ),
    "ask_token_replace": "Wklej nowy token KSeF dla NIP {nip}. Usunę wiadomość z tokenem od razu.",
    "token_too_early": (
        "To wygląda na token, a prosiłem o NIP. Usunąłem tę wiadomość dla bezpieczeństwa. "
        "Najpierw podaj NIP firmy (10 cyfr)."
    ),
    "checking_token": "Sprawdzam token w KSeF…",
    "token_deleted_failed": (
        "Nie udało mi się usunąć wiadomości z tokenem. Usuń ją proszę ręcznie."
    ),
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
    # --- NIP and token errors ---
    "err.nip_format": (
        "To nie jest NIP: potrzebuję 10 cyfr (spacje, myślniki i prefiks PL mogą być). Spróbuj jeszcze raz."
    ),
    "err.nip_checksum": (
        "Ten NIP ma błędną cyfrę kontrolną — pewnie literówka. Sprawdź go i wpisz ponownie."
    ),
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
    "err.token_revoked": (
        "Ten token został unieważniony lub jest nieaktywny. Wygeneruj nowy w Aplikacji Podatnika i wklej go."
    ),
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
    "err.ksef_busy": "KSeF prosi o chwilę przerwy. Spróbuj ponownie za {seconds} s.",
    "err.ksef_unavailable": "KSeF jest teraz niedostępny. Spróbuj ponownie za kilka minut.",
    "err.ksef_error": "KSeF odpowiedział błędem (HTTP {status}). Spróbuj ponownie później.",
    "err.access_denied": "Nie masz dostępu do tej firmy.",
    "err.language_unknown": "Nie znam tego języka.",
    # --- certificates ---
    "cert.need_company": "Najpierw podłącz firmę tokenem: /start",
    "cert.intro": (
        "Certyfikat KSeF typu <b>Offline</b> pozwala podpisywać kody QR faktur wystawionych bez dostępu do "
        "KSeF. Pokażę, jak go wygenerować dla firmy NIP {nip}."
    ),
    "guide.cert.0": (
        "<b>Krok 1 z 6.</b> Otwórz https://ap.ksef.mf.gov.pl i zaloguj się Profilem Zaufanym lub "
        "kwalifikowanym certyfikatem (logowanie tokenem nie pozwala wnioskować o certyfikat)."
    ),
    "guide.cert.1": "<b>Krok 2 z 6.</b> Wybierz <b>Certyfikaty</b> → <b>Wnioskuj o certyfikat</b>.",
    "guide.cert.2": (
        "<b>Krok 3 z 6.</b> Wpisz nazwę certyfikatu i hasło do klucza prywatnego. Zapamiętaj hasło — "
        "będzie potrzebne za chwilę."
    ),
    "guide.cert.3": "<b>Krok 4 z 6.</b> Zapisz plik <b>.key</b> (klucz prywatny) na swoim urządzeniu.",
    "guide.cert.4": (
        "<b>Krok 5 z 6.</b> Wybierz typ <b>„Podpis linku do weryfikacji wystawcy”</b> i datę początku "
        "ważności."
    ),
    "guide.cert.5": (
        "<b>Krok 6 z 6.</b> Wyślij wniosek, po chwili odśwież listę i pobierz plik <b>.cert</b>. Potem kliknij "
        "„Dalej”."
    ),
    "ask_key": "Wyślij plik <b>.key</b> (klucz prywatny) jako dokument.",
    "ask_cert": "Dziękuję. Teraz wyślij plik <b>.cert</b> (lub .crt) z certyfikatem.",
    "ask_cert_name": "Podaj nazwę certyfikatu (tę, którą wpisałeś w Aplikacji Podatnika).",
    "ask_password": (
        "Podaj hasło do klucza prywatnego. Usunę wiadomość z hasłem od razu; hasła nie zapisuję."
    ),
    "expect_document": "Czekam na plik wysłany jako dokument (spinacz → Plik).",
    "expect_text": "Czekam na wiadomość tekstową.",
    "cert_stored": (
        "Certyfikat „{name}” zapisany.\nNumer seryjny: <code>{serial}</code>\nWażny od {not_before} do "
        "{not_after}.\nPrzypomnę Ci o nim 30 dni przed wygaśnięciem."
    ),
    "err.file_too_large": "Ten plik jest za duży (limit {limit_kb} KB) — to na pewno nie klucz ani certyfikat.",
    "err.key_not_key": (
        "Ten plik nie jest kluczem prywatnym. Wyślij plik .key pobrany z Aplikacji Podatnika KSeF."
    ),
    "err.cert_not_cert": "Ten plik nie jest certyfikatem. Wyślij plik .cert (lub .crt) z Aplikacji Podatnika.",
    "err.cert_expired": "Ten certyfikat jest już nieważny. Wygeneruj nowy i wyślij jego plik .cert.",
    "err.cert_not_yet_valid": "Ten certyfikat nie jest jeszcze ważny. Wyślij inny albo poczekaj do daty ważności.",
    "err.cert_wrong_type": (
        "To nie jest certyfikat typu Offline (np. certyfikat uwierzytelniający służy do logowania, nie do "
        "kodów QR). Wyślij plik .cert certyfikatu „Podpis linku do weryfikacji wystawcy”."
    ),
    "err.cert_mismatch": (
        "Klucz nie pasuje do tego certyfikatu. Zacznijmy od klucza: wyślij plik .key z tej samej pary."
    ),
    "err.cert_password": "Hasło nie pasuje do klucza. Wpisz je jeszcze raz (wielkość liter ma znaczenie).",
    "err.cert_other_nip": "Ten certyfikat wystawiono dla NIP {cert_nip}, a firma ma NIP {nip}. Wyślij właściwy .cert.",
    "err.cert_invalid": "Nie udało się użyć tego certyfikatu. Sprawdź pliki i spróbuj ponownie.",
    "err.cert_name": "Nazwa certyfikatu musi mieć od 1 do {limit} znaków.",
    "password_deleted_failed": "Nie udało mi się usunąć wiadomości z hasłem. Usuń ją proszę ręcznie.",
    # --- /ksef ---
    "ksef.none": "Nie masz jeszcze podłączonej firmy. Zacznij od /start",
    "ksef.header": "Twoje firmy ({count}):",
    "ksef.company": "<b>NIP {nip}</b>{active} — środowisko: {environment}{role}",
    "ksef.active": " (aktywna)",
    "ksef.role_member": ", dostęp z zaproszenia",
    "ksef.token_ok": "Token: aktywny, sprawdzony {checked}",
    "ksef.token_until": "Token: aktywny, ważny do {until}, sprawdzony {checked}",
    "ksef.token_none": "Token: brak",
    "ksef.certs_none": "Certyfikaty: brak",
    "ksef.cert_line": "• {name} ({cert_type}, nr {serial}) ważny do {until}",
    "ksef.cert_line_expired": "• {name} ({cert_type}, nr {serial}) <b>wygasł</b> {until}",
    "btn.switch": "Ustaw jako aktywną",
    "btn.replace_token": "Wymień token",
    "btn.add_cert": "Dodaj certyfikat",
    "btn.remove_cert": "Usuń certyfikat {name}",
    "btn.invite": "Zaproś osobę",
    "btn.members": "Osoby z dostępem",
    "btn.remove_company": "Usuń firmę",
    "btn.leave_company": "Opuść firmę",
    "btn.add_company": "Dodaj firmę",
    "ksef.add_more": "Chcesz podłączyć kolejną firmę?",
    "btn.yes_remove": "Tak, usuń",
    "btn.no": "Nie",
    "switched": "Aktywna firma: NIP {nip}.",
    "confirm_remove_company": (
        "Usunąć firmę NIP {nip} wraz z tokenem i certyfikatami? Osoby zaproszone stracą dostęp."
    ),
    "confirm_leave_company": "Zrezygnować z dostępu do firmy NIP {nip}?",
    "company_removed": "Firma NIP {nip} została usunięta razem z jej tokenem i certyfikatami.",
    "company_left": "Nie masz już dostępu do firmy NIP {nip}.",
    "cert_removed": "Certyfikat usunięty.",
    "kept": "W porządku, nic nie zmieniam.",
    "invite_link": (
        "Link zaproszenia do firmy NIP {nip} (jednorazowy, ważny 7 dni):\n{link}\n"
        "Przekaż go osobie, która ma mieć dostęp."
    ),
    "joined": "Masz teraz dostęp do firmy NIP {nip}. Zobacz: /ksef",
    "err.invitation_invalid": "Ten link zaproszenia jest nieprawidłowy. Poproś właściciela o nowy.",
    "err.invitation_used": "Ten link zaproszenia został już wykorzystany. Poproś właściciela o nowy.",
    "err.invitation_expired": "Ten link zaproszenia wygasł. Poproś właściciela o nowy.",
    "members.header": "Osoby z dostępem do firmy NIP {nip}:",
    "members.line": "• użytkownik {user_id} — {role}",
    "members.owner": "właściciel",
    "members.member": "zaproszony",
    "members.none": "Nikt poza Tobą nie ma dostępu. Zaproś kogoś przyciskiem „Zaproś osobę”.",
    "btn.remove_member": "Odbierz dostęp {user_id}",
    "member_removed": "Użytkownik {user_id} nie ma już dostępu do firmy NIP {nip}.",
    "err.member_unknown": "Ta osoba nie ma dostępu do tej firmy.",
    # --- /forget ---
    "forget.confirm": (
        "Usunąć <b>wszystkie</b> Twoje dane: firmy, których jesteś właścicielem (z tokenami i "
        "certyfikatami), dostępy z zaproszeń i ustawienia? Tego nie da się cofnąć."
    ),
    "btn.forget_yes": "Tak, usuń wszystko",
    "forget.done": "Usunąłem wszystkie Twoje dane. Do zobaczenia! Aby zacząć od nowa: /start",
    # --- /language ---
    "language.choose": "Wybierz język / Choose your language:",
    "language.set": "Ustawiono język polski.",
    # --- reminders ---
    "remind.token_expiry": (
        "Przypomnienie: token KSeF firmy NIP {nip} przestanie działać {until}. Wygeneruj nowy token "
        "w Aplikacji Podatnika (a gdy będzie dostępne, przejdź na logowanie certyfikatem) i wymień go "
        "w /ksef → „Wymień token”."
    ),
    "remind.certificate_expiry": (
        "Przypomnienie: certyfikat KSeF „{name}” (nr {serial}) firmy NIP {nip} wygasa {until}. "
        "Wygeneruj nowy w Aplikacji Podatnika i dodaj go: /certificate"
    ),
    # plural forms (Babel: one / few / many)
    "companies.one": "firma",
    "companies.few": "firmy",
    "companies.many": "firm",
    "companies.other": "firmy",
}
