"""Phone numbers are kept in E.164: typed into the admin's forms, and the rows stored before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import ContactPoint, Debtor
from cases.phones import normalise_stored_phone_numbers
from tests.factories import ContactPointFactory, DebtorFactory

pytestmark = pytest.mark.django_db


def test_a_phone_number_is_cleaned_to_e164():
    point = ContactPoint(debtor=DebtorFactory(), kind="mobile", value="(415) 555-0100")
    point.full_clean()
    assert point.value == "+14155550100"


def test_an_address_is_left_as_written():
    point = ContactPoint(debtor=DebtorFactory(), kind="email", value="Someone@Example.com")
    point.full_clean()
    assert point.value == "Someone@Example.com"


def test_a_number_that_does_not_parse_is_refused_on_its_field():
    point = ContactPoint(debtor=DebtorFactory(), kind="home", value="555 0100")
    with pytest.raises(ValidationError) as refused:
        point.full_clean()
    assert "value" in refused.value.message_dict


def test_the_same_number_typed_otherwise_is_the_debtors_duplicate():
    debtor = DebtorFactory()
    ContactPointFactory(debtor=debtor, kind="mobile", value="+14155550100")
    point = ContactPoint(debtor=debtor, kind="mobile", value="+1 (415) 555-0100")
    with pytest.raises(ValidationError):
        point.full_clean()


def test_the_attorneys_number_is_cleaned_to_e164():
    debtor = DebtorFactory.build(
        has_attorney=True, attorney_name="Kim Wexler", attorney_phone="0044 20 7946 0000"
    )
    debtor.clean()
    assert debtor.attorney_phone == "+442079460000"


def test_a_bad_attorneys_number_is_refused():
    debtor = DebtorFactory.build(has_attorney=True, attorney_name="Kim", attorney_phone="12")
    with pytest.raises(ValidationError) as refused:
        debtor.clean()
    assert "attorney_phone" in refused.value.message_dict


def test_the_migration_brings_stored_numbers_to_e164_and_keeps_what_does_not_parse():
    debtor = DebtorFactory(
        has_attorney=True, attorney_name="Kim Wexler", attorney_phone="(505) 555-0100"
    )
    unparsed_attorney = DebtorFactory(
        has_attorney=True, attorney_name="Saul", attorney_phone="ask at the desk"
    )
    national = ContactPointFactory(debtor=debtor, kind="mobile", value="(415) 555-0100")
    chinese = ContactPointFactory(debtor=debtor, kind="work", value="0086 138 0013 8000")
    already = ContactPointFactory(debtor=debtor, kind="home", value="+12125550100")
    garbage = ContactPointFactory(debtor=debtor, kind="home", value="call the neighbour")
    postal = ContactPointFactory(debtor=debtor, kind="postal", value="1 Main St (415) 555-0100")
    # The same number twice under one kind: the one already in E.164 stays, the other too.
    ContactPointFactory(debtor=debtor, kind="work", value="+14155550100")
    twin = ContactPointFactory(debtor=debtor, kind="work", value="415 555 0100")
    # Two rows of one batch becoming the same number: the first takes it.
    first = ContactPointFactory(debtor=debtor, kind="mobile", value="212-555-0199")
    second = ContactPointFactory(debtor=debtor, kind="mobile", value="(212) 555 0199")

    changed = normalise_stored_phone_numbers(ContactPoint, Debtor)

    values = dict(ContactPoint.objects.values_list("pk", "value"))
    assert values[national.pk] == "+14155550100"
    assert values[chinese.pk] == "+8613800138000"
    assert values[already.pk] == "+12125550100"
    assert values[garbage.pk] == "call the neighbour"
    assert values[postal.pk] == "1 Main St (415) 555-0100"
    assert values[twin.pk] == "415 555 0100"
    assert values[first.pk] == "+12125550199"
    assert values[second.pk] == "(212) 555 0199"
    debtor.refresh_from_db()
    unparsed_attorney.refresh_from_db()
    assert debtor.attorney_phone == "+15055550100"
    assert unparsed_attorney.attorney_phone == "ask at the desk"
    assert changed == (3, 1)
    # Run again: nothing left to change.
    assert normalise_stored_phone_numbers(ContactPoint, Debtor) == (0, 0)


def test_the_admin_stores_a_typed_number_in_e164_and_finds_it_typed_otherwise(client, admin_user):
    debtor = DebtorFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:cases_contactpoint_add"),
        {"debtor": debtor.pk, "kind": "home", "value": "(415) 555-0100", "owner": "debtor"},
    )
    assert response.status_code == 302
    assert ContactPoint.objects.get(debtor=debtor, kind="home").value == "+14155550100"

    found = client.get(reverse("admin:cases_contactpoint_changelist"), {"q": "415.555.0100"})
    assert [point.value for point in found.context["cl"].result_list] == ["+14155550100"]


def test_the_admin_refuses_a_number_that_does_not_parse(client, admin_user):
    debtor = DebtorFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:cases_contactpoint_add"),
        {"debtor": debtor.pk, "kind": "mobile", "value": "555 0100", "owner": "debtor"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"]
    assert not ContactPoint.objects.exists()
