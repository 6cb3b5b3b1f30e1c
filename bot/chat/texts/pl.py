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
    "err.key_cost": (
        "Ten klucz jest zaszyfrowany z nietypowo wysokim kosztem odszyfrowania, więc bot go nie otworzy. "
        "Wyślij plik .key pobrany z Aplikacji Podatnika KSeF."
    ),
    "err.key_timeout": "Odszyfrowanie klucza trwało zbyt długo. Wpisz hasło ponownie za kilka minut.",
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
    "err.cert_name": "Nazwa certyfikatu musi mieć od 1 do {limit} {limit:plural:znaku|znaków|znaków}.",
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
    # --- inbox: purchase invoices (issue 5) ---
    "in.new": "🧾 <b>Nowa faktura zakupowa</b> (firma NIP {company})",
    "in.seller": "Sprzedawca: <b>{name}</b>, NIP {nip}",
    "in.number": "Numer faktury: {number}",
    "in.issued": "Data wystawienia: {date}",
    "in.gross": "Kwota brutto: <b>{amount}</b>",
    "in.due": "Termin płatności: {date}",
    "in.account": "Konto do przelewu: {account}",
    "in.ksef": "Numer KSeF: <code>{number}</code>",
    "in.summary": "🧾 <b>Nowe faktury zakupowe: {count}</b> (firma NIP {company})",
    "in.summary_line": "• {seller} — {number} — {amount}",
    "in.summary_more": "…i {count} {count:plural:kolejna|kolejne|kolejnych}. Wszystkie: /faktury",
    "btn.in_details": "Szczegóły",
    "btn.in_xml": "Plik XML",
    "btn.in_pdf": "Wydruk PDF",
    "btn.in_list": "Lista faktur",
    "btn.in_prev": "« Nowsze",
    "btn.in_next": "Starsze »",
    "in.details": "Pozycje faktury {number}:",
    "in.line": "{no}. {name} — {qty} {unit} × {price} = {gross}",
    "in.rate": "VAT {label}: netto {net}, VAT {vat}, brutto {gross}",
    "in.list_header": "Faktury zakupowe firmy NIP {nip} ({first}–{last} z {total}):",
    "in.list_empty": "Nie ma jeszcze faktur zakupowych firmy NIP {nip}. Nowe pojawią się tu same.",
    "in.list_line": "{no}. {date} {seller} — {number} — {amount}",
    "in.no_company": "Najpierw podłącz firmę: /start",
    "in.unavailable": "Nie udało się teraz pobrać faktury z KSeF. Spróbuj za chwilę.",
    "in.muted": "Powiadomienia o fakturach firmy NIP {nip} są wyciszone. Włączysz je: /powiadomienia wlacz",
    "in.unmuted": "Powiadomienia o fakturach firmy NIP {nip} są włączone.",
    "in.resumed": (
        "Witaj ponownie! Powiadomienia o nowych fakturach są znowu włączone. Zaraz wyślę {count} "
        "{count:plural:fakturę, która przyszła|faktury, które przyszły|faktur, które przyszły} pod Twoją nieobecność "
        "(z {days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}). Wszystkie faktury: /faktury"
    ),
    "in.resumed_none": "Witaj ponownie! Powiadomienia o nowych fakturach są znowu włączone. Wszystkie faktury: "
                       "/faktury",
    "in.quiet_set": "Godziny ciszy dla firmy NIP {nip}: {start}–{end} (czas polski). Faktury z tego czasu "
                    "przyjdą po jego końcu.",
    "in.quiet_off": "Godziny ciszy dla firmy NIP {nip} są wyłączone.",
    "in.settings_help": (
        "Ustawienia powiadomień aktywnej firmy:\n/powiadomienia wylacz — wycisz\n/powiadomienia wlacz — "
        "włącz\n/cisza 22:00-07:00 — godziny ciszy\n/cisza wylacz — bez godzin ciszy"
    ),
    "in.backfill": "Pobieram faktury zakupowe z {days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}…",
    "in.backfill_done": (
        "Gotowe: znalazłem {count} {count:plural:nową fakturę|nowe faktury|nowych faktur} z "
        "{days:plural:ostatniego|ostatnich|ostatnich} {days} {days:plural:dnia|dni|dni}."
    ),
    "in.backfill_failed": "Nie udało się pobrać faktur z KSeF ({error}). Spróbuj później.",
    # --- availability monitor (issue 7: bot/services/availability.py, bot/chat/status.py) ---
    "av.state.AVAILABLE": "KSeF działa",
    "av.state.MAINTENANCE_ANNOUNCED": "KSeF działa, zapowiedziano prace serwisowe",
    "av.state.MAINTENANCE": "prace serwisowe — KSeF niedostępny",
    "av.state.FAILURE": "ogłoszona awaria KSeF",
    "av.state.TOTAL_FAILURE": "ogłoszona całkowita awaria KSeF",
    "av.state.DEGRADED": "KSeF nie odpowiada (awarii nie ogłoszono)",
    "av.alert.MAINTENANCE_ANNOUNCED": "🛠 <b>Zapowiedziano prace serwisowe KSeF</b>\nOd {start} do {end} "
                                      "KSeF będzie niedostępny. W tym czasie wystawisz fakturę w trybie "
                                      "offline i wyślesz ją do KSeF następnego dnia roboczego po pracach.",
    "av.alert.MAINTENANCE": "🛠 <b>KSeF jest niedostępny — prace serwisowe</b>\nObowiązuje tryb offline: "
                            "faktury wystawione teraz wyślij do KSeF {deadline}.",
    "av.alert.FAILURE": "⚠️ <b>Ogłoszono awarię KSeF</b>\nObowiązuje tryb awaryjny: faktury wystawione "
                        "teraz wyślij do KSeF {deadline}.",
    "av.alert.TOTAL_FAILURE": "🚨 <b>Ogłoszono całkowitą awarię KSeF</b>\nFakturę możesz wystawić w "
                              "dowolnej formie; nie ma obowiązku wysyłania jej do KSeF.",
    "av.alert.DEGRADED": "⚠️ <b>Nie możemy połączyć się z KSeF</b>\nAwarii nie ogłoszono, więc "
                         "dostępny jest tylko tryb offline24: faktury wystawione teraz wyślij do KSeF "
                         "{deadline}.",
    "av.deadline.date": "najpóźniej {date}",
    "av.deadline.after_failure": "w ciągu 7 dni roboczych od zakończenia awarii",
    "av.deadline.after_maintenance": "następnego dnia roboczego po zakończeniu niedostępności",
    "av.two_qr": "Faktura wystawiona w trybie offline ma dwa kody QR: KOD I (weryfikacja faktury) i "
                 "KOD II (certyfikat wystawcy). Bot doda je sam.",
    "av.official": "Komunikat MF: {title}",
    "av.recovery": "✅ <b>KSeF znowu działa</b> (od {since}). Faktury wysyłamy do KSeF od razu.",
    "av.recovery.queued": "Twoje faktury offline w kolejce: {count}. Właśnie wysyłamy je do KSeF.",
    "av.recovery.none": "Nie masz faktur offline czekających na wysyłkę.",
    "av.maintenance_over": "✅ Zapowiedziane prace serwisowe KSeF zostały odwołane lub przesunięte. "
                           "KSeF działa.",
    "av.opt_out_hint": "Zapowiedzi prac serwisowych możesz wyłączyć w /status.",
    "av.status": "<b>Status KSeF</b>: {state}\nOd: {since}\n\n{guidance}",
    "av.status.since_unknown": "uruchomienia bota",
    "av.status.latarnia_down": "Usługa statusu KSeF (Latarnia) chwilowo nie odpowiada — pokazujemy "
                               "ostatni znany stan.",
    "av.status.messages": "<b>Ostatnie komunikaty MF</b>:",
    "av.status.no_messages": "Brak bieżących komunikatów MF.",
    "av.status.muted": "Zapowiedzi prac serwisowych: wyłączone.",
    "av.status.unmuted": "Zapowiedzi prac serwisowych: włączone.",
    "av.btn.mute": "Wyłącz zapowiedzi prac",
    "av.btn.unmute": "Włącz zapowiedzi prac",
    "av.muted": "Nie będziemy wysyłać zapowiedzi prac serwisowych. O awariach poinformujemy zawsze.",
    "av.unmuted": "Będziemy wysyłać zapowiedzi prac serwisowych KSeF.",
    # --- issuing invoices (issue 6: bot/chat/issuing.py, bot/chat/profile.py) ---
    "iv.no_company": "Najpierw podłącz firmę do KSeF: /start",
    "iv.no_profile": "Zanim wystawisz pierwszą fakturę, podaj dane sprzedawcy: /profil",
    "iv.ask_buyer": "Komu wystawiasz fakturę? Wpisz NIP nabywcy albo „-” dla osoby prywatnej (konsumenta).",
    "iv.known_buyers": "Zapisani kontrahenci:\n{buyers}",
    "iv.ask_buyer_name": "Podaj nazwę nabywcy (firmę albo imię i nazwisko).",
    "iv.ask_buyer_address": "Podaj adres nabywcy, np. „ul. Prosta 1; 00-001 Warszawa” (albo „-”, by pominąć).",
    "iv.ask_line": (
        "Podaj pozycję faktury w jednej linii: nazwa, ilość, x, cena netto, stawka VAT, np.\n"
        "<code>Usługa programistyczna 1 x 5000 23%</code>\n"
        "Cena brutto: <code>Konsultacja 2 h x 246 brutto 23%</code>. Bez stawki przyjmę {rate}."
    ),
    "iv.preview": (
        "<b>Podgląd faktury</b> (numer nadam po zatwierdzeniu)\n"
        "Sprzedawca: {seller} (NIP {seller_nip})\nNabywca: {buyer}\n\n{lines}\n\n{rates}\n"
        "<b>Razem: netto {net}, VAT {vat}, brutto {gross}</b>\n{payment}"
    ),
    "iv.preview_line": "{no}. {name} — {qty} {unit} × {price} ({rate})",
    "iv.more_lines": (
        "… i {count} {count:plural:dalsza pozycja|dalsze pozycje|dalszych pozycji} (pełna lista na wydruku)"
    ),
    "iv.preview_rate": "VAT {label}: netto {net}, VAT {vat}, brutto {gross}",
    "iv.preview_payment": "Płatność: {method}, termin {due}",
    "iv.consumer": "konsument (bez NIP)",
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
        "KSeF ma już tę fakturę (ten sam plik), więc nie wysłałem jej drugi raz. "
        "Numer KSeF: <code>{ksef_number}</code>"
    ),
    "iv.kod1_caption": "KOD I (weryfikacja faktury): {url}",
    "iv.kod2_caption": "KOD II (weryfikacja wystawcy, certyfikat offline): {url}",
    "iv.rejected": (
        "❌ KSeF odrzucił fakturę nr <b>{number}</b> (kod {code}).\nPowód: {reason}\n"
        "Co zrobić: popraw dane i wystaw fakturę jeszcze raz (/wystaw). Ta faktura nie jest w KSeF."
    ),
    "iv.processing": (
        "KSeF jeszcze przetwarza fakturę nr <b>{number}</b>. Nic nie musisz robić — napiszę, gdy nada numer."
    ),
    "iv.offline": (
        "📴 KSeF jest niedostępny, więc faktura nr <b>{number}</b> została wystawiona w trybie {mode}.\n"
        "Możesz ją już przekazać nabywcy (PDF z kodami QR poniżej). Wyślę ją do KSeF sam, gdy tylko KSeF "
        "zacznie działać — najpóźniej {deadline}."
    ),
    "iv.offline_chosen": (
        "📴 Faktura nr <b>{number}</b> wystawiona offline (tryb {mode}). Wyślę ją do KSeF najpóźniej {deadline}."
    ),
    "iv.waiting_no_cert": (
        "KSeF jest teraz niedostępny, a do wystawienia faktury offline potrzebny jest certyfikat offline "
        "KSeF (podpisuje KOD II na wydruku). Nie masz go jeszcze — dodasz go przez /certificate.\n"
        "Faktura nr <b>{number}</b> jest zapisana; wyślę ją do KSeF, gdy tylko zacznie działać."
    ),
    "iv.offline_accepted": (
        "✅ Faktura offline nr <b>{number}</b> trafiła do KSeF.\nNumer KSeF: <code>{ksef_number}</code>"
    ),
    "iv.deadline": (
        "⚠️ Faktura offline nr <b>{number}</b> nadal nie jest w KSeF, bo KSeF nie przyjmuje faktur. "
        "Termin wysłania mija {deadline}. Próbuję dalej; jeśli ogłoszono awarię całkowitą, wysyłka nie jest "
        "wymagana i faktura pozostaje ważna."
    ),
    "iv.upo_caption": "UPO faktury {number}",
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
    "err.pattern_invalid": (
        "Wzorzec numeru musi zawierać {n} i może zawierać {MM}, {YYYY}, {YY}, np. FV/{n}/{MM}/{YYYY}."
    ),
    "err.pattern_needs_year": (
        "Wzorzec numeru musi zawierać rok: {YYYY} albo {YY}. Numer faktury nie może się powtórzyć, a bez "
        "roku numeracja od stycznia powtórzyłaby zeszłoroczne numery. Np. FV/{n}/{YYYY} albo FV/{n}/{MM}/{YYYY}."
    ),
    "err.pattern_needs_month": (
        "Numeracja zaczyna się co miesiąc od 1, więc wzorzec musi zawierać miesiąc {MM} i rok — np. "
        "FV/{n}/{MM}/{YYYY}."
    ),
    "err.number_taken": (
        "Numer {number} już był użyty w tej firmie: wzorzec numeru bez roku powtarza numery. Ustaw w /profil "
        "wzorzec z rokiem, np. FV/{{n}}/{{YYYY}}, i zatwierdź fakturę ponownie."
    ),
    "err.reset_invalid": "Numeracja może się zerować co miesiąc albo co rok.",
    "err.days_invalid": "Termin płatności podaj w dniach: liczba od 0 do {limit}.",
    "err.invoice_unknown": "Nie znam takiej faktury.",
    "err.upo_not_ready": "UPO będzie dostępne, gdy KSeF nada fakturze numer.",
    "err.upo_unavailable": "Nie udało się teraz pobrać UPO z KSeF. Spróbuj za chwilę.",
    "err.numbering_busy": "Nie udało się nadać numeru faktury. Spróbuj jeszcze raz.",
    "err.invoice_data": "Niepoprawne dane faktury.",
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
    # --- issue 8: login with an Authentication certificate, one-tap Offline certificate ---
    "guide.auth.0": (
        "<b>Krok 1 z 5.</b> Certyfikat uwierzytelniający KSeF zastępuje token (tokeny działają tylko do "
        "31 grudnia 2026). Zaloguj się do <b>Aplikacji Podatnika KSeF</b> (ksef.podatki.gov.pl) profilem "
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
        "(nr <code>{serial}</code>, ważny do {until}). Hasła nie zapisałem, a klucz jest przechowywany "
        "w postaci zaszyfrowanej."
    ),
    "auth.token_removed": "Token tej firmy usunąłem — nie jest już potrzebny.",
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
    "auth.need_company": "Najpierw połącz firmę certyfikatem uwierzytelniającym: /certlogin",
    "auth.switch_offer": (
        "Tokeny KSeF działają tylko do 31 grudnia 2026. Przejdź na logowanie certyfikatem "
        "uwierzytelniającym — przeprowadzę Cię krok po kroku (/certlogin)."
    ),
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
        "Wygeneruj nowy certyfikat uwierzytelniający i spróbuj ponownie: /certlogin"
    ),
    "err.enroll_quota": (
        "Limit wniosków lub aktywnych certyfikatów KSeF dla tej firmy jest wyczerpany. Unieważnij "
        "niepotrzebny certyfikat w Aplikacji Podatnika i spróbuj ponownie."
    ),
    "err.enroll_failed": "KSeF nie wydał certyfikatu Offline. Spróbuj ponownie później.",
    "err.enroll_needs_cert": (
        "KSeF wydaje certyfikaty tylko po zalogowaniu certyfikatem. Najpierw połącz firmę NIP {nip} "
        "certyfikatem uwierzytelniającym: /certlogin"
    ),
    "err.tokens_ended": (
        "KSeF nie przyjmuje już tokenu firmy NIP {nip}: od 1 stycznia 2027 tokeny nie działają. Co zrobić:\n"
        "1. Zaloguj się do Aplikacji Podatnika KSeF (ksef.podatki.gov.pl).\n"
        "2. „Certyfikaty” → „Wnioskuj o certyfikat KSeF”, typ „Uwierzytelnianie”, ustal hasło.\n"
        "3. Pobierz pliki .key i .cert.\n"
        "4. Wpisz tutaj /certlogin i wyślij oba pliki oraz hasło."
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
