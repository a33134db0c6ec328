"""The queue: which cases are served, in which order, and the claim on the one served."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import CALL_BACK_PRIORITY, Activity, Case, Stage
from pipeline.services import BROKEN_PROMISE_PRIORITY
from tests.factories import DebtorFactory, UserFactory
from tests.workspace.conftest import zone_at_night
from workspace import services as workspace
from workspace.selectors import QueueRank, cases_waiting_for, debtor_time_zones, queue_for
from workspace.services import (
    call_log,
    case_claim_next,
    case_renew_claim,
    claim_lease,
)

pytestmark = pytest.mark.django_db


def test_the_queue_serves_call_backs_then_broken_promises_then_new_entries_then_score(
    collector, team, make_case
):
    now = timezone.now()
    by_score_high = make_case(team=team, priority_score=900)
    by_score_low = make_case(team=team, priority_score=100)
    new_entry = make_case(team=team, priority_score=50, stage_entered_at=now, next_action_at=now)
    broken = make_case(
        team=team,
        priority_score=BROKEN_PROMISE_PRIORITY,
        next_action_at=now - dt.timedelta(hours=1),
    )
    call_back = make_case(
        team=team,
        priority_score=CALL_BACK_PRIORITY,
        stage_entered_at=now - dt.timedelta(days=3),
        next_action_at=now - dt.timedelta(minutes=5),
    )
    retry_due = make_case(team=team, priority_score=500, next_action_at=now - dt.timedelta(hours=1))
    served = queue_for(collector, now=now)
    assert served == [call_back, broken, new_entry, by_score_high, retry_due, by_score_low]
    assert [case.queue_rank for case in served] == [
        QueueRank.CALL_BACK_DUE,
        QueueRank.BROKEN_PROMISE,
        QueueRank.NEW_IN_PHONE_STAGE,
        QueueRank.BY_SCORE,
        QueueRank.BY_SCORE,
        QueueRank.BY_SCORE,
    ]


def test_own_cases_and_the_team_pool_merge_by_score(collector, team, make_case):
    pool_top = make_case(team=team, priority_score=300)
    own = make_case(team=team, assigned_to=collector, priority_score=200)
    pool_low = make_case(team=team, priority_score=100)
    now = timezone.now()
    assert queue_for(collector, now=now) == [pool_top, own, pool_low]
    assert case_claim_next(user=collector, now=now) == pool_top


def test_the_queue_leaves_out_cases_that_cannot_be_called_now(
    collector, outsider, team, make_case, stage_of
):
    now = timezone.now()
    callable_case = make_case(team=team)
    make_case(team=team, debtor__cease_communication=True)
    make_case(team=team, debtor__dispute_pending=True)
    make_case(team=team, debtor__is_bankrupt=True)
    make_case(team=team, debtor__is_vulnerable=True)
    make_case(team=team, time_zone=zone_at_night(now))
    make_case(team=team, next_action_at=now + dt.timedelta(hours=2))
    make_case(team=team, stage=stage_of(Stage.Action.SMS))
    make_case(team=team, stage=stage_of(Stage.Action.LITIGATION))
    make_case(team=team, status=Case.Status.PROMISED)
    make_case(team=team, claimed_by=outsider, claim_expires_at=now + dt.timedelta(minutes=5))
    no_phone = make_case(team=team)
    no_phone.debtor.contact_points.update(invalid=True)
    assert list(queue_for(collector, now=now)) == [callable_case]


def test_next_case_is_none_when_no_debtor_may_be_called_now(collector, team, make_case):
    """Every debtor asleep: the queue is empty, and the claim says so (on PostgreSQL the claim
    statement once failed to build when no debtor's zone was in the call window)."""
    now = timezone.now()
    asleep = make_case(team=team, time_zone=zone_at_night(now))

    assert case_claim_next(user=collector, now=now) is None
    asleep.refresh_from_db()
    assert asleep.claimed_by is None


def test_cases_waiting_for_a_call_back_or_the_window_show_when_they_open(
    client, collector, team, make_case
):
    now = timezone.now()
    later = make_case(team=team, next_action_at=now + dt.timedelta(hours=2))
    asleep = make_case(team=team, time_zone=zone_at_night(now))
    assert set(cases_waiting_for(collector, now=now)) == {later, asleep}
    client.force_login(collector)
    page = client.get(reverse("workspace:queue")).content.decode()
    assert reverse("workspace:detail", args=[later.pk]) in page
    assert reverse("workspace:detail", args=[asleep.pk]) in page
    assert "08:00" in page  # the sleeping debtor becomes callable when their window opens


def test_next_case_claims_the_top_case_with_a_lease(client, collector, team, make_case):
    low = make_case(team=team, priority_score=1)
    top = make_case(team=team, priority_score=5)
    client.force_login(collector)
    response = client.post(reverse("workspace:claim_next"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:detail", args=[top.pk])
    top.refresh_from_db()
    assert top.claimed_by == collector
    assert top.claim_expires_at > timezone.now() + claim_lease() - dt.timedelta(minutes=1)
    low.refresh_from_db()
    assert low.claimed_by is None


def test_two_collectors_are_never_given_the_same_case(collector, team, make_case):
    teammate = UserFactory(role=Role.COLLECTOR, team=team)
    first, second = make_case(team=team, priority_score=2), make_case(team=team, priority_score=1)
    now = timezone.now()
    assert case_claim_next(user=collector, now=now) == first
    assert case_claim_next(user=teammate, now=now) == second
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.claimed_by, second.claimed_by) == (collector, teammate)


@pytest.mark.postgres
def test_a_claim_reuses_its_statement_but_judges_each_moment_afresh(collector, team, make_case):
    now = timezone.now()
    if now.minute >= 50:
        # The statement is keyed by the debtors' local hour (their preferred hours are whole
        # hours): both claims below must fall in one hour, whatever the clock says.
        now += dt.timedelta(minutes=11)
    by_score = make_case(team=team, priority_score=900)
    call_back = make_case(
        team=team,
        priority_score=CALL_BACK_PRIORITY,
        stage_entered_at=now - dt.timedelta(days=3),
        next_action_at=now + dt.timedelta(minutes=5),
    )
    workspace._claim_statements.clear()
    assert case_claim_next(user=collector, now=now) == by_score
    # Ten minutes on, the call-back is due and served first, by the same statement.
    assert case_claim_next(user=collector, now=now + dt.timedelta(minutes=10)) == call_back
    assert len(workspace._claim_statements) == 1


def _prepared_claims_on_this_session() -> list[tuple[str, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'claim\\_%%'"
        )
        return cursor.fetchall()


@pytest.fixture
def no_prepared_claims():
    """A database session with no claim statement prepared yet (earlier tests share it)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    workspace._prepared_claims.clear()


@pytest.mark.postgres
@pytest.mark.usefixtures("no_prepared_claims")
def test_next_case_runs_one_prepared_statement_with_a_generic_plan(collector, team, make_case):
    first, second = make_case(team=team, priority_score=2), make_case(team=team, priority_score=1)
    now = timezone.now()
    assert case_claim_next(user=collector, now=now) == first
    Case.objects.filter(pk=first.pk).update(next_action_at=now + dt.timedelta(hours=1))
    assert case_claim_next(user=collector, now=now) == second
    [(_name, generic_plans, custom_plans)] = _prepared_claims_on_this_session()
    assert (generic_plans, custom_plans) == (2, 0)


@pytest.mark.postgres
@pytest.mark.usefixtures("no_prepared_claims")
def test_a_session_keeps_a_bounded_number_of_prepared_claims(team, make_case, monkeypatch):
    monkeypatch.setattr(workspace, "_PREPARED_CLAIMS_KEPT", 1)
    first, second = make_case(team=team, priority_score=2), make_case(team=team, priority_score=1)
    now = timezone.now()
    one, other = (UserFactory(role=Role.COLLECTOR, team=team) for _ in range(2))
    assert case_claim_next(user=one, now=now) == first
    # The other collector's statement replaces the first on the session.
    assert case_claim_next(user=other, now=now) == second
    assert len(_prepared_claims_on_this_session()) == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("no_prepared_claims")
def test_next_case_without_prepared_statements_serves_the_same(
    collector, team, make_case, settings
):
    settings.WORKSPACE_PREPARED_CLAIMS = False
    first = make_case(team=team, priority_score=2)
    assert case_claim_next(user=collector, now=timezone.now()) == first
    assert _prepared_claims_on_this_session() == []


@pytest.mark.postgres
@pytest.mark.parametrize("escape", [False, True])
def test_a_claim_statement_writes_its_parameters_in_as_literals(escape):
    now = timezone.now()
    sql = "SELECT %s AS a, %s AS b, %s AS c, '100%%' AS d, %s AS e"
    text = workspace._with_literals(
        sql,
        ["it's 5% off", now, 7, workspace._EXPIRES],
        now,
        ("[now]", "[expiry]"),
        escape=escape,
    )
    percent = "%%" if escape else "%"
    assert text == (
        f"SELECT 'it''s 5{percent} off' AS a, [now] AS b, 7 AS c, '100{percent}' AS d, "
        "[expiry] AS e"
    )


def test_a_collector_holds_one_case_at_a_time(collector, team, make_case):
    first, second = make_case(team=team, priority_score=2), make_case(team=team, priority_score=1)
    now = timezone.now()
    case_claim_next(user=collector, now=now)
    Case.objects.filter(pk=first.pk).update(next_action_at=now + dt.timedelta(hours=1))
    assert case_claim_next(user=collector, now=now) == second
    first.refresh_from_db()
    assert first.claimed_by is None


def test_an_expired_claim_is_served_again(collector, outsider, team, make_case):
    now = timezone.now()
    case = make_case(team=team, claimed_by=outsider, claim_expires_at=now - dt.timedelta(seconds=1))
    assert case_claim_next(user=collector, now=now) == case


def test_the_case_page_renews_the_lease(client, collector, team, make_case):
    case = make_case(team=team)
    now = timezone.now()
    case_claim_next(user=collector, now=now - dt.timedelta(minutes=10))
    client.force_login(collector)
    response = client.post(reverse("workspace:renew_claim", args=[case.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Yours" in response.content.decode()
    case.refresh_from_db()
    assert case.claim_expires_at > now + claim_lease() - dt.timedelta(minutes=1)


def test_a_lease_held_by_someone_else_is_not_renewed(collector, outsider, team, make_case):
    now = timezone.now()
    case = make_case(team=team, claimed_by=outsider, claim_expires_at=now + dt.timedelta(minutes=5))
    assert case_renew_claim(case=case, user=collector, now=now) is False


def test_logging_an_outcome_keeps_the_claim_and_an_unanswered_case_comes_back_later(
    collector, team, make_case
):
    case = make_case(team=team, priority_score=BROKEN_PROMISE_PRIORITY)
    now = timezone.now()
    case_claim_next(user=collector, now=now)
    result = call_log(
        case=case,
        user=collector,
        contact_point=case.debtor.contact_points.get(),
        outcome=Activity.Outcome.NO_ANSWER,
        now=now,
    )
    assert result.allowed
    case.refresh_from_db()
    assert case.claimed_by == collector and case.claim_expires_at > now  # until Next case
    assert case.next_action_at > now
    assert case.priority_score < BROKEN_PROMISE_PRIORITY
    assert case not in queue_for(collector, now=now)


def test_the_queue_knows_each_zone_debtors_live_in_once(db):
    for zone in ("Europe/London", "Asia/Shanghai", "Europe/London", "America/New_York"):
        DebtorFactory(time_zone=zone)
    assert [zone.key for zone in debtor_time_zones()] == [
        "America/New_York",
        "Asia/Shanghai",
        "Europe/London",
    ]
