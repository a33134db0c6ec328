"""What every answer is spared: a NUL character reaching a view (400 with a clear page), and a
signed-in page or a download left in a browser's or a proxy's cache (no-store)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from common.middleware import NoStoreMiddleware
from tests.factories import CaseFactory, CommissionStatementFactory

pytestmark = pytest.mark.django_db

NUL_REASON = "holds a NUL character (%00)"


@pytest.mark.parametrize(
    "url",
    [
        "/cases/?q=%00",
        "/cases/?q=abc%00def",
        "/dashboards/?currency=%00",
        "/dashboards/people/?currency=%00",
        "/agencies/?currency=%00",
        "/feeds/exports/cases.csv?date_from=%00",
        "/cases/?%00=1",
    ],
)
def test_a_nul_in_the_query_answers_400_with_the_reason_in_the_layout(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert NUL_REASON in page
    assert 'id="main-nav"' in page


def test_a_nul_in_a_posted_field_answers_400(client, collector, team):
    case = CaseFactory(team=team, assigned_to=collector)
    client.force_login(collector)
    response = client.post(reverse("workspace:note", args=[case.pk]), {"note-text": "a\x00b"})
    assert response.status_code == 400
    assert NUL_REASON in response.content.decode()
    assert not case.activities.exists()


def test_a_nul_in_the_path_answers_400(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/cases/%00/").status_code == 400


def test_an_anonymous_visitor_with_a_nul_is_told_too(client):
    response = client.get(reverse("accounts:login"), {"next": "/\x00"})
    assert response.status_code == 400
    assert NUL_REASON in response.content.decode()


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_page_shown_to_a_signed_in_user_is_not_stored(client, collector):
    client.force_login(collector)
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 200
    assert no_store(response)


def test_an_export_is_not_stored(client, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("feeds:export", args=["cases"]),
        {"date_from": "2026-11-01", "date_to": "2026-11-30"},
    )
    assert response.status_code == 200
    assert no_store(response)


def test_a_statement_pdf_is_not_stored(client, supervisor, agency):
    statement = CommissionStatementFactory(agency=agency)
    client.force_login(supervisor)
    response = client.get(reverse("agencies:statement_pdf", args=[statement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert no_store(response)


@pytest.mark.parametrize(
    ("content_type", "disposition"),
    [("text/csv; charset=utf-8", ""), ("application/pdf", ""), ("text/plain", "attachment")],
)
def test_a_download_is_not_stored_whoever_asked(content_type, disposition):
    def download(request):
        response = HttpResponse(b"x", content_type=content_type)
        if disposition:
            response["Content-Disposition"] = f'{disposition}; filename="x"'
        return response

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert no_store(NoStoreMiddleware(download)(request))


def test_a_public_page_for_an_anonymous_visitor_may_be_cached():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert not no_store(NoStoreMiddleware(lambda request: HttpResponse("hello"))(request))
