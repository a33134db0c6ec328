"""The visits' pages: planning from a case, the phone page's check-in and check-out, the
evidence files and the board, each scoped by cases_visible_to (an outsider gets 404)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance.models import ComplianceLogEntry
from tests.factories import AgencyFactory, UserFactory
from tests.visits.conftest import NOW, SHANGHAI, TOMORROW_10
from visits.models import Visit
from visits.services import visit_check_in, visit_check_out, visit_plan

pytestmark = pytest.mark.django_db


def planned(case, planner, visitors, at=TOMORROW_10) -> Visit:
    address = case.debtor.contact_points.get(kind="postal")
    return visit_plan(
        case=case, user=planner, address=address, planned_at=at, visitors=visitors, now=NOW
    ).visit


def done(case, visitors, files=()) -> Visit:
    visit = planned(case, visitors[0], visitors)
    visit_check_in(visit=visit, user=visitors[0], now=TOMORROW_10)
    return visit_check_out(
        visit=visit,
        user=visitors[0],
        now=TOMORROW_10 + dt.timedelta(minutes=20),
        outcome=Visit.Outcome.MET_DEBTOR,
        identification_shown=True,
        files=list(files),
    )


def plan_form(case, *visitors, day="2026-11-24", time="10:00"):
    address = case.debtor.contact_points.get(kind="postal")
    return {
        "address": address.pk,
        "day": day,
        "time": time,
        "visitors": [str(person.pk) for person in visitors],
    }


def test_the_plan_page_states_the_debtors_time_zone(client, cn_case, home, collector, shanghai_now):
    client.force_login(collector)
    response = client.get(reverse("visits:plan", args=[cn_case.pk]))
    assert response.status_code == 200
    assert "Asia/Shanghai" in response.content.decode()


def test_a_collector_plans_a_visit_in_the_debtors_time(
    client, cn_case, home, collector, partner, shanghai_now
):
    client.force_login(collector)
    response = client.post(
        reverse("visits:plan", args=[cn_case.pk]), plan_form(cn_case, collector, partner)
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.pk])
    assert visit.planned_at == TOMORROW_10  # 10:00 on the debtor's clock, not the server's


def test_a_refused_plan_shows_the_gates_reason_and_keeps_what_was_typed(
    client, cn_case, home, collector, partner, shanghai_now
):
    client.force_login(collector)
    response = client.post(
        reverse("visits:plan", args=[cn_case.pk]),
        plan_form(cn_case, collector, partner, time="23:00"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Refused by the compliance gate" in page and "Contact hours" in page
    assert 'value="23:00"' in page
    assert Visit.objects.count() == 0
    assert ComplianceLogEntry.objects.get().verdict == "blocked"


def test_one_visitor_under_cn_bank_gets_a_clear_message(
    client, cn_case, home, collector, shanghai_now
):
    client.force_login(collector)
    response = client.post(reverse("visits:plan", args=[cn_case.pk]), plan_form(cn_case, collector))
    assert "at least 2 visitors" in response.content.decode()
    assert Visit.objects.count() == 0


def test_planning_a_case_out_of_scope_is_a_404(client, cn_case, home, outsider, shanghai_now):
    client.force_login(outsider)
    assert client.get(reverse("visits:plan", args=[cn_case.pk])).status_code == 404
    assert client.post(reverse("visits:plan", args=[cn_case.pk]), {}).status_code == 404


def test_nasty_plan_input_is_a_form_error(client, cn_case, home, collector, shanghai_now):
    client.force_login(collector)
    for day in ("0001-01-01", "9999-12-31", "2026-02-30", "١٢"):
        form = {**plan_form(cn_case, collector), "day": day}
        response = client.post(reverse("visits:plan", args=[cn_case.pk]), form)
        assert response.status_code == 200, day
    assert Visit.objects.count() == 0


def test_the_visitor_checks_in_and_out_on_the_visit_page(client, cn_case, home, collector, partner):
    visit = planned(cn_case, collector, [collector, partner])
    client.force_login(partner)
    with time_machine.travel(TOMORROW_10, tick=False):
        response = client.post(
            reverse("visits:check_in", args=[visit.pk]),
            {"latitude": "31.2304161234", "longitude": "121.4737"},
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN
    assert str(visit.latitude) == "31.230416"

    photo = b"\x89PNG\r\n a photo"
    with time_machine.travel(TOMORROW_10 + dt.timedelta(minutes=20), tick=False):
        response = client.post(
            reverse("visits:check_out", args=[visit.pk]),
            {
                "outcome": "nobody_home",
                "notes": "Nobody answered; a neighbour said they moved.",
                "identification_shown": "on",
                "files": [SimpleUploadedFile("door.png", photo)],
            },
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE
    contact = ComplianceLogEntry.objects.get(kind="contact")
    assert contact.evidence[0]["sha256"] == hashlib.sha256(photo).hexdigest()


def test_a_check_in_outside_the_window_is_refused_on_the_page(
    client, cn_case, home, collector, partner
):
    visit = planned(cn_case, collector, [collector, partner])
    client.force_login(collector)
    with time_machine.travel(dt.datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI), tick=False):
        response = client.post(reverse("visits:check_in", args=[visit.pk]), {})
    assert response.status_code == 200
    assert "Refused by the compliance gate" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_notes_holding_a_card_number_are_refused_and_nothing_is_lost(
    client, cn_case, home, collector, partner
):
    visit = planned(cn_case, collector, [collector, partner])
    visit_check_in(visit=visit, user=collector, now=TOMORROW_10)
    client.force_login(collector)
    notes = "He read me his card 4111 1111 1111 1111"
    with time_machine.travel(TOMORROW_10, tick=False):
        response = client.post(
            reverse("visits:check_out", args=[visit.pk]),
            {"outcome": "met_debtor", "notes": notes, "identification_shown": "on"},
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "a full card number" in page
    assert "He read me his card" in page  # the typed notes are kept in the form
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN


def test_a_missing_identification_is_a_clear_message(client, cn_case, home, collector, partner):
    visit = planned(cn_case, collector, [collector, partner])
    visit_check_in(visit=visit, user=collector, now=TOMORROW_10)
    client.force_login(collector)
    with time_machine.travel(TOMORROW_10, tick=False):
        response = client.post(
            reverse("visits:check_out", args=[visit.pk]), {"outcome": "met_debtor"}
        )
    assert "show their identification" in response.content.decode()


def test_a_file_too_large_is_a_clear_message(client, cn_case, home, collector, partner, settings):
    settings.VISIT_EVIDENCE_MAX_MB = 1
    visit = planned(cn_case, collector, [collector, partner])
    visit_check_in(visit=visit, user=collector, now=TOMORROW_10)
    client.force_login(collector)
    with time_machine.travel(TOMORROW_10, tick=False):
        response = client.post(
            reverse("visits:check_out", args=[visit.pk]),
            {
                "outcome": "met_debtor",
                "identification_shown": "on",
                "notes": "kept",
                "files": [SimpleUploadedFile("big.jpg", b"x" * (1024 * 1024 + 1))],
            },
        )
    page = response.content.decode()
    assert "big.jpg is larger than 1 MB" in page
    assert "kept" in page


def test_the_visit_page_and_its_evidence_are_404_outside_the_cases_scope(
    client, cn_case, home, collector, partner, outsider
):
    visit = done(cn_case, [collector, partner], [SimpleUploadedFile("door.jpg", b"jpeg bytes")])
    evidence = visit.evidence.get()

    client.force_login(partner)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 200
    response = client.get(reverse("visits:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"jpeg bytes"
    assert response["Content-Type"] == "image/jpeg"

    client.force_login(outsider)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
    assert client.get(reverse("visits:evidence", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("visits:check_in", args=[visit.pk])).status_code == 404


def test_evidence_is_never_at_a_public_media_address(client, cn_case, home, collector, partner):
    visit = done(cn_case, [collector, partner], [SimpleUploadedFile("door.jpg", b"jpeg")])
    evidence = visit.evidence.get()
    client.logout()
    assert client.get("/media/" + evidence.file.name).status_code == 404


def test_the_board_shows_a_supervisor_their_teams_visits(
    client, cn_case, home, collector, partner, supervisor, shanghai_now
):
    visit = planned(cn_case, collector, [collector, partner])
    client.force_login(supervisor)
    response = client.get(reverse("visits:board"))
    assert response.status_code == 200
    assert list(response.context["visits"]) == [visit]


def test_the_board_shows_an_agency_manager_only_their_agencys_visits(
    client, cn_case, home, collector, partner, placed_case, agency, agency_manager, shanghai_now
):
    agent = UserFactory(username="agent-2", role="agency_collector", agency=agency)
    theirs = planned(placed_case, agency_manager, [agency_manager, agent])
    planned(cn_case, collector, [collector, partner])
    other_manager = UserFactory(
        username="other-manager", role="agency_manager", agency=AgencyFactory()
    )

    client.force_login(agency_manager)
    assert list(client.get(reverse("visits:board")).context["visits"]) == [theirs]
    client.force_login(other_manager)
    assert list(client.get(reverse("visits:board")).context["visits"]) == []


def test_the_board_filters_by_visitor_and_counts_missed_and_outcomes(
    client, cn_case, home, collector, partner, supervisor
):
    done(cn_case, [collector, partner])
    late = planned(cn_case, supervisor, [collector, supervisor])
    client.force_login(supervisor)
    # Two days later: the second visit's time passed hours ago with nobody checked in.
    with time_machine.travel(TOMORROW_10 + dt.timedelta(days=1), tick=False):
        response = client.get(reverse("visits:board"), {"visitor": str(partner.pk)})
        assert [v.pk for v in response.context["visits"]] == [
            Visit.objects.exclude(pk=late.pk).get().pk
        ]
        response = client.get(reverse("visits:board"))
    states = {visit.pk: visit.board_state for visit in response.context["visits"]}
    assert states[late.pk] == "missed"
    rows = {
        person.username: (counts, outcomes) for person, counts, outcomes in response.context["rows"]
    }
    # planned, missed, checked in, done; then the outcomes in Visit.Outcome's order
    assert rows["collector"][0] == [0, 1, 0, 1]
    assert rows["collector"][1][0] == 1  # met the debtor
    assert rows["supervisor"][0] == [0, 1, 0, 0]


def test_the_board_is_closed_to_collectors(client, collector):
    client.force_login(collector)
    assert client.get(reverse("visits:board")).status_code == 404


def test_the_board_takes_nasty_periods_without_failing(client, supervisor, shanghai_now):
    client.force_login(supervisor)
    for value in ("0000-00-00", "9999-12-31", "0001-01-01", "\u202e", "1e3"):
        response = client.get(
            reverse("visits:board"), {"date_from": value, "date_to": value, "visitor": value}
        )
        assert response.status_code == 200, value


def test_the_compliance_officer_reads_each_files_hash_on_the_contact_row(
    client, cn_case, home, collector, partner, compliance_officer
):
    photo = b"a photo of the door"
    visit = done(cn_case, [collector, partner], [SimpleUploadedFile("door.jpg", photo)])
    contact = ComplianceLogEntry.objects.get(kind="contact", activity=visit.activity)
    client.force_login(compliance_officer)
    page = client.get(reverse("compliance:detail", args=[contact.pk])).content.decode()
    assert hashlib.sha256(photo).hexdigest() in page
