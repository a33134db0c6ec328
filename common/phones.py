"""The one reader of phone numbers: any way a person writes one in, E.164 out.

A number is stored, compared and searched in E.164 (`+14155550100`), so that `(415) 555-0100`,
`+1 415-555-0100` and `001 415 555 0100` are one number. A number written without its country
code is read in the national format of a region: the one given, else the deployment's
PHONE_DEFAULT_REGION. `00` before the country code is read as `+` whatever the region (the
international prefix of most of the world, and of no national number); the region's own
prefix (`011` in North America) is understood too.

A number written with its country code is accepted when its length is possible for that
country (phonenumbers' `IS_POSSIBLE`) and every digit written after the code is in it: a
number too short to dial from anywhere else or too long is refused, and so is a trunk prefix
after the code (`+1 1505 …` is not `+1 505 …`), except the British `(0)`. Whether the range
is allocated is not checked, so numbers kept for fiction and tests (`+1 555 …`) pass. A
number written without its country code is ambiguous, so it must be a valid number of the
region (phonenumbers' metadata): `06 1234 5678` is Italian, never American.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Enough room for the longest E.164 number written with every space, dash and bracket.
MAX_WRITTEN_LENGTH = 40

# The shape of a number already in E.164 (spaces and dashes aside): most of a bank's feed.
E164_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}")
# Written without a plus or an international prefix: dialled within the region (the leading
# `1` of `1 415 555 0100` is North America's trunk code, not a country code typed on purpose).
NATIONAL_SOURCES = (
    phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY,
    phonenumbers.CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN,
)
PHONE_MESSAGES = {
    "empty": _("Type a phone number."),
    "too_long": _("A phone number has at most %(limit)s characters."),
    "invalid": _(
        "This is not a phone number: write it with its area code, e.g. (415) 555-0100, "
        "or with its country code, e.g. +86 138 0013 8000."
    ),
}


class PhoneNumberError(ValueError):
    """The text is not a phone number; `code` says why (a key of PHONE_MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(PHONE_MESSAGES[self.code]) % {"limit": MAX_WRITTEN_LENGTH}


def phone_parse(raw: str, *, region: str | None = None) -> phonenumbers.PhoneNumber:
    """The number `raw` stands for, or PhoneNumberError."""
    text = raw.strip()
    if not text:
        raise PhoneNumberError("empty")
    if len(text) > MAX_WRITTEN_LENGTH:
        raise PhoneNumberError("too_long")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(
            text, region or settings.PHONE_DEFAULT_REGION, keep_raw_input=True
        )
    except phonenumbers.NumberParseException:
        raise PhoneNumberError("invalid") from None
    if number.country_code_source in NATIONAL_SOURCES:
        acceptable = phonenumbers.is_valid_number(number)
    else:
        acceptable = phonenumbers.is_possible_number_with_reason(number) == (
            phonenumbers.ValidationResult.IS_POSSIBLE
        )
        if text.startswith("+"):
            written = "".join(str(int(ch)) for ch in text.replace("(0)", "") if ch.isdecimal())
            whole = f"{number.country_code}{phonenumbers.national_significant_number(number)}"
            acceptable &= written == whole
    if not acceptable:
        raise PhoneNumberError("invalid")
    return number


def _already_e164(text: str) -> str | None:
    """`text` itself when it is a number in E.164 that phone_parse would accept unchanged;
    None when phone_parse must decide. A feed of a million rows holds two or three numbers a
    row, and parsing costs ten times this check.

    Left to phone_parse: a national number starting with 0 (kept in Italy, a trunk prefix
    elsewhere) or with anything the country strips when parsing (a trunk or carrier prefix),
    and every number whose length is not possible (to get its reason)."""
    compact = text.replace(" ", "").replace("-", "")
    if not E164_SHAPE.fullmatch(compact):
        return None
    digits = compact[1:]
    for length in (1, 2, 3):
        country_code = int(digits[:length])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[length:]
    if national.startswith("0"):
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code)
    )
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    if prefix and re.match(prefix, national):
        return None
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    if phonenumbers.is_possible_number_with_reason(number) != (
        phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return compact


def phone_e164(raw: str, *, region: str | None = None) -> str:
    """`raw` in E.164 (`+` and digits), or PhoneNumberError."""
    text = raw.strip()
    if len(text) <= MAX_WRITTEN_LENGTH and (e164 := _already_e164(text)) is not None:
        return e164
    return phonenumbers.format_number(
        phone_parse(raw, region=region), phonenumbers.PhoneNumberFormat.E164
    )


def phone_e164_for_field(field: str, raw: str) -> str:
    """`raw` in E.164 for a model's `clean()`; a number that does not read is the field's error."""
    try:
        return phone_e164(raw)
    except PhoneNumberError as error:
        raise ValidationError({field: error.message}) from None


def phone_e164_or_none(raw: str, *, region: str | None = None) -> str | None:
    try:
        return phone_e164(raw, region=region)
    except PhoneNumberError:
        return None


def phone_region(e164: str) -> str | None:
    """The region (ISO 3166 code) a number in E.164 belongs to; None when no single one."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    return None if region in (None, phonenumbers.UNKNOWN_REGION) else region
