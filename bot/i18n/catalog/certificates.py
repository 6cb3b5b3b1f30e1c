"""``/certificate``: the Offline certificate guide, the files, the password and their errors."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

from bot.i18n.links import TAXPAYER_PORTAL

PL: dict[str, str] = {
    "cert.need_company": "Najpierw połącz firmę z KSeF: /start",
    "cert.intro": (
        "Certyfikat KSeF typu <b>Offline</b> pozwala podpisywać kody QR faktur wystawionych bez dostępu do "
        "KSeF. Pokażę, jak go wygenerować dla firmy NIP {nip}."
    ),
    "guide.cert.0": (
        "<b>Krok 1 z 6.</b> Otwórz " + TAXPAYER_PORTAL + " i zaloguj się Profilem Zaufanym lub "
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
    "ask_cert_name": "Podaj nazwę certyfikatu (taką jak w Aplikacji Podatnika).",
    "ask_password": "Podaj hasło do klucza prywatnego. Usunę wiadomość z hasłem od razu; hasła nie zapisuję.",
    "cert_stored": (
        "Certyfikat „{name}” zapisany.\nNumer seryjny: <code>{serial}</code>\nWażny od {not_before} do "
        "{not_after}.\nPrzypomnę Ci o nim 30 dni przed wygaśnięciem."
    ),
    "err.file_too_large": "Ten plik jest za duży (limit {limit_kb} KB) — to na pewno nie klucz ani certyfikat.",
    "err.key_not_key": "Ten plik nie jest kluczem prywatnym. Wyślij plik .key pobrany z Aplikacji Podatnika KSeF.",
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
    "err.cert_mismatch": "Klucz nie pasuje do tego certyfikatu. Zacznijmy od klucza: wyślij plik .key z tej samej pary.",
    "err.cert_password": "Hasło nie pasuje do klucza. Wpisz je jeszcze raz (wielkość liter ma znaczenie).",
    "err.cert_other_nip": "Ten certyfikat wystawiono dla NIP {cert_nip}, a firma ma NIP {nip}. Wyślij właściwy .cert.",
    "err.cert_invalid": "Nie udało się użyć tego certyfikatu. Sprawdź pliki i spróbuj ponownie.",
    "err.cert_name": "Nazwa certyfikatu musi mieć od 1 do {limit} {limit:plural:znaku|znaków|znaków}.",
    "password_deleted_failed": "Nie udało się usunąć wiadomości z hasłem. Usuń ją, proszę, ręcznie.",
}

EN: dict[str, str] = {
    "cert.need_company": "Connect a company with a token first: /start",
    "cert.intro": (
        "A KSeF <b>Offline</b> certificate signs the QR codes of invoices issued while KSeF is unreachable. "
        "I will show how to generate one for NIP {nip}."
    ),
    "guide.cert.0": (
        "<b>Step 1 of 6.</b> Open " + TAXPAYER_PORTAL + " and log in with Profil Zaufany or a qualified "
        "certificate (a token login cannot request certificates)."
    ),
    "guide.cert.1": "<b>Step 2 of 6.</b> Choose <b>Certyfikaty</b> → <b>Wnioskuj o certyfikat</b>.",
    "guide.cert.2": (
        "<b>Step 3 of 6.</b> Enter a certificate name and a password for the private key. Remember the "
        "password — you will need it in a moment."
    ),
    "guide.cert.3": "<b>Step 4 of 6.</b> Save the <b>.key</b> file (private key) on your device.",
    "guide.cert.4": "<b>Step 5 of 6.</b> Choose the type <b>“Podpis linku do weryfikacji wystawcy”</b> and a start date.",
    "guide.cert.5": (
        "<b>Step 6 of 6.</b> Send the request, refresh the list after a moment and download the <b>.cert</b> "
        "file. Then press “Next”."
    ),
    "ask_key": "Send the <b>.key</b> file (private key) as a document.",
    "ask_cert": "Thank you. Now send the <b>.cert</b> (or .crt) file.",
    "ask_cert_name": "Send the certificate's name (as entered in the taxpayer application).",
    "ask_password": "Send the private key's password. I delete the message at once and never store it.",
    "cert_stored": (
        "Certificate “{name}” saved.\nSerial number: <code>{serial}</code>\nValid from {not_before} to "
        "{not_after}.\nI will remind you 30 days before it expires."
    ),
    "err.file_too_large": "This file is too large (limit {limit_kb} KB) — it cannot be a key or a certificate.",
    "err.key_not_key": "This file is not a private key. Send the .key file from the KSeF taxpayer application.",
    "err.key_cost": (
        "This key is encrypted with an unusually high decryption cost, so the bot will not open "
        "it. Send the .key file from the KSeF taxpayer application."
    ),
    "err.key_timeout": "Decrypting the key took too long. Type the password again in a few minutes.",
    "err.cert_not_cert": "This file is not a certificate. Send the .cert (or .crt) file from the application.",
    "err.cert_expired": "This certificate has expired. Generate a new one and send its .cert file.",
    "err.cert_not_yet_valid": "This certificate is not valid yet. Send another one or wait until it is.",
    "err.cert_wrong_type": (
        "This is not an Offline certificate (an authentication certificate is for logging in, not for QR "
        "codes). Send the .cert of a “Podpis linku do weryfikacji wystawcy” certificate."
    ),
    "err.cert_mismatch": "The key does not match this certificate. Let's start again with the .key of the same pair.",
    "err.cert_password": "The password does not open the key. Type it again (letter case matters).",
    "err.cert_other_nip": "This certificate was issued for NIP {cert_nip}, the company is NIP {nip}. Send the right .cert.",
    "err.cert_invalid": "This certificate cannot be used. Check the files and try again.",
    "err.cert_name": "The certificate name must have 1 to {limit} {limit:plural:character|characters}.",
    "password_deleted_failed": "I could not delete the message with the password. Please delete it yourself.",
}
