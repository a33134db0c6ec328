"""Card numbers and national ID numbers written where they do not belong: found, and masked.

The one place that decides what counts as such a number, for the bank feeds, the notes
typed in the workspace and the admin, and the text shown on the case page:

- a card number: 13 to 19 digits, Luhn-valid, not starting with 0 (no card range does;
  international dialling and trunk prefixes do), not right after a "+" (a phone number in
  international form). The digits may be any Unicode digits (full-width ones too) and may be
  grouped by any Unicode spaces (no-break, thin, ideographic, zero-width) or dashes;
- a Chinese resident ID (GB 11643): 18 characters, a real birth date, its check digit (X for
  10) right. It is decided before the card test: an 18-digit resident ID can be Luhn-valid;
- a US Social Security number written `123-45-6789` (any dash), in the ranges ever issued;
- a UK National Insurance number `AB123456C`, spaced or not, with an allocated prefix.

Text rarely holds any of them, and a million feed rows go through here, so every search
starts with one cheap pattern: no six digits close together, nothing to find.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# Every dash (Unicode category Pd) and the minus sign.
DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d"
    "\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212"
)
# Characters that show as nothing, used to split a number so that it slips through.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# What may stand between the digits of one number: \s covers every Unicode space.
SEPARATOR = rf"[\s{DASHES}{INVISIBLE}]"

# No secret has fewer than six digits, never more than three separators apart.
HINT = re.compile(rf"\d(?:{SEPARATOR}{{0,3}}\d){{5}}")
# A run of digit groups: where a card number may hide.
DIGIT_RUN = re.compile(rf"\d+(?:{SEPARATOR}{{1,3}}\d+)*")
DIGIT_GROUP = re.compile(r"\d+")
RESIDENT_ID = re.compile(rf"(?<!\d)\d(?:{SEPARATOR}{{0,3}}\d){{16}}{SEPARATOR}{{0,3}}[\dXx](?!\d)")
SOCIAL_SECURITY = re.compile(
    rf"(?<![\d{DASHES}])\d{{3}}[{DASHES}]\d\d[{DASHES}]\d{{4}}(?![\d{DASHES}])"
)
NATIONAL_INSURANCE = re.compile(
    rf"(?<![0-9A-Za-z])[A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z][A-CEGHJ-NPR-TW-Za-ceghj-npr-tw-z]"
    rf"(?:{SEPARATOR}?\d\d){{3}}{SEPARATOR}?[A-Da-d](?![0-9A-Za-z])"
)
NOT_ALLOCATED_INSURANCE_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
NOT_A_DIGIT = re.compile(r"[^\dXx]")

CARD_LENGTHS = range(13, 20)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARACTERS = "10X98765432"
LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _ascii_digits(text: str) -> str:
    """The digits (and a final X) of `text` as ASCII: full-width and other digits converted."""
    kept = NOT_A_DIGIT.sub("", text).upper()
    return _ascii(kept[:-1]) + kept[-1:] if kept.endswith("X") else _ascii(kept)


def _ascii(digits: str) -> str:
    return digits if digits.isascii() else "".join(str(unicodedata.decimal(ch)) for ch in digits)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of ASCII digits."""
    odd = sum(int(ch) for ch in digits[-1::-2])
    even = sum(LUHN_DOUBLED[int(ch)] for ch in digits[-2::-2])
    return (odd + even) % 10 == 0


def resident_id_valid(characters: str) -> bool:
    """A Chinese resident ID: 17 digits with a birth date, then the check character."""
    if len(characters) != 18 or not characters[:17].isdigit():
        return False
    try:
        born = dt.date(int(characters[6:10]), int(characters[10:12]), int(characters[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    total = sum(
        int(ch) * weight for ch, weight in zip(characters[:17], RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK_CHARACTERS[total % 11] == characters[17]


def social_security_valid(digits: str) -> bool:
    """Area, group and serial in the ranges the SSA has ever issued."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _card_in_run(text: str, run: re.Match) -> tuple[str, int, int] | None:
    """The first card number made of consecutive digit groups of the run: its ASCII digits,
    and where it starts and ends in `text`; or None."""
    groups = list(DIGIT_GROUP.finditer(text, run.start(), run.end()))
    if sum(group.end() - group.start() for group in groups) < CARD_LENGTHS[0]:
        return None
    # A run right after "+" opens with a country code: a phone number, not a card.
    first = 1 if run.start() and text[run.start() - 1] == "+" else 0
    for start in range(first, len(groups)):
        digits = ""
        for group in groups[start:]:
            digits += _ascii(group.group())
            if len(digits) > CARD_LENGTHS[-1] or digits[0] == "0":
                break
            if len(digits) in CARD_LENGTHS and luhn_valid(digits):
                return digits, groups[start].start(), group.end()
    return None


def _resident_id(match: re.Match) -> str | None:
    characters = _ascii_digits(match.group())
    return characters if resident_id_valid(characters) else None


def _social_security(match: re.Match) -> str | None:
    digits = _ascii_digits(match.group())
    return digits if social_security_valid(digits) else None


def _national_insurance(match: re.Match) -> str | None:
    letters_and_digits = _ascii_digits(match.group()[2:-1])
    prefix, suffix = match.group()[:2].upper(), match.group()[-1].upper()
    return (
        None if prefix in NOT_ALLOCATED_INSURANCE_PREFIXES else prefix + letters_and_digits + suffix
    )


# Each kind: its pattern, the check a match must pass (giving the number's characters), and
# the reason given. National IDs come first, so a resident ID is never taken for a card.
NATIONAL_IDS = (
    (RESIDENT_ID, _resident_id, gettext_noop("a national ID number (Chinese resident ID)")),
    (SOCIAL_SECURITY, _social_security, gettext_noop("a national ID number (US SSN)")),
    (
        NATIONAL_INSURANCE,
        _national_insurance,
        gettext_noop("a national ID number (UK National Insurance)"),
    ),
)


def find_secret(text: str) -> str | None:
    """What `text` holds that must not be stored in it ("a full card number", "a national ID
    number (…)"), translated; None when it holds neither."""
    if not text or not HINT.search(text):
        return None
    for pattern, check, reason in NATIONAL_IDS:
        if any(check(match) for match in pattern.finditer(text)):
            return gettext(reason)
    if any(_card_in_run(text, run) for run in DIGIT_RUN.finditer(text)):
        return gettext("a full card number")
    return None


def _mask(label: str, digits: str) -> str:
    return f"[{label} ••••{digits[-4:]}]"


def mask_secrets(text: str) -> str:
    """`text` with every card number and national ID number replaced by its last four."""
    if not text or not HINT.search(text):
        return text
    label = gettext("national ID")
    for pattern, check, _reason in NATIONAL_IDS:
        text = pattern.sub(
            lambda match, check=check: (
                _mask(label, found) if (found := check(match)) else match.group()
            ),
            text,
        )
    label = gettext("card number")
    pieces, shown_up_to = [], 0
    for run in DIGIT_RUN.finditer(text):
        while run is not None and (card := _card_in_run(text, run)):
            digits, start, end = card
            pieces += [text[shown_up_to:start], _mask(label, digits)]
            shown_up_to = end
            run = DIGIT_RUN.search(text, end, run.end())
    return "".join(pieces) + text[shown_up_to:] if pieces else text


def reject_secrets(value: str) -> None:
    """A validator for text fields: a card or national ID number is refused, never stored."""
    secret = find_secret(value)
    if secret is not None:
        raise ValidationError(
            gettext(
                "This looks like it holds %(secret)s. Card numbers and national ID numbers "
                "must not be written here: remove it and save again."
            ),
            code="secret",
            params={"secret": secret},
        )
