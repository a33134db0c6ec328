"""The one reader of amounts and row ids: the documented form only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.numbers import MAX_ID, AmountError, parse_amount, parse_id


@pytest.mark.parametrize(
    ("written", "amount"),
    [("1234.50", "1234.50"), ("12", "12"), (" 0.5 ", "0.5"), ("007", "7"), ("0", "0")],
)
def test_an_amount_written_with_digits_and_a_point_is_read(written, amount):
    assert parse_amount(written) == Decimal(amount)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("١٢٣", "invalid"),
        ("1_000", "invalid"),
        ("1,234.50", "invalid"),
        ("+5", "invalid"),
        (".5", "invalid"),
        ("", "invalid"),
        ("-5", "negative"),
        ("1.234", "decimals"),
        ("1000000000000", "too_large"),
    ],
)
def test_anything_else_is_refused_with_its_reason(written, code):
    with pytest.raises(AmountError) as refused:
        parse_amount(written)
    assert refused.value.code == code


def test_the_reason_says_how_to_write_an_amount():
    with pytest.raises(AmountError) as refused:
        parse_amount("1e3")
    assert refused.value.message == "Write the amount with digits and a point, like 1234.50."


@pytest.mark.parametrize(
    ("written", "row_id"),
    [("42", 42), (str(MAX_ID), MAX_ID), ("0", None), (str(MAX_ID + 1), None), ("١٢", None),
     ("-1", None), ("abc", None), ("", None)],
)  # fmt: skip
def test_a_row_id_is_ascii_digits_within_the_id_columns_range(written, row_id):
    assert parse_id(written) == row_id
