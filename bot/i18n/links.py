"""Addresses the bot's texts point users to, in one place so every text names the same one."""

from __future__ import annotations

# The Ministry of Finance's taxpayer portal ("Aplikacja Podatnika KSeF", KSeF 2.0): generating tokens,
# requesting KSeF certificates, viewing invoices. Source: MF's KSeF pages at ksef.podatki.gov.pl, where
# the 2.0 application was announced (February 2026) and which ../shared/ksef-spec/DIGEST.md §12 and
# docs/ksef.md name as MF's KSeF portal. Earlier texts also said "ap.ksef.mf.gov.pl", which no
# official material in our references names; it is no longer used anywhere.
TAXPAYER_PORTAL = "https://ksef.podatki.gov.pl"
