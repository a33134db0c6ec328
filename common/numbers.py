"""The one way an amount of money is read from text: a form field, a line of an instalment
plan, a column of a bank feed.

The documented format is ASCII digits with at most one point and two decimals: `1234.50`,
`12`, `0.5`. Python's Decimal (and so Django's DecimalField) also reads `1e3`, `NaN`,
`Infinity`, `١٢٣` (Arabic-Indic digits) and `1_000`; none of these is an amount anyone
meant, so they are refused here with a message saying how to write one.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from common.money import AMOUNT_LIMIT

# Written with ASCII digits only ([0-9], not \d, which takes any script's digits).
WRITTEN_AMOUNT = re.compile(r"(-?)[0-9]+(?:\.([0-9]+))?")

AMOUNT_MESSAGES = {
    "invalid": _("Write the amount with digits and a point, like 1234.50."),
    "negative": _("The amount must not be negative."),
    "decimals": _("Write the amount with at most two decimals (cents), like 1234.50."),
    "too_large": _("The amount is too large: it must be less than %(limit)s."),
}


class AmountError(ValueError):
    """The text is not an amount; `code` says why (a key of AMOUNT_MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(AMOUNT_MESSAGES[self.code]) % {"limit": AMOUNT_LIMIT}


def parse_amount(text: str) -> Decimal:
    """The amount written in `text` (spaces around it ignored), or AmountError: digits, at most
    one point and two decimals, not negative, below AMOUNT_LIMIT."""
    written = text.strip()
    match = WRITTEN_AMOUNT.fullmatch(written)
    if match is None:
        raise AmountError("invalid")
    minus, decimals = match.groups()
    if minus:
        raise AmountError("negative")
    if decimals is not None and len(decimals) > 2:
        raise AmountError("decimals")
    amount = Decimal(written)
    if amount >= AMOUNT_LIMIT:
        raise AmountError("too_large")
    return amount


# The largest row id: a 64-bit signed integer, what both databases' id columns hold.
MAX_ID = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str) -> int | None:
    """The row id written in `text` (ASCII digits), or None when it cannot be one."""
    if ASCII_DIGITS.fullmatch(text) and 0 < int(text) <= MAX_ID:
        return int(text)
    return None
