"""KSeF 2.0 library: client, invoices (FA(3)), QR codes, certificates, offline rules and a simulator.

Pure and async: no Telegram, no database.
"""

__version__ = "0.1.0"
