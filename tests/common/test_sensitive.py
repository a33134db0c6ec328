"""Card numbers and national ID numbers where they do not belong: what is found, what is not."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from common.sensitive import (
    RESIDENT_ID_CHECK_CHARACTERS,
    RESIDENT_ID_WEIGHTS,
    SEPARATOR,
    find_secret,
    luhn_valid,
    mask_secrets,
    reject_secrets,
)

CARD = "a full card number"
NBSP = "\u00a0"


def resident_id(first_seventeen: str) -> str:
    """A Chinese resident ID with its check character computed."""
    total = sum(
        int(ch) * weight for ch, weight in zip(first_seventeen, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return first_seventeen + RESIDENT_ID_CHECK_CHARACTERS[total % 11]


# An 18-digit resident ID (Shenzhen, born 1990-03-07) that is also Luhn-valid.
LUHN_VALID_RESIDENT_ID = resident_id("44030419900307005")


def test_the_resident_id_of_these_tests_would_pass_for_a_card_by_its_digits_alone():
    assert LUHN_VALID_RESIDENT_ID == "440304199003070050"
    assert luhn_valid(LUHN_VALID_RESIDENT_ID)


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        NBSP.join(["4111", "1111", "1111", "1111"]),
        "\u2009".join(["4111", "1111", "1111", "1111"]),  # thin space
        "\u3000".join(["4111", "1111", "1111", "1111"]),  # ideographic space
        "\u200b".join(["4111", "1111", "1111", "1111"]),  # zero-width space
        "4111-1111-1111-1111",
        "4111\u20131111\u20131111\u20131111",  # en dash
        "4111 - 1111 - 1111 - 1111",
        "４１１１１１１１１１１１１１１１",  # noqa: RUF001 (full-width digits)
        "378282246310005",  # 15 digits
        "6011 1111 1111 1117",
        "5500 0000 0000 0004",
        "pay with 4111 1111 1111 1111 exp 12/28",
        "call 13800138000 then card 5500000000000004",
    ],
)
def test_a_card_number_is_found_in_any_spacing_and_any_digits(text):
    assert find_secret(text) == CARD


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Jane Doe",
        "13800138000",  # a Chinese mobile: 11 digits
        "+86 138 0013 8002",  # 13 digits after the +, Luhn-valid: a phone number
        "0086 13800138002",  # the international prefix: no card starts with 0
        "4111111111111112",  # not Luhn-valid
        "411111111111",  # twelve digits
        "41111111111111111111",  # twenty digits
        "12 Main Street, Springfield 2026-10-15",
        "Room 1203, 55 Nanjing Road, Shanghai 200001",
        "NID00000000001",
        "13800138000 13900139000",
    ],
)
def test_text_without_a_card_number_is_left_alone(text):
    assert find_secret(text) is None
    assert mask_secrets(text) == text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (LUHN_VALID_RESIDENT_ID, "Chinese resident ID"),
        (resident_id("11010119850101005"), "Chinese resident ID"),
        ("11010119850101005X", "Chinese resident ID"),
        ("ID 110101 19850101 005x, Beijing", "Chinese resident ID"),
        ("123-45-6789", "US SSN"),
        ("SSN: 123\u201145\u20116789", "US SSN"),  # non-breaking hyphens
        ("AB123456C", "UK National Insurance"),
        ("NI number ab 12 34 56 c", "UK National Insurance"),
    ],
)
def test_a_national_id_number_is_found_and_named(text, kind):
    assert find_secret(text) == f"a national ID number ({kind})"


def test_a_resident_id_is_decided_by_its_check_digit_before_it_is_taken_for_a_card():
    assert find_secret(f"lives at {LUHN_VALID_RESIDENT_ID}") == (
        "a national ID number (Chinese resident ID)"
    )
    assert mask_secrets(LUHN_VALID_RESIDENT_ID) == "[national ID ••••0050]"


@pytest.mark.parametrize(
    "text",
    [
        "440304199013070050",  # month 13: not a birth date
        "440304199003070051",  # wrong check digit (and not Luhn-valid)
        "000-12-3456",  # area 000 was never issued
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "2026-10-15",
        "GB123456A",  # prefix not allocated
        "AB123456E",  # suffixes run A to D
        "XAB123456C",
    ],
)
def test_what_only_resembles_a_national_id_number_is_left_alone(text):
    assert find_secret(text) is None


def test_masking_keeps_the_text_and_the_last_four_only():
    text = f"call 13800138000, card 4111{NBSP}1111{NBSP}1111{NBSP}1111, SSN 123-45-6789, ok"

    assert mask_secrets(text) == (
        "call 13800138000, card [card number ••••1111], SSN [national ID ••••6789], ok"
    )


def test_masking_finds_two_cards_in_one_run_of_digits():
    assert mask_secrets("4111111111111111 5500000000000004") == (
        "[card number ••••1111] [card number ••••0004]"
    )


def test_every_unicode_dash_and_space_may_separate_the_digits():
    separators = [
        chr(point)
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) in ("Pd", "Zs")
    ]
    pattern = re.compile(SEPARATOR)

    assert [ch for ch in separators if not pattern.fullmatch(ch)] == []


def test_the_validator_refuses_with_a_reason_that_does_not_repeat_the_number():
    with pytest.raises(ValidationError) as refused:
        reject_secrets("card 4111 1111 1111 1111")

    message = refused.value.messages[0]
    assert "a full card number" in message
    assert "1111" not in message
