"""The Django admin: every model's pages, masked identity data, search, actions and access."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import ADMIN_APPS, Role
from agencies.models import (
    Agency,
    CommissionStatement,
    CommissionStatementLine,
    CommissionTier,
    Placement,
    PlacementExtension,
    PlacementRule,
)
from agreements.models import (
    ApprovalLimit,
    PlanInstalment,
    RepaymentPlan,
    SettlementOffer,
    WriteOffBatch,
    WriteOffProposal,
)
from cases.identity import national_id_hash
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
    StageMessageTranslation,
    Strategy,
)
from compliance.log import compliance_log_seal, log_append
from compliance.models import (
    ComplianceChainHead,
    ComplianceLogEntry,
    CompliancePolicy,
    CompliancePolicyVersion,
    PortfolioPolicy,
)
from compliance.policies import policy_version_create
from compliance.presets import PRESETS
from disputes.models import Complaint, Dispute, Document, Step
from feeds.models import ImportRejectedRow, ImportRun
from litigation.models import (
    EnforcementStep,
    Hearing,
    LawFirm,
    Lawsuit,
    LawsuitCost,
    LawsuitEvent,
    ReferralCriteria,
)
from pipeline.models import OutboundMessage, PipelineRun, PrintFile
from tests.factories import (
    ActivityFactory,
    AgencyFactory,
    CardAccountFactory,
    CaseFactory,
    CommissionStatementFactory,
    CommissionTierFactory,
    ContactPointFactory,
    DebtorFactory,
    PaymentFactory,
    PlacementExtensionFactory,
    PlacementFactory,
    PlacementRuleFactory,
    PromiseToPayFactory,
    ReportedPaymentFactory,
    TeamFactory,
    UserFactory,
)
from tests.reporting.admin_makers import DASHBOARD_MAKERS
from visits.models import Visit, VisitEvidence

# `admin_client` is pytest-django's client, logged in (force_login) as conftest's `admin_user`.
pytestmark = pytest.mark.django_db

# Every app of the product that has models (the admin configures them all).
OUR_APPS = ADMIN_APPS
OUR_MODELS = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]
serial = itertools.count(1)


# One fully linked instance per model, so each changelist column has a related row to show
# (a missing select_related would show up as extra queries).


def make_user() -> User:
    return UserFactory(role=Role.COLLECTOR, team=TeamFactory())


def make_team() -> Team:
    team = TeamFactory()
    team.supervisors.add(UserFactory(role=Role.SUPERVISOR, team=team))
    return team


def make_strategy() -> Strategy:
    return Strategy.objects.create(name=f"Strategy {next(serial)}", product="Gold")


def make_stage() -> Stage:
    return Stage.objects.create(
        strategy=make_strategy(),
        position=1,
        name="SMS reminder",
        min_days_past_due=1,
        action=Stage.Action.SMS,
    )


def make_stage_translation() -> StageMessageTranslation:
    return StageMessageTranslation.objects.create(
        stage=make_stage(), language="es", message_template="Hola {{ debtor.full_name }}."
    )


def first_default_stage() -> Stage:
    return Stage.objects.get(strategy__is_default=True, position=1)


def make_case() -> Case:
    team = TeamFactory()
    return CaseFactory(
        stage=first_default_stage(),
        stage_entered_at=timezone.now(),
        team=team,
        assigned_to=UserFactory(role=Role.COLLECTOR, team=team),
    )


def make_activity() -> Activity:
    case = make_case()
    return ActivityFactory(
        case=case,
        contact_point=ContactPointFactory(debtor=case.debtor),
        actor=case.assigned_to,
        agency=AgencyFactory(),
    )


def make_promise() -> PromiseToPay:
    return PromiseToPayFactory(case=make_case(), created_by=UserFactory())


def make_promise_instalment() -> PromiseInstalment:
    return PromiseInstalment.objects.create(
        promise=make_promise(), due_date=dt.date(2026, 12, 1), amount=Decimal("50.00")
    )


def make_payment() -> Payment:
    case = make_case()
    return PaymentFactory(account=case.account, case=case, agency=AgencyFactory())


def make_reported_payment() -> ReportedPayment:
    payment = make_payment()
    return ReportedPaymentFactory(
        case=payment.case,
        reported_by=make_user(),
        agency=payment.agency,
        status=ReportedPayment.Status.CONFIRMED,
        confirmed_by=payment,
        confirmed_at=timezone.now(),
    )


def make_placement() -> Placement:
    return PlacementFactory(placed_by=UserFactory(role=Role.SUPERVISOR))


def make_placement_rule() -> PlacementRule:
    return PlacementRuleFactory(strategy=make_strategy())


def make_statement_line() -> CommissionStatementLine:
    placement = make_placement()
    return CommissionStatementLine.objects.create(
        statement=CommissionStatementFactory(agency=placement.agency),
        placement=placement,
        account_reference=placement.case.account.account_reference,
        currency="USD",
        placed_on=placement.placed_on,
        payments=1,
        collected=Decimal("100.00"),
        commission_rate=Decimal("0.1500"),
        commission=Decimal("15.00"),
    )


def make_import_run() -> ImportRun:
    return ImportRun.objects.create(
        kind=ImportRun.Kind.ACCOUNTS,
        file_name="accounts_2026-11-20.csv",
        business_date=dt.date(2026, 11, 20),
        status=ImportRun.Status.SUCCEEDED,
        rows_read=3,
    )


def make_import_rejected_row() -> ImportRejectedRow:
    return ImportRejectedRow.objects.create(
        run=make_import_run(), line_number=2, raw_row="ACC1,****,Classic", reason="bad date"
    )


def make_pipeline_run() -> PipelineRun:
    return PipelineRun.objects.create(
        business_date=dt.date(2026, 11, 20),
        status=PipelineRun.Status.SUCCEEDED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        counts={"sms": 3},
        triggered_by=UserFactory(),
    )


def make_stage_entry() -> StageEntry:
    case = make_case()
    return StageEntry.objects.create(
        case=case,
        stage=case.stage,
        entered_on=dt.date(2026, 11, 20),
        entered_at=timezone.now(),
        days_past_due=1,
    )


def make_outbound_message() -> OutboundMessage:
    entry = make_stage_entry()
    return OutboundMessage.objects.create(
        case=entry.case,
        stage_entry=entry,
        channel=Activity.Channel.SMS,
        contact_point=ContactPointFactory(debtor=entry.case.debtor),
    )


def make_print_file() -> PrintFile:
    # A file name only: the admin lists and links it without reading it.
    return PrintFile.objects.create(
        created_at=dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC),
        file="print/2026/11/letters-20261123-060000-1.pdf",
        letters=1,
    )


def make_policy() -> CompliancePolicy:
    policy = CompliancePolicy.objects.create(
        code=f"POLICY-{next(serial)}", preset="US-RegF", name="Card policy"
    )
    policy_version_create(
        policy=policy,
        parameters=PRESETS["US-RegF"].parameters,
        note="First version.",
        created_by=UserFactory(),
    )
    return policy


def make_policy_version() -> CompliancePolicyVersion:
    return make_policy().versions.get()


def make_portfolio_policy() -> PortfolioPolicy:
    return PortfolioPolicy.objects.create(
        portfolio=f"Portfolio {next(serial)}", policy=make_policy()
    )


def make_compliance_log_entry() -> ComplianceLogEntry:
    activity = make_activity()
    return log_append(
        occurred_at=activity.occurred_at,
        debtor_local_time="2026-11-20T10:00:00-05:00",
        debtor_time_zone="America/New_York",
        actor=activity.actor,
        agency=activity.agency,
        team=activity.case.team,
        case=activity.case,
        debtor=activity.debtor,
        contact_point=activity.contact_point,
        channel=activity.channel,
        action="call",
        policy_code="US-RegF",
        policy_version=1,
        verdict=ComplianceLogEntry.Verdict.ALLOWED,
        reason="Every rule passed.",
    )


def make_compliance_chain_head() -> ComplianceChainHead:
    make_compliance_log_entry()
    compliance_log_seal()
    return ComplianceChainHead.objects.get()


def make_plan() -> RepaymentPlan:
    case = make_case()
    plan = RepaymentPlan.objects.create(
        case=case,
        total_amount=Decimal("300.00"),
        currency="USD",
        frequency=RepaymentPlan.Frequency.MONTHLY,
        instalment_count=1,
        first_due_date=dt.date(2026, 12, 31),
        agreed_on=dt.date(2026, 12, 1),
        agreed_by=case.assigned_to,
        agreed_via=RepaymentPlan.Channel.CALL,
    )
    plan.instalments.create(number=1, due_date=plan.first_due_date, amount=plan.total_amount)
    return plan


def make_offer() -> SettlementOffer:
    case = make_case()
    return SettlementOffer.objects.create(
        case=case,
        balance=Decimal("1200.00"),
        amount=Decimal("1000.00"),
        waived_amount=Decimal("200.00"),
        currency="USD",
        expires_on=dt.date(2026, 12, 31),
        reason="Hardship",
        status=SettlementOffer.Status.OFFERED,
        offered_on=dt.date(2026, 12, 1),
        created_by=case.assigned_to,
        decided_by=case.assigned_to,
        decided_at=timezone.now(),
    )


def make_writeoff_proposal() -> WriteOffProposal:
    case = make_case()
    batch = WriteOffBatch.objects.create(
        proposed_on=dt.date(2026, 12, 1) + dt.timedelta(days=next(serial))
    )
    return WriteOffProposal.objects.create(
        batch=batch, case=case, balance=Decimal("1200.00"), currency="USD", days_past_due=181
    )


def make_approval_limit() -> ApprovalLimit:
    """One row per role and currency: each call takes a currency code of its own."""
    n = next(serial)
    return ApprovalLimit.objects.create(
        role=Role.COLLECTOR,
        currency="".join(chr(ord("A") + n // 26**place % 26) for place in (2, 1, 0)),
        max_discount_percent=Decimal("10.00"),
        max_discount_amount=Decimal("200.00"),
    )


def make_visit() -> Visit:
    case = make_case()
    address = ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St")
    visit = Visit.objects.create(
        case=case,
        address=address,
        planned_at=timezone.now(),
        planned_by=case.assigned_to,
        plan_decision=make_compliance_log_entry(),
    )
    visit.visitors.add(case.assigned_to)
    return visit


def make_visit_evidence() -> VisitEvidence:
    visit = make_visit()
    return VisitEvidence.objects.create(
        visit=visit,
        file="visits/2026/11/door.jpg",
        original_name="door.jpg",
        size=5,
        sha256="0" * 64,
        uploaded_by=visit.planned_by,
        uploaded_at=timezone.now(),
    )


def make_dispute() -> Dispute:
    case = make_case()
    return Dispute.objects.create(
        case=case,
        kind=Dispute.Kind.AMOUNT_WRONG,
        channel="letter",
        received_at=timezone.now(),
        received_by=case.assigned_to,
        description="The fee is wrong.",
    )


def make_complaint() -> Complaint:
    case = make_case()
    return Complaint.objects.create(
        case=case,
        subject=Complaint.Subject.COLLECTOR,
        concerns_user=case.assigned_to,
        channel="call",
        received_at=timezone.now(),
        received_by=case.assigned_to,
        description="Rude.",
    )


def make_step() -> Step:
    dispute = make_dispute()
    return Step.objects.create(
        dispute=dispute,
        kind=Step.Kind.RECEIVED,
        actor=dispute.received_by,
        occurred_at=timezone.now(),
        activity=ActivityFactory(case=dispute.case, channel="note", outcome="note"),
    )


def make_document() -> Document:
    dispute = make_dispute()
    return Document.objects.create(
        dispute=dispute,
        file="disputes/2026/11/letter.pdf",
        original_name="letter.pdf",
        size=5,
        sha256="0" * 64,
        uploaded_by=dispute.received_by,
        uploaded_at=timezone.now(),
    )


def make_law_firm() -> LawFirm:
    return LawFirm.objects.create(name=f"Law firm {next(serial)}")


def make_referral_criteria() -> ReferralCriteria:
    stage = make_stage()
    stage.action = Stage.Action.LITIGATION
    stage.save(update_fields=["action"])
    return ReferralCriteria.objects.create(stage=stage, min_balance=Decimal("500.00"))


def make_lawsuit() -> Lawsuit:
    case = make_case()
    return Lawsuit.objects.create(
        case=case, currency="USD", referred_on=timezone.localdate(), referred_at=timezone.now()
    )


def make_lawsuit_event() -> LawsuitEvent:
    return LawsuitEvent.objects.create(
        lawsuit=make_lawsuit(), kind=LawsuitEvent.Kind.REFERRED, occurred_at=timezone.now()
    )


def make_hearing() -> Hearing:
    return Hearing.objects.create(lawsuit=make_lawsuit(), scheduled_at=timezone.now())


def make_enforcement_step() -> EnforcementStep:
    return EnforcementStep.objects.create(
        lawsuit=make_lawsuit(),
        taken_on=timezone.localdate(),
        description="Garnishment",
        recorded_by=make_user(),
    )


def make_lawsuit_cost() -> LawsuitCost:
    return LawsuitCost.objects.create(
        lawsuit=make_lawsuit(),
        kind=LawsuitCost.Kind.COURT_FEE,
        amount=Decimal("100.00"),
        incurred_on=timezone.localdate(),
        status=LawsuitCost.Status.APPROVED,
        recorded_by=make_user(),
        recorded_at=timezone.now(),
    )


MAKERS: dict[type[Model], Callable[[], Model]] = {
    User: make_user,
    Team: make_team,
    Debtor: DebtorFactory,
    ContactPoint: ContactPointFactory,
    CardAccount: CardAccountFactory,
    Strategy: make_strategy,
    Stage: make_stage,
    StageMessageTranslation: make_stage_translation,
    Case: make_case,
    Activity: make_activity,
    PromiseToPay: make_promise,
    PromiseInstalment: make_promise_instalment,
    Payment: make_payment,
    ReportedPayment: make_reported_payment,
    PipelineRun: make_pipeline_run,
    ImportRun: make_import_run,
    ImportRejectedRow: make_import_rejected_row,
    StageEntry: make_stage_entry,
    OutboundMessage: make_outbound_message,
    PrintFile: make_print_file,
    CompliancePolicy: make_policy,
    CompliancePolicyVersion: make_policy_version,
    PortfolioPolicy: make_portfolio_policy,
    ComplianceLogEntry: make_compliance_log_entry,
    ComplianceChainHead: make_compliance_chain_head,
    Agency: AgencyFactory,
    Placement: make_placement,
    CommissionTier: CommissionTierFactory,
    PlacementRule: make_placement_rule,
    PlacementExtension: lambda: PlacementExtensionFactory(placement=make_placement()),
    CommissionStatement: CommissionStatementFactory,
    CommissionStatementLine: make_statement_line,
    RepaymentPlan: make_plan,
    PlanInstalment: lambda: make_plan().instalments.get(),
    SettlementOffer: make_offer,
    ApprovalLimit: make_approval_limit,
    WriteOffBatch: lambda: make_writeoff_proposal().batch,
    WriteOffProposal: make_writeoff_proposal,
    Visit: make_visit,
    VisitEvidence: make_visit_evidence,
    Dispute: make_dispute,
    Complaint: make_complaint,
    Step: make_step,
    Document: make_document,
    LawFirm: make_law_firm,
    ReferralCriteria: make_referral_criteria,
    Lawsuit: make_lawsuit,
    LawsuitEvent: make_lawsuit_event,
    Hearing: make_hearing,
    EnforcementStep: make_enforcement_step,
    LawsuitCost: make_lawsuit_cost,
}
# The application alone writes these (the compliance engine, the feed importer, the case
# page's reported payments); policy
# versions are added but never changed.
ENGINE_WRITTEN = (
    ReportedPayment,
    ComplianceLogEntry,
    ComplianceChainHead,
    ImportRun,
    ImportRejectedRow,
    PlacementExtension,
    CommissionStatement,
    CommissionStatementLine,
    RepaymentPlan,
    PlanInstalment,
    SettlementOffer,
    WriteOffBatch,
    WriteOffProposal,
    PrintFile,
    Visit,
    VisitEvidence,
    Dispute,
    Complaint,
    Step,
    Document,
    Lawsuit,
    LawsuitEvent,
    Hearing,
    EnforcementStep,
    LawsuitCost,
)
# The dashboards' tables: their jobs and services write them, the admin only reads them.
MAKERS.update(DASHBOARD_MAKERS)
ENGINE_WRITTEN += tuple(DASHBOARD_MAKERS)
WRITTEN_ONCE = (ComplianceLogEntry, ComplianceChainHead, CompliancePolicyVersion)


def admin_url(model: type[Model], view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_every_model_of_our_apps_is_registered():
    for app_label in OUR_APPS:
        for model in apps.get_app_config(app_label).get_models():
            assert admin.site.is_registered(model), model._meta.label


def test_every_registered_model_has_a_maker_for_these_tests():
    assert set(OUR_MODELS) == set(MAKERS)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_the_changelist_lists_the_models_rows(admin_client, model):
    instance = MAKERS[model]()
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert admin_url(model, "change", instance.pk) in response.content.decode()


@pytest.mark.parametrize(
    "model",
    [model for model in OUR_MODELS if model not in ENGINE_WRITTEN],
    ids=lambda model: model._meta.label,
)
def test_the_add_page_renders(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_the_change_page_renders(admin_client, model):
    instance = MAKERS[model]()
    assert admin_client.get(admin_url(model, "change", instance.pk)).status_code == 200


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_the_changelist_runs_as_many_queries_for_three_rows_as_for_one(admin_client, model):
    def changelist_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        return len(queries)

    MAKERS[model]()
    changelist_queries()  # warms the caches a first request fills
    for_one = changelist_queries()
    MAKERS[model]()
    MAKERS[model]()
    assert changelist_queries() == for_one


# Compliance rows: the log is the engine's alone, and a policy changes by a new version.


@pytest.mark.parametrize("model", ENGINE_WRITTEN, ids=lambda model: model._meta.label)
def test_the_admin_cannot_add_engine_written_rows(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", WRITTEN_ONCE, ids=lambda model: model._meta.label)
def test_the_admin_shows_written_once_rows_but_cannot_change_or_delete_them(admin_client, model):
    instance = MAKERS[model]()
    change_url = admin_url(model, "change", instance.pk)
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(change_url, {}).status_code == 403
    assert (
        admin_client.post(admin_url(model, "delete", instance.pk), {"post": "yes"}).status_code
        == 403
    )
    assert model.objects.filter(pk=instance.pk).exists()


def test_a_policy_version_added_in_the_admin_is_the_policys_next_version(admin_client, admin_user):
    policy = make_policy()
    response = admin_client.post(
        admin_url(CompliancePolicyVersion, "add"),
        {
            "policy": policy.pk,
            "parameters": json.dumps(PRESETS["US-RegF"].parameters),
            "note": "Reviewed by legal.",
        },
    )
    assert response.status_code == 302
    latest = policy.versions.order_by("-version").first()
    assert (latest.version, latest.note, latest.created_by) == (2, "Reviewed by legal.", admin_user)
    assert response["Location"] == admin_url(CompliancePolicyVersion, "changelist")


def test_a_policy_version_with_invalid_parameters_is_refused(admin_client):
    policy = make_policy()
    response = admin_client.post(
        admin_url(CompliancePolicyVersion, "add"),
        {"policy": policy.pk, "parameters": json.dumps({"contact_windows": []}), "note": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parameters"]
    assert policy.versions.count() == 1


# Debtors: the national ID number is typed once, stored as hash and last four, shown masked.

RAW_NATIONAL_ID = "123-45-6789"


def debtor_form(**fields) -> dict[str, str]:
    return {
        "full_name": "Dana Smith",
        "time_zone": "America/Chicago",
        "language": "en",
        "contact_points-TOTAL_FORMS": "0",
        "contact_points-INITIAL_FORMS": "0",
        **fields,
    }


def test_adding_a_debtor_stores_the_hash_and_last_four_never_the_number(admin_client):
    response = admin_client.post(admin_url(Debtor, "add"), debtor_form(national_id=RAW_NATIONAL_ID))
    assert response.status_code == 302
    debtor = Debtor.objects.get(full_name="Dana Smith")
    assert debtor.national_id_hash == national_id_hash("123456789")
    assert debtor.national_id_last4 == "6789"
    stored = str(Debtor.objects.filter(pk=debtor.pk).values().get())
    logged = str(list(LogEntry.objects.values()))
    for written in (stored, logged):
        assert "123456789" not in written
        assert RAW_NATIONAL_ID not in written


def test_the_debtor_change_page_shows_the_masked_number_and_never_the_hash(admin_client):
    debtor = DebtorFactory()
    page = admin_client.get(admin_url(Debtor, "change", debtor.pk)).content.decode()
    assert debtor.masked_national_id in page
    assert debtor.national_id_hash not in page


def test_the_debtor_changelist_shows_the_masked_number_and_never_the_hash(admin_client):
    debtor = DebtorFactory()
    page = admin_client.get(admin_url(Debtor, "changelist")).content.decode()
    assert debtor.masked_national_id in page
    assert debtor.national_id_hash not in page


def test_a_debtor_cannot_be_added_without_a_national_id(admin_client):
    response = admin_client.post(admin_url(Debtor, "add"), debtor_form())
    assert response.status_code == 200
    assert "national_id" in response.context["adminform"].form.errors
    assert not Debtor.objects.exists()


def test_a_national_id_another_debtor_has_is_refused(admin_client):
    DebtorFactory(national_id_hash=national_id_hash("123456789"), national_id_last4="6789")
    response = admin_client.post(admin_url(Debtor, "add"), debtor_form(national_id=RAW_NATIONAL_ID))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["national_id"] == [
        "Another debtor has this national ID number."
    ]


def test_a_refused_national_id_is_not_echoed_back_into_the_page(admin_client):
    response = admin_client.post(admin_url(Debtor, "add"), debtor_form(national_id="12"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["national_id"]
    assert 'value="12"' not in response.content.decode()


def test_saving_a_debtor_with_the_national_id_blank_keeps_the_number(admin_client):
    debtor = DebtorFactory()
    response = admin_client.post(
        admin_url(Debtor, "change", debtor.pk), debtor_form(full_name="Dana Jones")
    )
    assert response.status_code == 302
    saved = Debtor.objects.get(pk=debtor.pk)
    assert saved.full_name == "Dana Jones"
    assert saved.national_id_hash == debtor.national_id_hash
    assert saved.national_id_last4 == debtor.national_id_last4


def test_typing_a_national_id_on_the_change_page_replaces_the_number(admin_client):
    debtor = DebtorFactory()
    response = admin_client.post(
        admin_url(Debtor, "change", debtor.pk), debtor_form(national_id="987 65 4321")
    )
    assert response.status_code == 302
    saved = Debtor.objects.get(pk=debtor.pk)
    assert saved.national_id_hash == national_id_hash("987654321")
    assert saved.national_id_last4 == "4321"


def test_debtors_are_searched_by_last_four_but_not_by_hash(admin_client):
    debtor = DebtorFactory()
    DebtorFactory()
    url = admin_url(Debtor, "changelist")
    by_last_four = admin_client.get(url, {"q": debtor.national_id_last4})
    assert list(by_last_four.context["cl"].result_list) == [debtor]
    by_hash = admin_client.get(url, {"q": debtor.national_id_hash})
    assert list(by_hash.context["cl"].result_list) == []


def test_a_card_is_shown_by_its_last_four_digits_only(admin_client):
    CardAccountFactory(card_last4="1234")
    page = admin_client.get(admin_url(CardAccount, "changelist")).content.decode()
    assert "•••• 1234" in page


def test_cases_are_found_by_account_reference(admin_client):
    wanted = CaseFactory()
    CaseFactory()
    response = admin_client.get(
        admin_url(Case, "changelist"), {"q": wanted.account.account_reference}
    )
    assert list(response.context["cl"].result_list) == [wanted]


# Actions


@pytest.mark.parametrize(
    ("make", "action", "field", "value", "message"),
    [
        (AgencyFactory, "suspend", "is_active", False, "Suspended 1 agency."),
        (
            lambda: AgencyFactory(is_active=False),
            "reactivate",
            "is_active",
            True,
            "Reactivated 1 agency.",
        ),
        (
            ContactPointFactory,
            "mark_invalid",
            "invalid",
            True,
            "Marked 1 contact point as invalid.",
        ),
        (
            ContactPointFactory,
            "mark_do_not_contact",
            "do_not_contact",
            True,
            "Marked 1 contact point as do not contact.",
        ),
    ],
)
def test_an_action_updates_the_selected_rows_and_says_so(
    admin_client, make, action, field, value, message
):
    chosen, other = make(), make()
    response = admin_client.post(
        admin_url(type(chosen), "changelist"),
        {"action": action, "_selected_action": [chosen.pk]},
        follow=True,
    )
    assert message in [str(m) for m in response.context["messages"]]
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert getattr(chosen, field) == value
    assert getattr(other, field) != value
    assert chosen.updated_at > other.updated_at


# Who may enter


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(admin_url(Case, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_collector_is_sent_to_the_admin_login(client, collector):
    client.force_login(collector)
    for url in (reverse("admin:index"), admin_url(Case, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_rq_dashboard_is_closed_to_a_collector(client, collector):
    client.force_login(collector)
    response = client.get("/admin/django-rq/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_rq_dashboard_renders_for_an_admin(admin_client):
    response = admin_client.get("/admin/django-rq/")
    assert response.status_code == 200
    assert b"default" in response.content


def test_a_card_number_typed_into_a_debtors_note_is_refused_and_not_stored(admin_client):
    debtor = DebtorFactory()
    card = "\u00a0".join(["4111", "1111", "1111", "1111"])

    response = admin_client.post(
        admin_url(Debtor, "change", debtor.pk),
        debtor_form(is_vulnerable="on", vulnerability_note=f"Card {card}"),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["vulnerability_note"]
    assert "a full card number" in errors[0]
    assert Debtor.objects.get(pk=debtor.pk).vulnerability_note == ""


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (CardAccount, "balance"),
        (Payment, "amount"),
        (PromiseToPay, "amount"),
        (PromiseInstalment, "amount"),
        (CommissionTier, "starts_at"),
    ],
)
def test_the_admin_reads_amounts_only_in_the_documented_form(rf, admin_user, model, field):
    request = rf.get("/")
    request.user = admin_user
    form_class = admin.site._registry[model].get_form(request)
    for written in ("1e3", "NaN", "١٢٣", "12,50"):
        form = form_class(data={field: written})
        form.is_valid()
        assert form.errors[field] == ["Write the amount with digits and a point, like 1234.50."]
    form = form_class(data={field: "1234.50"})
    form.is_valid()
    assert field not in form.errors
