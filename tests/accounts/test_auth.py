"""Login, logout, role routing, password-guessing throttle, idle sessions, CSP."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_the_login_page_renders(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_an_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.COLLECTOR, "workspace:queue"),
        (Role.SUPERVISOR, "workspace:list"),
        (Role.AGENCY_COLLECTOR, "workspace:queue"),
        (Role.AGENCY_MANAGER, "workspace:list"),
        (Role.COMPLIANCE_OFFICER, "workspace:list"),
        (Role.ADMIN, "admin:index"),
    ],
)
def test_each_role_lands_on_its_page_after_login(client, role, landing):
    UserFactory(username="someone", role=role)
    response = log_in(client, "someone")
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == reverse(landing)
    assert client.get(home["Location"]).status_code == 200


def test_a_user_without_a_role_is_told_to_ask_an_admin(client):
    UserFactory(username="norole")
    log_in(client, "norole")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"no role" in response.content


def test_a_wrong_password_does_not_log_in(client, collector):
    response = log_in(client, "collector", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(client, collector):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "collector", "wrong")
    response = log_in(client, "collector")
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, collector):
    log_in(client, "collector")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("workspace:list")).status_code == 302


def test_a_session_expires_after_inactivity_and_each_request_renews_it(client, collector):
    log_in(client, "collector")
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    session = Session.objects.get(session_key=client.session.session_key)
    assert abs(session.expire_date - (timezone.now() + idle)) < dt.timedelta(seconds=30)

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(seconds=5)
    )
    assert client.get(reverse("workspace:list")).status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + idle - dt.timedelta(seconds=30)

    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(reverse("workspace:list")).status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script(client, collector):
    client.force_login(collector)
    response = client.get(reverse("workspace:list"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_no_project_template_holds_an_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    inline_handler = re.compile(r"\son[a-z]+=", re.IGNORECASE)
    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        if inline_script.search(text) or inline_handler.search(text) or "style=" in text:
            offenders.append(str(template))
    assert offenders == []


def test_the_navigation_shows_admin_only_to_staff(client, collector, admin_user):
    client.force_login(collector)
    page = client.get(reverse("workspace:list")).content.decode()
    assert reverse("admin:index") not in page
    client.force_login(admin_user)
    page = client.get(reverse("workspace:list")).content.decode()
    assert reverse("admin:index") in page
