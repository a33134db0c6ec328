"""Write-offs: the night proposes cases past their strategy's charge-off rule, a manager
approves the batch (or takes cases out), and the account's later payments are recoveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from agreements.models import SettlementOffer, WriteOffBatch, WriteOffProposal
from agreements.services import (
    AgreementRefused,
    agreements_run_day,
    writeoff_batch_approve,
    writeoff_proposal_remove,
    writeoffs_propose_day,
)
from cases.models import Activity, Case, PromiseToPay, Stage
from cases.selectors import post_write_off_recoveries
from pipeline.services import pipeline_run_day
from tests.agreements.conftest import moment
from tests.compliance.factories import StrategyFactory
from tests.factories import (
    CardAccountFactory,
    CaseFactory,
    PaymentFactory,
    PromiseToPayFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NIGHT = dt.date(2026, 12, 1)
# 183 days past due on NIGHT: past a 180-day rule.
LONG_OVERDUE = dt.date(2026, 6, 1)


@pytest.fixture
def cards(db):
    """A cards strategy that writes off at 180 days past due; its ladder's one stage is the
    collectors' queue, from day 30."""
    strategy = StrategyFactory(charge_off_days=180)
    Stage.objects.create(
        strategy=strategy,
        position=1,
        name="Phone collection",
        min_days_past_due=30,
        action=Stage.Action.CALL_QUEUE,
    )
    return strategy


@pytest.fixture
def manager(team):
    user = UserFactory(username="manager", role=Role.MANAGER, team=team)
    team.supervisors.add(user)
    return user


@pytest.fixture
def other_manager(other_team):
    user = UserFactory(username="other-manager", role=Role.MANAGER, team=other_team)
    other_team.supervisors.add(user)
    return user


def overdue_case(
    team, strategy, *, since=LONG_OVERDUE, balance="1200.00", currency="USD", **fields
) -> Case:
    account = CardAccountFactory(
        oldest_unpaid_due_date=since, balance=Decimal(balance), currency=currency
    )
    return CaseFactory(account=account, team=team, strategy=strategy, **fields)


def propose(day: dt.date = NIGHT):
    return writeoffs_propose_day(business_date=day, now=moment(day))


def approve(actor, batch, day: dt.date = NIGHT + dt.timedelta(days=1)):
    return writeoff_batch_approve(actor=actor, batch=batch, now=moment(day))


# The night's proposals ---------------------------------------------------------------------


def test_cases_past_the_rule_are_proposed_in_the_nights_batch(team, cards):
    due = overdue_case(team, cards)
    young = overdue_case(team, cards, since=NIGHT - dt.timedelta(days=179))
    no_rule = overdue_case(team, StrategyFactory(charge_off_days=None))

    counts = propose()

    assert counts["writeoffs_proposed"] == 1
    batch = WriteOffBatch.objects.get()
    assert (batch.proposed_on, batch.status) == (NIGHT, WriteOffBatch.Status.PROPOSED)
    proposal = WriteOffProposal.objects.get()
    assert (proposal.case, proposal.balance, proposal.currency) == (due, Decimal("1200.00"), "USD")
    assert proposal.days_past_due == 183
    assert not WriteOffProposal.objects.filter(case__in=[young, no_rule]).exists()


def test_the_nights_agreements_step_proposes_them(team, cards):
    overdue_case(team, cards)

    counts = agreements_run_day(business_date=NIGHT, now=moment(NIGHT))

    assert counts["writeoffs_proposed"] == 1


def test_a_rerun_proposes_nothing_twice_and_adds_only_new_cases_to_the_same_batch(team, cards):
    overdue_case(team, cards)
    propose()

    assert propose()["writeoffs_proposed"] == 0
    later = overdue_case(team, cards)
    assert propose()["writeoffs_proposed"] == 1

    assert WriteOffBatch.objects.count() == 1
    assert WriteOffProposal.objects.filter(case=later, batch__proposed_on=NIGHT).exists()


def test_the_next_night_proposes_in_a_batch_of_its_own(team, cards):
    overdue_case(team, cards)
    propose()
    overdue_case(team, cards, since=LONG_OVERDUE + dt.timedelta(days=1))

    propose(NIGHT + dt.timedelta(days=1))

    assert list(
        WriteOffBatch.objects.order_by("proposed_on").values_list("proposed_on", flat=True)
    ) == [
        NIGHT,
        NIGHT + dt.timedelta(days=1),
    ]


def test_closed_cases_plans_being_kept_and_accepted_settlements_are_not_proposed(
    team, cards, collector
):
    closed = overdue_case(team, cards, status=Case.Status.CLOSED, closed_at=moment(NIGHT))
    on_plan = overdue_case(team, cards, under_repayment_plan=True)
    settling = overdue_case(team, cards)
    SettlementOffer.objects.create(
        case=settling,
        balance=Decimal("1200.00"),
        amount=Decimal("600.00"),
        waived_amount=Decimal("600.00"),
        currency="USD",
        expires_on=NIGHT + dt.timedelta(days=20),
        reason="Hardship",
        status=SettlementOffer.Status.ACCEPTED,
        offered_on=NIGHT,
        created_by=collector,
    )

    assert propose()["writeoffs_proposed"] == 0
    assert not WriteOffProposal.objects.filter(case__in=[closed, on_plan, settling]).exists()


# Approval ----------------------------------------------------------------------------------


def test_a_manager_approves_the_batch_and_the_cases_are_written_off(
    team, cards, manager, collector
):
    first = overdue_case(
        team,
        cards,
        balance="1200.00",
        claimed_by=collector,
        claim_expires_at=moment(NIGHT) + dt.timedelta(hours=1),
    )
    promise = PromiseToPayFactory(case=first)
    second = overdue_case(team, cards, balance="800.00")
    propose()
    batch = WriteOffBatch.objects.get()
    # The balance may move between the proposal and the approval: the approval's is given up.
    second.account.balance = Decimal("750.00")
    second.account.save()
    approved_on = NIGHT + dt.timedelta(days=1)

    counts = approve(manager, batch, approved_on)

    assert counts["written"] == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Case.Status.WRITTEN_OFF
    assert not first.is_open
    assert (first.written_off_on, first.written_off_amount) == (approved_on, Decimal("1200.00"))
    assert second.written_off_amount == Decimal("750.00")
    assert first.closed_at == moment(approved_on)
    assert first.claimed_by is None  # out of the collector's hands and the queue
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.CANCELLED
    proposal = WriteOffProposal.objects.get(case=first)
    assert (proposal.status, proposal.decided_by) == (WriteOffProposal.Status.APPROVED, manager)
    assert proposal.decided_at == moment(approved_on)
    batch.refresh_from_db()
    assert batch.status == WriteOffBatch.Status.DECIDED
    note = Activity.objects.get(case=first, actor=manager)
    assert note.direction == Activity.Direction.INTERNAL
    assert f"batch #{batch.pk}" in note.notes


def test_a_case_closed_since_its_proposal_is_taken_out_not_written_off(team, cards, manager):
    cured = overdue_case(team, cards)
    propose()
    Case.objects.filter(pk=cured.pk).update(status=Case.Status.CURED, closed_at=moment(NIGHT))

    counts = approve(manager, WriteOffBatch.objects.get())

    assert (counts["written"], counts["removed"]) == (0, 1)
    cured.refresh_from_db()
    assert cured.status == Case.Status.CURED
    proposal = WriteOffProposal.objects.get(case=cured)
    assert proposal.status == WriteOffProposal.Status.REMOVED
    assert proposal.removal_reason


def test_a_batch_decided_cannot_be_approved_twice(team, cards, manager):
    overdue_case(team, cards)
    propose()
    batch = WriteOffBatch.objects.get()
    approve(manager, batch)

    with pytest.raises(AgreementRefused):
        approve(manager, batch)


def test_a_supervisor_may_not_approve_a_write_off(team, cards, supervisor):
    overdue_case(team, cards)
    propose()

    with pytest.raises(WriteOffBatch.DoesNotExist):
        approve(supervisor, WriteOffBatch.objects.get())
    assert not Case.objects.filter(status=Case.Status.WRITTEN_OFF).exists()


def test_a_manager_writes_off_only_the_cases_of_their_own_teams(
    team, other_team, cards, manager, other_manager
):
    mine = overdue_case(team, cards)
    theirs = overdue_case(other_team, cards)
    propose()
    batch = WriteOffBatch.objects.get()

    approve(manager, batch)

    assert Case.objects.get(pk=mine.pk).status == Case.Status.WRITTEN_OFF
    assert Case.objects.get(pk=theirs.pk).status == Case.Status.OPEN
    batch.refresh_from_db()
    assert batch.status == WriteOffBatch.Status.PROPOSED  # the other team's case still waits
    approve(other_manager, batch)
    batch.refresh_from_db()
    assert batch.status == WriteOffBatch.Status.DECIDED


def test_a_manager_takes_a_case_out_with_a_reason_and_it_is_not_proposed_again(
    team, cards, manager
):
    kept = overdue_case(team, cards)
    taken_out = overdue_case(team, cards)
    propose()
    proposal = WriteOffProposal.objects.get(case=taken_out)

    with pytest.raises(AgreementRefused):
        writeoff_proposal_remove(actor=manager, proposal=proposal, reason="  ", now=moment(NIGHT))
    writeoff_proposal_remove(
        actor=manager, proposal=proposal, reason="Estate in probate", now=moment(NIGHT)
    )
    approve(manager, WriteOffBatch.objects.get())

    assert Case.objects.get(pk=kept.pk).status == Case.Status.WRITTEN_OFF
    assert Case.objects.get(pk=taken_out.pk).status == Case.Status.OPEN
    proposal.refresh_from_db()
    assert (proposal.status, proposal.removal_reason, proposal.decided_by) == (
        WriteOffProposal.Status.REMOVED,
        "Estate in probate",
        manager,
    )
    assert propose(NIGHT + dt.timedelta(days=2))["writeoffs_proposed"] == 0


# What a write-off changes ------------------------------------------------------------------


def test_a_written_off_case_leaves_the_ladder_and_no_new_case_opens_for_its_account(
    team, cards, manager
):
    case = overdue_case(team, cards)
    propose()
    approve(manager, WriteOffBatch.objects.get())
    still_open = overdue_case(team, cards)
    later = NIGHT + dt.timedelta(days=2)

    counts = pipeline_run_day(business_date=later, now=moment(later)).counts

    case.refresh_from_db()
    assert case.status == Case.Status.WRITTEN_OFF
    assert case.stage is None  # not escalated, unlike the open case beside it
    assert Case.objects.get(pk=still_open.pk).stage is not None
    assert counts["cases_opened"] == 0
    assert Case.objects.filter(account=case.account).count() == 1


def test_payments_after_the_write_off_are_recoveries(team, cards, manager):
    case = overdue_case(team, cards)
    open_case = overdue_case(team, cards, since=NIGHT - dt.timedelta(days=90))
    propose()
    approved_on = NIGHT + dt.timedelta(days=1)
    approve(manager, WriteOffBatch.objects.get(), approved_on)
    before = PaymentFactory(account=case.account, received_on=approved_on, amount=Decimal(10))
    after = PaymentFactory(
        account=case.account, received_on=approved_on + dt.timedelta(days=5), amount=Decimal(25)
    )
    PaymentFactory(account=open_case.account, received_on=approved_on + dt.timedelta(days=5))

    assert list(post_write_off_recoveries()) == [after]
    assert before not in post_write_off_recoveries()


# The pages ---------------------------------------------------------------------------------


def test_the_write_off_pages_show_batches_with_totals_per_currency(client, team, cards, manager):
    overdue_case(team, cards, balance="1200.00")
    overdue_case(team, cards, balance="800.50")
    overdue_case(team, cards, balance="5000.00", currency="CNY")
    propose()
    batch = WriteOffBatch.objects.get()
    client.force_login(manager)

    listing = client.get(reverse("agreements:writeoffs"))
    detail = client.get(reverse("agreements:writeoff_batch", args=[batch.pk]))

    assert listing.status_code == detail.status_code == 200
    text = listing.content.decode()
    assert "2 cases" in text and "2,000.50" in text
    assert "1 case" in text and "5,000.00" in text
    assert detail.content.decode().count('id="proposal-') == 3


def test_a_manager_approves_on_the_page(client, team, cards, manager):
    case = overdue_case(team, cards)
    propose()
    batch = WriteOffBatch.objects.get()
    client.force_login(manager)

    response = client.post(reverse("agreements:writeoff_approve", args=[batch.pk]), follow=True)

    assert response.status_code == 200
    assert "1 case written off." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Case.Status.WRITTEN_OFF


def test_taking_a_case_out_without_a_reason_says_why_on_its_row(client, team, cards, manager):
    case = overdue_case(team, cards)
    propose()
    batch = WriteOffBatch.objects.get()
    proposal = WriteOffProposal.objects.get(case=case)
    client.force_login(manager)

    response = client.post(
        reverse("agreements:writeoff_batch", args=[batch.pk]),
        {"proposal": proposal.pk, "reason": ""},
    )

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert WriteOffProposal.objects.get(pk=proposal.pk).status == WriteOffProposal.Status.PROPOSED


def test_the_pages_are_closed_to_supervisors_and_collectors_and_to_other_teams_managers(
    client, team, cards, supervisor, collector, outsider, other_manager
):
    case = overdue_case(team, cards)
    propose()
    batch = WriteOffBatch.objects.get()
    proposal = WriteOffProposal.objects.get(case=case)
    urls = [
        reverse("agreements:writeoffs"),
        reverse("agreements:writeoff_batch", args=[batch.pk]),
    ]
    anonymous = client.get(urls[0])
    assert anonymous.status_code == 302

    for user in (supervisor, collector, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert (
            client.post(reverse("agreements:writeoff_approve", args=[batch.pk])).status_code == 404
        )

    client.force_login(other_manager)
    assert client.get(urls[0]).status_code == 200
    assert f"#{batch.pk}" not in client.get(urls[0]).content.decode()
    assert client.get(urls[1]).status_code == 404
    assert client.post(reverse("agreements:writeoff_approve", args=[batch.pk])).status_code == 404
    assert client.post(urls[1], {"proposal": proposal.pk, "reason": "x"}).status_code == 404
    assert client.post(urls[1], {"proposal": "abc", "reason": "x"}).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN
