"""Texts of the chat's guards: input the bot cannot use (stickers, photos, edits), secrets removed from
the chat, messages too long for Telegram, refusals that protect unfinished invoices and payments."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

PL: dict[str, str] = {
    "more_items": "…i {count} więcej",
    "in.details_more": "…i {count} {count:plural:pozycja|pozycje|pozycji} więcej. Pełna lista: „Wydruk PDF” albo „Plik XML”.",
    "in.pdf_failed": "Z tej faktury nie da się zrobić wydruku PDF. Pełna treść jest w „Plik XML”.",
    "input.not_text": "Tego rodzaju wiadomości nie odczytam: rozumiem tekst, przyciski i pliki certyfikatu.",
    "input.photo_not_file": "To zdjęcie, a potrzebny jest sam plik z Aplikacji Podatnika KSeF. Wyślij go jako dokument: spinacz 📎 → Plik (nie Galeria). Zrzut ekranu nie zadziała.",
    "input.file_not_needed": "Ten plik nie jest mi teraz potrzebny.",
    "edit.outside": "Poprawiona wiadomość nie jest wykonywana jeszcze raz. Jeśli o to chodzi, wyślij ją ponownie jako nową wiadomość.",
    "edit.old_answer": "Ta odpowiedź jest już przyjęta, więc jej poprawka niczego nie zmienia. Aby zacząć od nowa: /cancel. A teraz:",
    "secret.token_removed": "🔒 Usunięto z czatu wiadomość z tokenem KSeF: daje on dostęp do faktur firmy. Token wklej tylko wtedy, gdy o niego poproszę (podłączanie firmy: /start).",
    "secret.key_removed": "🔒 Usunięto z czatu plik z kluczem prywatnym: to połowa podpisu firmy i nie może zostać w rozmowie.",
    "secret.password_removed": "🔒 Usunięto z czatu wiadomość z hasłem do przesłanego klucza: hasło nie może zostać w rozmowie ani stać się nazwą certyfikatu.",
    "secret.photo_removed": "🔒 Usunięto zdjęcie z czatu, bo mogło pokazywać klucz, token albo hasło.",
    "secret.delete_failed": "Nie udało się jej usunąć: usuń ją ręcznie (przytrzymaj wiadomość → Usuń).",
}

EN: dict[str, str] = {
    "more_items": "…and {count} more",
    "in.details_more": "…and {count} more {count:plural:line|lines}. The full list: “PDF printout” or “XML file”.",
    "in.pdf_failed": "This invoice cannot be turned into a PDF printout. Its full content is in “XML file”.",
    "input.not_text": "I cannot read this kind of message: I understand text, buttons and certificate files.",
    "input.photo_not_file": "This is a photo, but the file itself from the KSeF taxpayer application is needed. Send it as a document: paperclip 📎 → File (not Gallery). A screenshot will not work.",
    "input.file_not_needed": "I do not need this file now.",
    "edit.outside": "An edited message is not carried out again. If that is what you want, send it again as a new message.",
    "edit.old_answer": "This answer was already taken, so editing it changes nothing. To start again: /cancel. Now:",
    "secret.token_removed": "🔒 A message with a KSeF token was deleted from the chat: it gives access to the company's invoices. Paste a token only when I ask for it (connecting a company: /start).",
    "secret.key_removed": "🔒 A private key file was deleted from the chat: it is half of the company's signature and must not stay in the conversation.",
    "secret.password_removed": "🔒 A message with the uploaded key's password was deleted from the chat: a password must not stay in the conversation or become a certificate's name.",
    "secret.photo_removed": "🔒 The photo was deleted from the chat: it may show a key, a token or a password.",
    "secret.delete_failed": "It could not be deleted: please delete it yourself (hold the message → Delete).",
}
