"""`manage.py seed_demo --profile cn`: a Chinese bank's world; and the dashboards' first
statistics, computed with any world."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command

from accounts.models import User
from agencies.models import Agency
from cases.models import CardAccount, Case, ContactPoint, Debtor
from compliance.policies import policy_codes_for_cases
from reporting.models import DailyPerformance, PortfolioSnapshot, StatsDay

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 23)
CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
# A mainland mobile number in E.164: +86, then 11 digits starting 13-19.
MAINLAND_MOBILE = re.compile(r"\+861[3-9]\d{9}")


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--debtors", "60", "--date", DAY.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chinese_world() -> str:
    return seed("--profile", "cn")


def test_debtors_have_chinese_names_mainland_addresses_zones_and_mobiles(chinese_world):
    debtors = list(Debtor.objects.all())
    assert len(debtors) == 60
    assert all(CHINESE_NAME.fullmatch(debtor.full_name) for debtor in debtors)
    assert {debtor.time_zone for debtor in debtors} <= {"Asia/Shanghai", "Asia/Urumqi"}
    assert {debtor.language for debtor in debtors} == {"zh"}
    mobiles = ContactPoint.objects.filter(kind="mobile").values_list("value", flat=True)
    assert mobiles
    assert all(MAINLAND_MOBILE.fullmatch(number) for number in mobiles)
    postal = ContactPoint.objects.filter(kind="postal").values_list("value", flat=True)
    assert postal and all(re.search(r"[省市区].*号$", address) for address in postal)


def test_every_account_is_in_cny_under_the_cn_bank_policy(chinese_world):
    assert set(CardAccount.objects.values_list("currency", flat=True)) == {"CNY"}
    codes = policy_codes_for_cases(case_ids=list(Case.objects.values_list("pk", flat=True)))
    assert set(codes.values()) == {"CN-bank"}


def test_staff_and_agencies_are_chinese(chinese_world):
    staff = list(User.objects.all())
    assert all(CHINESE_NAME.fullmatch(person.get_full_name()) for person in staff)
    assert {person.time_zone for person in staff} <= {"Asia/Shanghai", "Asia/Urumqi"}
    if any(field.name == "language" for field in User._meta.get_fields()):
        assert {person.language for person in staff} == {"zh-hans"}
    assert all(agency.name.endswith("有限公司") for agency in Agency.objects.all())
    assert "Demo logins" in chinese_world


def test_the_default_world_keeps_its_names_and_currencies():
    seed()
    assert not any(
        CHINESE_NAME.fullmatch(name) for name in Debtor.objects.values_list("full_name", flat=True)
    )
    assert "USD" in set(CardAccount.objects.values_list("currency", flat=True))


def test_the_dashboards_have_statistics_as_soon_as_the_world_is_seeded(chinese_world):
    snapshot = StatsDay.objects.get(day=DAY)
    assert snapshot.flows_computed_at is not None and snapshot.snapshot_computed_at is not None
    assert PortfolioSnapshot.objects.filter(day=DAY, currency="CNY").exists()
    assert DailyPerformance.objects.filter(day__gte=DAY - dt.timedelta(days=29)).exists()
    assert "Dashboards' statistics computed" in chinese_world
