"""KSeF availability: alerts, recoveries and ``/status``."""


PL: dict[str, str] = {
    "av.state.AVAILABLE": "KSeF działa",
    "av.state.MAINTENANCE_ANNOUNCED": "KSeF działa, zapowiedziano prace serwisowe",
    "av.state.MAINTENANCE": "prace serwisowe — KSeF niedostępny",
    "av.state.FAILURE": "ogłoszona awaria KSeF",
    "av.state.TOTAL_FAILURE": "ogłoszona całkowita awaria KSeF",
    "av.state.DEGRADED": "KSeF nie odpowiada (awarii nie ogłoszono)",
    "av.alert.MAINTENANCE_ANNOUNCED": (
        "🛠 <b>Zapowiedziano prace serwisowe KSeF</b>\nOd {start} do {end} "
                                      "KSeF będzie niedostępny. W tym czasie faktury wystawisz w bocie "
                                      "offline, a bot sam wyśle je do KSeF po pracach."
    ),
    "av.alert.MAINTENANCE": (
        "🛠 <b>KSeF jest niedostępny — prace serwisowe</b>\nObowiązuje tryb offline: "
                            "faktury wystawione teraz w bocie wyślę do KSeF sam, gdy KSeF wróci "
                            "(termin: {deadline})."
    ),
    "av.alert.FAILURE": (
        "⚠️ <b>Ogłoszono awarię KSeF</b>\nObowiązuje tryb awaryjny: faktury wystawione "
                        "teraz w bocie wyślę do KSeF sam, gdy KSeF wróci (termin: {deadline})."
    ),
    "av.alert.TOTAL_FAILURE": (
        "🚨 <b>Ogłoszono całkowitą awarię KSeF</b>\nFakturę możesz wystawić w "
                              "dowolnej formie; nie ma obowiązku wysyłania jej do KSeF."
    ),
    "av.alert.DEGRADED": (
        "⚠️ <b>Nie można połączyć się z KSeF</b>\nAwarii nie ogłoszono, więc "
                         "dostępny jest tylko tryb offline24: faktury wystawione teraz w bocie wyślę do "
                         "KSeF sam, gdy KSeF wróci (termin: {deadline})."
    ),
    "av.deadline.date": "najpóźniej {date}",
    "av.deadline.after_failure": "w ciągu 7 dni roboczych od zakończenia awarii",
    "av.deadline.after_maintenance": "następnego dnia roboczego po zakończeniu niedostępności",
    "av.two_qr": (
        "Masz certyfikat offline, więc faktura wystawiona teraz dostanie oba kody QR: KOD I "
                 "(weryfikacja faktury) i KOD II (wystawca). Bot doda je sam."
    ),
    "av.no_offline_cert": (
        "Do faktury offline potrzebny jest certyfikat KSeF typu Offline (podpisuje KOD II), a tego "
        "jeszcze nie masz. Uzyskasz go, gdy KSeF działa: /offline (jednym kliknięciem) albo /certyfikat."
    ),
    "av.official": "Komunikat MF: {title}",
    "av.recovery": "✅ <b>KSeF znowu działa</b> (od {since}). Faktury wysyłamy do KSeF od razu.",
    "av.recovery.queued": "Twoje faktury offline w kolejce: {count}. Właśnie wysyłamy je do KSeF.",
    "av.recovery.none": "Nie masz faktur offline czekających na wysyłkę.",
    "av.maintenance_over": (
        "✅ Zapowiedziane prace serwisowe KSeF zostały odwołane lub przesunięte. "
                           "KSeF działa."
    ),
    "av.opt_out_hint": "Zapowiedzi prac serwisowych możesz wyłączyć w /status.",
    "av.status": "<b>Status KSeF</b>: {state}\nOd: {since}\n\n{guidance}",
    "av.status.since_unknown": "uruchomienia bota",
    "av.status.latarnia_down": (
        "Usługa statusu KSeF (Latarnia) chwilowo nie odpowiada — pokazujemy "
                               "ostatni znany stan."
    ),
    "av.status.messages": "<b>Ostatnie komunikaty MF</b>:",
    "av.status.no_messages": "Brak bieżących komunikatów MF.",
    "av.status.muted": "Zapowiedzi prac serwisowych: wyłączone.",
    "av.status.unmuted": "Zapowiedzi prac serwisowych: włączone.",
    "av.btn.mute": "Wyłącz zapowiedzi prac",
    "av.btn.unmute": "Włącz zapowiedzi prac",
    "av.muted": "Nie będziemy wysyłać zapowiedzi prac serwisowych. O awariach poinformujemy zawsze.",
    "av.unmuted": "Będziemy wysyłać zapowiedzi prac serwisowych KSeF.",
}

EN: dict[str, str] = {
    "av.state.AVAILABLE": "KSeF is working",
    "av.state.MAINTENANCE_ANNOUNCED": "KSeF is working, maintenance announced",
    "av.state.MAINTENANCE": "maintenance — KSeF unavailable",
    "av.state.FAILURE": "KSeF failure announced",
    "av.state.TOTAL_FAILURE": "KSeF total failure announced",
    "av.state.DEGRADED": "KSeF does not answer (no failure announced)",
    "av.alert.MAINTENANCE_ANNOUNCED": (
        "🛠 <b>KSeF maintenance announced</b>\nFrom {start} to {end} KSeF "
                                      "will be unavailable. Meanwhile you can issue invoices offline in "
                                      "the bot; it sends them to KSeF itself after the works."
    ),
    "av.alert.MAINTENANCE": (
        "🛠 <b>KSeF is unavailable — maintenance</b>\nOffline mode applies: I will send "
                            "invoices issued in the bot now to KSeF myself once it is back (deadline: "
                            "{deadline})."
    ),
    "av.alert.FAILURE": (
        "⚠️ <b>A KSeF failure was announced</b>\nEmergency mode applies: I will send "
                        "invoices issued in the bot now to KSeF myself once it is back (deadline: "
                        "{deadline})."
    ),
    "av.alert.TOTAL_FAILURE": (
        "🚨 <b>A total KSeF failure was announced</b>\nYou may issue invoices in "
                              "any form; there is no obligation to send them to KSeF."
    ),
    "av.alert.DEGRADED": (
        "⚠️ <b>KSeF cannot be reached</b>\nNo failure was announced, so only offline24 "
                         "applies: I will send invoices issued in the bot now to KSeF myself once it is "
                         "back (deadline: {deadline})."
    ),
    "av.deadline.date": "by {date}",
    "av.deadline.after_failure": "within 7 working days after the failure ends",
    "av.deadline.after_maintenance": "on the next working day after the unavailability ends",
    "av.two_qr": (
        "You have an offline certificate, so an invoice issued now gets both QR codes: KOD I "
                 "(invoice check) and KOD II (issuer). The bot adds them."
    ),
    "av.no_offline_cert": (
        "An offline invoice needs a KSeF Offline certificate (it signs KOD II), and you do not have one "
        "yet. Get it while KSeF works: /offline (one tap) or /certificate."
    ),
    "av.official": "MF notice: {title}",
    "av.recovery": "✅ <b>KSeF works again</b> (since {since}). Invoices go to KSeF right away.",
    "av.recovery.queued": "Your offline invoices in the queue: {count}. We are sending them to KSeF now.",
    "av.recovery.none": "You have no offline invoices waiting to be sent.",
    "av.maintenance_over": "✅ The announced KSeF maintenance was cancelled or moved. KSeF is working.",
    "av.opt_out_hint": "You can turn maintenance announcements off in /status.",
    "av.status": "<b>KSeF status</b>: {state}\nSince: {since}\n\n{guidance}",
    "av.status.since_unknown": "the bot's start",
    "av.status.latarnia_down": (
        "The KSeF status service (Latarnia) does not answer — showing the last "
                               "known state."
    ),
    "av.status.messages": "<b>Latest MF notices</b>:",
    "av.status.no_messages": "No current MF notices.",
    "av.status.muted": "Maintenance announcements: off.",
    "av.status.unmuted": "Maintenance announcements: on.",
    "av.btn.mute": "Turn maintenance notices off",
    "av.btn.unmute": "Turn maintenance notices on",
    "av.muted": "We will not send maintenance announcements. Failure alerts always come.",
    "av.unmuted": "We will send KSeF maintenance announcements.",
}
