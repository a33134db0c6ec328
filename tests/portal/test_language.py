"""The portal keeps the language the debtor reads it in on the pages around their account: the
payment provider's page (the fake provider plays one told the language), and leaving."""

from __future__ import annotations

import pytest
from django.conf import settings

from portal.models import OnlinePayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_chinese(case):
    case.debtor.language = "zh"
    case.debtor.save()
    return case


def test_the_fake_providers_page_and_its_thanks_are_in_the_portals_language(in_chinese, signed_in):
    signed_in.post("/portal/account/pay/", {"payment-amount": "150.00"})
    payment = OnlinePayment.objects.get(case=in_chinese)
    provider_page = f"/portal/payments/fake-provider/{payment.reference}/"

    page = signed_in.get(provider_page).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "不会扣款" in page

    home = signed_in.post(provider_page, {"outcome": "paid"}, follow=True).content.decode()
    assert "已收到您的付款" in home


def test_leaving_says_so_in_the_language_read_and_the_start_page_stays_in_it(in_chinese, signed_in):
    response = signed_in.post("/portal/sign-out/")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    start = signed_in.get(response.url).content.decode()
    assert "您已退出自助服务。" in start
    assert '<html lang="zh-hans">' in start


def test_leaving_without_a_portal_session_keeps_the_browsers_language(client):
    response = client.post("/portal/sign-out/", headers={"accept-language": "en"})

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "You have left the portal." in client.get(response.url).content.decode()
