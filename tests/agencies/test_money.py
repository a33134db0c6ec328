"""Payments attributed to the agency holding the case, and the monthly commission statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agencies.commission import commission_on
from agencies.models import CommissionStatement, CommissionStatementLine
from agencies.services import payments_attribute, statement_totals, statements_generate_month
from agencies.services.money import CurrencyTotal
from cases.models import Payment
from common.days import month_bounds
from tests.factories import (
    AgencyFactory,
    CardAccountFactory,
    CaseFactory,
    PaymentFactory,
    PlacementFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC)
OCTOBER = dt.date(2026, 10, 1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def placement(agency, reference: str, placed_on: str, recalled_on: str | None = None, **fields):
    currency = fields.pop("currency", "USD")
    account = CardAccountFactory(account_reference=reference, currency=currency)
    return PlacementFactory(
        agency=agency,
        case=CaseFactory(account=account),
        placed_on=d(placed_on),
        recall_due_on=d(placed_on) + dt.timedelta(days=90),
        recalled_on=d(recalled_on) if recalled_on else None,
        **fields,
    )


def pay(placed, amount: str, received_on: str, **fields) -> Payment:
    account = placed.case.account
    return PaymentFactory(
        account=account,
        amount=Decimal(amount),
        currency=account.currency,
        received_on=d(received_on),
        **fields,
    )


def attribute(since="2026-01-01", until="2026-12-31") -> int:
    return payments_attribute(since=d(since), until=d(until), now=NOW)


# --- Attribution ----------------------------------------------------------------------------


def test_payments_inside_the_placement_count_for_the_agency_on_both_end_days():
    agency = AgencyFactory()
    placed = placement(agency, "ACC-1", "2026-10-10", "2026-10-20")
    before = pay(placed, "1.00", "2026-10-09")
    first_day = pay(placed, "2.00", "2026-10-10")
    last_day = pay(placed, "3.00", "2026-10-20")
    after = pay(placed, "4.00", "2026-10-21")

    assert attribute() == 2

    expected = {before: None, first_day: agency, last_day: agency, after: None}
    for payment, attributed_to in expected.items():
        payment.refresh_from_db()
        assert payment.agency == attributed_to
    first_day.refresh_from_db()
    assert first_day.case == placed.case  # linked, as it had no case


def test_a_current_placement_takes_every_payment_from_its_first_day():
    agency = AgencyFactory()
    placed = placement(agency, "ACC-1", "2026-10-10")
    payment = pay(placed, "5.00", "2026-12-01")
    attribute()
    payment.refresh_from_db()
    assert payment.agency == agency


def test_on_a_same_day_recall_and_placement_the_later_placement_wins():
    first, second = AgencyFactory(name="First"), AgencyFactory(name="Second")
    old = placement(first, "ACC-1", "2026-10-01", "2026-10-15")
    PlacementFactory(
        agency=second, case=old.case, placed_on=d("2026-10-15"), recall_due_on=d("2026-12-15")
    )
    payment = pay(old, "7.00", "2026-10-15")
    attribute()
    payment.refresh_from_db()
    assert payment.agency == second


def test_a_payment_keeps_the_case_it_was_recorded_against():
    agency = AgencyFactory()
    placed = placement(agency, "ACC-1", "2026-10-01")
    older_case = CaseFactory(
        account=placed.case.account,
        status="cured",
        opened_at=NOW - dt.timedelta(days=60),
        closed_at=NOW - dt.timedelta(days=30),
    )
    payment = pay(placed, "5.00", "2026-10-02", case=older_case)
    attribute()
    payment.refresh_from_db()
    assert (payment.agency, payment.case) == (agency, older_case)


def test_attribution_is_idempotent_and_keeps_to_its_dates():
    agency = AgencyFactory()
    placed = placement(agency, "ACC-1", "2026-10-01")
    inside = pay(placed, "5.00", "2026-10-05")
    outside = pay(placed, "6.00", "2026-11-05")
    assert attribute(since="2026-10-01", until="2026-10-31") == 1
    assert attribute(since="2026-10-01", until="2026-10-31") == 0
    outside.refresh_from_db()
    inside.refresh_from_db()
    assert (inside.agency, outside.agency) == (agency, None)


# --- The statement ----------------------------------------------------------------------------


@pytest.fixture
def october():
    """Northwind's October, with every amount written out (see the test below)."""
    northwind = AgencyFactory(name="Northwind")
    other = AgencyFactory(name="Summit")
    p1 = placement(northwind, "ACC-1", "2026-09-20", commission_rate=Decimal("0.1800"))
    pay(p1, "100.00", "2026-09-15")  # before the placement: not Northwind's
    pay(p1, "100.00", "2026-09-25")  # September: on September's statement
    pay(p1, "333.33", "2026-10-03")
    pay(p1, "66.67", "2026-10-31")
    p2 = placement(
        northwind, "ACC-2", "2026-10-10", "2026-10-20", commission_rate=Decimal("0.1250")
    )
    pay(p2, "0.60", "2026-10-15")
    pay(p2, "0.40", "2026-10-20")  # the recall day still counts
    pay(p2, "50.00", "2026-10-21")  # recalled: not Northwind's
    placement(northwind, "ACC-3", "2026-10-25", commission_rate=Decimal("0.2000"))
    p4 = placement(other, "ACC-4", "2026-10-01", commission_rate=Decimal("0.3000"))
    pay(p4, "1000.00", "2026-10-05")
    p5 = placement(
        northwind, "ACC-5", "2026-10-01", commission_rate=Decimal("0.1500"), currency="GBP"
    )
    pay(p5, "33.33", "2026-10-02")
    placement(northwind, "ACC-6", "2026-08-01", "2026-09-30", commission_rate=Decimal("0.5"))
    placement(northwind, "ACC-7", "2026-11-01", commission_rate=Decimal("0.5"))
    return northwind


def test_the_statement_matches_a_hand_computed_one(october):
    statements_generate_month(month=OCTOBER, now=NOW)

    statement = CommissionStatement.objects.get(agency=october)
    assert (statement.period_start, statement.period_end) == (d("2026-10-01"), d("2026-10-31"))
    lines = list(
        statement.lines.order_by("account_reference").values_list(
            "account_reference",
            "currency",
            "payments",
            "collected",
            "commission_rate",
            "commission",
        )
    )
    assert lines == [
        # 400.00 x 0.18 = 72.00
        ("ACC-1", "USD", 2, Decimal("400.00"), Decimal("0.1800"), Decimal("72.00")),
        # 1.00 x 0.125 = 0.125 -> 0.13 (half up; half even would give 0.12)
        ("ACC-2", "USD", 2, Decimal("1.00"), Decimal("0.1250"), Decimal("0.13")),
        # held in October, nothing collected
        ("ACC-3", "USD", 0, Decimal("0.00"), Decimal("0.2000"), Decimal("0.00")),
        # 33.33 x 0.15 = 4.9995 -> 5.00
        ("ACC-5", "GBP", 1, Decimal("33.33"), Decimal("0.1500"), Decimal("5.00")),
    ]
    assert statement_totals(statement) == [
        CurrencyTotal("GBP", 1, 1, Decimal("33.33"), Decimal("5.00")),
        CurrencyTotal("USD", 3, 4, Decimal("401.00"), Decimal("72.13")),
    ]
    # The statement matches the payments behind it.
    attributed = Payment.objects.filter(
        agency=october, received_on__range=month_bounds(OCTOBER), currency="USD"
    )
    assert sum(p.amount for p in attributed) == Decimal("401.00")


def test_agencies_get_their_own_statement_and_no_one_else_s_lines(october):
    statements = statements_generate_month(month=OCTOBER, now=NOW)
    assert sorted(s.agency.name for s in statements) == ["Northwind", "Summit"]
    summit = CommissionStatement.objects.get(agency__name="Summit")
    assert list(summit.lines.values_list("account_reference", "commission")) == [
        ("ACC-4", Decimal("300.00"))
    ]


def test_generating_twice_gives_one_statement_as_of_the_second_run(october):
    statements_generate_month(month=OCTOBER, now=NOW)
    first = CommissionStatement.objects.get(agency=october)
    quiet = october.placements.get(case__account__account_reference="ACC-3")
    late = pay(quiet, "10.00", "2026-10-30")

    later = NOW + dt.timedelta(days=2)
    statements_generate_month(month=OCTOBER, now=later)

    statement = CommissionStatement.objects.get(agency=october)
    assert statement.pk == first.pk
    assert statement.generated_at == later
    assert CommissionStatementLine.objects.filter(statement__agency=october).count() == 4
    line = statement.lines.get(account_reference="ACC-3")
    assert (line.collected, line.commission) == (Decimal("10.00"), Decimal("2.00"))
    late.refresh_from_db()
    assert late.agency == october


@pytest.mark.parametrize(
    ("collected", "rate", "commission"),
    [
        ("0.00", "0.1800", "0.00"),
        ("100.00", "0.1800", "18.00"),
        ("0.05", "0.1000", "0.01"),  # 0.005 rounds half up
        ("0.04", "0.1000", "0.00"),
        ("12345.67", "0.2250", "2777.78"),  # 2777.77575
    ],
)
def test_commission_on_one_line_is_rounded_to_the_cent_half_up(collected, rate, commission):
    assert commission_on(Decimal(collected), Decimal(rate)) == Decimal(commission)
