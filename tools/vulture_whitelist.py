"""Names vulture reports as unused that are used — by a framework, a protocol or a reader of the data.

Run from the repository root: ``vulture`` (its paths and threshold are in pyproject.toml,
``[tool.vulture]``; ``pip install vulture``). Anything it reports beyond this list is dead code: remove it
or wire it. Each entry says why it stays. Not imported by anything; vulture only reads it.
"""

# ruff: noqa: B018, F821  (bare names and attributes are how a vulture whitelist lists what is used)

# --- called by a framework, not by our code --------------------------------------------------------
_.do_process_update  # PTB's BaseUpdateProcessor hook (bot/chat/updates.py)
_.process_bind_param  # SQLAlchemy TypeDecorator hooks (bot/store/models.py)
_.process_result_value
impl  # SQLAlchemy TypeDecorator class attributes
cache_ok
_.should_exit  # uvicorn.Server reads it to stop (bot/web.py, sandbox servers, tests)
_.install_signal_handlers  # uvicorn.Server, replaced so a server thread leaves signals alone (tests)
_.hAlign  # reportlab reads a Flowable's alignment (ksef/pdf.py)
pytest_configure  # pytest hooks, fixtures and module variables
pytest_plugins
pytestmark
backend_fixture
any_bot_factory_fixture
open_umask

# --- the fake Bot API: answers registered by name with @method("…") (bot/sandbox/botapi/registry.py) --
_get_me
_log_out
_set_commands
_get_commands
_delete_commands
_set_menu
_get_menu
_set_bot_text
_get_chat
_edit_text
_edit_caption
_edit_media
_edit_markup
_delete_message
_delete_messages
_answer_callback
_get_file
_send_message
_send_document
_send_photo
_send_media_group
_send_chat_action
_set_webhook
_delete_webhook
_get_webhook_info
_.wait_for_call  # a test helper of the fake (waits for N calls of a method)
show_alert  # what the fake records of answerCallbackQuery, for tests to read

# --- signatures a protocol fixes: __exit__ / __aexit__ ---------------------------------------------
exc_type
tb

# --- data: the fields of KSeF's and MF's answers as documented, kept whole for callers ---------------
buyer_identifier  # ksef/models.py: InvoiceMetadata, SessionInvoiceStatus, SessionStatus
upo_download_url
ordinal_number
failed_invoice_count
collective_identifier_number  # ksef/collective.py
request_date  # ksef/enrollment.py
subjects_per_search  # ksef/whitelist.py: the list's limits and a subject's register entries
regon
krs
has_virtual_accounts
removal_date
restoration_date
form_code  # ksef/sim/state.py: a simulated session keeps the form code it was opened with
has_xml  # bot/services/inbox.py: InvoiceView says whether the XML is stored
blocked_chats  # bot/pacing.py: a counter of the Sender's stats (read with the others through as_dict)
_.blocked_chats

# --- code lists: every value the official list has, used or not --------------------------------------
SESSION_INVOICE_LIMIT  # ksef/errors.py: KSeF's error codes
INVOICE_NOT_FOUND
DATE_RANGE_BEYOND_HWM
VALIDATION
BAD_CONTINUATION_TOKEN
UNKNOWN_PUBLIC_KEY
CERTIFICATE_NOT_FOUND
IZ_INVOICE_NOT_FOUND
IZ_INVOICE_LIMIT
IZ_MIXED_SELLERS
IZ_DUPLICATE_INVOICE
CORRECTION_DATE  # ksef/fa3/correction/model.py: FA(3) TTypKorekty
OTHER_DATE
VOUCHER  # ksef/fa3/model.py: FA(3) FormaPlatnosci
CHEQUE
CREDIT
MOBILE

# --- database columns: stored for the record, read by people and migrations -----------------------
reference_prefix  # bot/store/models.py: KsefToken (the token's reference number, not the secret)
created_by  # bot/store/models.py: Invitation
