"""The commission arithmetic, in one place: statements, the league table and tests use it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from common.money import CENT

ROUNDING_RULE = _(
    "Commission per placement = collected x the placement's commission rate, rounded to the "
    "cent (half up); the total is the sum of the lines, per currency."
)


def commission_on(collected: Decimal, rate: Decimal) -> Decimal:
    """The commission on one placement line (see ROUNDING_RULE)."""
    return (collected * rate).quantize(CENT, rounding=ROUND_HALF_UP)
