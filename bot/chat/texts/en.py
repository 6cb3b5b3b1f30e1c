"""English texts (chosen with /language). Keys missing here fall back to Polish."""
# ruff: noqa: E501  -- one sentence per line reads better than split strings in a catalog

TEXTS: dict[str, str] = {
    "welcome": (
        "Hi! I am a KSeF assistant: I will tell you about new invoices and help you issue them.\n\n"
        "First I will connect your company to KSeF. You need a <b>KSeF token</b>, generated in the KSeF "
        "taxpayer application. I will guide you step by step.\nStop at any time with /cancel."
    ),
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
    "err.company_taken": (
        "The company with NIP {nip} is already connected by someone else. Ask them for an invitation."
    ),
    "err.not_owner": "You have access to NIP {nip} by invitation; only its owner can change the token.",
    "err.ksef_busy": "KSeF asks for a pause. Try again in {seconds} s.",
    "err.ksef_unavailable": "KSeF is unavailable right now. Try again in a few minutes.",
    "err.ksef_error": "KSeF answered with an error (HTTP {status}). Try again later.",
    "err.access_denied": "You have no access to this company.",
    "cert.need_company": "Connect a company with a token first: /start",
    "ask_key": "Send the <b>.key</b> file (private key) as a document.",
    "ask_cert": "Thank you. Now send the <b>.cert</b> (or .crt) file.",
    "ask_cert_name": "Send the certificate's name (as entered in the taxpayer application).",
    "ask_password": "Send the private key's password. I delete the message at once and never store it.",
    "expect_document": "I am waiting for a file sent as a document.",
    "expect_text": "I am waiting for a text message.",
    "cert_stored": (
        "Certificate “{name}” saved.\nSerial number: <code>{serial}</code>\nValid from {not_before} to "
        "{not_after}.\nI will remind you 30 days before it expires."
    ),
    "ksef.none": "No company is connected yet. Start with /start",
    "ksef.header": "Your companies ({count}):",
    "ksef.add_more": "Connect another company?",
    "btn.add_company": "Add a company",
    "switched": "Active company: NIP {nip}.",
    "forget.done": "All your data has been deleted. Goodbye! To start again: /start",
    "language.set": "Language set to English.",
    "err.language_unknown": "I do not know this language.",
    "cert.intro": (
        "A KSeF <b>Offline</b> certificate signs the QR codes of invoices issued while KSeF is unreachable. "
        "I will show how to generate one for NIP {nip}."
    ),
    "guide.cert.0": (
        "<b>Step 1 of 6.</b> Open https://ap.ksef.mf.gov.pl and log in with Profil Zaufany or a qualified "
        "certificate (a token login cannot request certificates)."
    ),
    "guide.cert.1": "<b>Step 2 of 6.</b> Choose <b>Certyfikaty</b> → <b>Wnioskuj o certyfikat</b>.",
    "guide.cert.2": (
        "<b>Step 3 of 6.</b> Enter a certificate name and a password for the private key. Remember the "
        "password — you will need it in a moment."
    ),
    "guide.cert.3": "<b>Step 4 of 6.</b> Save the <b>.key</b> file (private key) on your device.",
    "guide.cert.4": (
        "<b>Step 5 of 6.</b> Choose the type <b>“Podpis linku do weryfikacji wystawcy”</b> and a start date."
    ),
    "guide.cert.5": (
        "<b>Step 6 of 6.</b> Send the request, refresh the list after a moment and download the <b>.cert</b> "
        "file. Then press “Next”."
    ),
    "err.file_too_large": "This file is too large (limit {limit_kb} KB) — it cannot be a key or a certificate.",
    "err.key_not_key": "This file is not a private key. Send the .key file from the KSeF taxpayer application.",
    "err.pattern_needs_year": ("The number pattern must contain the year: {YYYY} or {YY}. An invoice number "
                               "must never repeat, and without the year January would repeat last year's "
                               "numbers. E.g. FV/{n}/{YYYY} or FV/{n}/{MM}/{YYYY}."),
    "err.pattern_needs_month": ("Numbering restarts from 1 every month, so the pattern must contain the month "
                                "{MM} and the year, e.g. FV/{n}/{MM}/{YYYY}."),
    "err.number_taken": ("Number {number} was already used by this company: a pattern without the year "
                         "repeats numbers. Set a pattern with the year in /profil, e.g. FV/{{n}}/{{YYYY}}, and "
                         "confirm the invoice again."),
    "err.key_cost": ("This key is encrypted with an unusually high decryption cost, so the bot will not open "
                     "it. Send the .key file from the KSeF taxpayer application."),
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
    "ksef.company": "<b>NIP {nip}</b>{active} — environment: {environment}{role}",
    "ksef.active": " (active)",
    "ksef.role_member": ", access by invitation",
    "ksef.token_ok": "Token: active, checked {checked}",
    "ksef.token_until": "Token: active, valid until {until}, checked {checked}",
    "ksef.token_none": "Token: none",
    "ksef.certs_none": "Certificates: none",
    "ksef.cert_line": "• {name} ({cert_type}, no. {serial}) valid until {until}",
    "ksef.cert_line_expired": "• {name} ({cert_type}, no. {serial}) <b>expired</b> {until}",
    "btn.switch": "Make active",
    "btn.replace_token": "Replace token",
    "btn.add_cert": "Add certificate",
    "btn.remove_cert": "Remove certificate {name}",
    "btn.invite": "Invite someone",
    "btn.members": "People with access",
    "btn.remove_company": "Remove company",
    "btn.leave_company": "Leave company",
    "btn.yes_remove": "Yes, remove",
    "btn.no": "No",
    "confirm_remove_company": "Remove NIP {nip} with its token and certificates? Invited people lose access.",
    "confirm_leave_company": "Give up your access to NIP {nip}?",
    "company_removed": "NIP {nip} was removed together with its token and certificates.",
    "company_left": "You no longer have access to NIP {nip}.",
    "cert_removed": "Certificate removed.",
    "kept": "Fine, nothing changed.",
    "invite_link": "Invitation link for NIP {nip} (single use, valid 7 days):\n{link}\nGive it to the person who should have access.",
    "joined": "You now have access to NIP {nip}. See: /ksef",
    "err.invitation_invalid": "This invitation link is not valid. Ask the owner for a new one.",
    "err.invitation_used": "This invitation link has already been used. Ask the owner for a new one.",
    "err.invitation_expired": "This invitation link has expired. Ask the owner for a new one.",
    "members.header": "People with access to NIP {nip}:",
    "members.line": "• user {user_id} — {role}",
    "members.owner": "owner",
    "members.member": "invited",
    "members.none": "Nobody else has access. Invite someone with “Invite someone”.",
    "btn.remove_member": "Remove access {user_id}",
    "member_removed": "User {user_id} no longer has access to NIP {nip}.",
    "err.member_unknown": "This person has no access to this company.",
    "forget.confirm": (
        "Delete <b>all</b> your data: companies you own (with tokens and certificates), invited access and "
        "settings? This cannot be undone."
    ),
    "btn.forget_yes": "Yes, delete everything",
    "remind.token_expiry": (
        "Reminder: the KSeF token of NIP {nip} stops working {until}. Generate a new token in the taxpayer "
        "application (or move to certificate login once available) and replace it in /ksef → “Replace token”."
    ),
    "remind.certificate_expiry": (
        "Reminder: KSeF certificate “{name}” (no. {serial}) of NIP {nip} expires {until}. Generate a new "
        "one in the taxpayer application and add it: /certificate"
    ),
    "companies.one": "company",
    "companies.other": "companies",
    # --- inbox: purchase invoices (issue 5) ---
    "in.new": "🧾 <b>New purchase invoice</b> (company NIP {company})",
    "in.seller": "Seller: <b>{name}</b>, NIP {nip}",
    "in.number": "Invoice number: {number}",
    "in.issued": "Issue date: {date}",
    "in.gross": "Gross amount: <b>{amount}</b>",
    "in.due": "Due date: {date}",
    "in.account": "Bank account: {account}",
    "in.ksef": "KSeF number: <code>{number}</code>",
    "in.summary": "🧾 <b>New purchase invoices: {count}</b> (company NIP {company})",
    "in.summary_line": "• {seller} — {number} — {amount}",
    "in.summary_more": "…and {count} more. All of them: /invoices",
    "btn.in_details": "Details",
    "btn.in_xml": "XML file",
    "btn.in_pdf": "PDF printout",
    "btn.in_list": "Invoice list",
    "btn.in_prev": "« Newer",
    "btn.in_next": "Older »",
    "in.details": "Lines of invoice {number}:",
    "in.line": "{no}. {name} — {qty} {unit} × {price} = {gross}",
    "in.rate": "VAT {label}: net {net}, VAT {vat}, gross {gross}",
    "in.list_header": "Purchase invoices of company NIP {nip} ({first}–{last} of {total}):",
    "in.list_empty": "No purchase invoices of company NIP {nip} yet. New ones will appear here.",
    "in.list_line": "{no}. {date} {seller} — {number} — {amount}",
    "in.no_company": "Connect a company first: /start",
    "in.unavailable": "Could not get the invoice from KSeF right now. Try again in a moment.",
    "in.muted": "Invoice notifications of company NIP {nip} are muted. To turn them on: /notifications on",
    "in.unmuted": "Invoice notifications of company NIP {nip} are on.",
    "in.resumed": (
        "Welcome back! New invoice notifications are on again. In a moment I will send the {count} "
        "{count:plural:invoice that|invoices that} arrived while you were away (last {days} {days:plural:day|days}). "
        "All invoices: /invoices"
    ),
    "in.resumed_none": "Welcome back! New invoice notifications are on again. All invoices: /invoices",
    "in.quiet_set": "Quiet hours for company NIP {nip}: {start}–{end} (Polish time). Invoices found then "
                    "arrive when they end.",
    "in.quiet_off": "Quiet hours for company NIP {nip} are off.",
    "in.settings_help": (
        "Notification settings of the active company:\n/notifications off — mute\n/notifications on — "
        "unmute\n/quiet 22:00-07:00 — quiet hours\n/quiet off — no quiet hours"
    ),
    "in.backfill": "Fetching purchase invoices of the last {days} {days:plural:day|days}…",
    "in.backfill_done": "Done: found {count} new {count:plural:invoice|invoices} of the last {days} {days:plural:day|days}.",
    "in.backfill_failed": "Could not fetch invoices from KSeF ({error}). Try later.",
    # --- availability monitor (issue 7: bot/services/availability.py, bot/chat/status.py) ---
    "av.state.AVAILABLE": "KSeF is working",
    "av.state.MAINTENANCE_ANNOUNCED": "KSeF is working, maintenance announced",
    "av.state.MAINTENANCE": "maintenance — KSeF unavailable",
    "av.state.FAILURE": "KSeF failure announced",
    "av.state.TOTAL_FAILURE": "KSeF total failure announced",
    "av.state.DEGRADED": "KSeF does not answer (no failure announced)",
    "av.alert.MAINTENANCE_ANNOUNCED": "🛠 <b>KSeF maintenance announced</b>\nFrom {start} to {end} KSeF "
                                      "will be unavailable. Meanwhile issue invoices in offline mode and "
                                      "send them to KSeF on the next working day after the works.",
    "av.alert.MAINTENANCE": "🛠 <b>KSeF is unavailable — maintenance</b>\nOffline mode applies: send "
                            "invoices issued now to KSeF {deadline}.",
    "av.alert.FAILURE": "⚠️ <b>A KSeF failure was announced</b>\nEmergency mode applies: send invoices "
                        "issued now to KSeF {deadline}.",
    "av.alert.TOTAL_FAILURE": "🚨 <b>A total KSeF failure was announced</b>\nYou may issue invoices in "
                              "any form; there is no obligation to send them to KSeF.",
    "av.alert.DEGRADED": "⚠️ <b>We cannot reach KSeF</b>\nNo failure was announced, so only offline24 "
                         "applies: send invoices issued now to KSeF {deadline}.",
    "av.deadline.date": "by {date}",
    "av.deadline.after_failure": "within 7 working days after the failure ends",
    "av.deadline.after_maintenance": "on the next working day after the unavailability ends",
    "av.two_qr": "An invoice issued in offline mode carries two QR codes: CODE I (invoice check) and "
                 "CODE II (issuer certificate). The bot adds them.",
    "av.official": "MF notice: {title}",
    "av.recovery": "✅ <b>KSeF works again</b> (since {since}). Invoices go to KSeF right away.",
    "av.recovery.queued": "Your offline invoices in the queue: {count}. We are sending them to KSeF now.",
    "av.recovery.none": "You have no offline invoices waiting to be sent.",
    "av.maintenance_over": "✅ The announced KSeF maintenance was cancelled or moved. KSeF is working.",
    "av.opt_out_hint": "You can turn maintenance announcements off in /status.",
    "av.status": "<b>KSeF status</b>: {state}\nSince: {since}\n\n{guidance}",
    "av.status.since_unknown": "the bot's start",
    "av.status.latarnia_down": "The KSeF status service (Latarnia) does not answer — showing the last "
                               "known state.",
    "av.status.messages": "<b>Latest MF notices</b>:",
    "av.status.no_messages": "No current MF notices.",
    "av.status.muted": "Maintenance announcements: off.",
    "av.status.unmuted": "Maintenance announcements: on.",
    "av.btn.mute": "Turn maintenance notices off",
    "av.btn.unmute": "Turn maintenance notices on",
    "av.muted": "We will not send maintenance announcements. Failure alerts always come.",
    "av.unmuted": "We will send KSeF maintenance announcements.",
    # --- issuing invoices (issue 6); missing keys fall back to Polish ---
    "iv.no_company": "Connect a company to KSeF first: /start",
    "iv.no_profile": "Before your first invoice, enter the seller details: /profil",
    "iv.ask_buyer": "Who is the buyer? Type the buyer's NIP, or “-” for a private person (consumer).",
    "iv.ask_buyer_name": "Type the buyer's name.",
    "iv.ask_buyer_address": "Type the buyer's address, e.g. “ul. Prosta 1; 00-001 Warszawa” (or “-” to skip).",
    "iv.btn.confirm": "✅ Confirm and send",
    "iv.btn.offline": "📴 Issue offline",
    "iv.btn.add": "➕ Add a line",
    "iv.btn.edit": "✏️ Redo lines",
    "iv.btn.cancel": "✖ Cancel",
    "iv.btn.again": "🔁 Issue again",
    "iv.sending": "Invoice <b>{number}</b> saved. Sending it to KSeF…",
    "iv.accepted": "✅ Invoice <b>{number}</b> accepted by KSeF.\nKSeF number: <code>{ksef_number}</code>",
    "iv.cancelled": "Cancelled. Nothing was issued.",
    # --- issue 8: login with an Authentication certificate, one-tap Offline certificate ---
    "guide.auth.0": (
        "<b>Step 1 of 5.</b> A KSeF Authentication certificate replaces the token (tokens work only until "
        "31 December 2026). Log in to the <b>KSeF Taxpayer Application</b> (ksef.podatki.gov.pl)."
    ),
    "guide.auth.1": "<b>Step 2 of 5.</b> Open <b>“Certificates”</b> and choose <b>“Request a KSeF certificate”</b>.",
    "guide.auth.2": (
        "<b>Step 3 of 5.</b> Enter a name, choose the type <b>“Authentication”</b> and set a password for the "
        "private key — you will need it in a moment."
    ),
    "guide.auth.3": "<b>Step 4 of 5.</b> Save the <b>.key</b> file (private key) on your device.",
    "guide.auth.4": "<b>Step 5 of 5.</b> Submit, refresh the list, download the <b>.cert</b> file, then press Next.",
    "auth.ask_key": "Send the Authentication certificate's <b>.key</b> file as a document.",
    "auth.ask_cert": "Thank you. Now send the Authentication certificate's <b>.cert</b> (or .crt) file.",
    "auth.checking": "Logging in to KSeF with this certificate…",
    "auth.connected": (
        "✅ Company NIP {nip} connected to KSeF ({environment}) with an Authentication certificate "
        "(no. <code>{serial}</code>, valid until {until}). The password was not stored; the key is kept encrypted."
    ),
    "auth.token_removed": "I removed this company's token — it is no longer needed.",
    "auth.offer_offline": (
        "I can also get you an <b>Offline</b> certificate (for the KOD II code on invoices issued while KSeF "
        "is down) with one tap — no portal steps."
    ),
    "btn.auth_enroll": "Get an Offline certificate",
    "btn.auth_enroll_yes": "Yes, request it",
    "btn.auth_switch": "Switch to a certificate",
    "auth.quota": (
        "Requesting an Offline certificate for NIP {nip} uses 1 of your KSeF limit. Left: {enrollments} "
        "{enrollments:plural:request|requests} and {certificates} active certificate {certificates:plural:slot|slots}.\n"
        "I will generate the key, request, wait and store the certificate encrypted. Continue?"
    ),
    "auth.enrolling": "Requesting the certificate from KSeF and waiting for it…",
    "auth.enrolled": (
        "✅ Offline certificate “{name}” (no. <code>{serial}</code>) valid until {until} stored. Offline "
        "invoices will get the KOD II code."
    ),
    "auth.need_company": "First connect a company with an Authentication certificate: /certlogin",
    "auth.switch_offer": (
        "KSeF tokens work only until 31 December 2026. Switch to logging in with an Authentication "
        "certificate — I will guide you step by step (/certlogin)."
    ),
    "err.auth_wrong_type": (
        "This is not an Authentication certificate (an Offline certificate only signs QR codes and cannot log "
        "in). Send the .cert file of an “Authentication” certificate."
    ),
    "err.auth_no_rights": (
        "KSeF refused this certificate for NIP {nip}: its owner has no rights in this company. Check the NIP or "
        "use the certificate of an authorised person."
    ),
    "err.auth_rejected": (
        "KSeF rejected this certificate (revoked, expired or not a KSeF certificate). Request a new "
        "Authentication certificate and try again: /certlogin"
    ),
    "err.enroll_quota": (
        "The KSeF limit of requests or active certificates for this company is used up. Revoke an unneeded "
        "certificate in the Taxpayer Application and try again."
    ),
    "err.enroll_failed": "KSeF did not issue the Offline certificate. Please try again later.",
    "err.enroll_needs_cert": (
        "KSeF issues certificates only after a certificate login. First connect NIP {nip} with an "
        "Authentication certificate: /certlogin"
    ),
    "err.tokens_ended": (
        "KSeF no longer accepts the token of NIP {nip}: tokens stopped working on 1 January 2027. What to do:\n"
        "1. Log in to the KSeF Taxpayer Application (ksef.podatki.gov.pl).\n"
        "2. “Certificates” → “Request a KSeF certificate”, type “Authentication”, set a password.\n"
        "3. Download the .key and .cert files.\n"
        "4. Type /certlogin here and send both files and the password."
    ),
    "remind.token_switch": (
        "Reminder: the KSeF token of NIP {nip} works only until {until}. Switch to an Authentication "
        "certificate — step-by-step guide: /certlogin"
    ),
    "remind.tokens_ended": (
        "⚠️ KSeF rejects the token of NIP {nip}: tokens stopped working on 1 January 2027, so I cannot fetch "
        "or send invoices. What to do:\n"
        "1. Log in to the KSeF Taxpayer Application (ksef.podatki.gov.pl).\n"
        "2. “Certificates” → “Request a KSeF certificate”, type “Authentication”, set a password.\n"
        "3. Download the .key and .cert files.\n"
        "4. Type /certlogin here and send both files and the password."
    ),
}
