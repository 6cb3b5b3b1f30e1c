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
    "err.cert_name": "The certificate name must have 1 to {limit} characters.",
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
}
