"""factory_boy factories for the domain, shared by every test module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import Role
from agencies.models import (
    Agency,
    CommissionStatement,
    CommissionTier,
    Placement,
    PlacementExtension,
    PlacementRule,
)
from cases.identity import national_id_fields
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Debtor,
    Payment,
    PromiseToPay,
    ReportedPayment,
    Strategy,
)

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`UserFactory(role=Role.COLLECTOR)` puts the user in that role's group."""
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.ADMIN:
                self.is_staff = True
        if create:
            self.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    licence_number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    licence_expires_on = dt.date(2030, 12, 31)
    contract_start = dt.date(2024, 1, 1)
    contract_end = dt.date(2030, 12, 31)
    commission_rate = Decimal("0.1500")
    capacity = 1000


class DebtorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debtor

    full_name = factory.Sequence(lambda n: f"Debtor {n}")
    time_zone = "America/New_York"
    language = "en"

    @factory.lazy_attribute_sequence
    def national_id_hash(self, n):
        return national_id_fields(f"ID{n:09d}")["national_id_hash"]

    @factory.lazy_attribute_sequence
    def national_id_last4(self, n):
        return national_id_fields(f"ID{n:09d}")["national_id_last4"]


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    debtor = factory.SubFactory(DebtorFactory)
    kind = ContactPoint.Kind.MOBILE
    value = factory.Sequence(lambda n: f"+1555{n:07d}")
    sms_consent = True


class CardAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardAccount

    debtor = factory.SubFactory(DebtorFactory)
    account_reference = factory.Sequence(lambda n: f"ACC{n:010d}")
    card_last4 = "4242"
    product = "Classic"
    currency = "USD"
    credit_limit = Decimal("5000.00")
    balance = Decimal("1200.00")
    minimum_due = Decimal("150.00")
    oldest_unpaid_due_date = dt.date(2026, 10, 1)


# When nothing else gives a moment: before every business date the tests use.
EARLIEST_OPENING = dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)


def opening_moment(account: CardAccount) -> dt.datetime:
    """The pipeline opens a case the day after its account's oldest unpaid due date; the
    tests' cases do too, so that a case never opens after the business date a test acts on,
    whatever day the suite runs."""
    if account.oldest_unpaid_due_date is None:
        return EARLIEST_OPENING
    return dt.datetime.combine(
        account.oldest_unpaid_due_date + dt.timedelta(days=1), EARLIEST_OPENING.timetz()
    )


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    account = factory.SubFactory(CardAccountFactory)
    debtor = factory.SelfAttribute("account.debtor")
    strategy = factory.LazyFunction(lambda: Strategy.objects.get(is_default=True))
    opened_at = factory.LazyAttribute(lambda case: opening_moment(case.account))
    balance_at_open = factory.SelfAttribute("account.balance")


PLACEMENT_PERIOD = dt.timedelta(days=90)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    case = factory.SubFactory(CaseFactory, status=Case.Status.PLACED)
    agency = factory.SubFactory(AgencyFactory)
    placed_on = dt.date(2026, 11, 1)
    recall_due_on = factory.LazyAttribute(lambda placement: placement.placed_on + PLACEMENT_PERIOD)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    case = factory.SubFactory(CaseFactory)
    debtor = factory.SelfAttribute("case.debtor")
    channel = Activity.Channel.CALL
    outcome = Activity.Outcome.NO_ANSWER
    occurred_at = factory.LazyFunction(timezone.now)


class PromiseToPayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromiseToPay

    case = factory.SubFactory(CaseFactory)
    amount = Decimal("100.00")
    currency = "USD"
    promised_on = dt.date(2026, 11, 23)
    due_date = dt.date(2026, 12, 1)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    account = factory.SubFactory(CardAccountFactory)
    amount = Decimal("50.00")
    currency = "USD"
    received_on = dt.date(2026, 11, 20)
    external_reference = factory.Sequence(lambda n: f"PAY{n:010d}")


class ReportedPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedPayment

    case = factory.SubFactory(CaseFactory)
    account = factory.SelfAttribute("case.account")
    amount = Decimal("50.00")
    currency = "USD"
    method = ReportedPayment.Method.BANK_TRANSFER
    payer_reference = factory.Sequence(lambda n: f"TRF{n:08d}")
    reference_key = factory.LazyAttribute(
        lambda report: ReportedPayment.key_of(report.payer_reference)
    )
    paid_on = dt.date(2026, 11, 20)
    reported_at = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    reported_on = dt.date(2026, 11, 20)


class CommissionTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionTier

    agency = factory.SubFactory(AgencyFactory, commission_basis="days_past_due")
    starts_at = Decimal("120")
    rate = Decimal("0.2000")


class PlacementRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlacementRule
        django_get_or_create = ("strategy",)

    strategy = factory.LazyFunction(lambda: Strategy.objects.get(is_default=True))


class PlacementExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlacementExtension

    placement = factory.SubFactory(PlacementFactory)
    extended_on = dt.date(2026, 11, 20)
    previous_recall_due_on = factory.SelfAttribute("placement.recall_due_on")
    recall_due_on = factory.LazyAttribute(
        lambda ext: ext.previous_recall_due_on + dt.timedelta(days=30)
    )
    reason = "The debtor is paying by instalments."


class CommissionStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionStatement

    agency = factory.SubFactory(AgencyFactory)
    period_start = dt.date(2026, 10, 1)
    period_end = dt.date(2026, 10, 31)
    generated_at = factory.LazyFunction(timezone.now)
