"""The case list's search: every kind of term, in scope only; a national ID or card number typed
whole never stays in the page's address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.identity import national_id_fields, national_id_hash
from tests.factories import CaseFactory, ContactPointFactory, DebtorFactory

pytestmark = pytest.mark.django_db

URL = reverse("workspace:list")


@pytest.fixture
def mine(team):
    debtor = DebtorFactory(full_name="Ada Lovelace", **national_id_fields("123-45-6789"))
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    return CaseFactory(team=team, account__debtor=debtor, account__card_last4="1111")


@pytest.fixture
def theirs(other_team):
    debtor = DebtorFactory(full_name="Ada Byron", **national_id_fields("987-65-4321"))
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    return CaseFactory(team=other_team, account__debtor=debtor, account__card_last4="1111")


def listed(response) -> list[int]:
    return [case.pk for case in response.context["page"]]


@pytest.mark.parametrize("term", ["(415) 555-0100", "+1 415 555 0100", "1111", "Ada"])
def test_the_list_finds_by_any_term_and_never_outside_scope(client, collector, mine, theirs, term):
    client.force_login(collector)
    assert listed(client.get(URL, {"q": term, "status": "all"})) == [mine.pk]


def test_a_national_id_typed_whole_is_replaced_by_its_hash_in_the_address(
    client, collector, mine, theirs
):
    client.force_login(collector)
    response = client.get(URL, {"q": "123-45-6789", "status": "all"})

    assert response.status_code == 302
    assert "6789" not in response.url
    assert f"id%3A{national_id_hash('123456789')}" in response.url
    assert "status=all" in response.url
    followed = client.get(response.url)
    assert listed(followed) == [mine.pk]
    assert "123-45-6789" not in followed.content.decode()


def test_another_teams_national_id_finds_nothing(client, collector, mine, theirs):
    client.force_login(collector)
    response = client.get(URL, {"q": "987-65-4321"}, follow=True)
    assert listed(response) == []


def test_a_card_number_typed_whole_is_searched_by_its_last_four(client, collector, mine):
    client.force_login(collector)
    response = client.get(URL, {"q": "4111 1111 1111 1111"})

    assert response.status_code == 302
    assert "4111" not in response.url
    assert listed(client.get(response.url, {"status": "all"})) == [mine.pk]


def test_the_reassignment_search_and_the_compliance_log_hash_it_too(
    client, supervisor, compliance_officer
):
    client.force_login(supervisor)
    response = client.get(reverse("supervision:reassign"), {"search": "123-45-6789"})
    assert response.status_code == 302
    assert "6789" not in response.url
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:log"), {"debtor": "123-45-6789"})
    assert response.status_code == 302
    assert "6789" not in response.url
