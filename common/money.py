"""How many digits an amount of money has: every money column, form field and SQL expression
takes its precision from here, so that one amount fits wherever it goes."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField

# The smallest amount: every amount is a whole number of cents.
CENT = Decimal("0.01")

# One amount: a balance, a credit limit, a payment, a promise, a commission.
AMOUNT = {"max_digits": 14, "decimal_places": 2}
# A sum of many amounts (a day's collections, the portfolio's balance in the statistics tables):
# two digits more than AMOUNT, so that a total over many accounts cannot overflow its column.
TOTAL = {"max_digits": 16, "decimal_places": 2}

# The same precisions as the output fields of SQL expressions that yield an amount or a total.
AMOUNT_OUTPUT = DecimalField(**AMOUNT)
TOTAL_OUTPUT = DecimalField(**TOTAL)

# The first amount too large for AMOUNT: 10 to the power of its digits before the point.
AMOUNT_LIMIT = Decimal(10) ** (AMOUNT["max_digits"] - AMOUNT["decimal_places"])
