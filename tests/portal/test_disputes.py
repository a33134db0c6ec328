"""Disputes and complaints the debtor raises on the portal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.formats import date_format

from cases.models import Activity, Case
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from disputes.models import Complaint, Dispute, Step
from tests.compliance.factories import StrategyFactory
from tests.factories import ActivityFactory, UserFactory
from tests.portal.test_actions import portal_action

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def document_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def us_case(case) -> Case:
    Case.objects.filter(pk=case.pk).update(strategy=StrategyFactory(policy="US-RegF"))
    case.refresh_from_db()
    return case


def test_a_dispute_with_a_document_stops_collection_and_shows_its_deadline(signed_in, us_case):
    response = signed_in.post(
        "/portal/account/disputes/dispute/",
        {
            "dispute-kind": "already_paid",
            "dispute-description": "I paid this in full in March.",
            "dispute-document": SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 paid"),
        },
        follow=True,
    )
    dispute = Dispute.objects.get(case=us_case)
    assert (dispute.channel, dispute.kind, dispute.received_by) == ("portal", "already_paid", None)
    # Regulation F sets no deadline for the answer; verification comes first.
    assert dispute.holds_collection and dispute.due_on is None
    assert "Thank you: we received it and will answer you." in response.content.decode()
    document = dispute.documents.get()
    assert document.original_name == "receipt.pdf" and document.uploaded_by is None
    assert document.file.read() == b"%PDF-1.4 paid"
    step = dispute.steps.get()
    assert (step.kind, step.actor) == (Step.Kind.RECEIVED, None)
    # The receipt's note on the case is the system's: nobody on the staff wrote it.
    assert (step.activity.channel, step.activity.actor) == (Activity.Channel.SYSTEM, None)
    assert "I paid this in full" in portal_action(us_case, "dispute").notes
    # US-RegF: collection stops until verification is sent.
    us_case.debtor.refresh_from_db()
    assert us_case.debtor.dispute_pending
    point = us_case.debtor.contact_points.get(kind="mobile")
    decision = compliance_decide(
        actor=None,
        case=us_case,
        channel="call",
        contact_point=point,
        moment=dispute.received_at,
    )
    assert "dispute_pending" in decision.log_entry.failed_rule_codes


def test_the_debtor_sees_the_deadline_the_policy_gives(signed_in, case):
    Case.objects.filter(pk=case.pk).update(strategy=StrategyFactory(policy="CN-bank"))
    response = signed_in.post(
        "/portal/account/disputes/dispute/",
        {"dispute-kind": "amount_wrong", "dispute-description": "Too much interest."},
        follow=True,
    )
    dispute = Dispute.objects.get(case=case)
    assert dispute.due_on is not None and not dispute.holds_collection
    page = response.content.decode()
    assert f"will answer you by {date_format(dispute.due_on)}" in page
    assert f"our answer by {date_format(dispute.due_on)}" in page


def test_a_file_the_disputes_do_not_take_is_refused_and_nothing_is_kept(signed_in, us_case):
    response = signed_in.post(
        "/portal/account/disputes/dispute/",
        {
            "dispute-kind": "amount_wrong",
            "dispute-description": "Too much interest.",
            "dispute-document": SimpleUploadedFile("page.html", b"<script>"),
        },
    )
    assert response.status_code == 400
    assert "page.html is not a document this page takes." in response.content.decode()
    assert not Dispute.objects.exists()
    us_case.debtor.refresh_from_db()
    assert not us_case.debtor.dispute_pending
    assert not Activity.objects.filter(case=us_case, channel="portal", outcome="dispute")


def test_a_complaint_about_a_letter_names_it(signed_in, case):
    letter = ActivityFactory(case=case, channel="letter", direction="outbound", outcome="sent")
    response = signed_in.post(
        "/portal/account/disputes/complaint/",
        {
            "complaint-subject": "message",
            "complaint-message": letter.pk,
            "complaint-description": "The letter threatened me.",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(case=case)
    assert (complaint.channel, complaint.concerns_message, complaint.received_by) == (
        "portal",
        letter,
        None,
    )
    entry = ComplianceLogEntry.objects.get(activity=portal_action(case, "note"))
    assert entry.kind == ComplianceLogEntry.Kind.RECEIVED
    page = signed_in.get("/portal/account/").content.decode()
    assert "Complaint" in page and "Received" in page


def test_a_complaint_about_someone_names_one_who_contacted_this_debtor(signed_in, case, team):
    caller = UserFactory(first_name="Pat", last_name="Caller", team=team)
    ActivityFactory(case=case, channel="call", direction="outbound", actor=caller)
    stranger = UserFactory(first_name="Sam", last_name="Stranger")
    url = "/portal/account/disputes/complaint/"
    body = {"complaint-subject": "collector", "complaint-description": "Rude on the phone."}
    page = signed_in.get("/portal/account/disputes/").content.decode()
    assert "Pat Caller" in page and "Sam Stranger" not in page
    assert "Choose one" in page
    response = signed_in.post(url, body)
    assert response.status_code == 400
    assert "Choose who contacted you." in response.content.decode()
    assert signed_in.post(url, {**body, "complaint-collector": stranger.pk}).status_code == 400
    assert not Complaint.objects.exists()
    assert signed_in.post(url, {**body, "complaint-collector": caller.pk}).status_code == 302
    assert Complaint.objects.get().concerns_user == caller


def test_another_cases_letter_cannot_be_named(signed_in, case, other_case):
    theirs = ActivityFactory(
        case=other_case, channel="letter", direction="outbound", outcome="sent"
    )
    response = signed_in.post(
        "/portal/account/disputes/complaint/",
        {
            "complaint-subject": "message",
            "complaint-message": theirs.pk,
            "complaint-description": "x",
        },
    )
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_the_disputes_pages_need_a_verified_debtor(client, case):
    assert client.get("/portal/account/disputes/").url == "/portal/"
    response = client.post(
        "/portal/account/disputes/dispute/",
        {"dispute-kind": "debt_wrong", "dispute-description": "Not mine"},
    )
    assert response.url == "/portal/"
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("dispute", {"dispute-kind": "nonsense", "dispute-description": "x"}),
        ("dispute", {"dispute-kind": "debt_wrong", "dispute-description": "a\x00b"}),
        ("dispute", {"dispute-kind": "debt_wrong", "dispute-description": "x" * 6000}),
        ("complaint", {"complaint-subject": "agency", "complaint-agency": "1'; DROP"}),
        ("complaint", {"complaint-subject": "message", "complaint-message": "9" * 30}),
    ],
)
def test_bad_input_gets_a_clear_answer_and_keeps_nothing(signed_in, case, url, body):
    response = signed_in.post(f"/portal/account/disputes/{url}/", body)
    assert response.status_code == 400
    assert not Dispute.objects.exists() and not Complaint.objects.exists()
