"""Click to call: the link a phone number on the case page opens (DIALER_URL_TEMPLATE)."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings

from common.phones import phone_e164_or_none


def same_number(first: str, second: str) -> bool:
    """Whether two numbers are the same: their E.164 forms (common.phones), else, for a
    number that does not parse, their digits, are equal."""
    first_e164, second_e164 = phone_e164_or_none(first), phone_e164_or_none(second)
    if first_e164 and second_e164:
        return first_e164 == second_e164
    digits = re.sub(r"\D", "", first)
    return bool(digits) and digits == re.sub(r"\D", "", second)


def dial_url(value: str, template: str | None = None) -> str:
    """The link that dials `value`: the template with `{number}` replaced by the number in
    E.164 (digits as written, for a number that does not parse), URL-quoted. A `tel:` link
    keeps its `+`, which the tel scheme needs; any other link gets it quoted, since in a query
    string a bare `+` reads as a space."""
    template = template or settings.DIALER_URL_TEMPLATE
    number = phone_e164_or_none(value) or re.sub(r"[^\d+]", "", value)
    safe = "+" if template.startswith("tel:") else ""
    return template.replace("{number}", quote(number, safe=safe))
