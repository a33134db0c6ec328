"""`manage.py seed_demo`: a deterministic, consistent demo world, and a safe command."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from accounts.models import Team, User
from accounts.roles import Role
from agencies.models import Agency, Placement
from agreements.models import RepaymentPlan, SettlementOffer, WriteOffBatch, WriteOffProposal
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Debtor,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    ReportedPayment,
    Stage,
    StageEntry,
    Strategy,
)
from cases.services import reported_payments_confirm
from compliance.engine import compliance_decide
from compliance.log import compliance_log_verify
from compliance.models import ComplianceLogEntry
from demo.casework import DEMO_CHARGE_OFF_DAYS
from demo.reference import DEMO_PASSWORD
from demo.visits import DONE_VISITS
from disputes.models import Complaint, Dispute
from disputes.selectors import overdue_q
from pipeline.models import OutboundMessage
from pipeline.services import pipeline_preview_day
from visits.models import Visit

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 23)
WORLD = ("--debtors", "60", "--date", DAY.isoformat(), "--seed", "7")
BUSINESS_MODELS = (
    Debtor,
    ContactPoint,
    CardAccount,
    Case,
    StageEntry,
    OutboundMessage,
    Placement,
    PromiseToPay,
    PromiseInstalment,
    Activity,
    Payment,
)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """The world's key facts, ids included, in a canonical order."""
    return {
        "debtors": list(
            Debtor.objects.order_by("id").values_list(
                "id",
                "full_name",
                "national_id_hash",
                "national_id_last4",
                "time_zone",
                "language",
                "is_vulnerable",
                "is_deceased",
                "has_attorney",
                "cease_communication",
            )
        ),
        "contact_points": list(
            ContactPoint.objects.order_by("id").values_list(
                "id",
                "debtor_id",
                "kind",
                "value",
                "owner",
                "sms_consent",
                "opted_out",
                "invalid",
            )
        ),
        "accounts": list(
            CardAccount.objects.order_by("id").values_list(
                "id",
                "account_reference",
                "card_last4",
                "product",
                "currency",
                "balance",
                "minimum_due",
                "oldest_unpaid_due_date",
            )
        ),
        "cases": list(
            Case.objects.order_by("id").values_list(
                "id",
                "account__account_reference",
                "status",
                "stage__name",
                "assigned_to__username",
                "team__name",
                "priority_score",
                "opened_at",
                "closed_at",
                "balance_at_open",
                "next_action_at",
            )
        ),
        # The visits are made through their services after the bulk load: their rows take the
        # database's next ids, which a reset on SQLite does not rewind. Compared without ids.
        "visits": list(
            Visit.objects.order_by("case_id", "planned_at").values_list(
                "case_id",
                "planned_at",
                "status",
                "outcome",
                "activity__occurred_at",
                "activity__outcome",
            )
        ),
        # The casework's notes are made through services too: compared without ids (the notes
        # name the plans' and disputes' ids, so without their text).
        "activities": sorted(
            Activity.objects.exclude(channel="visit").values_list(
                "case_id",
                "channel",
                "outcome",
                "actor__username",
                "agency__name",
                "occurred_at",
                "duration_seconds",
            ),
            key=str,
        ),
        "casework": [
            sorted(model.objects.values_list("case_id", "status"))
            for model in (RepaymentPlan, SettlementOffer, Dispute, Complaint, WriteOffProposal)
        ],
        "promises": list(
            PromiseToPay.objects.order_by("id").values_list(
                "id",
                "case_id",
                "amount",
                "promised_on",
                "due_date",
                "status",
                "resolved_on",
            )
        ),
        "payments": list(
            Payment.objects.order_by("id").values_list(
                "id",
                "external_reference",
                "amount",
                "received_on",
                "source",
                "agency__name",
            )
        ),
        "placements": list(
            Placement.objects.order_by("id").values_list(
                "id",
                "case_id",
                "agency__name",
                "placed_on",
                "recalled_on",
            )
        ),
        "counts": {m._meta.label: m.objects.count() for m in BUSINESS_MODELS},
        "staff": sorted(
            User.objects.values_list("username", "first_name", "team__name", "agency__name")
        ),
        "agencies": list(
            Agency.objects.order_by("name").values_list(
                "name",
                "licence_number",
                "licence_expires_on",
                "commission_rate",
                "capacity",
            )
        ),
    }


@pytest.fixture
def world() -> str:
    return seed(*WORLD)


def test_the_same_seed_size_and_date_give_the_same_world(world):
    first = snapshot()
    seed(*WORLD, "--reset")
    assert snapshot() == first
    seed(*WORLD, "--reset", "--seed", "8")
    assert snapshot()["debtors"] != first["debtors"]
    assert snapshot()["cases"] != first["cases"]


def test_the_world_does_not_depend_on_the_chunk_size(world):
    first = snapshot()
    seed(*WORLD, "--reset", "--chunk-size", "7")
    assert snapshot() == first


def test_the_world_covers_the_whole_ladder(world):
    stages = list(Strategy.objects.get(is_default=True).stages.order_by("min_days_past_due"))
    open_cases = Case.objects.exclude(status__in=Case.CLOSED_STATUSES).select_related("account")
    assert {case.stage_id for case in open_cases} == {stage.id for stage in stages}
    for case in open_cases:  # the stage is the highest one the days past due reached
        days = case.account.days_past_due(DAY)
        expected = [s for s in stages if s.min_days_past_due <= days][-1]
        assert case.stage_id == expected.id
        assert case.priority_score > 0
        assert case.team_id is not None
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"open", "placed", "litigation", "cured"} <= statuses
    assert CardAccount.objects.filter(oldest_unpaid_due_date__isnull=True).exists()
    assert Activity.objects.filter(channel="call").exists()
    assert Activity.objects.filter(channel="sms").exists()


def test_statuses_agree_with_placements_promises_and_stages(world):
    for case in Case.objects.filter(status=Case.Status.PLACED):
        assert case.stage.action == Stage.Action.AGENCY
        assert case.placements.filter(recalled_on__isnull=True).count() == 1
        assert case.assigned_to_id is None  # agency staff work it through the placement
    assert not Placement.objects.filter(
        recalled_on__isnull=True, case__status__in=["open", "cured", "litigation"]
    ).exists()
    for case in Case.objects.filter(status=Case.Status.LITIGATION):
        assert case.stage.action == Stage.Action.LITIGATION
    for case in Case.objects.filter(status=Case.Status.PROMISED):
        assert case.promises.filter(status="pending", due_date__gte=DAY).exists()
    for case in Case.objects.filter(status=Case.Status.CURED).select_related("account"):
        assert case.closed_at is not None and case.account.oldest_unpaid_due_date is None
        assert case.payments.exists()
    # Everything an agency did on a case happened while the case was placed with it.
    for activity in Activity.objects.filter(agency__isnull=False, channel="call"):
        assert activity.actor.agency_id == activity.agency_id
        assert Placement.objects.filter(case=activity.case_id, agency=activity.agency_id).exists()
    for payment in Payment.objects.filter(agency__isnull=False):
        assert payment.source == Payment.Source.AGENCY


def test_some_reported_payments_are_confirmed_some_await_the_bank_some_are_flagged(world):
    statuses = Counter(ReportedPayment.objects.values_list("status", flat=True))
    assert set(statuses) == {"confirmed", "reported", "flagged"}
    confirmed = ReportedPayment.objects.filter(status="confirmed").select_related("confirmed_by")
    for report in confirmed:
        payment = report.confirmed_by
        assert payment.account_id == report.account_id
        assert report.reference_key == ReportedPayment.key_of(payment.external_reference)
    assert reported_payments_confirm(now=dt.datetime(2026, 11, 23, 3, tzinfo=dt.UTC)) == 0


def test_the_daily_pipeline_finds_nothing_left_to_do_on_the_business_date(world):
    now = dt.datetime(2026, 11, 23, 3, tzinfo=dt.UTC)
    counts = pipeline_preview_day(business_date=DAY, now=now).counts
    assert not {key: n for key, n in counts.items() if n}


def test_every_role_has_a_working_demo_login(world):
    request = RequestFactory().get("/")
    roles = set()
    table = world.split("Demo logins")[1].splitlines()[2:]
    for line in table:
        match = re.match(r"\s+(\S+)\s{2,}(.+?)\s{2,}", line)
        if not match:
            continue
        user = authenticate(request=request, username=match[1], password=DEMO_PASSWORD)
        assert user is not None, match[1]
        assert user.role.label == match[2]
        roles.add(user.role)
    assert roles == set(Role)
    for user in User.objects.filter(email__endswith="@collections-demo.example"):
        assert user.check_password(DEMO_PASSWORD), user.username
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert admin.groups.filter(name=Role.ADMIN).exists()
    for team in Team.objects.all():
        assert team.supervisors.filter(team=team).exists()
        assert team.members.filter(groups__name=Role.COLLECTOR).exists()
    for agency in Agency.objects.all():
        assert agency.is_eligible_on(DAY)
        assert agency.staff.filter(groups__name=Role.AGENCY_MANAGER, team=None).exists()
        assert agency.staff.filter(groups__name=Role.AGENCY_COLLECTOR, team=None).exists()
    assert Agency.objects.filter(licence_expires_on__lt=DAY + dt.timedelta(days=60)).exists()


def test_every_row_passes_model_validation_and_the_database_checks(world):
    connection.check_constraints()  # foreign keys, which both databases defer to commit
    for model in BUSINESS_MODELS:
        for row in model.objects.all():
            row.full_clean()


def test_national_ids_are_stored_only_as_a_hash_and_last_four(world):
    # Bounded by non-digits: an attorney's number in E.164 holds a longer run of digits.
    raw_looking = re.compile(
        r"(?<!\d)(?:\d{3}-?\d{2}-?\d{4}|\d{17}[\dX])(?!\d)|[A-Z]{2} ?\d{6} ?[A-D]"
    )
    for debtor in Debtor.objects.all():
        assert re.fullmatch(r"[0-9a-f]{64}", debtor.national_id_hash)
        assert re.fullmatch(r"[0-9A-Z]{4}", debtor.national_id_last4)
        texts = [
            getattr(debtor, f.attname)
            for f in Debtor._meta.concrete_fields
            if f.attname != "national_id_hash"
        ]
        assert not any(raw_looking.search(t) for t in texts if isinstance(t, str))


def test_seeding_again_is_refused_without_reset(world):
    before = snapshot()["counts"]
    with pytest.raises(CommandError, match="--reset"):
        seed(*WORLD)
    assert "already has debtors" in seed(*WORLD, "--if-empty")
    assert snapshot()["counts"] == before


def test_reset_also_empties_the_compliance_log_of_the_deleted_cases(world):
    def judge_a_call() -> None:
        case = Case.objects.filter(status=Case.Status.OPEN).order_by("id").first()
        compliance_decide(
            actor=None,
            case=case,
            channel="call",
            contact_point=case.debtor.contact_points.filter(kind="mobile").first(),
            moment=dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC),
        )

    judge_a_call()
    assert ComplianceLogEntry.objects.exists()
    seed(*WORLD, "--reset")
    # Only the new world's rows: its field visits, judged by the gate as it was seeded.
    assert set(ComplianceLogEntry.objects.values_list("channel", flat=True)) == {"visit"}
    judge_a_call()  # the chain starts again at row 1
    assert compliance_log_verify().ok


def test_if_empty_seeds_an_empty_database():
    assert "Demo logins" in seed("--debtors", "5", "--date", DAY.isoformat(), "--if-empty")
    assert Debtor.objects.count() == 5


@pytest.mark.postgres
def test_the_bulk_load_puts_back_every_index_and_constraint():
    def schema() -> set:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT indrelid::regclass::text, indexrelid::regclass::text
                FROM pg_index WHERE indrelid::regclass::text ~ '^(cases|agencies)_'
                UNION ALL
                SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint WHERE conrelid::regclass::text ~ '^(cases|agencies)_'
                """
            )
            return set(cursor.fetchall())

    before = schema()
    seed(*WORLD)
    assert schema() == before


@pytest.mark.django_db
def test_if_empty_on_a_seeded_database_reminds_of_the_demo_logins():
    call_command("seed_demo", "--debtors", "20", "--date", "2026-11-23")
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "not seeding" in out.getvalue()
    logins = "admin, compliance, supervisor1, collector1, agency1_manager, agency1_agent"
    assert logins in out.getvalue()
    assert "demo-password-2026" in out.getvalue()


def test_the_world_has_a_few_visits_done_and_planned_through_the_gate(world):
    visits = list(Visit.objects.select_related("activity"))
    done = [visit for visit in visits if visit.status == Visit.Status.DONE]
    assert len(done) == DONE_VISITS
    assert [visit for visit in visits if visit.status == Visit.Status.PLANNED]
    for visit in done:
        assert visit.activity.channel == "visit"
        assert visit.activity.compliance_log.get().kind == "contact"
    assert all(visit.plan_decision.verdict == "allowed" for visit in visits)


def test_the_world_has_plans_offers_a_write_off_batch_disputes_and_complaints(world):
    plans = dict(RepaymentPlan.objects.values_list("status", "letter__purpose"))
    assert plans == {"active": "plan_confirmation", "broken": "plan_confirmation"}
    offers = dict(SettlementOffer.objects.values_list("status", "letter__purpose"))
    assert offers == {"awaiting": None, "accepted": "settlement_letter"}
    # The letters wait for the first dispatch, by post.
    letters = OutboundMessage.objects.exclude(purpose="stage")
    assert {(m.status, m.channel, m.contact_point.kind) for m in letters} == {
        ("pending", "letter", "postal")
    }
    [batch] = WriteOffBatch.objects.all()
    assert (batch.status, batch.proposed_on) == ("proposed", DAY)
    for proposal in batch.proposals.all():
        assert proposal.days_past_due >= DEMO_CHARGE_OFF_DAYS and proposal.status == "proposed"
    assert set(Dispute.objects.values_list("status", flat=True)) == {"received", "resolved"}
    complaints = Complaint.objects.all()
    assert set(complaints.values_list("status", flat=True)) == {
        "received",
        "investigating",
        "resolved",
    }
    assert complaints.filter(overdue_q(DAY)).count() == 1
    assert complaints.filter(outcome="upheld", concerns_user__isnull=False).exists()
    # Made through the services: each step a row, the broken plan's case back on its ladder.
    assert Complaint.objects.filter(steps__isnull=False).distinct().count() == 3
    broken = RepaymentPlan.objects.get(status="broken").case
    assert broken.paused_at is None and not broken.under_repayment_plan
