"""Finding what the bot can do: /pomoc, the main menu (buttons under the message field and under the
"nothing is in progress" answer), unknown commands, the settings screen and saved buyers as buttons."""

PL: dict[str, str] = {
    # The reply keyboard under the message field (short: three fit a row on a phone).
    "mn.key.issue": "🧾 Wystaw",
    "mn.key.invoices": "📥 Faktury",
    "mn.key.sales": "📤 Sprzedaż",
    "mn.key.settings": "⚙️ Ustawienia",
    "mn.key.help": "❓ Pomoc",
    "mn.placeholder": "Wybierz z menu albo napisz polecenie",
    # Inline buttons of the main actions.
    "mn.btn.issue": "🧾 Wystaw fakturę",
    "mn.btn.invoices": "📥 Faktury zakupowe",
    "mn.btn.sales": "📤 Sprzedaż",
    "mn.btn.status": "📡 Czy KSeF działa",
    "mn.btn.settings": "⚙️ Ustawienia",
    "mn.btn.help": "❓ Pomoc",
    "mn.btn.connect": "🔌 Podłącz firmę",
    "mn.stop.issue": "✖ Przerwij i wystaw nową fakturę",
    "mn.stop.connect": "✖ Przerwij i podłącz firmę",
    "mn.idle": "Nic teraz nie trwa. Co robimy?",
    "mn.idle_new": "Nic teraz nie trwa. Zacznij od podłączenia firmy do KSeF: /start",
    "mn.unknown_command": "Nie znam polecenia {command}. Co robimy?",
    "mn.unknown_in_dialog": "Nie znam polecenia {command}. Wszystkie polecenia: /pomoc",
    "mn.busy": "Najpierw dokończ bieżącą czynność albo ją przerwij.",
    "mn.shown": (
        "Menu jest pod polem wiadomości: 🧾 Wystaw, 📥 Faktury, 📤 Sprzedaż, ⚙️ Ustawienia, ❓ Pomoc.\n"
        "Jeśli go nie widać, stuknij ikonę klawiatury obok pola."
    ),
    "mn.help": (
        "<b>Bot KSeF</b> wystawia faktury w KSeF i pokazuje faktury od dostawców, gdy tylko do niego "
        "trafią.\n"
        "\n"
        "🧾 <b>Wystaw fakturę</b>: /wystaw\n"
        "Bot zapyta o nabywcę i pozycje. Najszybciej w jednej linii:\n"
        "<code>{example}</code>\n"
        "(NIP nabywcy, nazwa, ilość x cena, stawka VAT)\n"
        "\n"
        "📥 <b>Faktury zakupowe</b>: /faktury\n"
        "Nowe przychodzą same; tu lista z plikami PDF. <code>/faktury 30</code> pobiera ostatnie 30 dni.\n"
        "\n"
        "📤 <b>Wystawione faktury</b>: /sprzedaz\n"
        "Korekty, zapłaty, wyszukiwanie, np. <code>/sprzedaz ACME</code>.\n"
        "\n"
        "⚙️ /ustawienia: powiadomienia, cisza nocna, przypomnienia, język\n"
        "📡 /status: czy KSeF działa\n"
        "🏢 /ksef: firmy, tokeny i certyfikaty\n"
        "👤 /profil: dane sprzedawcy na fakturach\n"
        "✖ /anuluj: przerwij bieżącą czynność\n"
        "🧭 /menu: przyciski pod polem wiadomości"
    ),
    "mn.help_new": "Zacznij od podłączenia firmy do KSeF: /start",
    # Settings.
    "set.title": "⚙️ <b>Ustawienia</b> firmy NIP {nip}",
    "set.notifications": "🔔 Powiadomienia: <b>{state}</b>",
    "set.quiet": "🌙 Cisza nocna: <b>{state}</b>",
    "set.reminders": "⏰ Przypomnienia o zapłacie: <b>{state}</b>",
    "set.month": "📊 Podsumowanie miesiąca: <b>{state}</b>",
    "set.language": "🌐 Język: <b>polski</b>",
    "set.on": "włączone",
    "set.off": "wyłączone",
    "set.quiet_off": "wyłączona",
    "set.quiet_range": "{start}–{end}",
    "set.hint": "Stuknij przycisk, aby zmienić.",
        "set.btn.mute": "🔕 Wycisz powiadomienia",
    "set.btn.unmute": "🔔 Włącz powiadomienia",
    "set.btn.quiet": "🌙 Cisza nocna: {state}",
    "set.btn.reminders_off": "⏰ Wyłącz przypomnienia",
    "set.btn.reminders_on": "⏰ Włącz przypomnienia",
    "set.btn.month_off": "📊 Wyłącz podsumowanie",
    "set.btn.month_on": "📊 Włącz podsumowanie",
    "set.btn.language": "🌐 English",
    "set.btn.quiet_off": "Bez ciszy nocnej",
    "set.btn.back": "◀ Wróć",
    "set.btn.company": "🏢 Ustawienia firmy NIP {nip}",
    "set.quiet_pick": (
        "🌙 <b>Cisza nocna</b> firmy NIP {nip}: teraz <b>{state}</b>.\n"
        "W tych godzinach powiadomienia czekają do rana. Wybierz godziny:"
    ),
    "set.no_company": "Ustawienia dotyczą firmy, a żadna nie jest jeszcze podłączona. Zacznij od /start",
    # Saved buyers in the issuing dialogue.
    "mn.buyers_below": "Albo wybierz nabywcę z poprzednich faktur:",
}

EN: dict[str, str] = {
    "mn.key.issue": "🧾 Issue",
    "mn.key.invoices": "📥 Invoices",
    "mn.key.sales": "📤 Sales",
    "mn.key.settings": "⚙️ Settings",
    "mn.key.help": "❓ Help",
    "mn.placeholder": "Pick from the menu or type a command",
    "mn.btn.issue": "🧾 Issue an invoice",
    "mn.btn.invoices": "📥 Purchase invoices",
    "mn.btn.sales": "📤 Sales",
    "mn.btn.status": "📡 Is KSeF working",
    "mn.btn.settings": "⚙️ Settings",
    "mn.btn.help": "❓ Help",
    "mn.btn.connect": "🔌 Connect a company",
    "mn.stop.issue": "✖ Stop it and issue a new invoice",
    "mn.stop.connect": "✖ Stop it and connect a company",
    "mn.idle": "Nothing is in progress. What next?",
    "mn.idle_new": "Nothing is in progress. Start by connecting your company to KSeF: /start",
    "mn.unknown_command": "I do not know the command {command}. What next?",
    "mn.unknown_in_dialog": "I do not know the command {command}. All commands: /help",
    "mn.busy": "Finish what is in progress first, or stop it.",
    "mn.shown": (
        "The menu is under the message field: 🧾 Issue, 📥 Invoices, 📤 Sales, ⚙️ Settings, ❓ Help.\n"
        "If you do not see it, tap the keyboard icon next to the field."
    ),
    "mn.help": (
        "<b>KSeF bot</b> issues invoices in KSeF and shows your suppliers' invoices as soon as they arrive.\n"
        "\n"
        "🧾 <b>Issue an invoice</b>: /invoice\n"
        "The bot asks for the buyer and the lines. Fastest in one line:\n"
        "<code>{example}</code>\n"
        "(buyer's NIP, name, quantity x price, VAT rate)\n"
        "\n"
        "📥 <b>Purchase invoices</b>: /invoices\n"
        "New ones arrive by themselves; here is the list with PDFs. <code>/invoices 30</code> fetches the "
        "last 30 days.\n"
        "\n"
        "📤 <b>Issued invoices</b>: /sales\n"
        "Corrections, payments, search, e.g. <code>/sales ACME</code>.\n"
        "\n"
        "⚙️ /settings: notifications, quiet hours, reminders, language\n"
        "📡 /status: is KSeF working\n"
        "🏢 /ksef: companies, tokens and certificates\n"
        "👤 /profile: seller details on invoices\n"
        "✖ /cancel: stop what is in progress\n"
        "🧭 /menu: buttons under the message field"
    ),
    "mn.help_new": "Start by connecting your company to KSeF: /start",
    "set.title": "⚙️ <b>Settings</b> of company NIP {nip}",
    "set.notifications": "🔔 Notifications: <b>{state}</b>",
    "set.quiet": "🌙 Quiet hours: <b>{state}</b>",
    "set.reminders": "⏰ Payment reminders: <b>{state}</b>",
    "set.month": "📊 Monthly summary: <b>{state}</b>",
    "set.language": "🌐 Language: <b>English</b>",
    "set.on": "on",
    "set.off": "off",
    "set.quiet_off": "off",
    "set.quiet_range": "{start}–{end}",
    "set.hint": "Tap a button to change.",
        "set.btn.mute": "🔕 Mute notifications",
    "set.btn.unmute": "🔔 Turn notifications on",
    "set.btn.quiet": "🌙 Quiet hours: {state}",
    "set.btn.reminders_off": "⏰ Turn reminders off",
    "set.btn.reminders_on": "⏰ Turn reminders on",
    "set.btn.month_off": "📊 Turn the summary off",
    "set.btn.month_on": "📊 Turn the summary on",
    "set.btn.language": "🌐 Polski",
    "set.btn.quiet_off": "No quiet hours",
    "set.btn.back": "◀ Back",
    "set.btn.company": "🏢 Settings of company NIP {nip}",
    "set.quiet_pick": (
        "🌙 <b>Quiet hours</b> of company NIP {nip}: now <b>{state}</b>.\n"
        "During these hours notifications wait until morning. Pick the hours:"
    ),
    "set.no_company": "Settings belong to a company, and none is connected yet. Start with /start",
    "mn.buyers_below": "Or pick a buyer from earlier invoices:",
}
