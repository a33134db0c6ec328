"""The cases admin reads in Chinese for an admin whose language is zh-Hans: model and field
names, choices, actions and their plural messages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Case, ContactPoint
from tests.factories import CaseFactory, ContactPointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh_admin(client, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_a_case_reads_with_chinese_field_names(zh_admin):
    case = CaseFactory()
    page = zh_admin.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    for name in ("账户", "债务人", "催收策略", "优先级分数", "立案时间", "作业"):
        assert name in page, name
    assert "Priority score" not in page


@pytest.mark.parametrize(
    ("count", "message"),
    [(1, "已将 1 个联系方式标记为无效。"), (3, "已将 3 个联系方式标记为无效。")],
)
def test_an_actions_message_counts_in_chinese(zh_admin, count, message):
    points = [ContactPointFactory() for _ in range(count)]
    response = zh_admin.post(
        reverse("admin:cases_contactpoint_changelist"),
        {"action": "mark_invalid", "_selected_action": [point.pk for point in points]},
        follow=True,
    )
    assert message in response.content.decode()
    assert ContactPoint.objects.filter(invalid=True).count() == count


def test_the_actions_message_counts_in_english_too(client, admin_user):
    client.force_login(admin_user)
    point = ContactPointFactory()
    response = client.post(
        reverse("admin:cases_contactpoint_changelist"),
        {"action": "mark_invalid", "_selected_action": [point.pk]},
        follow=True,
    )
    assert "Marked 1 contact point as invalid." in response.content.decode()


def test_choices_and_names_of_the_domain_read_in_chinese():
    with translation.override("zh-hans"):
        assert str(Case.Status.PROMISED.label) == "承诺还款"
        assert str(Case._meta.verbose_name_plural) == "案件"
        assert str(ContactPoint._meta.get_field("do_not_contact").verbose_name) == "停止联系"
