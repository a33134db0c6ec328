"""The pages: recording from a case, the steps, the documents, the register and its overdue
flags; everything out of the user's scope is a 404, and bad input loses nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, Debtor
from disputes.models import Complaint, Dispute, Status
from disputes.services import complaint_receive, dispute_receive
from tests.disputes.conftest import NOW, case_of
from tests.factories import PlacementFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standing_clock")]


def dispute_on(case, user, *, days_ago: int = 0, **extra) -> Dispute:
    return dispute_receive(
        case=case,
        user=user,
        kind=extra.pop("kind", "amount_wrong"),
        channel="letter",
        description="The amount is wrong.",
        received_at=NOW - dt.timedelta(days=days_ago),
        now=NOW,
        **extra,
    )


def form_errors(response) -> str:
    return response.content.decode()


def test_a_collector_records_a_dispute_with_its_letter_from_the_case(client, collector, us_case):
    client.force_login(collector)
    case_page = client.get(reverse("workspace:detail", args=[us_case.pk]))
    assert reverse("disputes:case", args=[us_case.pk]) in case_page.content.decode()
    response = client.post(
        reverse("disputes:dispute_record", args=[us_case.pk]),
        {
            "kind": "already_paid",
            "channel": "letter",
            "received_on": NOW.date().isoformat(),
            "description": "I paid in full in October.",
            "files": [SimpleUploadedFile("bank-statement.pdf", b"%PDF-1.4 paid")],
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:dispute", args=[dispute.pk])
    assert dispute.documents.get().original_name == "bank-statement.pdf"
    assert Debtor.objects.get(pk=us_case.debtor_id).dispute_pending
    document = client.get(reverse("disputes:document", args=[dispute.documents.get().pk]))
    assert b"".join(document.streaming_content) == b"%PDF-1.4 paid"


def test_a_day_in_the_future_is_refused_and_nothing_is_recorded(client, collector, us_case):
    client.force_login(collector)
    response = client.post(
        reverse("disputes:dispute_record", args=[us_case.pk]),
        {
            "kind": "identity",
            "channel": "call",
            "received_on": (NOW.date() + dt.timedelta(days=1)).isoformat(),
            "description": "Not me.",
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in form_errors(response)
    assert "Not me." in form_errors(response)
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("day", ["0000-00-00", "9999-12-31", "1e3", "\u0663\u0660"])
def test_a_nasty_day_is_a_form_error(client, collector, us_case, day):
    client.force_login(collector)
    response = client.post(
        reverse("disputes:dispute_record", args=[us_case.pk]),
        {"kind": "identity", "channel": "call", "received_on": day, "description": "Not me."},
    )
    assert response.status_code == 200
    assert not Dispute.objects.exists()


def test_a_complaint_about_a_collector_must_name_one(client, supervisor, collector, cn_case):
    client.force_login(supervisor)
    url = reverse("disputes:complaint_record", args=[cn_case.pk])
    data = {
        "subject": "collector",
        "channel": "call",
        "received_on": NOW.date().isoformat(),
        "description": "Shouted at me.",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Name the collector" in form_errors(response)
    cn_case.assigned_to = collector
    cn_case.save(update_fields=["assigned_to"])
    response = client.post(url, {**data, "concerns_user": collector.pk})
    assert response.status_code == 302
    assert Complaint.objects.get().concerns_user == collector


def test_out_of_scope_everything_answers_404(client, outsider, collector, us_case):
    dispute = dispute_on(
        us_case, collector, files=[SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter")]
    )
    client.force_login(outsider)
    for url in (
        reverse("disputes:case", args=[us_case.pk]),
        reverse("disputes:dispute_record", args=[us_case.pk]),
        reverse("disputes:dispute", args=[dispute.pk]),
        reverse("disputes:document", args=[dispute.documents.get().pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.get(reverse("disputes:register"))
    assert response.status_code == 200
    assert reverse("disputes:dispute", args=[dispute.pk]) not in response.content.decode()


def test_agency_staff_record_on_their_placed_cases_only(client, agency, agency_collector, us_case):
    placed = case_of(us_case.team, "US-RegF")
    placed.status = Case.Status.PLACED
    placed.save(update_fields=["status"])
    PlacementFactory(case=placed, agency=agency, placed_on=NOW.date() - dt.timedelta(days=5))
    client.force_login(agency_collector)
    assert client.get(reverse("disputes:dispute_record", args=[placed.pk])).status_code == 200
    assert client.get(reverse("disputes:dispute_record", args=[us_case.pk])).status_code == 404


def test_a_collector_records_but_does_not_investigate(client, collector, us_case):
    dispute = dispute_on(us_case, collector)
    client.force_login(collector)
    page = client.get(reverse("disputes:dispute", args=[dispute.pk]))
    assert page.status_code == 200
    assert 'id="investigate-form"' not in page.content.decode()
    response = client.post(reverse("disputes:dispute_investigate", args=[dispute.pk]), {})
    assert response.status_code == 404
    dispute.refresh_from_db()
    assert dispute.status == Status.RECEIVED


def test_a_supervisor_moves_a_dispute_through_its_steps(client, supervisor, collector, us_case):
    dispute = dispute_on(us_case, collector)
    client.force_login(supervisor)
    client.post(reverse("disputes:dispute_investigate", args=[dispute.pk]), {"note": "Checking."})
    refused = client.post(
        reverse("disputes:dispute_resolve", args=[dispute.pk]),
        {"outcome": "rejected", "resolution": "The debt is valid."},
    )
    assert "Send verification of the debt before rejecting" in refused.content.decode()
    client.post(
        reverse("disputes:dispute_verification", args=[dispute.pk]),
        {"channel": "letter", "note": "Statement copies."},
    )
    assert not Debtor.objects.get(pk=us_case.debtor_id).dispute_pending
    client.post(
        reverse("disputes:dispute_resolve", args=[dispute.pk]),
        {"outcome": "rejected", "resolution": "The debt is valid."},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == (Status.RESOLVED, "rejected")
    assert list(dispute.steps.values_list("kind", flat=True)) == [
        "received",
        "investigating",
        "verification_sent",
        "resolved",
    ]


def test_documents_of_a_kind_not_taken_are_refused(client, collector, us_case):
    dispute = dispute_on(us_case, collector)
    client.force_login(collector)
    response = client.post(
        reverse("disputes:dispute_documents", args=[dispute.pk]),
        {"files": [SimpleUploadedFile("script.html", b"<script>")]},
    )
    assert response.status_code == 200
    assert "is not a document this page takes" in response.content.decode()
    assert not dispute.documents.exists()


# --- The register and its overdue flags -------------------------------------------------------


def test_the_register_shows_overdue_ones_first_and_flags_them(
    client, supervisor, collector, cn_case
):
    fresh = dispute_on(cn_case, collector, days_ago=1)
    late = complaint_receive(
        case=cn_case,
        user=collector,
        subject="other",
        channel="portal",
        description="Nobody answers my letters.",
        received_at=NOW - dt.timedelta(days=20),
        now=NOW,
    )
    client.force_login(supervisor)
    for name in ("disputes:dashboard", "disputes:register"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        rows = response.context["rows"]
        assert [(row.kind, row.item.pk, row.overdue) for row in rows] == [
            ("complaint", late.pk, True),
            ("dispute", fresh.pk, False),
        ]
        assert response.context["overdue"] == {"dispute": 0, "complaint": 1}
    only_overdue = client.get(reverse("disputes:register"), {"overdue": "on"})
    assert [row.item.pk for row in only_overdue.context["rows"]] == [late.pk]
    disputes = client.get(reverse("disputes:register"), {"kind": "dispute", "status": "received"})
    assert [row.item.pk for row in disputes.context["rows"]] == [fresh.pk]


def test_the_compliance_officer_has_the_register_among_the_compliance_tabs(
    client, compliance_officer, collector, cn_case
):
    dispute_on(cn_case, collector, days_ago=30)
    client.force_login(compliance_officer)
    response = client.get(reverse("disputes:compliance"))
    assert response.status_code == 200
    assert response.context["overdue"]["dispute"] == 1
    assert reverse("compliance:log") in response.content.decode()


def test_the_dashboards_page_is_closed_to_collectors(client, collector):
    client.force_login(collector)
    assert client.get(reverse("disputes:dashboard")).status_code == 404
    assert client.get(reverse("disputes:compliance")).status_code == 404


@pytest.mark.parametrize("value", ["x", "\x00", "9" * 40])
def test_nasty_filters_show_the_whole_register(client, supervisor, value):
    client.force_login(supervisor)
    response = client.get(reverse("disputes:register"), {"kind": value, "status": value})
    assert response.status_code in (200, 400)


def test_a_dispute_the_debtor_raised_on_the_portal_shows_as_theirs(client, supervisor, us_case):
    dispute = dispute_receive(
        case=us_case,
        user=None,
        kind="debt_wrong",
        channel="portal",
        description="Not mine.",
        received_at=NOW,
        now=NOW,
        files=[SimpleUploadedFile("id.pdf", b"%PDF-1.4 id")],
    )
    step = dispute.steps.get()
    assert step.actor is None and step.activity.actor is None
    assert dispute.documents.get().uploaded_by is None
    client.force_login(supervisor)
    page = client.get(reverse("disputes:dispute", args=[dispute.pk])).content.decode()
    assert "raised by the debtor on the portal" in page
    assert "Received" in page and "the debtor" in page
