"""Agency staff see only their agency's current placements, through every URL of the site.

Every URL pattern is visited by an agency collector and an agency manager with the ids of
things out of their reach: a case recalled from their agency, a case placed with another
agency, an in-house case, the other agency itself, its placements, statements and log rows.
An id out of scope answers 404; a page the role may not use at all answers the same for an
id in scope (so its answer tells nothing); a page that answers 200 never shows any of them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.roles import Role
from agencies.models import CommissionStatement
from agreements.models import RepaymentPlan, SettlementOffer, WriteOffBatch, WriteOffProposal
from cases.models import Case
from compliance.log import log_append
from compliance.models import ComplianceLogEntry
from litigation.models import Lawsuit, LawsuitCost
from tests.agencies.conftest import DAY
from tests.factories import (
    AgencyFactory,
    CardAccountFactory,
    CaseFactory,
    ContactPointFactory,
    PlacementFactory,
    UserFactory,
)
from tests.test_every_url import grievances_on
from tests.visits.factories import visit_with_evidence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bank_day")]

TODAY = DAY
# Patterns only staff reach (the admin and its RQ dashboard): checked apart, below.
STAFF_NAMESPACES = ("admin", "django_rq")
OBJECT_KWARGS = (
    "case_id",
    "placement_id",
    "agency_id",
    "statement_id",
    "entry_id",
    "plan_id",
    "offer_id",
    "batch_id",
    "visit_id",
    "evidence_id",
    "dispute_id",
    "complaint_id",
    "document_id",
    "lawsuit_id",
    "cost_id",
)


def all_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(name with namespaces, route, converter names) of every URL pattern of the site."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            converters = list(getattr(pattern.pattern, "converters", {}))
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), converters


def case_named(name: str, team, **case_fields) -> Case:
    account = CardAccountFactory(account_reference=f"REF-{name.upper()}", debtor__full_name=name)
    case = CaseFactory(account=account, team=team, **case_fields)
    ContactPointFactory(debtor=case.debtor)
    return case


def log_row(case: Case, agency) -> ComplianceLogEntry:
    return log_append(
        occurred_at=timezone.now(),
        debtor_local_time="2026-11-20T10:00:00-05:00",
        debtor_time_zone="America/New_York",
        agency=agency,
        case=case,
        debtor=case.debtor,
        channel="call",
        action="contact",
        policy_code="US-RegF",
        policy_version=1,
        verdict=ComplianceLogEntry.Verdict.ALLOWED,
        reason="Allowed",
    )


def statement(agency) -> CommissionStatement:
    return CommissionStatement.objects.create(
        agency=agency,
        period_start=TODAY.replace(day=1),
        period_end=TODAY.replace(day=1) + dt.timedelta(days=27),
        generated_at=timezone.now(),
    )


def plan(case) -> RepaymentPlan:
    return RepaymentPlan.objects.create(
        case=case,
        total_amount=100,
        currency="USD",
        frequency=RepaymentPlan.Frequency.MONTHLY,
        instalment_count=1,
        first_due_date=TODAY,
        agreed_on=TODAY,
        agreed_via=RepaymentPlan.Channel.CALL,
    )


def offer(case) -> SettlementOffer:
    return SettlementOffer.objects.create(
        case=case,
        balance=case.account.balance,
        amount=100,
        waived_amount=case.account.balance - 100,
        currency="USD",
        expires_on=TODAY,
        reason="Hardship",
        status=SettlementOffer.Status.OFFERED,
        offered_on=TODAY,
    )


def writeoff_batch(case, days_ago: int) -> WriteOffBatch:
    """A batch proposing `case` (one a day: each batch has its own date)."""
    batch = WriteOffBatch.objects.create(proposed_on=TODAY - dt.timedelta(days=days_ago))
    WriteOffProposal.objects.create(
        batch=batch, case=case, balance=case.account.balance, currency="USD", days_past_due=181
    )
    return batch


def lawsuit_with_cost(case, recorder) -> dict[str, int]:
    lawsuit = Lawsuit.objects.create(
        case=case, currency="USD", referred_on=TODAY, referred_at=timezone.now()
    )
    cost = LawsuitCost.objects.create(
        lawsuit=lawsuit,
        kind=LawsuitCost.Kind.COURT_FEE,
        amount=5000,
        incurred_on=TODAY,
        status=LawsuitCost.Status.AWAITING,
        recorded_by=recorder,
        recorded_at=timezone.now(),
    )
    return {"lawsuit_id": lawsuit.pk, "cost_id": cost.pk}


def disputes_and_lawsuits(case, supervisor) -> dict[str, int]:
    """A dispute with a document, a complaint, and a lawsuit with a cost on `case`."""
    return {
        **grievances_on(case, supervisor, timezone.now()),
        **lawsuit_with_cost(case, supervisor),
    }


@pytest.fixture
def world(agency, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    other = AgencyFactory(name="Hidden Agency")
    own_placement = PlacementFactory(
        agency=agency, case=case_named("Visible Placed", team, status=Case.Status.PLACED)
    )
    recalled = PlacementFactory(
        agency=agency,
        case=case_named("Hidden Recalled", team),
        recalled_on=TODAY - dt.timedelta(days=1),
        placed_on=TODAY - dt.timedelta(days=20),
    )
    elsewhere = PlacementFactory(
        agency=other, case=case_named("Hidden Elsewhere", team, status=Case.Status.PLACED)
    )
    in_house = case_named("Hidden Inhouse", team)
    visitor = UserFactory(username="visitor", role=Role.SUPERVISOR)
    own_visit = visit_with_evidence(own_placement.case, visitor)
    hidden_visits = [
        visit_with_evidence(case, visitor) for case in (recalled.case, elsewhere.case, in_house)
    ]
    supervisor = UserFactory(username="team-supervisor", role=Role.SUPERVISOR, team=team)
    hidden_records = [
        disputes_and_lawsuits(case, supervisor)
        for case in (recalled.case, elsewhere.case, in_house)
    ]
    own_records = disputes_and_lawsuits(own_placement.case, supervisor)
    return {
        "markers": [
            "Hidden Recalled",
            "REF-HIDDEN RECALLED",
            "Hidden Elsewhere",
            "REF-HIDDEN ELSEWHERE",
            "Hidden Inhouse",
            "REF-HIDDEN INHOUSE",
            "Hidden Agency",
        ],
        "out_of_scope": {
            "case_id": [recalled.case.pk, elsewhere.case.pk, in_house.pk],
            "placement_id": [recalled.pk, elsewhere.pk],
            "agency_id": [other.pk],
            "statement_id": [statement(other).pk],
            "entry_id": [log_row(elsewhere.case, other).pk, log_row(in_house, None).pk],
            "plan_id": [plan(case).pk for case in (recalled.case, elsewhere.case, in_house)],
            "offer_id": [offer(case).pk for case in (recalled.case, elsewhere.case, in_house)],
            "batch_id": [
                writeoff_batch(case, days_ago).pk
                for days_ago, case in enumerate((recalled.case, elsewhere.case, in_house), 1)
            ],
            "visit_id": [visit.pk for visit in hidden_visits],
            "evidence_id": [visit.evidence.get().pk for visit in hidden_visits],
            **{
                kwarg: [records[kwarg] for records in hidden_records]
                for kwarg in ("dispute_id", "complaint_id", "document_id", "lawsuit_id", "cost_id")
            },
        },
        "in_scope": {
            "case_id": own_placement.case.pk,
            "placement_id": own_placement.pk,
            "agency_id": agency.pk,
            "statement_id": statement(agency).pk,
            "entry_id": log_row(own_placement.case, agency).pk,
            "plan_id": plan(own_placement.case).pk,
            "offer_id": offer(own_placement.case).pk,
            "batch_id": writeoff_batch(own_placement.case, 0).pk,
            "visit_id": own_visit.pk,
            "evidence_id": own_visit.evidence.get().pk,
            **own_records,
        },
    }


# Pages for everyone, signed in or not: the published list names every current agency (its
# name and contact details, nothing about placements), as the bank must publish it.
PUBLIC_PAGES = {"agencies:approved"}

# Values for the other path arguments: none of them names a case or an agency.
OTHER_VALUES = {
    "run_id": 1,
    "name": "cases",
    "page": "agencies",
    "figure": "league",
    "approval_id": 1,
}


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_nothing_shown(response, markers, where: str) -> None:
    if response.status_code == 200:
        page = body(response)
        shown = [marker for marker in markers if marker in page]
        assert not shown, f"{where} shows {shown}"


@pytest.fixture(params=[Role.AGENCY_COLLECTOR, Role.AGENCY_MANAGER])
def agency_staff(request, agency):
    return UserFactory(username=f"staff-{request.param}", role=request.param, agency=agency)


def test_every_url_keeps_agency_staff_to_their_own_placements(client, agency_staff, world):
    client.force_login(agency_staff)
    visited = 0
    query = {
        "q": "Hidden",
        "status": "all",
        "debtor": "Hidden",
        "date_from": (TODAY - dt.timedelta(days=60)).isoformat(),
        "date_to": TODAY.isoformat(),
    }
    for name, route, converters in all_patterns():
        if (
            name.split(":")[0] in STAFF_NAMESPACES
            or name.split(":")[0] == "portal"  # the debtors' door: no staff session opens it
            or name == "accounts:logout"
            or name in PUBLIC_PAGES
        ):
            continue
        object_kwargs = [kwarg for kwarg in converters if kwarg in OBJECT_KWARGS]
        if not object_kwargs:
            url = reverse(name, kwargs={kwarg: OTHER_VALUES[kwarg] for kwarg in converters})
            assert_nothing_shown(client.get(url, query), world["markers"], f"GET {route}")
            visited += 1
            continue
        [kwarg] = object_kwargs
        in_scope_url = reverse(name, kwargs={kwarg: world["in_scope"][kwarg]})
        for method in ("get", "post"):
            in_scope = getattr(client, method)(in_scope_url).status_code
            for value in world["out_of_scope"][kwarg]:
                response = getattr(client, method)(reverse(name, kwargs={kwarg: value}))
                where = f"{method.upper()} {route} with {kwarg}={value}"
                if response.status_code != 404:
                    # Only a page closed to the role whatever the id may answer otherwise.
                    assert response.status_code in (302, 405), where
                    assert response.status_code == in_scope, where
                visited += 1
    assert visited > 40


def test_the_search_and_lists_show_only_the_agency_current_placements(
    client, agency_collector, world
):
    client.force_login(agency_collector)
    page = body(client.get(reverse("workspace:list"), {"status": "all"}))
    assert "Visible Placed" in page
    for marker in world["markers"]:
        assert marker not in page
    recalled = world["out_of_scope"]["case_id"][0]
    found = body(
        client.get(reverse("workspace:list"), {"q": "REF-HIDDEN RECALLED", "status": "all"})
    )
    assert "Hidden Recalled" not in found
    assert reverse("workspace:detail", args=[recalled]) not in found
    assert "No cases match." in found


def test_staff_pages_send_agency_staff_to_the_admin_login(client, agency_staff):
    client.force_login(agency_staff)
    for url in (reverse("admin:index"), "/admin/django-rq/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
