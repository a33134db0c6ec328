"""Agencies only from the bank's approved list: evaluated less than a year before, and
published on a public page with their contact details (the CN 2026 collection guideline)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Agency, Placement
from agencies.services import PlacementRefused, placement_create, placements_allocate
from tests.agencies.conftest import DAY, NOW
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = 365


@pytest.fixture(autouse=True)
def approved_list_kept(settings):
    """The bank keeps an approved list: an evaluation is good for a year."""
    settings.AGENCY_EVALUATION_DAYS = YEAR


def days_before(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


# (evaluated on, contract end, eligible on DAY, the reason a supervisor reads)
SCENARIOS = [
    pytest.param(
        None, DAY + dt.timedelta(days=200), False, "it has not been evaluated", id="never"
    ),
    pytest.param(days_before(0), DAY + dt.timedelta(days=200), True, "", id="evaluated_today"),
    pytest.param(days_before(200), DAY + dt.timedelta(days=200), True, "", id="half_a_year_ago"),
    pytest.param(days_before(YEAR - 1), DAY + dt.timedelta(days=200), True, "", id="last_day"),
    pytest.param(
        days_before(YEAR),
        DAY + dt.timedelta(days=200),
        False,
        "its evaluation of 23 Nov 2025 lapsed on 23 Nov 2026",
        id="a_year_old",
    ),
    pytest.param(
        days_before(YEAR + 40),
        DAY + dt.timedelta(days=200),
        False,
        "its evaluation of 14 Oct 2025 lapsed on 14 Oct 2026",
        id="older_than_a_year",
    ),
    pytest.param(
        DAY + dt.timedelta(days=1),
        DAY + dt.timedelta(days=200),
        False,
        "it has not been evaluated",
        id="evaluated_only_after_the_day",
    ),
    pytest.param(
        days_before(30),
        days_before(1),
        False,
        "its contract runs 1 Jan 2024 to 22 Nov 2026",
        id="contract_ended_though_evaluated",
    ),
]


@pytest.mark.parametrize(("evaluated_on", "contract_end", "eligible", "reason"), SCENARIOS)
def test_an_agency_takes_placements_only_while_its_evaluation_is_less_than_a_year_old(
    evaluated_on, contract_end, eligible, reason
):
    agency = AgencyFactory(evaluated_on=evaluated_on, contract_end=contract_end)

    problems = agency.problems_on(DAY)

    assert agency.is_eligible_on(DAY) is eligible
    assert Agency.objects.eligible_on(DAY).filter(pk=agency.pk).exists() is eligible
    if reason:
        assert any(reason in problem for problem in problems), problems
    else:
        assert problems == []


@pytest.mark.parametrize(("evaluated_on", "contract_end", "eligible", "reason"), SCENARIOS)
def test_the_placement_job_places_only_with_agencies_on_the_list(
    make_awaiting, evaluated_on, contract_end, eligible, reason
):
    agency = AgencyFactory(evaluated_on=evaluated_on, contract_end=contract_end, capacity=10)
    case = make_awaiting()

    counts = placements_allocate(business_date=DAY, now=NOW)

    placed = Placement.objects.filter(case=case, agency=agency).exists()
    assert placed is eligible
    assert counts["not_placed_no_agency"] == (0 if eligible else 1)


def test_a_supervisor_placing_by_hand_is_told_why_an_agency_is_off_the_list(make_awaiting):
    agency = AgencyFactory(name="Lapsed", evaluated_on=days_before(YEAR + 1))
    case = make_awaiting()

    with pytest.raises(PlacementRefused) as refused:
        placement_create(
            case=case,
            agency=agency,
            user=UserFactory(),
            reason="Urgent",
            business_date=DAY,
            now=NOW,
        )

    assert "Lapsed: it is off the approved list" in str(refused.value)
    assert not Placement.objects.filter(case=case).exists()


def test_without_an_approved_list_the_evaluation_is_not_asked_for(settings):
    settings.AGENCY_EVALUATION_DAYS = 0
    agency = AgencyFactory(evaluated_on=None)

    assert agency.is_eligible_on(DAY)
    assert agency.evaluation_due_by() is None


@pytest.mark.parametrize(
    ("evaluated_on", "contract_end", "due_by"),
    [
        pytest.param(
            days_before(100),
            DAY + dt.timedelta(days=400),
            days_before(101) + dt.timedelta(days=YEAR),
            id="anniversary_first",
        ),
        pytest.param(
            days_before(100),
            DAY + dt.timedelta(days=30),
            DAY + dt.timedelta(days=30),
            id="contract_end_first",
        ),
    ],
)
def test_the_next_evaluation_is_due_before_the_year_is_out_and_before_the_contract_ends(
    evaluated_on, contract_end, due_by
):
    agency = AgencyFactory(evaluated_on=evaluated_on, contract_end=contract_end)

    assert agency.evaluation_due_by() == due_by


# --- The published list ---------------------------------------------------------------------


@pytest.fixture
def published(bank_day):
    listed = AgencyFactory(
        name="Northwind Recoveries",
        evaluated_on=days_before(30),
        contact_name="Li Wei",
        contact_phone="+86 10 5555 0101",
        contact_email="ops@northwind.example",
    )
    AgencyFactory(name="Lapsed Partners", evaluated_on=days_before(YEAR + 10))
    AgencyFactory(name="Suspended Ltd", evaluated_on=days_before(30), is_active=False)
    return listed


def test_anyone_reads_the_current_agencies_and_their_contacts_without_logging_in(client, published):
    response = client.get(reverse("agencies:approved"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Our collection agencies" in page
    for shown in ("Northwind Recoveries", "Li Wei", "+86 10 5555 0101", "ops@northwind.example"):
        assert shown in page
    assert "Lapsed Partners" not in page and "Suspended Ltd" not in page
    # Nothing internal: no terms, no figures.
    assert published.licence_number in page
    assert "ommission" not in page and "apacity" not in page


def test_the_published_list_reads_in_chinese(client, published):
    page = client.get(reverse("agencies:approved"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    content = page.content.decode()
    assert "本行合作的催收委外机构" in content
    assert "Our collection agencies" not in content
    assert "2026年11月23日" in content
