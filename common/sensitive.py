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

A million feed rows go through here, so the text is scanned once, for runs of digit groups
(a pattern that never backtracks); only a run long enough to hold a number is looked at
closely, and the National Insurance pattern only runs when six digits follow a letter.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# Every dash (Unicode category Pd) and the minus sign.
DASH_CHARACTERS = frozenset(
    "-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212"
)
# Characters that show as nothing, used to split a number so that it slips through.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# What may stand between the digits of one number: \s covers every Unicode space.
SEPARATOR = rf"[\s{re.escape(''.join(sorted(DASH_CHARACTERS)))}{INVISIBLE}]"

# Digit groups, up to three separators apart. Digits and separators never overlap, so the
# search is linear in the text.
DIGIT_RUN = re.compile(rf"\d+(?:{SEPARATOR}{{1,3}}\d+)*")
DIGIT_GROUP = re.compile(r"\d+")
NATIONAL_INSURANCE = re.compile(
    rf"(?<![0-9A-Za-z])[A-CEGHJ-PR-TW-Za-ceghj-pr-tw-z][A-CEGHJ-NPR-TW-Za-ceghj-npr-tw-z]"
    rf"(?:{SEPARATOR}?\d\d){{3}}{SEPARATOR}?[A-Da-d](?![0-9A-Za-z])"
)
NOT_ALLOCATED_INSURANCE_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

CARD_LENGTHS = range(13, 20)
SOCIAL_SECURITY_GROUPS = (3, 2, 4)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARACTERS = "10X98765432"
LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
# The fewest characters a run needs to hold a number looked for in runs (an SSN's nine
# digits), and the fewest digits a National Insurance number has.
SHORTEST_RUN = 9
INSURANCE_DIGITS = 6

CARD = gettext_noop("a full card number")
RESIDENT_ID = gettext_noop("a national ID number (Chinese resident ID)")
SOCIAL_SECURITY = gettext_noop("a national ID number (US SSN)")
NATIONAL_INSURANCE_NUMBER = gettext_noop("a national ID number (UK National Insurance)")


class Secret(NamedTuple):
    reason: str  # untranslated; gettext gives the text shown
    characters: str  # the number in ASCII (digits, and the letters of an ID)
    start: int
    end: int


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


def _resident_id_at(text: str, groups: list[re.Match], first: int) -> Secret | None:
    digits = ""
    for group in groups[first:]:
        digits += _ascii(group.group())
        end = group.end()
        if len(digits) == 17 and text[end : end + 1] in ("X", "x"):
            digits, end = digits + "X", end + 1
        if len(digits) >= 18:
            if resident_id_valid(digits):
                return Secret(RESIDENT_ID, digits, groups[first].start(), end)
            return None
    return None


def _social_security_at(text: str, groups: list[re.Match], first: int) -> Secret | None:
    """Three groups of 3, 2 and 4 digits joined by one dash each, no dash either side."""
    three = groups[first : first + 3]
    if tuple(group.end() - group.start() for group in three) != SOCIAL_SECURITY_GROUPS:
        return None
    start, end = three[0].start(), three[2].end()
    joins = (text[three[0].end() : three[1].start()], text[three[1].end() : three[2].start()])
    if not all(join in DASH_CHARACTERS for join in joins):
        return None
    if text[start - 1 : start] in DASH_CHARACTERS or text[end : end + 1] in DASH_CHARACTERS:
        return None
    digits = _ascii("".join(group.group() for group in three))
    return Secret(SOCIAL_SECURITY, digits, start, end) if social_security_valid(digits) else None


def _card_at(groups: list[re.Match], first: int) -> Secret | None:
    digits = ""
    for group in groups[first:]:
        digits += _ascii(group.group())
        if len(digits) > CARD_LENGTHS[-1] or digits[0] == "0":
            return None
        if len(digits) in CARD_LENGTHS and luhn_valid(digits):
            return Secret(CARD, digits, groups[first].start(), group.end())
    return None


def _secrets_in_run(text: str, run: re.Match) -> Iterator[Secret]:
    """The numbers made of consecutive groups of the run, in order, never overlapping; at each
    group a national ID is decided before a card."""
    groups = list(DIGIT_GROUP.finditer(text, run.start(), run.end()))
    # A run right after "+" opens with a country code: a phone number, not a card.
    after_plus = text[run.start() - 1 : run.start()] == "+"
    first = 0
    while first < len(groups):
        secret = (
            _resident_id_at(text, groups, first)
            or _social_security_at(text, groups, first)
            or (None if first == 0 and after_plus else _card_at(groups, first))
        )
        if secret is None:
            first += 1
            continue
        yield secret
        while first < len(groups) and groups[first].start() < secret.end:
            first += 1


def _national_insurance_numbers(text: str) -> Iterator[Secret]:
    for match in NATIONAL_INSURANCE.finditer(text):
        prefix, suffix = match.group()[:2].upper(), match.group()[-1].upper()
        if prefix not in NOT_ALLOCATED_INSURANCE_PREFIXES:
            digits = _ascii("".join(DIGIT_GROUP.findall(match.group())))
            yield Secret(NATIONAL_INSURANCE_NUMBER, prefix + digits + suffix, *match.span())


def _after_letters(text: str, start: int) -> bool:
    """Whether a letter comes right before `start`, or one separator after a letter (how a
    National Insurance number's digits begin)."""
    before = text[max(0, start - 2) : start]
    return before[-1:].isalpha() or (len(before) == 2 and before[0].isalpha())


def find_secrets(text: str) -> Iterator[Secret]:
    """Every card and national ID number in `text`: the ones in digit runs in order, then the
    National Insurance numbers."""
    insurance_possible = False
    for run in DIGIT_RUN.finditer(text):
        length = run.end() - run.start()
        if length < INSURANCE_DIGITS:
            continue
        if not insurance_possible and _after_letters(text, run.start()):
            insurance_possible = True
        # One group of digits can only be a card (13 to 19) or a resident ID (17 and an X,
        # or 18); several need at least nine digits.
        if length >= CARD_LENGTHS[0] or (length >= SHORTEST_RUN and not run.group().isdigit()):
            yield from _secrets_in_run(text, run)
    if insurance_possible:
        yield from _national_insurance_numbers(text)


def find_secret(text: str) -> str | None:
    """What `text` holds that must not be stored in it ("a full card number", "a national ID
    number (…)"), translated; None when it holds neither."""
    secret = next(find_secrets(text), None)
    return None if secret is None else gettext(secret.reason)


def mask_secrets(text: str) -> str:
    """`text` with every card number and national ID number replaced by its last four."""
    secrets = sorted(find_secrets(text), key=lambda secret: secret.start)
    if not secrets:
        return text
    labels = {CARD: gettext("card number")}
    national_id = gettext("national ID")
    pieces, shown_up_to = [], 0
    for reason, characters, start, end in secrets:
        if start < shown_up_to:
            continue  # inside a number already masked
        label = labels.get(reason, national_id)
        pieces += [text[shown_up_to:start], f"[{label} ••••{characters[-4:]}]"]
        shown_up_to = end
    return "".join(pieces) + text[shown_up_to:]


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
