"""The compliance officer's pages: search, block counts, overrides, verification; nobody else's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from tests.compliance.factories import case_under, local_moment, mobile, sealed
from tests.factories import ContactPointFactory, PlacementFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "compliance:log",
    "compliance:blocks",
    "compliance:overrides",
    "compliance:recordings",
    "compliance:verify",
]
NY = "America/New_York"
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def log(collector, supervisor, agency, agency_collector, team):
    """A small audited world: allowed, blocked, overridden and refused decisions."""
    own = case_under(full_name="Alice Own")
    own.team = team
    own.assigned_to = collector
    own.save()
    placed = case_under(full_name="Bob Placed")
    PlacementFactory(case=placed, agency=agency)
    other = case_under(full_name="Carol Elsewhere")

    def decide(case, actor, at, **kwargs):
        return compliance_decide(
            actor=actor,
            case=case,
            channel="call",
            contact_point=mobile(case),
            moment=local_moment(at, NY),
            **kwargs,
        ).log_entry

    written = {
        "allowed": decide(own, collector, "2026-11-23 10:00"),
        "late": decide(own, collector, "2026-11-23 21:30"),
        "overridden": decide(
            own,
            collector,
            "2026-11-23 22:00",
            override_reason="Debtor asked for a late call",
            approver=supervisor,
        ),
        "refused": decide(
            own, collector, "2026-11-23 22:30", override_reason="Trying my luck", approver=collector
        ),
        "agency_late": decide(placed, agency_collector, "2026-11-10 06:00"),
        "old": decide(other, None, "2026-10-05 10:00"),
    }
    return {name: sealed(entry) for name, entry in written.items()}


def rows_shown(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/compliance/(\d+)/"', response.content.decode())}


def ids(*entries) -> set[int]:
    return {entry.pk for entry in entries}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


@pytest.mark.parametrize("page", PAGES)
def test_collectors_and_agency_staff_are_refused_every_page(
    client, collector, agency_collector, supervisor, page
):
    for user in (collector, agency_collector, supervisor):
        client.force_login(user)
        assert client.get(reverse(page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_compliance_officer_opens_every_page(client, compliance_officer, log, page):
    client.force_login(compliance_officer)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert " style=" not in response.content.decode()  # the CSP forbids inline styles


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_tabs_with_its_own_current(client, compliance_officer, page):
    client.force_login(compliance_officer)
    tabs = client.get(reverse(page)).context["tabs"]
    assert [(label, url) for label, url, _ in tabs] == [
        ("Log", reverse("compliance:log")),
        ("Blocks", reverse("compliance:blocks")),
        ("Overrides", reverse("compliance:overrides")),
        ("Calls without a recording", reverse("compliance:recordings")),
        ("Disputes and complaints", reverse("disputes:compliance")),
        ("Verify chain", reverse("compliance:verify")),
    ]
    assert [url for _, url, current in tabs if current] == [reverse(page)]


def test_the_log_lists_every_row_last_written_first(client, compliance_officer, log):
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:log"))
    assert rows_shown(response) == ids(*log.values())
    assert [entry.sequence for entry in response.context["page"]] == [6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decision": "blocked"}, ["late", "refused", "agency_late"]),
        ({"decision": "overridden"}, ["overridden"]),
        ({"rule": "contact_window"}, ["late", "overridden", "refused", "agency_late"]),
        ({"rule": "call_frequency"}, []),
        ({"debtor": "alice"}, ["allowed", "late", "overridden", "refused"]),
        ({"actor": "agent"}, ["agency_late"]),
        ({"date_from": "2026-11-01", "date_to": "2026-11-22"}, ["agency_late"]),
        ({"date_to": "2026-10-31"}, ["old"]),
    ],
)
def test_the_log_filters(client, compliance_officer, log, query, expected):
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:log"), query)
    assert rows_shown(response) == ids(*(log[name] for name in expected))


def test_the_log_filters_by_case_and_agency(client, compliance_officer, log, agency):
    client.force_login(compliance_officer)
    by_case = client.get(reverse("compliance:log"), {"case": log["late"].case_id})
    assert rows_shown(by_case) == ids(
        log["allowed"], log["late"], log["overridden"], log["refused"]
    )
    by_agency = client.get(reverse("compliance:log"), {"agency": agency.pk})
    assert rows_shown(by_agency) == ids(log["agency_late"])


def test_a_period_that_ends_before_it_starts_is_explained_and_lists_nothing(
    client, compliance_officer, log
):
    client.force_login(compliance_officer)
    response = client.get(
        reverse("compliance:log"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    )
    assert rows_shown(response) == set()
    assert "The period ends before it starts." in response.content.decode()


def test_the_log_is_paginated_keeping_the_filter(client, compliance_officer):
    case = case_under()
    point = mobile(case)
    for minute in range(55):
        compliance_decide(
            actor=None,
            case=case,
            channel="call",
            contact_point=point,
            moment=local_moment(f"2026-11-23 22:{minute:02d}", NY),
        )
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:log"), {"decision": "blocked", "page": 2})
    assert len(response.context["page"]) == 5
    assert "decision=blocked&amp;page=1" in response.content.decode()


def test_a_row_shows_every_rule_evaluated(client, compliance_officer, log):
    client.force_login(compliance_officer)
    entry = log["overridden"]
    page = client.get(reverse("compliance:detail", args=[entry.pk])).content.decode()
    for rule in entry.rules:
        assert rule["code"] in page
    assert "Debtor asked for a late call" in page
    assert entry.entry_hash in page


def test_a_row_outside_the_auditors_scope_is_not_found(client, supervisor, log):
    """An auditor limited to their own teams (a supervisor given the permission) gets a 404."""
    supervisor.user_permissions.add(Permission.objects.get(codename="view_compliance_log"))
    client.force_login(supervisor)
    assert client.get(reverse("compliance:detail", args=[log["late"].pk])).status_code == 200
    assert client.get(reverse("compliance:detail", args=[log["old"].pk])).status_code == 404
    assert client.get(reverse("compliance:detail", args=[999999])).status_code == 404
    assert rows_shown(client.get(reverse("compliance:log"))) == ids(
        log["allowed"], log["late"], log["overridden"], log["refused"]
    )


def test_blocks_are_counted_per_rule_team_and_agency(client, compliance_officer, log, team, agency):
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:blocks"), PERIOD)
    assert response.context["by_rule"] == [("contact_window", "Contact hours", 3)]
    assert response.context["by_team"] == [(team.name, 2), ("—", 1)]
    assert response.context["by_agency"] == [("—", 2), (agency.name, 1)]
    assert response.context["decisions"] == 5


def test_overrides_are_listed_granted_or_refused_with_their_reasons(
    client, compliance_officer, log
):
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:overrides"))
    assert rows_shown(response) == ids(log["overridden"], log["refused"])
    page = response.content.decode()
    assert "Debtor asked for a late call" in page
    assert "Trying my luck" in page


def test_the_verify_page_runs_the_verification_on_demand(client, compliance_officer, log):
    client.force_login(compliance_officer)
    assert client.get(reverse("compliance:verify")).context["result"] is None
    response = client.get(reverse("compliance:verify"), {"run": 1})
    assert "verified 6 rows" in response.content.decode()


def test_the_verify_page_names_a_tampered_row(client, compliance_officer, log):
    table = ComplianceLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        cursor.execute(
            f"UPDATE {table} SET override_reason = '' WHERE id = %s", [log["refused"].pk]
        )
    client.force_login(compliance_officer)
    page = client.get(reverse("compliance:verify"), {"run": 1}).content.decode()
    assert f"row #{log['refused'].sequence} (id {log['refused'].pk}) was changed" in page


def test_the_navigation_offers_the_log_to_auditors_only(client, compliance_officer, collector):
    client.force_login(compliance_officer)
    assert reverse("compliance:log") in client.get(reverse("workspace:list")).content.decode()
    client.force_login(collector)
    assert reverse("compliance:log") not in client.get(reverse("workspace:list")).content.decode()


def test_an_agency_manager_cannot_see_the_log_either(client, agency):
    manager = UserFactory(role=Role.AGENCY_MANAGER, agency=agency)
    client.force_login(manager)
    assert client.get(reverse("compliance:log")).status_code == 404


def test_the_log_finds_a_debtor_by_number_reference_and_last_four(client, compliance_officer, log):
    own = log["allowed"].case
    ContactPointFactory(debtor=own.debtor, kind="home", value="+14155550100")
    own.account.card_last4 = "7777"
    own.account.save(update_fields=["card_last4"])
    client.force_login(compliance_officer)
    expected = ids(log["allowed"], log["late"], log["overridden"], log["refused"])
    for term in ("(415) 555-0100", "+1 415 555 0100", own.account.account_reference, "7777"):
        response = client.get(reverse("compliance:log"), {"debtor": term})
        assert rows_shown(response) == expected, term
