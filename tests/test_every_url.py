"""Every URL of the site, for every role: a page the role may not open answers 404 in the normal
layout (never 403), nothing answers 500 or logs an error, and an anonymous visitor is sent to
log in.

The URLs come from the URLconf itself, so a page is checked the day it is added; their
arguments are filled from one small world in which every page has something to show.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.navigation import nav_links_for
from accounts.roles import AGENCY_ROLES, Role
from agreements.models import RepaymentPlan, SettlementOffer, WriteOffBatch, WriteOffProposal
from cases.models import Case
from compliance.log import log_append
from compliance.models import ComplianceLogEntry
from disputes.services import complaint_receive, dispute_receive
from feeds.models import ImportRun
from litigation.models import Lawsuit, LawsuitCost
from portal.access import portal_link_token
from portal.models import OnlinePayment
from supervision.models import OverrideApproval
from tests.agencies.conftest import DAY, bank_day  # noqa: F401  (a fixture)
from tests.factories import (
    CaseFactory,
    CommissionStatementFactory,
    ContactPointFactory,
    PlacementFactory,
    UserFactory,
)
from tests.visits.factories import visit_with_evidence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bank_day")]

# The Django admin and the RQ dashboard under it have their own log-in and answers.
SKIPPED_PREFIX = "admin/"
# Pages open to anonymous visitors: the log-in page, log-out (POST only), the favicon, the
# published list of the bank's agencies.
# The dialer's events carry their own signature instead of a session.
PUBLIC_ROUTES = {
    "accounts/login/",
    "accounts/logout/",
    "favicon.ico",
    "agencies/approved/",
    "cases/dialer/events/",
}
# The debtor portal is a door of its own: its pages answer anyone, without a staff log-in (those
# of a verified debtor send everyone else to its start page; tests/portal).
PORTAL_PREFIX = "portal/"
# Query parameters sent with every GET, so that the exports have a period to export.
QUERY = {
    "date_from": (DAY - dt.timedelta(days=30)).isoformat(),
    "date_to": DAY.isoformat(),
}
ANONYMOUS = "anonymous"
NO_ROLE = "no role"
PEOPLE = [ANONYMOUS, NO_ROLE, *Role]


def all_routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(name with its namespaces or None, route, converter names) of every URL pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            converters = list(getattr(pattern.pattern, "converters", {}))
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield name, prefix + str(pattern.pattern), converters


def site_routes() -> list[tuple[str | None, str, list[str]]]:
    return [route for route in all_routes() if not route[1].startswith(SKIPPED_PREFIX)]


def log_row(case: Case, **fields) -> ComplianceLogEntry:
    return log_append(
        occurred_at=timezone.now(),
        debtor_local_time="2026-11-23T07:00:00-05:00",
        debtor_time_zone="America/New_York",
        team=case.team,
        case=case,
        debtor=case.debtor,
        channel="call",
        action="contact",
        policy_code="US-RegF",
        policy_version=1,
        reason="Outside the contact window",
        **fields,
    )


@pytest.fixture
def world(team, agency, settings, tmp_path):
    """One of everything a URL can name, each within reach of the roles that work with it."""
    people = {
        role: UserFactory(
            username=f"user-{role}",
            first_name="Ada",
            last_name=f"Lovelace {role.label}",
            role=role,
            team=None if role in AGENCY_ROLES else team,
            agency=agency if role in AGENCY_ROLES else None,
            is_superuser=role == Role.ADMIN,
        )
        for role in Role
    }
    people[NO_ROLE] = UserFactory(username="nobody", first_name="No", last_name="Role")
    team.supervisors.add(people[Role.SUPERVISOR])
    in_house = CaseFactory(team=team, assigned_to=people[Role.COLLECTOR])
    placement = PlacementFactory(agency=agency, case__team=team, placed_on=DAY)
    for case in (in_house, placement.case):
        ContactPointFactory(debtor=case.debtor)
    now = timezone.now()
    blocked = log_row(in_house, verdict=ComplianceLogEntry.Verdict.BLOCKED)
    approval = OverrideApproval.objects.create(
        blocked_entry=blocked,
        decision_entry=log_row(
            in_house,
            verdict=ComplianceLogEntry.Verdict.OVERRIDDEN,
            approver=people[Role.SUPERVISOR],
            override_reason="The debtor asked for an early call.",
        ),
        case=in_house,
        collector=people[Role.COLLECTOR],
        approved_by=people[Role.SUPERVISOR],
        reason="The debtor asked for an early call.",
        approved_at=now,
        valid_until=now + dt.timedelta(hours=4),
    )
    import_run = ImportRun.objects.create(
        kind=ImportRun.Kind.ACCOUNTS,
        file_name="accounts.csv",
        business_date=DAY,
        status=ImportRun.Status.SUCCEEDED,
        user=people[Role.ADMIN],
    )
    plan = RepaymentPlan.objects.create(
        case=in_house,
        total_amount=100,
        currency="USD",
        frequency=RepaymentPlan.Frequency.MONTHLY,
        instalment_count=1,
        first_due_date=DAY,
        agreed_on=DAY,
        agreed_via=RepaymentPlan.Channel.CALL,
    )
    plan.instalments.create(number=1, due_date=DAY, amount=100)
    offer = SettlementOffer.objects.create(
        case=in_house,
        balance=in_house.account.balance,
        amount=100,
        waived_amount=in_house.account.balance - 100,
        currency="USD",
        expires_on=DAY,
        reason="Hardship",
        status=SettlementOffer.Status.OFFERED,
        offered_on=DAY,
    )
    batch = WriteOffBatch.objects.create(proposed_on=DAY)
    WriteOffProposal.objects.create(
        batch=batch,
        case=CaseFactory(team=team),
        balance=1200,
        currency="USD",
        days_past_due=181,
    )
    lawsuit = Lawsuit.objects.create(
        case=in_house, currency="USD", referred_on=DAY, referred_at=now
    )
    cost = LawsuitCost.objects.create(
        lawsuit=lawsuit,
        kind=LawsuitCost.Kind.COURT_FEE,
        amount=5000,
        incurred_on=DAY,
        status=LawsuitCost.Status.AWAITING,
        recorded_by=people[Role.LEGAL],
        recorded_at=now,
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    in_house_visit = visit_with_evidence(in_house, people[Role.COLLECTOR])
    placed_visit = visit_with_evidence(placement.case, people[Role.AGENCY_COLLECTOR])
    grievances = {
        case.pk: grievances_on(case, people[Role.SUPERVISOR], now)
        for case in (in_house, placement.case)
    }
    arguments = {
        **grievances[in_house.pk],
        "visit_id": in_house_visit.pk,
        "evidence_id": in_house_visit.evidence.get().pk,
        "case_id": in_house.pk,
        "lawsuit_id": lawsuit.pk,
        "cost_id": cost.pk,
        "plan_id": plan.pk,
        "offer_id": offer.pk,
        "batch_id": batch.pk,
        "placement_id": placement.pk,
        "agency_id": agency.pk,
        "statement_id": CommissionStatementFactory(agency=agency).pk,
        "entry_id": blocked.pk,
        "approval_id": approval.pk,
        "run_id": import_run.pk,
        "name": "cases",
        "page": "people",
        "figure": "collectors",
        "token": portal_link_token(case_id=in_house.pk),
        "reference": OnlinePayment.objects.create(
            case=in_house,
            amount=100,
            currency="USD",
            provider="local-fake",
            reference="PPEVERYURL",
            started_at=now,
        ).reference,
    }
    # Agency staff work the case placed with their agency, not the in-house one.
    agency_arguments = {
        **arguments,
        **grievances[placement.case.pk],
        "case_id": placement.case.pk,
        "visit_id": placed_visit.pk,
        "evidence_id": placed_visit.evidence.get().pk,
    }
    return {"people": people, "arguments": arguments, "agency_arguments": agency_arguments}


def grievances_on(case: Case, user, now: dt.datetime) -> dict[str, int]:
    """A dispute with a document and a complaint on `case`: their URLs' arguments."""
    dispute = dispute_receive(
        case=case,
        user=user,
        kind="amount_wrong",
        channel="letter",
        description="The fee is wrong.",
        received_at=now,
        now=now,
        files=[SimpleUploadedFile("letter.pdf", b"%PDF-1.4 the letter")],
    )
    complaint = complaint_receive(
        case=case,
        user=user,
        subject="other",
        channel="call",
        description="Too many calls.",
        received_at=now,
        now=now,
    )
    return {
        "dispute_id": dispute.pk,
        "complaint_id": complaint.pk,
        "document_id": dispute.documents.get().pk,
    }


def url_of(name: str | None, route: str, converters: list[str], arguments: dict) -> str:
    if name is None:
        assert not converters, f"{route}: an unnamed pattern with arguments cannot be visited"
        return f"/{route}"
    missing = [kwarg for kwarg in converters if kwarg not in arguments]
    assert not missing, f"{route}: the world has no value for {missing}"
    return reverse(name, kwargs={kwarg: arguments[kwarg] for kwarg in converters})


def body(response) -> str:
    """The response's text; a streamed export runs as it is read, a PDF reads as bytes."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_in_layout(response, user, where: str) -> None:
    """A page of the site, as the user sees every page: navigation, name, a way home."""
    page = body(response)
    assert 'id="main-nav"' in page, f"{where}: no navigation"
    assert user.get_full_name() in page, f"{where}: the user's name is missing"
    for link in nav_links_for(user):
        assert f'href="{reverse(link.url_name)}"' in page, f"{where}: no {link.label} link"
    assert f'href="{reverse("home")}"' in page, f"{where}: no link home"


def visit(client, url: str, where: str):
    try:
        response = client.get(url, QUERY)
        body(response)
    except Exception as error:
        raise AssertionError(f"{where} raised {error!r}") from error
    return response


@pytest.mark.parametrize("person", PEOPLE, ids=str)
def test_every_page_answers_each_role_without_a_403_or_a_500(client, world, person, caplog):
    caplog.set_level(logging.WARNING)
    user = None if person == ANONYMOUS else world["people"][person]
    if user is not None:
        client.force_login(user)
    arguments = world["agency_arguments" if person in AGENCY_ROLES else "arguments"]
    statuses = {}
    for name, route, converters in site_routes():
        url = url_of(name, route, converters, arguments)
        where = f"{person}: GET {url}"
        response = visit(client, url, where)
        statuses[route] = response.status_code
        assert response.status_code != 403, where
        assert response.status_code < 500, where
        if user is None and route not in PUBLIC_ROUTES and not route.startswith(PORTAL_PREFIX):
            assert response.status_code == 302, where
            location = urlsplit(response["Location"])
            assert location.path == reverse("accounts:login"), where
            assert urlsplit(parse_qs(location.query)["next"][0]).path == url, where
        elif response.status_code == 404:
            assert_in_layout(response, user, where)
    assert len(statuses) > 40
    if person == Role.ADMIN:
        # The admin may open every page: a 404 here means the world left an argument empty.
        assert [route for route, status in statuses.items() if status == 404] == []
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert logged == []


# Pages a role may not open, and the permission that opens each.
CLOSED_PAGES = [
    (Role.COLLECTOR, "reporting:home"),
    (Role.COLLECTOR, "pipeline:page"),
    (Role.COLLECTOR, "compliance:log"),
    (Role.COLLECTOR, "feeds:list"),
    (Role.COLLECTOR, "agencies:league"),
    (Role.AGENCY_COLLECTOR, "agencies:league"),
    (Role.AGENCY_COLLECTOR, "reporting:home"),
]
PAGE_PERMISSIONS = {
    "reporting:home": "reporting.view_dashboard",
    "pipeline:page": "pipeline.run_pipeline",
    "compliance:log": "compliance.view_compliance_log",
    "feeds:list": "reporting.view_dashboard",
    "agencies:league": "agencies.view_agency_performance",
}


@pytest.mark.parametrize(("role", "url_name"), CLOSED_PAGES, ids=str)
def test_a_page_closed_to_the_role_answers_404_in_the_normal_layout(client, world, role, url_name):
    user = world["people"][role]
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == 404
    assert_in_layout(response, user, url_name)
    page = body(response)
    assert "This page does not exist, or it is not one you may open." in page


@pytest.mark.parametrize("url_name", PAGE_PERMISSIONS)
def test_every_holder_of_the_permission_opens_the_page(client, world, url_name):
    holders = 0
    for role in Role:
        user = world["people"][role]
        client.force_login(user)
        response = client.get(reverse(url_name), follow=True)
        if user.has_perm(PAGE_PERMISSIONS[url_name]):
            holders += 1
            assert response.status_code == 200, role
        else:
            assert response.status_code == 404, role
    assert holders > 0


@pytest.mark.parametrize("role", Role, ids=str)
def test_every_navigation_link_a_role_is_shown_opens(client, world, role):
    user = world["people"][role]
    client.force_login(user)
    links = nav_links_for(user)
    assert links
    for link in links:
        response = client.get(reverse(link.url_name), follow=True)
        assert response.status_code == 200, link.url_name


def test_a_user_without_a_role_is_shown_the_page_that_says_so(client, world):
    user = world["people"][NO_ROLE]
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Your account has no role yet" in body(response)
    assert user.get_full_name() in body(response)
