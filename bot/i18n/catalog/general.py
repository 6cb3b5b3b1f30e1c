"""Texts every part of the chat uses: guide buttons, cancelling, errors, /language and /forget."""


PL: dict[str, str] = {
    "btn.next": "Dalej ▶",
    "btn.back": "◀ Wstecz",
    "btn.stop": "✖ Przerwij",
    "btn.have_token": "Mam już token",
    "btn.have_files": "Mam już pliki",
    "cancelled": "Przerwano. Nic nie zostało zapisane. Zacznij od nowa: /start",
    "nothing_to_cancel": "Nic teraz nie trwa. Polecenia: /start, /ksef, /jezyk, /zapomnij",
    "stale_button": "Ten przycisk jest już nieaktualny.",
    "use_buttons": "Użyj przycisków pod ostatnią wiadomością albo przerwij: /anuluj",
    "idle_timeout": (
        "Nie było odpowiedzi od dłuższego czasu, więc konfiguracja została przerwana. "
        "Nic nie zostało zapisane połowicznie. Gdy zechcesz wrócić: /start"
    ),
    "error_generic": "Coś poszło nie tak po mojej stronie. Spróbuj ponownie za chwilę.",
    "err.ksef_busy": "KSeF prosi o chwilę przerwy. Spróbuj ponownie za {seconds} s.",
    "err.ksef_unavailable": "KSeF jest teraz niedostępny. Spróbuj ponownie za kilka minut.",
    "err.ksef_error": "KSeF odpowiedział błędem (HTTP {status}). Spróbuj ponownie później.",
    "err.access_denied": "Nie masz dostępu do tej firmy.",
    "err.language_unknown": "Nie znam tego języka.",
    "expect_document": "Czekam na plik wysłany jako dokument (spinacz → Plik).",
    "expect_text": "Czekam na wiadomość tekstową.",
    "btn.yes_remove": "Tak, usuń",
    "btn.no": "Nie",
    "kept": "W porządku, nic nie zmieniam.",
    "forget.confirm": (
        "Usunąć <b>wszystkie</b> Twoje dane: firmy, których jesteś właścicielem (z tokenami i "
        "certyfikatami), dostępy z zaproszeń i ustawienia? Tego nie da się cofnąć."
    ),
    "btn.forget_yes": "Tak, usuń wszystko",
    "forget.done": "Wszystkie Twoje dane zostały usunięte. Do zobaczenia! Aby zacząć od nowa: /start",
    "language.choose": "Wybierz język / Choose your language:",
    "language.set": "Ustawiono język polski.",
    "env.prod": "produkcja",
    "env.test": "środowisko testowe",
    "env.demo": "środowisko demo",
    "env.other": "symulator",
}

EN: dict[str, str] = {
    "btn.next": "Next ▶",
    "btn.back": "◀ Back",
    "btn.stop": "✖ Stop",
    "btn.have_token": "I already have a token",
    "btn.have_files": "I already have the files",
    "cancelled": "Stopped. Nothing was saved. Start again: /start",
    "nothing_to_cancel": "Nothing is in progress. Commands: /start, /ksef, /language, /forget",
    "stale_button": "This button is no longer valid.",
    "use_buttons": "Use the buttons under the last message, or stop: /cancel",
    "idle_timeout": (
        "There was no answer for a while, so I stopped the setup. Nothing was saved half-way. "
        "To come back: /start"
    ),
    "error_generic": "Something went wrong on my side. Please try again in a moment.",
    "err.ksef_busy": "KSeF asks for a pause. Try again in {seconds} s.",
    "err.ksef_unavailable": "KSeF is unavailable right now. Try again in a few minutes.",
    "err.ksef_error": "KSeF answered with an error (HTTP {status}). Try again later.",
    "err.access_denied": "You have no access to this company.",
    "err.language_unknown": "I do not know this language.",
    "expect_document": "I am waiting for a file sent as a document.",
    "expect_text": "I am waiting for a text message.",
    "btn.yes_remove": "Yes, remove",
    "btn.no": "No",
    "kept": "Fine, nothing changed.",
    "forget.confirm": (
        "Delete <b>all</b> your data: companies you own (with tokens and certificates), invited access and "
        "settings? This cannot be undone."
    ),
    "btn.forget_yes": "Yes, delete everything",
    "forget.done": "All your data has been deleted. Goodbye! To start again: /start",
    "language.set": "Language set to English.",
    "env.prod": "production",
    "env.test": "test environment",
    "env.demo": "demo environment",
    "env.other": "simulator",
    "language.choose": "Wybierz język / Choose your language:",
}
