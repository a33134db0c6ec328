"""An agency's details as the admin keeps them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_the_contact_phone_is_kept_in_e164_however_it_was_typed(settings):
    settings.PHONE_DEFAULT_REGION = "US"
    agency = AgencyFactory(contact_phone="")

    agency.contact_phone = "(415) 555-0100"
    agency.full_clean()

    assert agency.contact_phone == "+14155550100"


def test_a_contact_phone_that_is_no_number_is_the_fields_error():
    agency = AgencyFactory(contact_phone="")
    agency.contact_phone = "ask for Li"

    with pytest.raises(ValidationError) as refused:
        agency.full_clean()

    assert list(refused.value.message_dict) == ["contact_phone"]
