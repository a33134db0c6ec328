"""Whose contact point is the attorney's: the attorney on file, never anyone labelled a lawyer.

A represented debtor may be contacted only through the attorney recorded on the debtor; any
other lawyer, solicitor or attorney is a third party and is judged as one.
"""

from __future__ import annotations

import pytest

from cases.models import Case, ContactPoint
from compliance.engine import compliance_decide
from compliance.presets import PRESETS, parse_parameters
from compliance.rules import RuleContext
from tests.compliance.factories import case_under, local_moment
from tests.factories import ContactPointFactory

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"
NOW = local_moment("2026-11-23 10:00", NEW_YORK)  # a Monday morning in the debtor's zone
REPRESENTED = {
    "has_attorney": True,
    "attorney_name": "Kim Wexler",
    "attorney_phone": "+1 505 555 0100",
    "attorney_email": "kim@wexler-law.example",
}


def third_party(case: Case, **fields) -> ContactPoint:
    return ContactPointFactory(
        debtor=case.debtor, owner="third_party", email_consent=True, **fields
    )


def failed_rules(case: Case, point: ContactPoint, channel: str = "call") -> set[str]:
    decision = compliance_decide(
        actor=None, case=case, channel=channel, contact_point=point, moment=NOW, action="contact"
    )
    return {result.code for result in decision.failed_results}


def test_a_lawyer_other_than_the_attorney_on_file_is_judged_as_a_third_party():
    case = case_under(**REPRESENTED)
    lawyer = third_party(
        case,
        third_party_name="Saul Goodman",
        third_party_relationship="Lawyer",
        value="+1 505 555 0199",
    )

    assert failed_rules(case, lawyer) == {"attorney", "third_party"}


def test_an_email_to_a_solicitor_other_than_the_attorney_on_file_is_blocked():
    case = case_under(**REPRESENTED)
    solicitor = third_party(
        case,
        kind="email",
        third_party_name="Howard Hamlin",
        third_party_relationship="solicitor",
        value="howard@hhm.example",
    )

    assert failed_rules(case, solicitor, channel="email") == {"attorney", "third_party"}


def test_a_lawyer_is_not_the_attorney_of_a_debtor_who_has_none():
    case = case_under()
    lawyer = third_party(case, third_party_name="Saul Goodman", third_party_relationship="lawyer")
    context = RuleContext(
        parameters=parse_parameters(PRESETS["US-RegF"].parameters),
        actor=None,
        case=case,
        debtor=case.debtor,
        contact_point=lawyer,
        channel="call",
        action="contact",
        moment=NOW,
    )

    assert context.is_attorney_contact_point is False
    assert failed_rules(case, lawyer) == {"third_party"}


def test_a_lawyer_with_the_attorneys_name_but_another_number_is_not_the_attorney():
    """The number on file contradicts the label: a namesake or a wrong entry, not the attorney."""
    case = case_under(**REPRESENTED)
    namesake = third_party(
        case,
        third_party_name="Kim Wexler",
        third_party_relationship="attorney",
        value="+1 212 555 0199",
    )

    assert failed_rules(case, namesake) == {"attorney", "third_party"}


@pytest.mark.parametrize(
    ("on_file", "called"),
    [
        ("+1 505 555 0100", "555 0100"),  # the same local digits in any area code
        ("+46 8 123 456 78", "123 456 78"),  # a local number without its area code
        ("505 555 0100", "+1 1505 555 0100"),  # another number ending in the same digits
        ("+8613800138000", "+1 380 013 8000"),  # the same digits under another country code
        ("+442079460000", "+44 20 7946 0001"),
        ("+14155550100", "not a number"),
    ],
)
def test_a_number_sharing_only_its_last_digits_with_the_attorneys_is_a_third_party(on_file, called):
    case = case_under(**{**REPRESENTED, "attorney_phone": on_file})
    point = third_party(case, third_party_name="Front desk", value=called)

    assert failed_rules(case, point) == {"attorney", "third_party"}


@pytest.mark.parametrize(
    ("on_file", "called"),
    [
        ("+1 505 555 0100", "5055550100"),
        ("+1 505 555 0100", "(505) 555-0100"),
        ("+1 505 555 0100", "001 505 555 0100"),
        ("+44 20 7946 0000", "020 7946 0000"),  # the national form keeps its trunk 0
        ("+44 (0)20 7946 0000", "+44 20 7946 0000"),
        ("+39 06 1234 5678", "06 1234 5678"),  # Italy: the 0 belongs to the number
        ("+86 10 5555 0100", "010-5555-0100"),
        # As stored since numbers are kept in E.164, against the forms people type.
        ("+14155550100", "(415) 555-0100"),
        ("+14155550100", "+1 415-555-0100"),
        ("(415) 555-0100", "+14155550100"),
        ("+8613800138000", "0086 138 0013 8000"),
        ("+8613800138000", "+86 138-0013-8000"),
        ("+8613800138000", "138 0013 8000"),  # national: read in the country the other names
        ("+442079460000", "0044 (0)20 7946 0000"),
        ("011 44 20 7946 0000", "+442079460000"),
    ],
)
def test_the_attorneys_number_is_recognised_however_it_is_written(on_file, called):
    case = case_under(**{**REPRESENTED, "attorney_phone": on_file})
    point = third_party(case, third_party_name="Wexler's office", value=called)

    assert failed_rules(case, point) == set()


def test_the_attorneys_email_is_recognised_whatever_its_case():
    case = case_under(**REPRESENTED)
    point = third_party(
        case, kind="email", third_party_name="Wexler's office", value=" Kim@Wexler-Law.example "
    )

    assert failed_rules(case, point, channel="email") == set()


def test_a_letter_to_the_solicitor_named_on_file_goes_to_the_attorney():
    case = case_under(**REPRESENTED)
    office = third_party(
        case,
        kind="postal",
        third_party_name=" kim  WEXLER ",
        third_party_relationship="Solicitor",
        value="1 Main Street, Albuquerque",
    )

    assert failed_rules(case, office, channel="letter") == set()


def test_a_lawyer_named_like_the_attorney_is_the_attorney_when_no_number_is_on_file():
    case = case_under(**{**REPRESENTED, "attorney_phone": ""})
    point = third_party(
        case, third_party_name="Kim Wexler", third_party_relationship="lawyer", value="+15055550142"
    )

    assert failed_rules(case, point) == set()


def test_the_attorneys_name_without_a_lawyers_label_is_not_enough():
    case = case_under(**{**REPRESENTED, "attorney_phone": ""})
    point = third_party(
        case,
        third_party_name="Kim Wexler",
        third_party_relationship="neighbour",
        value="+15055550142",
    )

    assert failed_rules(case, point) == {"attorney", "third_party"}
