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
                                      "KSeF będzie niedostępny. W tym czasie wystawisz fakturę w trybie "
                                      "offline i wyślesz ją do KSeF następnego dnia roboczego po pracach."
    ),
    "av.alert.MAINTENANCE": (
        "🛠 <b>KSeF jest niedostępny — prace serwisowe</b>\nObowiązuje tryb offline: "
                            "faktury wystawione teraz wyślij do KSeF {deadline}."
    ),
    "av.alert.FAILURE": (
        "⚠️ <b>Ogłoszono awarię KSeF</b>\nObowiązuje tryb awaryjny: faktury wystawione "
                        "teraz wyślij do KSeF {deadline}."
    ),
    "av.alert.TOTAL_FAILURE": (
        "🚨 <b>Ogłoszono całkowitą awarię KSeF</b>\nFakturę możesz wystawić w "
                              "dowolnej formie; nie ma obowiązku wysyłania jej do KSeF."
    ),
    "av.alert.DEGRADED": (
        "⚠️ <b>Nie możemy połączyć się z KSeF</b>\nAwarii nie ogłoszono, więc "
                         "dostępny jest tylko tryb offline24: faktury wystawione teraz wyślij do KSeF "
                         "{deadline}."
    ),
    "av.deadline.date": "najpóźniej {date}",
    "av.deadline.after_failure": "w ciągu 7 dni roboczych od zakończenia awarii",
    "av.deadline.after_maintenance": "następnego dnia roboczego po zakończeniu niedostępności",
    "av.two_qr": (
        "Faktura wystawiona w trybie offline ma dwa kody QR: KOD I (weryfikacja faktury) i "
                 "KOD II (certyfikat wystawcy). Bot doda je sam."
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
                                      "will be unavailable. Meanwhile issue invoices in offline mode and "
                                      "send them to KSeF on the next working day after the works."
    ),
    "av.alert.MAINTENANCE": (
        "🛠 <b>KSeF is unavailable — maintenance</b>\nOffline mode applies: send "
                            "invoices issued now to KSeF {deadline}."
    ),
    "av.alert.FAILURE": (
        "⚠️ <b>A KSeF failure was announced</b>\nEmergency mode applies: send invoices "
                        "issued now to KSeF {deadline}."
    ),
    "av.alert.TOTAL_FAILURE": (
        "🚨 <b>A total KSeF failure was announced</b>\nYou may issue invoices in "
                              "any form; there is no obligation to send them to KSeF."
    ),
    "av.alert.DEGRADED": (
        "⚠️ <b>We cannot reach KSeF</b>\nNo failure was announced, so only offline24 "
                         "applies: send invoices issued now to KSeF {deadline}."
    ),
    "av.deadline.date": "by {date}",
    "av.deadline.after_failure": "within 7 working days after the failure ends",
    "av.deadline.after_maintenance": "on the next working day after the unavailability ends",
    "av.two_qr": (
        "An invoice issued in offline mode carries two QR codes: CODE I (invoice check) and "
                 "CODE II (issuer certificate). The bot adds them."
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
