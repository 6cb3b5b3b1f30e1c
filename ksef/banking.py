"""Polish bank account numbers: 26-digit NRB or ``PL`` IBAN, checked with ISO 13616 mod 97."""

from __future__ import annotations

import re

from ksef.errors import BankAccountError

_SEPARATORS = re.compile(r"[\s\u00a0\-]+")


def _iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10: move the first 4 characters to the end, letters become 10..35."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def normalize_account(text: str) -> str:
    """Return the 26-digit NRB for a Polish account typed as NRB or ``PL`` IBAN (spaces and dashes allowed).

    Raises :class:`BankAccountError` with a Polish message when the number is malformed or its
    checksum is wrong (a typo in any digit is caught).
    """
    cleaned = _SEPARATORS.sub("", text).upper()
    if not cleaned:
        raise BankAccountError("Podaj numer rachunku bankowego (26 cyfr).")
    if cleaned[:2].isalpha():
        if cleaned[:2] != "PL":
            raise BankAccountError(
                f"Obsługiwane są tylko polskie numery rachunków (NRB lub IBAN z PL), podano „{text.strip()}”."
            )
        cleaned = cleaned[2:]
    if not cleaned.isdigit():
        raise BankAccountError(f"Numer rachunku może zawierać tylko cyfry (podano „{text.strip()}”).")
    if len(cleaned) != 26:
        raise BankAccountError(f"Numer rachunku musi mieć 26 cyfr, a ma {len(cleaned)}.")
    if not _iban_checksum_ok("PL" + cleaned):
        raise BankAccountError("Numer rachunku ma błędną sumę kontrolną — sprawdź, czy nie ma literówki.")
    return cleaned


def account_is_valid(text: str) -> bool:
    """True when ``text`` is a valid Polish NRB / PL IBAN."""
    try:
        normalize_account(text)
    except BankAccountError:
        return False
    return True


def format_account(text: str, *, iban: bool = False) -> str:
    """An account number for reading, in groups of four: a Polish one as ``61 1090 1014 0000 0712 1981 2874``
    (``PL61 …`` when ``iban`` or when it was written with ``PL``).

    Never refuses: a number from someone else's invoice is shown as it came (a foreign IBAN grouped by
    four; 26 digits failing the checksum still grouped the Polish way), because showing is not checking
    (:func:`normalize_account` checks).
    """
    compact = _SEPARATORS.sub("", text).upper()
    try:
        nrb = normalize_account(text)
    except BankAccountError:
        if len(compact) == 26 and compact.isdigit():
            nrb = compact
        else:
            return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    body = " ".join(nrb[i : i + 4] for i in range(2, 26, 4))
    return f"{'PL' if iban or compact.startswith('PL') else ''}{nrb[:2]} {body}"
