"""The incoming-call screen: the caller's number in any format finds who has it on file, among
the collector's own cases only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CaseFactory, ContactPointFactory, DebtorFactory, PlacementFactory

pytestmark = pytest.mark.django_db

URL = reverse("workspace:incoming")


@pytest.fixture
def mine(team):
    debtor = DebtorFactory(full_name="Ada Lovelace")
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    ContactPointFactory(
        debtor=debtor,
        kind="home",
        value="+8613800138000",
        owner="third_party",
        third_party_name="Li Wei",
        third_party_relationship="emergency contact",
    )
    return CaseFactory(team=team, account__debtor=debtor)


@pytest.fixture
def theirs(other_team):
    debtor = DebtorFactory(full_name="Grace Hopper")
    ContactPointFactory(debtor=debtor, kind="mobile", value="+12125550199")
    return CaseFactory(team=other_team, account__debtor=debtor)


def call(client, user, number: str):
    client.force_login(user)
    return client.post(URL, {"number": number})


def test_the_screen_opens_with_an_empty_form(client, collector):
    client.force_login(collector)
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="number"' in response.content


@pytest.mark.parametrize(
    "number", ["(415) 555-0100", "+1 415-555-0100", "001 415 555 0100", "4155550100"]
)
def test_a_collector_finds_the_debtor_by_their_number_however_typed(
    client, collector, mine, number
):
    response = call(client, collector, number)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Ada Lovelace" in body
    assert "The debtor's own number: Mobile phone" in body
    link = reverse("workspace:detail", args=[mine.pk]) + "?call=inbound"
    assert f'href="{link}"' in body


@pytest.mark.parametrize("number", ["0086 138 0013 8000", "+86 138-0013-8000"])
def test_a_third_partys_number_says_whose_file_it_is_on(client, collector, mine, number):
    body = call(client, collector, number).content.decode()

    assert "Ada Lovelace" in body
    assert "Third party" in body
    assert "Li Wei (emergency contact)" in body


def test_a_number_of_a_case_outside_scope_shows_nothing(client, collector, mine, theirs):
    body = call(client, collector, "(212) 555-0199").content.decode()

    assert "Grace Hopper" not in body
    assert reverse("workspace:detail", args=[theirs.pk]) not in body
    assert "No debtor among your cases has the number +12125550199 on file." in body


def test_an_agency_collector_finds_only_their_placements(
    client, agency, agency_collector, mine, theirs
):
    PlacementFactory(agency=agency, case=theirs)
    theirs.status = "placed"
    theirs.save(update_fields=["status"])

    assert "Grace Hopper" in call(client, agency_collector, "212 555 0199").content.decode()
    assert "Ada Lovelace" not in call(client, agency_collector, "415 555 0100").content.decode()


def test_a_number_on_nobodys_file_says_so(client, collector, mine):
    body = call(client, collector, "+1 415 555 0111").content.decode()

    assert "No debtor among your cases has the number +14155550111 on file." in body


@pytest.mark.parametrize("number", ["555 0100", "hello", "12", "\u202e0100", "9" * 500, ""])
def test_bad_input_gets_a_clear_message_and_is_kept(client, collector, mine, number):
    response = call(client, collector, number)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["number"]
    assert response.context["matches"] is None
    if number and len(number) <= 100:
        assert form["number"].value() == number


def test_the_screen_is_not_found_for_a_role_that_takes_no_calls(client, compliance_officer):
    client.force_login(compliance_officer)
    assert client.get(URL).status_code == 404


def test_the_screen_reads_in_chinese(client, collector, mine):
    collector.language = "zh-hans"
    collector.save()
    body = call(client, collector, "0086 138 0013 8000").content.decode()
    assert "来电" in body
    assert "第三方" in body
