"""Disputes and complaints: the lifecycle, the deadlines of each preset, and the stop on
collection a dispute puts under US-RegF until verification is sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Activity, Debtor
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from disputes.models import Complaint, Dispute, Outcome, Status, Step
from disputes.services import (
    GrievanceRefused,
    complaint_receive,
    dispute_receive,
    grievance_documents_add,
    grievance_investigate,
    grievance_resolve,
    verification_send,
)
from tests.compliance.factories import mobile
from tests.disputes.conftest import NOW, case_of

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(hours=2)


def receive(case, user, *, kind="amount_wrong", received_at=NOW, now=NOW, **extra) -> Dispute:
    return dispute_receive(
        case=case,
        user=user,
        kind=kind,
        channel="letter",
        description="The balance includes a fee I never agreed to.",
        received_at=received_at,
        now=now,
        **extra,
    )


def pending(case) -> bool:
    return Debtor.objects.get(pk=case.debtor_id).dispute_pending


def call(case, user, moment):
    return compliance_decide(
        actor=user, case=case, channel="call", contact_point=mobile(case), moment=moment
    )


# --- Lifecycle ----------------------------------------------------------------------------------


def test_a_dispute_goes_received_investigating_resolved_with_every_step_noted(
    cn_case, collector, supervisor
):
    dispute = receive(cn_case, collector)
    assert dispute.status == Status.RECEIVED
    grievance_investigate(grievance=dispute, user=supervisor, now=LATER, note="Asked the bank.")
    grievance_resolve(
        grievance=dispute,
        user=supervisor,
        outcome=Outcome.UPHELD,
        resolution="The fee was refunded.",
        now=LATER + dt.timedelta(days=1),
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome, dispute.resolved_by) == (
        Status.RESOLVED,
        Outcome.UPHELD,
        supervisor,
    )
    steps = list(dispute.steps.values_list("kind", "actor__username"))
    assert steps == [
        (Step.Kind.RECEIVED, "collector"),
        (Step.Kind.INVESTIGATING, "supervisor"),
        (Step.Kind.RESOLVED, "supervisor"),
    ]
    notes = Activity.objects.filter(case=cn_case, channel="note", direction="internal")
    assert notes.count() == 3
    assert "resolved: Upheld. The fee was refunded." in notes.first().notes


def test_a_step_out_of_order_is_refused(cn_case, collector, supervisor):
    dispute = receive(cn_case, collector)
    grievance_resolve(
        grievance=dispute, user=supervisor, outcome="withdrawn", resolution="Withdrawn.", now=LATER
    )
    with pytest.raises(GrievanceRefused):
        grievance_investigate(grievance=dispute, user=supervisor, now=LATER)
    with pytest.raises(GrievanceRefused):
        grievance_resolve(
            grievance=dispute, user=supervisor, outcome="upheld", resolution="Again.", now=LATER
        )
    assert dispute.steps.count() == 2


def test_a_receipt_in_the_future_or_without_words_is_refused(cn_case, collector):
    with pytest.raises(GrievanceRefused):
        receive(cn_case, collector, received_at=NOW + dt.timedelta(minutes=1))
    with pytest.raises(GrievanceRefused):
        dispute_receive(
            case=cn_case,
            user=collector,
            kind="identity",
            channel="call",
            description="  ",
            received_at=NOW,
            now=NOW,
        )
    assert not Dispute.objects.exists()


def test_a_complaint_about_a_collector_names_them(cn_case, collector, supervisor):
    with pytest.raises(GrievanceRefused):
        complaint_receive(
            case=cn_case,
            user=supervisor,
            subject="collector",
            channel="call",
            description="Rude on the phone.",
            received_at=NOW,
            now=NOW,
        )
    complaint = complaint_receive(
        case=cn_case,
        user=supervisor,
        subject="collector",
        channel="call",
        description="Rude on the phone.",
        received_at=NOW,
        now=NOW,
        concerns_user=collector,
    )
    assert list(collector.complaints.all()) == [complaint]


def test_documents_are_kept_with_their_hash_and_a_step(cn_case, collector):
    dispute = receive(
        cn_case, collector, files=[SimpleUploadedFile("letter.pdf", b"%PDF-1.4 the letter")]
    )
    grievance_documents_add(
        grievance=dispute,
        user=collector,
        files=[SimpleUploadedFile("receipt.png", b"\x89PNG receipt")],
        now=LATER,
    )
    names = list(dispute.documents.values_list("original_name", flat=True))
    assert names == ["letter.pdf", "receipt.png"]
    assert dispute.documents.get(original_name="letter.pdf").file.read() == b"%PDF-1.4 the letter"
    assert dispute.steps.filter(kind=Step.Kind.DOCUMENTS_ADDED).count() == 1


def test_a_document_of_a_kind_not_taken_is_refused_and_nothing_is_recorded(cn_case, collector):
    with pytest.raises(GrievanceRefused, match=r"run\.exe"):
        receive(cn_case, collector, files=[SimpleUploadedFile("run.exe", b"MZ")])
    assert not Dispute.objects.exists()


# --- Deadlines per preset -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "dispute_days", "complaint_days"),
    [("CN-bank", 15, 15), ("UK-FCA", 56, 56), ("US-RegF", None, 15)],
)
def test_each_gets_its_deadline_from_the_policy_at_receipt(
    team, collector, policy, dispute_days, complaint_days
):
    case = case_of(team, policy)
    received = NOW - dt.timedelta(days=3)
    dispute = receive(case, collector, received_at=received)
    complaint = complaint_receive(
        case=case,
        user=collector,
        subject="other",
        channel="email",
        description="Too many letters.",
        received_at=received,
        now=NOW,
    )
    day = received.date()
    expected_dispute = day + dt.timedelta(days=dispute_days) if dispute_days else None
    assert dispute.due_on == expected_dispute
    assert complaint.due_on == day + dt.timedelta(days=complaint_days)


# --- US-RegF: collection stops until verification is sent ----------------------------------


def test_under_regf_a_dispute_stops_collection_until_verification_is_sent(
    us_case, collector, supervisor
):
    assert call(us_case, collector, NOW).allowed
    dispute = receive(us_case, collector)
    assert dispute.holds_collection and pending(us_case)
    blocked = call(us_case, collector, NOW + dt.timedelta(minutes=5))
    assert not blocked.allowed
    assert [result.code for result in blocked.failed_results] == ["dispute_pending"]

    result = verification_send(dispute=dispute, user=supervisor, channel="letter", now=LATER)
    assert result.decision.allowed and result.step is not None
    assert not pending(us_case)
    contact = ComplianceLogEntry.objects.filter(
        kind=ComplianceLogEntry.Kind.CONTACT, case=us_case
    ).get()
    assert contact.action == "send_verification"
    assert call(us_case, collector, LATER + dt.timedelta(days=8)).allowed


def test_the_flag_stays_while_another_dispute_still_stops_collection(
    team, collector, supervisor, us_case
):
    other_case = case_of(team, "US-RegF")
    other_case.debtor = us_case.debtor
    other_case.save(update_fields=["debtor"])
    first = receive(us_case, collector)
    receive(other_case, collector, kind="already_paid")
    verification_send(dispute=first, user=supervisor, channel="letter", now=LATER)
    assert pending(us_case)
    note = first.steps.get(kind=Step.Kind.VERIFICATION_SENT).activity.notes
    assert "Another dispute still stops collection." in note


def test_a_held_dispute_is_not_rejected_before_verification_is_sent(us_case, collector, supervisor):
    dispute = receive(us_case, collector)
    with pytest.raises(GrievanceRefused):
        grievance_resolve(
            grievance=dispute, user=supervisor, outcome="rejected", resolution="Valid.", now=LATER
        )
    grievance_resolve(
        grievance=dispute, user=supervisor, outcome="withdrawn", resolution="Withdrawn.", now=LATER
    )
    assert not pending(us_case)


def test_outside_regf_a_dispute_does_not_stop_collection(cn_case, uk_case, collector):
    for case in (cn_case, uk_case):
        dispute = receive(case, collector)
        assert not dispute.holds_collection
        assert not pending(case)


def test_verification_goes_by_letter_or_email_once(us_case, collector, supervisor):
    dispute = receive(us_case, collector)
    with pytest.raises(GrievanceRefused):
        verification_send(dispute=dispute, user=supervisor, channel="call", now=LATER)
    verification_send(dispute=dispute, user=supervisor, channel="letter", now=LATER)
    with pytest.raises(GrievanceRefused):
        verification_send(dispute=dispute, user=supervisor, channel="letter", now=LATER)
    assert Complaint.objects.count() == 0
