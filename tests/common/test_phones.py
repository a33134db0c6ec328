"""The phone number reader: any way a number is written in, E.164 out, or a clear refusal."""

from __future__ import annotations

import phonenumbers
import pytest

from common.phones import (
    PhoneNumberError,
    phone_e164,
    phone_e164_or_none,
    phone_parse,
    phone_region,
)


@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [
        # United States, the default region: national and international forms.
        ("(415) 555-0100", None, "+14155550100"),
        ("415-555-0100", None, "+14155550100"),
        ("415.555.0100", None, "+14155550100"),
        ("1 415 555 0100", None, "+14155550100"),
        ("+1 415-555-0100", None, "+14155550100"),
        ("+14155550100", None, "+14155550100"),
        ("001 415 555 0100", None, "+14155550100"),
        ("  +1 (415) 555 0100  ", None, "+14155550100"),
        ("+1 555 000 0001", None, "+15550000001"),  # a fiction range, with its country code
        # China: international from anywhere, national where China is the region.
        ("0086 138 0013 8000", None, "+8613800138000"),
        ("+86 138-0013-8000", None, "+8613800138000"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("010-5555-0100", "CN", "+861055550100"),
        # Full-width digits, as a Chinese input method types them.
        ("+" + "８６ １３８ ００１３ ８０００", None, "+8613800138000"),  # noqa: RUF001
        # United Kingdom.
        ("+44 20 7946 0000", None, "+442079460000"),
        ("+44 (0)20 7946 0000", None, "+442079460000"),
        ("0044 20 7946 0000", None, "+442079460000"),
        ("011 44 20 7946 0000", None, "+442079460000"),  # North America's own prefix
        ("020 7946 0000", "GB", "+442079460000"),
        ("07911 123456", "GB", "+447911123456"),
        # Italy keeps its leading 0.
        ("+39 06 1234 5678", None, "+390612345678"),
    ],
)
def test_a_number_written_any_way_reads_as_e164(written, region, e164):
    assert phone_e164(written, region=region) == e164


def test_the_default_region_is_a_setting(settings):
    settings.PHONE_DEFAULT_REGION = "CN"
    assert phone_e164("138 0013 8000") == "+8613800138000"
    settings.PHONE_DEFAULT_REGION = "GB"
    assert phone_e164("020 7946 0000") == "+442079460000"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("9" * 41, "too_long"),
        ("not a number", "invalid"),
        ("555 0100", "invalid"),  # a local number without its area code
        ("12", "invalid"),
        ("+1 1505 555 0100", "invalid"),  # a trunk 1 after the country code
        ("06 1234 5678", "invalid"),  # Italian, typed without its code: no US number
        ("13800138000", "invalid"),  # a Chinese mobile without +86 where the US is the region
        ("+999 1234 5678", "invalid"),  # no such country code
        ("+1 415 555 0100 555", "invalid"),  # too long
        ("'; DROP TABLE cases_case; --", "invalid"),
        ("١٢٣٤", "invalid"),
    ],
)
def test_what_is_not_a_number_is_refused_with_its_reason(written, code):
    with pytest.raises(PhoneNumberError) as refused:
        phone_e164(written)
    assert refused.value.code == code
    assert refused.value.message


def test_a_numbers_region_is_its_country():
    assert phone_region("+8613800138000") == "CN"
    assert phone_region("+442079460000") == "GB"


@pytest.mark.parametrize(
    "written",
    [
        "+14155550100",
        "+1 415 555 0100",
        "+115055550100",  # a trunk 1 after the code
        "+390612345678",  # Italy's leading 0
        "+4402079460000",  # a trunk 0 after the code
        "+5215512345678",  # Mexico's former mobile 1
        "+8613800138000",
        "+86-138-0013-8000",
        "+4930123456789",
        "+80012345678",  # a non-geographic code
        "+9991234567",  # no such code
        "+1415555010",  # too short
    ],
)
def test_a_number_already_in_e164_reads_as_the_full_parse_reads_it(written):
    """phone_e164 skips parsing a number already in E.164; the answer must be the parse's."""
    try:
        number = phone_parse(written)
        parsed = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except PhoneNumberError:
        parsed = None
    assert phone_e164_or_none(written) == parsed
