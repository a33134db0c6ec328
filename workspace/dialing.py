"""Click to call: the link a phone number on the case page opens (DIALER_URL_TEMPLATE)."""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers
from django.conf import settings


def e164(value: str) -> str:
    """`value` in E.164 when it is written internationally (`+` or `00`) and is a possible
    number; '' otherwise (a national form names no country to read it in)."""
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        return ""
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def same_number(first: str, second: str) -> bool:
    """Whether two numbers are the same: their E.164 forms, else their digits, are equal."""
    first_e164, second_e164 = e164(first), e164(second)
    if first_e164 and second_e164:
        return first_e164 == second_e164
    digits = re.sub(r"\D", "", first)
    return bool(digits) and digits == re.sub(r"\D", "", second)


def dial_url(value: str, template: str | None = None) -> str:
    """The link that dials `value`: the template with `{number}` replaced by the number in
    E.164 (as written, digits only, when it has no country code), URL-quoted. A `tel:` link
    keeps its `+`, which the tel scheme needs; any other link gets it quoted, since in a query
    string a bare `+` reads as a space."""
    template = template or settings.DIALER_URL_TEMPLATE
    number = e164(value) or re.sub(r"[^\d+]", "", value)
    safe = "+" if template.startswith("tel:") else ""
    return template.replace("{number}", quote(number, safe=safe))
