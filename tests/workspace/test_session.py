"""The session behind the case page: what an action does once it has ended, what renews it and
what leaves its idle timer alone."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, make_case, collector):
    return make_case(
        team=team,
        claimed_by=collector,
        claim_expires_at=timezone.now() + dt.timedelta(minutes=10),
    )


@pytest.fixture
def worker(client, collector):
    client.force_login(collector)
    return client


def from_the_case_page(case, current_url: str | None = None) -> dict[str, str]:
    """The headers htmx sends with a request made from the case page."""
    return {
        "HTTP_HX_REQUEST": "true",
        "HTTP_HX_CURRENT_URL": current_url
        or "http://testserver" + reverse("workspace:detail", args=[case.pk]),
    }


def log_a_call(client, case, **headers):
    point = case.debtor.contact_points.get()
    return client.post(
        reverse("workspace:call_log", args=[case.pk]),
        {"call-contact_point": point.pk, "call-outcome": Activity.Outcome.NO_ANSWER},
        **headers,
    )


def end_the_session() -> None:
    Session.objects.all().delete()


def expiry(client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def expire_soon(client) -> dt.datetime:
    """Bring the session's end close, so that a renewal shows as a later end."""
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    return soon


def redirect_query(response) -> dict[str, list[str]]:
    target = urlsplit(response["HX-Redirect"])
    assert target.path == reverse("accounts:login")
    return parse_qs(target.query)


# --- An action once the session has ended ---------------------------------------------------


def test_an_htmx_action_after_the_session_ended_sends_the_whole_page_to_log_in(worker, case):
    end_the_session()
    response = log_a_call(worker, case, **from_the_case_page(case))
    # 200 with HX-Redirect: htmx navigates instead of swapping the log-in page into the case.
    assert response.status_code == 200
    assert "Location" not in response
    assert redirect_query(response)["next"] == [reverse("workspace:detail", args=[case.pk])]
    assert b"<form" not in response.content
    assert not Activity.objects.exists()

    # The same request without htmx gets the usual redirect.
    response = log_a_call(worker, case)
    assert response.status_code == 302
    assert "HX-Redirect" not in response
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:login")
    assert parse_qs(location.query)["next"] == [reverse("workspace:call_log", args=[case.pk])]


def test_the_log_in_page_says_the_action_was_not_saved_and_leads_back_to_the_case(
    worker, case, collector
):
    end_the_session()
    login_url = log_a_call(worker, case, **from_the_case_page(case))["HX-Redirect"]
    page = worker.get(login_url).content.decode()
    assert 'role="alert">Your session had ended, so your last action was not saved.' in page

    response = worker.post(login_url, {"username": collector.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:detail", args=[case.pk])
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "current_url",
    [
        "https://elsewhere.example/cases/1/",
        "http://testserver//elsewhere.example/cases/1/",
        "javascript:alert(1)",
        "not a url",
    ],
)
def test_the_way_back_never_leads_to_another_site(worker, case, current_url):
    end_the_session()
    response = log_a_call(worker, case, **from_the_case_page(case, current_url))
    query = redirect_query(response)
    assert "next" not in query
    assert query["session_ended"]


def test_the_way_back_keeps_the_pages_query(worker, case):
    end_the_session()
    page = reverse("workspace:detail", args=[case.pk]) + "?from=queue&tier=2"
    response = log_a_call(worker, case, **from_the_case_page(case, "http://testserver" + page))
    assert redirect_query(response)["next"] == [page]


def test_a_lease_renewal_after_the_session_ended_says_only_that_it_ended(worker, case):
    end_the_session()
    response = worker.post(
        reverse("workspace:renew_claim", args=[case.pk]), **from_the_case_page(case)
    )
    login_url = response["HX-Redirect"]
    page = worker.get(login_url).content.decode()
    assert "Your session had ended. Log in again to go back to the page." in page
    assert "not saved" not in page

    page = worker.get(reverse("accounts:login")).content.decode()
    assert "session had ended" not in page  # only when a request found it ended


# --- What renews the session ----------------------------------------------------------------


def test_an_action_renews_the_session_and_says_so(worker, case):
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    expire_soon(worker)
    response = log_a_call(worker, case, **from_the_case_page(case))
    assert response["Session-Renewed"] == "true"
    assert expiry(worker) > timezone.now() + idle - dt.timedelta(seconds=30)


def test_the_lease_renewal_leaves_the_idle_timer_alone(worker, case):
    """The page renews its lease every few minutes by itself: were that activity, an unattended
    case page would keep its session, and the debtor's details on screen, for ever."""
    soon = expire_soon(worker)
    response = worker.post(
        reverse("workspace:renew_claim", args=[case.pk]), **from_the_case_page(case)
    )
    assert response.status_code == 200
    assert "Session-Renewed" not in response
    assert expiry(worker) == soon
    case.refresh_from_db()
    assert case.claim_expires_at > timezone.now() + dt.timedelta(minutes=10)


def test_stay_signed_in_renews_the_session_and_does_nothing_else(worker, case, collector):
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    claim_before = case.claim_expires_at
    expire_soon(worker)
    response = worker.post(reverse("accounts:session_renew"), **from_the_case_page(case))
    assert response.status_code == 204
    assert response["Session-Renewed"] == "true"
    assert expiry(worker) > timezone.now() + idle - dt.timedelta(seconds=30)
    case.refresh_from_db()
    assert case.claim_expires_at == claim_before
    assert not Activity.objects.exists()


def test_stay_signed_in_takes_a_post_only(worker):
    assert worker.get(reverse("accounts:session_renew")).status_code == 405


def test_stay_signed_in_once_the_session_ended_sends_the_page_to_log_in(worker, case):
    end_the_session()
    response = worker.post(reverse("accounts:session_renew"), **from_the_case_page(case))
    assert redirect_query(response)["next"] == [reverse("workspace:detail", args=[case.pk])]


# --- The idle warning's wiring on every page --------------------------------------------------


def test_only_a_signed_in_page_tells_the_script_the_idle_time_and_holds_the_warning(worker, case):
    page = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()
    assert f'data-session-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert 'id="session-warning"' in page
    assert "js/session.js" in page

    end_the_session()
    page = worker.get(reverse("accounts:login")).content.decode()
    assert "data-session-idle-seconds" not in page
    assert 'id="session-warning"' not in page
