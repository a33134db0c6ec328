"""The language a user reads: their profile's, else the browser's; chosen at the first log-in;
changed from the navigation's switcher."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def log_in(client, username, language=""):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": PASSWORD, "language": language},
    )


def test_the_log_in_page_speaks_the_browsers_language(client):
    page = client.get(reverse("accounts:login"), **ZH).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert ">Log in<" not in page


def test_the_log_in_page_speaks_english_to_an_english_browser(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert ">Log in<" in page


def test_the_log_in_page_offers_the_languages_the_browsers_first(client):
    page = client.get(reverse("accounts:login"), **ZH).content.decode()
    assert 'name="language"' in page
    assert '<option value="zh-hans" selected lang="zh-hans">简体中文</option>' in page
    assert '<option value="en" lang="en">English</option>' in page


def test_the_first_log_in_keeps_the_language_chosen_on_the_profile(client, collector):
    response = log_in(client, "collector", language="zh-hans")
    assert response["Location"] == reverse("home")  # then on to the role's page, as ever
    collector.refresh_from_db()
    assert collector.language == "zh-hans"
    page = client.get(reverse("workspace:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


def test_a_later_log_in_leaves_the_profiles_language_alone(client, collector):
    collector.language = "en"
    collector.save()
    log_in(client, "collector", language="zh-hans")
    collector.refresh_from_db()
    assert collector.language == "en"  # changed from the navigation's switcher only


def test_a_failed_log_in_keeps_nothing(client, collector):
    client.post(
        reverse("accounts:login"),
        {"username": "collector", "password": "wrong", "language": "zh-hans"},
    )
    collector.refresh_from_db()
    assert collector.language == ""


def test_the_profiles_language_wins_over_the_browsers(client, collector):
    collector.language = "zh-hans"
    collector.save()
    client.force_login(collector)
    page = client.get(reverse("workspace:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page
    assert f'href="{reverse("workspace:queue")}">我的队列<' in page


def test_a_user_without_a_language_reads_the_browsers(client, collector):
    client.force_login(collector)
    page = client.get(reverse("workspace:queue"), **ZH).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "我的队列" in page


def test_the_switcher_keeps_the_choice_on_the_profile_and_in_the_cookie(client, collector):
    client.force_login(collector)
    back_to = reverse("workspace:list") + "?status=open"
    response = client.post(
        reverse("accounts:language_switch"), {"language": "zh-hans", "next": back_to}
    )
    assert response.status_code == 302
    assert response["Location"] == back_to
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    collector.refresh_from_db()
    assert collector.language == "zh-hans"

    page = client.get(back_to, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


def test_the_switcher_sends_nobody_to_another_site(client, collector):
    client.force_login(collector)
    response = client.post(
        reverse("accounts:language_switch"),
        {"language": "en", "next": "https://elsewhere.example/"},
    )
    assert response["Location"] == reverse("home")


def test_the_switcher_refuses_a_language_the_site_does_not_speak(client, collector):
    client.force_login(collector)
    client.post(reverse("accounts:language_switch"), {"language": "fr", "next": "/"})
    collector.refresh_from_db()
    assert collector.language == ""


def test_the_switcher_takes_only_posts_from_signed_in_users(client, collector):
    url = reverse("accounts:language_switch")
    assert client.post(url, {"language": "en"})["Location"].startswith(reverse("accounts:login"))
    client.force_login(collector)
    assert client.get(url).status_code == 405


def test_the_navigation_offers_every_language_named_in_itself(client, collector):
    client.force_login(collector)
    page = client.get(reverse("workspace:queue")).content.decode()
    assert f'action="{reverse("accounts:language_switch")}"' in page
    assert 'value="zh-hans" lang="zh-hans"' in page and ">简体中文<" in page
    assert 'value="en" lang="en"' in page and ">English<" in page


def test_the_admin_edits_a_users_language(client, admin_user, collector):
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_user_change", args=[collector.pk]))
    assert 'name="language"' in page.content.decode()


def test_the_admin_reads_in_chinese(client, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "催收系统管理后台" in page
    assert "信用卡账户" in page  # the cases app's models by their Chinese names
    assert "Card accounts" not in page


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_past_five_links_the_rest_of_the_navigation_waits_under_more(client, role):
    user = UserFactory(role=role, is_superuser=role == Role.ADMIN)
    client.force_login(user)
    page = client.get(reverse("home"), follow=True).content.decode()
    if role == Role.ADMIN:
        page = client.get(reverse("workspace:list")).content.decode()
    bar, menu = page.split('class="dropdown-menu dropdown-menu-dark"', 1)
    assert f'href="{reverse("workspace:list")}"' in bar
    assert f'href="{reverse("pipeline:page")}"' in menu.split("</ul>", 1)[0]


def test_a_role_with_few_links_has_no_more_menu(client, collector):
    client.force_login(collector)
    page = client.get(reverse("workspace:queue")).content.decode()
    assert "dropdown-menu-dark" not in page
