"""The supervisor's agency pages, the agency manager's own pages, and the admin's actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from agencies.models import (
    Agency,
    CommissionStatement,
    CommissionStatementLine,
    Placement,
    PlacementExtension,
)
from agencies.selectors import AgencyFigures
from agencies.services import statements_generate_month
from agencies.views import LEAGUE_COLUMNS, _cells
from cases.models import Case
from compliance.log import log_append
from compliance.models import ComplianceLogEntry
from tests.agencies.conftest import DAY
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    CommissionStatementFactory,
    PaymentFactory,
    PlacementFactory,
    UserFactory,
)
from tests.pdfs import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bank_day")]

TODAY = DAY


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def manager(agency):
    return UserFactory(username="manager", role=Role.AGENCY_MANAGER, agency=agency)


@pytest.fixture
def league_world(agency, team):
    """Northwind (the `agency` fixture): one placement held for the whole period, one made in
    it; Summit: nothing. Amounts in USD, period: the default 90 days to today."""
    summit = AgencyFactory(name="Summit", capacity=50)
    agency.capacity = 200
    agency.save()
    held = PlacementFactory(
        agency=agency,
        case__team=team,
        placed_on=ago(120),
        recall_due_on=ago(120) + dt.timedelta(days=200),
        placed_balance=Decimal("1000.00"),
        commission_rate=Decimal("0.1500"),
    )
    new = PlacementFactory(
        agency=agency,
        case__team=team,
        placed_on=ago(30),
        recall_due_on=ago(30) + dt.timedelta(days=90),
        placed_balance=Decimal("500.00"),
        commission_rate=Decimal("0.2000"),
    )
    for placement, amount, day in (
        (held, "150.00", ago(60)),
        (held, "50.00", ago(5)),
        (new, "33.33", ago(20)),
    ):
        PaymentFactory(
            account=placement.case.account,
            case=placement.case,
            agency=agency,
            amount=Decimal(amount),
            received_on=day,
        )
    log_append(
        occurred_at=timezone.now() - dt.timedelta(days=3),
        debtor_local_time="2026-11-20T10:00:00-05:00",
        debtor_time_zone="America/New_York",
        agency=agency,
        case=held.case,
        debtor=held.case.debtor,
        channel="call",
        action="contact",
        policy_code="US-RegF",
        policy_version=1,
        verdict=ComplianceLogEntry.Verdict.BLOCKED,
        reason="Blocked by call_frequency",
    )
    return {"northwind": agency, "summit": summit, "held": held, "new": new}


# --- The league table ---------------------------------------------------------------------------


def test_the_league_table_shows_hand_computed_figures(client, supervisor, league_world):
    client.force_login(supervisor)
    response = client.get(reverse("agencies:league"))
    assert response.status_code == 200
    rows = {agency.name: cells for agency, cells in response.context["rows"]}
    assert [cell for cell, _ in rows["Northwind Recoveries"]] == [
        "Northwind Recoveries",
        "200",  # capacity
        "2",  # current placements
        "2",  # held in the period
        "1",  # made in the period
        "$1,500.00",  # placed balance
        "3",  # payments
        "$233.33",  # collected: 150.00 + 50.00 + 33.33
        "$0.00",  # of which recovered after a write-off
        "15.56%",  # 233.33 / 1500.00
        "$36.67",  # 200.00 x 0.15 = 30.00, plus 33.33 x 0.20 = 6.666 -> 6.67
        "10.0",  # the new placement's first payment came 10 days after placing
        "1",  # compliance blocks
        "0",  # field visits
        "0",  # field visits that met the debtor
        "0",  # complaints
        "0",  # complaints upheld
    ]
    assert [cell for cell, _ in rows["Summit"]] == [
        "Summit",
        "50",
        "0",
        "0",
        "0",
        "$0.00",
        "0",
        "$0.00",
        "$0.00",
        "—",
        "$0.00",
        "—",
        "0",
        "0",
        "0",
        "0",
        "0",
    ]
    assert "15.56%" in response.content.decode()


def test_the_csv_gives_the_same_numbers_as_the_page(client, supervisor, league_world):
    client.force_login(supervisor)
    query = {"date_from": ago(40).isoformat(), "date_to": TODAY.isoformat(), "currency": "USD"}
    page = client.get(reverse("agencies:league"), query)
    download = client.get(reverse("agencies:league_csv"), query)
    assert download["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.content.decode())))
    assert table[0][0] == "Agency"
    assert table[1:] == [[cell for cell, _ in cells] for _, cells in page.context["rows"]]
    assert table[1][7] == "$83.33"  # only the last 40 days' payments


@pytest.mark.parametrize(
    ("language", "collected", "rate"),
    [("en", "CN¥1,375,166.85", "21.58%"), ("zh-hans", "¥1,375,166.85", "21.58%")],
)
def test_league_amounts_carry_their_currency_grouped_and_rates_are_percentages(
    language, collected, rate
):
    figures = AgencyFigures(
        agency=Agency(name="Northwind", capacity=12000),
        currency="CNY",
        balance_held=Decimal("6372413.58"),
        collected=Decimal("1375166.85"),
        payments=1234,
    )

    with translation.override(language):
        cells = _cells(figures)

    titles = [str(column.title) for column in LEAGUE_COLUMNS]
    assert titles[1:9:6] == ["Capacity", "Collected"]
    assert cells[7] == collected
    assert cells[9] == rate
    assert cells[1] == "12,000"  # capacity
    assert cells[6] == "1,234"  # payments


def test_the_league_table_reads_in_chinese(client, supervisor, league_world):
    client.force_login(supervisor)

    page = client.get(reverse("agencies:league"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '<h1 class="h3 mb-3">委外机构</h1>' in page
    assert "已催回金额" in page and "回收率" in page
    assert "US$1,500.00" in page and "15.56%" in page
    assert "Recovery rate" not in page and "Placed balance" not in page


def test_an_agency_page_in_chinese_states_its_terms_and_evaluation(client, supervisor):
    agency = AgencyFactory(
        capacity=2, placement_days=90, commission_rate=Decimal("0.2158"), evaluated_on=DAY
    )
    client.force_login(supervisor)

    page = client.get(
        reverse("agencies:detail", args=[agency.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "<dt>容量</dt><dd>最多同时持有 2 件委外案件</dd>" in page
    assert "<dt>委外期限</dt><dd>90 天</dd>" in page
    assert "21.58%" in page
    assert "最近评估于 2026年11月23日" in page
    assert "Terms" not in page


def test_a_period_ending_before_it_starts_is_refused_and_the_default_shown(
    client, supervisor, league_world
):
    client.force_login(supervisor)
    response = client.get(
        reverse("agencies:league"), {"date_from": TODAY.isoformat(), "date_to": ago(3).isoformat()}
    )
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
    assert response.context["start"] == ago(89)


def test_an_agency_page_compares_it_with_the_others(client, supervisor, league_world):
    client.force_login(supervisor)
    response = client.get(reverse("agencies:detail", args=[league_world["summit"].pk]))
    assert response.status_code == 200
    comparison = {title: (own, others) for title, own, others in response.context["comparison"]}
    assert comparison["Collected"] == ("$0.00", "$233.33")
    assert comparison["Recovery rate"] == ("—", "15.56%")


@pytest.mark.parametrize(
    ("count", "capacity", "period"),
    [(1, "1 open placement", "1 day"), (2, "2 open placements", "2 days")],
)
def test_an_agency_page_states_its_terms_in_words_that_fit_the_numbers(
    client, supervisor, count, capacity, period
):
    agency = AgencyFactory(capacity=count, placement_days=count)
    client.force_login(supervisor)

    page = client.get(reverse("agencies:detail", args=[agency.pk])).content.decode()

    assert f"<dt>Capacity</dt><dd>{capacity}</dd>" in page
    assert f"<dt>Placement period</dt><dd>{period}</dd>" in page


def test_an_agency_manager_sees_only_their_own_agency(client, manager, league_world):
    client.force_login(manager)
    response = client.get(reverse("agencies:league"))
    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:detail", args=[league_world["northwind"].pk])
    own = client.get(response["Location"])
    assert own.status_code == 200
    assert not own.context["others_shown"]
    assert "Other agencies" not in own.content.decode()
    summit = reverse("agencies:detail", args=[league_world["summit"].pk])
    assert client.get(summit).status_code == 404
    assert client.get(reverse("agencies:league_csv")).content.decode().count("\n") == 2


def test_the_tabs_show_only_the_pages_the_user_may_open(
    client, supervisor, compliance_officer, league_world
):
    client.force_login(supervisor)
    tabs = client.get(reverse("agencies:placements")).context["tabs"]
    assert tabs == [
        ("League table", reverse("agencies:league"), False),
        ("Current placements", reverse("agencies:placements"), True),
        ("Awaiting placement", reverse("agencies:awaiting"), False),
    ]
    client.force_login(compliance_officer)
    detail = reverse("agencies:detail", args=[league_world["summit"].pk])
    assert client.get(detail).context["tabs"] == [
        ("League table", reverse("agencies:league"), False)
    ]


@pytest.mark.parametrize("role", [Role.AGENCY_COLLECTOR, Role.COLLECTOR])
def test_collectors_have_no_agency_pages(client, agency, team, role):
    user = UserFactory(
        role=role, **({"agency": agency} if role == Role.AGENCY_COLLECTOR else {"team": team})
    )
    client.force_login(user)
    assert client.get(reverse("agencies:league")).status_code == 404
    assert client.get(reverse("agencies:detail", args=[agency.pk])).status_code == 404


# --- Statements -------------------------------------------------------------------------------


@pytest.fixture
def statement(league_world):
    [northwind] = statements_generate_month(month=ago(5), now=timezone.now())
    return northwind


def test_a_statement_page_states_the_rule_and_the_totals(client, manager, statement):
    client.force_login(manager)
    response = client.get(reverse("agencies:statement", args=[statement.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "rounded to the cent (half up)" in page
    totals = response.context["totals"]
    assert sum(t.commission for t in totals) == sum(
        line.commission for line in statement.lines.all()
    )


def test_the_statement_csv_lists_every_line_then_the_totals(client, manager, statement):
    client.force_login(manager)
    response = client.get(reverse("agencies:statement_csv", args=[statement.pk]))
    assert response.status_code == 200
    assert "commission-northwind-recoveries-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    lines = list(statement.lines.order_by("placed_on", "placement_id"))
    assert rows[0][:2] == ["account_reference", "placed_on"]
    assert [row[0] for row in rows[1 : 1 + len(lines)]] == [
        line.account_reference for line in lines
    ]
    total = next(row for row in rows if row and row[0] == "TOTAL")
    assert Decimal(total[7]) == sum(line.commission for line in lines)
    assert rows[-1][0] == "Rounding"


def test_the_statement_pdf_downloads(client, supervisor, statement):
    client.force_login(supervisor)
    response = client.get(reverse("agencies:statement_pdf", args=[statement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(("count", "said"), [(1, "Total(1line)"), (2, "Total(2lines)")])
def test_the_statement_pdf_counts_its_lines_in_words_that_fit(client, supervisor, count, said):
    statement = CommissionStatementFactory()
    for placement in PlacementFactory.create_batch(count, agency=statement.agency):
        CommissionStatementLine.objects.create(
            statement=statement,
            placement=placement,
            account_reference=placement.case.account.account_reference,
            currency="USD",
            placed_on=placement.placed_on,
            collected=Decimal("100.00"),
            commission_rate=Decimal("0.1000"),
            commission=Decimal("10.00"),
        )
    client.force_login(supervisor)

    response = client.get(reverse("agencies:statement_pdf", args=[statement.pk]))

    assert said in pdf_text(response.content)


def test_a_manager_cannot_open_another_agency_statement(client, manager, league_world):
    other = CommissionStatement.objects.create(
        agency=league_world["summit"],
        period_start=ago(40).replace(day=1),
        period_end=ago(40).replace(day=28),
        generated_at=timezone.now(),
    )
    client.force_login(manager)
    for name in ("statement", "statement_csv", "statement_pdf"):
        assert client.get(reverse(f"agencies:{name}", args=[other.pk])).status_code == 404


# --- Placing, recalling and extending by hand -----------------------------------------------------


def test_supervisors_see_their_teams_current_placements_only(
    client, supervisor, league_world, other_team
):
    elsewhere = PlacementFactory(case__team=other_team)
    client.force_login(supervisor)
    response = client.get(reverse("agencies:placements"))
    shown = {placement.pk for placement in response.context["page"]}
    assert shown == {league_world["held"].pk, league_world["new"].pk}
    assert elsewhere.pk not in shown


@pytest.fixture
def awaiting(make_awaiting):
    return make_awaiting(day=TODAY)


def test_a_supervisor_places_a_case_by_hand_with_a_reason(client, supervisor, awaiting, agency):
    client.force_login(supervisor)
    url = reverse("agencies:place", args=[awaiting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"agency": agency.pk, "reason": "Specialist in this product"})
    assert response.status_code == 302
    placement = Placement.objects.get(case=awaiting)
    assert (placement.placed_by, placement.reason, placement.allocation) == (
        supervisor,
        "Specialist in this product",
        "manual",
    )
    awaiting.refresh_from_db()
    assert awaiting.status == Case.Status.PLACED
    row = ComplianceLogEntry.objects.get(case=awaiting)
    assert (row.action, row.actor, row.agency) == ("agency_placement", supervisor, agency)


def test_a_case_that_may_not_be_placed_is_refused_with_the_reasons(
    client, supervisor, make_awaiting, agency
):
    bankrupt = make_awaiting(day=TODAY, is_bankrupt=True)
    agency.capacity = 0
    agency.save()
    client.force_login(supervisor)
    response = client.post(
        reverse("agencies:place", args=[bankrupt.pk]), {"agency": agency.pk, "reason": "try"}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "the debtor is bankrupt" in errors
    assert "is at capacity (0 of 0 placements)" in errors
    assert not Placement.objects.exists()
    assert not ComplianceLogEntry.objects.exists()


def test_a_full_agency_of_one_place_is_refused_in_words_that_fit(
    client, supervisor, awaiting, agency
):
    agency.capacity = 1
    agency.save()
    PlacementFactory(agency=agency)
    client.force_login(supervisor)

    response = client.post(
        reverse("agencies:place", args=[awaiting.pk]), {"agency": agency.pk, "reason": "try"}
    )

    errors = " ".join(response.context["form"].non_field_errors())
    assert f"{agency.name} is at capacity (1 of 1 placement)" in errors


def test_the_awaiting_list_says_which_cases_are_never_placed(client, supervisor, make_awaiting):
    placeable = make_awaiting(day=TODAY)
    deceased = make_awaiting(day=TODAY, is_deceased=True)
    client.force_login(supervisor)
    response = client.get(reverse("agencies:awaiting"))
    page = response.content.decode()
    assert reverse("agencies:place", args=[placeable.pk]) in page
    assert reverse("agencies:place", args=[deceased.pk]) not in page
    assert "Never placed: the debtor is deceased" in page


def test_a_supervisor_recalls_a_placement_with_a_reason(client, supervisor, league_world):
    held = league_world["held"]
    client.force_login(supervisor)
    url = reverse("agencies:recall", args=[held.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"destination": "in_house", "reason": "Debtor complained"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.recalled_on, held.recall_destination, held.recalled_by) == (
        TODAY,
        "in_house",
        supervisor,
    )
    again = client.get(url, follow=True)
    assert "already recalled" in again.content.decode()


def test_a_supervisor_extends_a_placement(client, supervisor, league_world):
    new = league_world["new"]
    client.force_login(supervisor)
    url = reverse("agencies:extend", args=[new.pk])
    too_early = client.post(url, {"recall_due_on": new.recall_due_on.isoformat(), "reason": "x"})
    assert "must be after" in " ".join(too_early.context["form"].non_field_errors())
    later = new.recall_due_on + dt.timedelta(days=30)
    response = client.post(url, {"recall_due_on": later.isoformat(), "reason": "Paying weekly"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.recall_due_on == later
    assert PlacementExtension.objects.get().reason == "Paying weekly"


def test_placement_pages_are_closed_to_agency_managers(client, manager, league_world):
    client.force_login(manager)
    held = league_world["held"]
    assert client.get(reverse("agencies:placements")).status_code == 404
    assert client.post(reverse("agencies:recall", args=[held.pk]), {}).status_code == 404


# --- Admin actions call the same services --------------------------------------------------------


def test_the_admin_recalls_selected_placements_after_asking_the_reason(admin_client, league_world):
    held = league_world["held"]
    url = reverse("admin:agencies_placement_changelist")
    ask = admin_client.post(url, {"action": "recall", "_selected_action": [held.pk]})
    assert ask.status_code == 200
    assert b"reason" in ask.content
    held.refresh_from_db()
    assert held.is_current
    done = admin_client.post(
        url,
        {
            "action": "recall",
            "_selected_action": [held.pk],
            "apply": "Recall",
            "destination": "",
            "reason": "Contract review",
        },
        follow=True,
    )
    assert "Recalled 1 placement." in [str(m) for m in done.context["messages"]]
    held.refresh_from_db()
    assert (held.recall_reason, held.recall_destination) == ("Contract review", "next_stage")
    assert ComplianceLogEntry.objects.filter(action="agency_recall", case=held.case).exists()


@pytest.mark.parametrize(("days", "said"), [(14, "by 14 days"), (1, "by 1 day")])
def test_the_admin_extends_selected_placements_by_some_days(admin_client, league_world, days, said):
    new = league_world["new"]
    due = new.recall_due_on
    response = admin_client.post(
        reverse("admin:agencies_placement_changelist"),
        {
            "action": "extend",
            "_selected_action": [new.pk],
            "apply": "Extend",
            "days": str(days),
            "reason": "Agreed with the agency",
        },
        follow=True,
    )
    new.refresh_from_db()
    assert new.recall_due_on == due + dt.timedelta(days=days)
    assert f"Extended 1 placement {said}." in [str(m) for m in response.context["messages"]]


def test_placing_in_the_admin_runs_the_placement_service(admin_client, awaiting, agency):
    response = admin_client.post(
        reverse("admin:agencies_placement_add"),
        {
            "case": awaiting.pk,
            "agency": agency.pk,
            "reason": "Placed from the admin",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    placement = Placement.objects.get(case=awaiting)
    assert placement.commission_rate == agency.commission_rate
    assert placement.recall_due_on == TODAY + dt.timedelta(days=agency.placement_days)
    awaiting.refresh_from_db()
    assert awaiting.status == Case.Status.PLACED


def test_the_admin_refuses_a_placement_the_rules_forbid(admin_client, make_awaiting, agency):
    disputed = make_awaiting(day=TODAY, dispute_pending=True)
    response = admin_client.post(
        reverse("admin:agencies_placement_add"),
        {
            "case": disputed.pk,
            "agency": agency.pk,
            "reason": "try",
            "extensions-TOTAL_FORMS": "0",
            "extensions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "the debtor disputes the debt" in response.content.decode()
    assert not Placement.objects.exists()


def test_the_admin_writes_last_month_statement_for_selected_agencies(admin_client, league_world):
    response = admin_client.post(
        reverse("admin:agencies_agency_changelist"),
        {"action": "write_last_month_statement", "_selected_action": [league_world["summit"].pk]},
        follow=True,
    )
    assert any("Wrote 1 statement for " in str(m) for m in response.context["messages"])
    assert CommissionStatement.objects.get().agency == league_world["summit"]


def test_agency_staff_case_pages_still_work(client, agency_collector, league_world):
    client.force_login(agency_collector)
    case = league_world["new"].case
    assert client.get(reverse("workspace:detail", args=[case.pk])).status_code == 200
    other = CaseFactory()
    assert client.get(reverse("workspace:detail", args=[other.pk])).status_code == 404


def test_the_statement_csv_writes_a_formula_as_text_and_amounts_as_numbers(
    client, manager, statement
):
    line = statement.lines.order_by("placed_on", "placement_id").first()
    CommissionStatementLine.objects.filter(pk=line.pk).update(account_reference="=1+1")
    client.force_login(manager)
    response = client.get(reverse("agencies:statement_csv", args=[statement.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'=1+1"
    assert Decimal(rows[1][5]) == line.collected


def test_the_league_csv_writes_an_agency_name_that_is_a_formula_as_text(
    client, supervisor, league_world
):
    summit = league_world["summit"]
    summit.name = "@SUM(1+1)"
    summit.save()
    client.force_login(supervisor)
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("agencies:league_csv")).content.decode()))
    )
    assert "'@SUM(1+1)" in [row[0] for row in rows]


def test_payments_after_a_write_off_are_shown_apart_in_the_league_table(
    client, supervisor, league_world
):
    """The held placement's case is written off; its account pays again later: the agency
    collected it, and the table shows it as recovered after the write-off too."""
    case = league_world["held"].case
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.WRITTEN_OFF,
        closed_at=timezone.now() - dt.timedelta(days=4),
        written_off_on=ago(4),
        written_off_amount=Decimal("800.00"),
    )
    PaymentFactory(
        account=case.account,
        agency=league_world["northwind"],
        amount=Decimal("40.00"),
        received_on=ago(2),
    )
    client.force_login(supervisor)

    response = client.get(reverse("agencies:league"))

    rows = {agency.name: cells for agency, cells in response.context["rows"]}
    titles = [str(column.title) for column in LEAGUE_COLUMNS]
    northwind = dict(zip(titles, [cell for cell, _ in rows["Northwind Recoveries"]], strict=True))
    assert northwind["Collected"] == "$273.33"  # 233.33 and the 40.00 recovered
    assert northwind["Recovered after write-off"] == "$40.00"  # the 50.00 before it is not
