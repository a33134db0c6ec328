"""Finding cases by what a person types, inside the reader's scope only; and who has a number."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.identity import national_id_fields
from cases.models import Debtor
from cases.selectors import cases_matching, cases_visible_to, debtors_with_number
from tests.factories import CaseFactory, ContactPointFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(team):
    debtor = DebtorFactory(full_name="Ada Lovelace", **national_id_fields("123-45-6789"))
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    ContactPointFactory(
        debtor=debtor,
        kind="home",
        value="+8613800138000",
        owner="third_party",
        third_party_name="Li Wei",
        third_party_relationship="emergency contact",
    )
    return CaseFactory(
        team=team,
        account__debtor=debtor,
        account__account_reference="ACC-LOVELACE",
        account__card_last4="1111",
    )


@pytest.fixture
def theirs(other_team):
    """A case outside the collector's scope whose debtor shares every kind of key."""
    debtor = DebtorFactory(full_name="Ada Byron", **national_id_fields("987-65-6789"))
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    return CaseFactory(
        team=other_team,
        account__debtor=debtor,
        account__account_reference="ACC-BYRON",
        account__card_last4="1111",
    )


@pytest.fixture
def other(team):
    return CaseFactory(team=team, account__debtor__full_name="Charles Babbage")


def found(user, term: str) -> set[int]:
    return set(cases_matching(cases_visible_to(user), term).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "term",
    [
        "(415) 555-0100",
        "+1 415-555-0100",
        "001 415 555 0100",
        "4155550100",
        "0086 138 0013 8000",  # the third party's number on the debtor's file
        "+86 138 0013 8000",
        "123-45-6789",  # the national ID typed whole
        "123456789",
        "6789",  # its last four
        "1111",  # the card's last four
        "ACC-LOVELACE",
        "acc-lovelace",
        "Lovelace",
        "ada  LOVELACE",
    ],
)
def test_each_kind_of_term_finds_the_case_in_scope_and_nothing_outside(
    collector, mine, theirs, other, term
):
    assert found(collector, term) == {mine.pk}


def test_the_same_terms_find_the_other_teams_case_for_its_own_collector(
    outsider, mine, theirs, other
):
    assert found(outsider, "(415) 555-0100") == {theirs.pk}
    assert found(outsider, "6789") == {theirs.pk}
    assert found(outsider, "ACC-LOVELACE") == set()


def test_an_officer_who_sees_everything_finds_both(compliance_officer, mine, theirs, other):
    assert found(compliance_officer, "+14155550100") == {mine.pk, theirs.pk}
    assert found(compliance_officer, "Ada") == {mine.pk, theirs.pk}
    assert found(compliance_officer, "123-45-6789") == {mine.pk}


@pytest.mark.parametrize("term", ["", "   ", "nobody", "555 0100", "0000", "x" * 500, "١٢٣٤"])
def test_a_term_matching_nothing_finds_nothing_and_an_empty_one_everything(
    collector, mine, theirs, other, term
):
    expected = {mine.pk, other.pk} if not term.strip() else set()
    assert found(collector, term) == expected


def test_a_name_is_never_read_as_a_vanity_number(compliance_officer, team):
    # "FLOWERS" dials 3569377: a name is searched as a name only.
    debtor = DebtorFactory(full_name="Someone")
    ContactPointFactory(debtor=debtor, kind="mobile", value="+18003569377")
    CaseFactory(team=team, account__debtor=debtor)
    assert found(compliance_officer, "1-800-FLOWERS") == set()


def test_a_term_finds_a_case_by_name_and_number_at_once(compliance_officer, mine, team):
    # "1111" is mine's card's last four and part of another debtor's name.
    named = CaseFactory(team=team, account__debtor=DebtorFactory(full_name="Unit 1111 Holdings"))
    assert found(compliance_officer, "1111") == {mine.pk, named.pk}


def test_on_postgresql_a_part_of_a_name_is_found_through_the_trigram_index(on_postgres, mine):
    if not on_postgres:
        pytest.skip("the trigram index is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Debtor.objects.filter(full_name__icontains="lovel").explain()
    assert "debtor_name_trigram" in plan


def test_who_has_a_number_says_whose_it_is_within_scope(collector, outsider, mine, theirs):
    [match] = debtors_with_number(user=collector, e164="+14155550100")
    assert match.debtor == mine.debtor
    assert match.is_debtors_own
    assert [case.pk for case in match.cases] == [mine.pk]

    [third_party] = debtors_with_number(user=collector, e164="+8613800138000")
    assert not third_party.is_debtors_own
    assert third_party.contact_points[0].third_party_name == "Li Wei"

    [theirs_only] = debtors_with_number(user=outsider, e164="+14155550100")
    assert theirs_only.debtor == theirs.debtor
    assert debtors_with_number(user=outsider, e164="+8613800138000") == []
    assert debtors_with_number(user=collector, e164="+14155550199") == []
