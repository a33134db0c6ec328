"""Error pages: 404, 403 (a refused form), 400 in the site's layout; 500 plain, since it is
rendered without a request and must not fail again."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND_TEXT = "This page does not exist, or it is not one you may open."


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client, collector):
    collector.first_name, collector.last_name = "Grace", "Hopper"
    collector.save()
    client.force_login(collector)
    return client


def test_an_unknown_address_answers_404_in_the_layout_with_the_user_name(signed_in):
    response = signed_in.get("/no-such-page/")
    assert response.status_code == 404
    body = page(response)
    assert NOT_FOUND_TEXT in body
    assert 'id="main-nav"' in body
    assert "Grace Hopper" in body
    assert f'href="{reverse("workspace:queue")}"' in body
    assert f'href="{reverse("home")}"' in body


def test_an_anonymous_visitor_gets_the_same_404_without_navigation(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = page(response)
    assert NOT_FOUND_TEXT in body
    assert 'id="main-nav"' not in body
    assert f'href="{reverse("home")}"' in body


def test_a_form_sent_without_its_token_is_refused_in_the_layout(team):
    user = UserFactory(username="clerk", first_name="Ada", last_name="Byron", team=team)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    body = page(response)
    assert "Form expired" in body
    assert 'id="main-nav"' in body
    assert "Ada Byron" in body


def test_a_request_for_an_unknown_host_answers_400_in_the_layout(client):
    response = client.get("/", HTTP_HOST="unknown.example")
    assert response.status_code == 400
    body = page(response)
    assert "The request could not be understood." in body
    assert 'class="navbar-brand"' in body


def test_the_500_page_needs_no_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = page(response)
    assert "Something went wrong on our side" in body
    assert 'href="/"' in body
