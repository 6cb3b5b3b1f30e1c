"""One exception tree for everything the ``ksef`` library raises.

Owners of each module add specific subclasses here; callers catch :class:`KsefError`.
An error is never turned into an empty result.
"""

from __future__ import annotations


class KsefError(Exception):
    """Base of every error raised by the ``ksef`` library."""


class KsefValidationError(KsefError, ValueError):
    """Input rejected locally before anything was sent (bad NIP, invalid XML, bad amount...)."""
