"""What a supervisor does: reassign in bulk, move a collector, pause and resume, approve an
override through the compliance gate."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Activity, Case, ContactPoint, Stage
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from pipeline.services import BROKEN_PROMISE_PRIORITY, pipeline_run_day
from supervision.models import OverrideApproval, SupervisorAction
from supervision.services import (
    MAX_REASSIGN,
    ActionRefused,
    approved_call_log,
    case_pause,
    case_resume,
    cases_reassign,
    collector_move,
    override_approve,
)
from tests.factories import UserFactory
from tests.reporting.conftest import DAY, at, days, make_case
from workspace.selectors import queue_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(team, other_team):
    ours = [
        make_case(team, due=DAY - days(40), balance="100.00", opened=DAY - days(39))
        for _ in range(3)
    ]
    theirs = make_case(other_team, due=DAY - days(40), balance="100.00", opened=DAY - days(39))
    return ours, theirs


# --- Bulk reassignment --------------------------------------------------------------------


def test_a_reassignment_moves_only_the_cases_in_scope_and_writes_an_audit_row(
    supervisor, collector, cases
):
    ours, theirs = cases
    now = timezone.now()
    ours[0].assigned_to = UserFactory(username="previous", role=Role.COLLECTOR, team=ours[0].team)
    ours[0].claimed_by = ours[0].assigned_to
    ours[0].claim_expires_at = now + dt.timedelta(minutes=5)
    ours[0].save()

    result = cases_reassign(
        actor=supervisor,
        case_ids=[ours[0].pk, ours[1].pk, theirs.pk],
        collector=collector,
        reason="Balance the load",
        now=now,
    )

    assert (result.moved, result.skipped) == (2, 1)
    moved = Case.objects.filter(pk__in=[ours[0].pk, ours[1].pk])
    assert set(moved.values_list("assigned_to", "team", "claimed_by")) == {
        (collector.pk, collector.team_id, None)
    }
    theirs.refresh_from_db()
    assert theirs.assigned_to is None  # another team's case is never touched
    action = SupervisorAction.objects.get()
    assert (action.kind, action.actor, action.case_count, action.reason) == (
        "reassign",
        supervisor,
        2,
        "Balance the load",
    )
    assert action.details["cases"] == [
        [ours[0].pk, ours[0].assigned_to_id, ours[0].team_id],
        [ours[1].pk, None, ours[1].team_id],
    ]


def test_cases_go_to_a_teams_pool(supervisor, cases, team, collector):
    ours, _ = cases
    Case.objects.filter(pk=ours[2].pk).update(assigned_to=collector)
    cases_reassign(
        actor=supervisor,
        case_ids=[ours[2].pk],
        team=team,
        reason="Back to pool",
        now=timezone.now(),
    )
    ours[2].refresh_from_db()
    assert (ours[2].assigned_to, ours[2].team) == (None, team)


def test_a_supervisor_cannot_give_cases_to_another_teams_collector(
    supervisor, outsider, other_team, cases
):
    ours, _ = cases
    with pytest.raises(ActionRefused, match="not a collector of a team you supervise"):
        cases_reassign(
            actor=supervisor,
            case_ids=[ours[0].pk],
            collector=outsider,
            reason="x",
            now=timezone.now(),
        )
    with pytest.raises(ActionRefused, match="not a team you supervise"):
        cases_reassign(
            actor=supervisor, case_ids=[ours[0].pk], team=other_team, reason="x", now=timezone.now()
        )
    assert not SupervisorAction.objects.exists()


def test_a_reassignment_needs_a_reason_and_one_target(supervisor, collector, team, cases):
    ours, _ = cases
    with pytest.raises(ActionRefused, match="reason"):
        cases_reassign(
            actor=supervisor,
            case_ids=[ours[0].pk],
            collector=collector,
            reason="  ",
            now=timezone.now(),
        )
    with pytest.raises(ActionRefused, match="either"):
        cases_reassign(
            actor=supervisor,
            case_ids=[ours[0].pk],
            collector=collector,
            team=team,
            reason="x",
            now=timezone.now(),
        )


def test_too_large_a_selection_is_refused_whole(supervisor, collector, cases):
    with pytest.raises(ActionRefused, match="At most 5,000"):
        cases_reassign(
            actor=supervisor,
            case_ids=list(range(1, MAX_REASSIGN + 2)),
            collector=collector,
            reason="x",
            now=timezone.now(),
        )


def test_the_reassignment_page_moves_every_matching_case(client, supervisor, collector, cases):
    ours, _ = cases
    client.force_login(supervisor)
    url = f"{reverse('supervision:reassign')}?assigned_to=null"
    response = client.post(
        url, {"all_matching": "on", "collector": collector.pk, "reason": "New starter"}
    )
    assert response.status_code == 302
    assert set(Case.objects.filter(assigned_to=collector).values_list("pk", flat=True)) == {
        case.pk for case in ours
    }


def success_message(response) -> str:
    [message] = get_messages(response.wsgi_request)
    return str(message)


@pytest.mark.parametrize(("ticked", "said"), [(1, "1 case"), (2, "2 cases")])
def test_the_reassignment_page_says_how_many_cases_went_to_whom_as_the_form_named_them(
    client, supervisor, collector, cases, ticked, said
):
    ours, _ = cases
    collector.first_name, collector.last_name = "Dana", "Reyes"
    collector.save()
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:reassign"),
        {
            "cases": [case.pk for case in ours[:ticked]],
            "collector": collector.pk,
            "reason": "New starter",
        },
    )

    assert success_message(response) == f"{said} given to Dana Reyes (Team A)."


def test_the_reassignment_page_names_the_pool_cases_went_to(client, supervisor, team, cases):
    ours, _ = cases
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:reassign"), {"cases": [ours[0].pk], "team": team.pk, "reason": "Cover"}
    )

    assert success_message(response) == "1 case given to the pool of Team A."


@pytest.mark.parametrize(
    ("count", "said"), [(1, "1 open case matches."), (2, "2 open cases match.")]
)
def test_the_reassignment_page_counts_the_matching_cases_in_words_that_fit(
    client, supervisor, team, count, said
):
    for _ in range(count):
        make_case(team, due=DAY - days(40), balance="100.00", opened=DAY - days(39))
    client.force_login(supervisor)

    page = client.get(reverse("supervision:reassign")).content.decode()

    assert said in page


def test_the_reassignment_page_refuses_ticked_cases_of_another_team(
    client, supervisor, collector, cases
):
    _, theirs = cases
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:reassign"),
        {"cases": [theirs.pk], "collector": collector.pk, "reason": "x"},
    )
    assert response.status_code == 200
    assert "cases" in response.context["form"].errors
    theirs.refresh_from_db()
    assert theirs.assigned_to is None


def test_searching_another_teams_cases_is_a_404(client, supervisor, other_team):
    client.force_login(supervisor)
    response = client.get(reverse("supervision:reassign"), {"team": other_team.pk})
    assert response.status_code == 404


def test_a_compliance_officer_may_not_reassign(client, compliance_officer):
    client.force_login(compliance_officer)
    assert client.get(reverse("supervision:reassign")).status_code == 404


# --- Moving a collector -------------------------------------------------------------------


def test_a_collector_moves_and_their_cases_return_to_the_old_pool(
    supervisor, collector, team, cases
):
    ours, _ = cases
    new_team = team.__class__.objects.create(name="Team C")
    new_team.supervisors.add(supervisor)
    Case.objects.filter(pk=ours[0].pk).update(assigned_to=collector)

    action = collector_move(
        actor=supervisor,
        collector=collector,
        team=new_team,
        reason="Cover",
        return_cases=True,
        now=timezone.now(),
    )

    collector.refresh_from_db()
    ours[0].refresh_from_db()
    assert collector.team == new_team
    assert (ours[0].assigned_to, ours[0].team) == (None, team)
    assert action.details == {
        "collector": collector.pk,
        "from_team": team.pk,
        "to_team": new_team.pk,
        "cases_returned_to_pool": [ours[0].pk],
    }


@pytest.mark.parametrize(
    ("held", "said"),
    [
        (0, "collector moved to Team C."),
        (1, "collector moved to Team C; 1 open case returned to the old team's pool."),
        (2, "collector moved to Team C; 2 open cases returned to the old team's pool."),
    ],
)
def test_the_teams_page_says_how_many_cases_went_back_to_the_pool(
    client, supervisor, collector, team, cases, held, said
):
    ours, _ = cases
    new_team = team.__class__.objects.create(name="Team C")
    new_team.supervisors.add(supervisor)
    Case.objects.filter(pk__in=[case.pk for case in ours[:held]]).update(assigned_to=collector)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:teams"),
        {"collector": collector.pk, "team": new_team.pk, "return_cases": "on", "reason": "Cover"},
    )

    assert success_message(response) == said


def test_a_collector_cannot_be_moved_into_a_team_one_does_not_supervise(
    supervisor, collector, other_team
):
    with pytest.raises(ActionRefused, match="not a team you supervise"):
        collector_move(
            actor=supervisor,
            collector=collector,
            team=other_team,
            reason="x",
            return_cases=False,
            now=timezone.now(),
        )
    collector.refresh_from_db()
    assert collector.team.name == "Team A"


# --- Pause and resume ---------------------------------------------------------------------


@pytest.fixture
def phone_case(team, stage_of, collector):
    case = make_case(
        team,
        due=DAY - days(35),
        balance="100.00",
        opened=DAY - days(34),
        stage=stage_of(Stage.Action.CALL_QUEUE),
        assigned_to=collector,
        stage_entered_at=timezone.now() - dt.timedelta(days=3),
    )
    case.debtor.time_zone = "Etc/GMT"
    case.debtor.save()
    return case


def test_a_paused_case_leaves_the_queue_until_resumed(supervisor, collector, phone_case):
    now = timezone.now().replace(hour=12, minute=0)
    assert phone_case in queue_for(collector, now=now)

    case_pause(actor=supervisor, case=phone_case, reason="Hardship review", now=now)
    phone_case.refresh_from_db()
    assert (phone_case.paused_at, phone_case.pause_reason) == (now, "Hardship review")
    assert phone_case not in queue_for(collector, now=now)
    assert phone_case.activities.get(channel="note").notes == "Case paused: Hardship review"

    case_resume(actor=supervisor, case=phone_case, reason="Review done", now=now)
    assert phone_case in queue_for(collector, now=now)
    assert list(SupervisorAction.objects.order_by("pk").values_list("kind", "reason")) == [
        ("pause", "Hardship review"),
        ("resume", "Review done"),
    ]


def test_a_paused_case_does_not_escalate(supervisor, team, stage_of):
    case = make_case(
        team,
        due=DAY - days(50),
        balance="100.00",
        opened=DAY - days(49),
        stage=stage_of(Stage.Action.CALL_QUEUE),
    )
    case_pause(actor=supervisor, case=case, reason="Hold", now=at(DAY, 9))
    pipeline_run_day(business_date=DAY, now=at(DAY, 23))
    case.refresh_from_db()
    assert case.stage.action == Stage.Action.CALL_QUEUE
    case_resume(actor=supervisor, case=case, reason="Go", now=at(DAY, 23, 30))
    pipeline_run_day(business_date=DAY + days(1), now=at(DAY + days(1), 2))
    case.refresh_from_db()
    assert case.stage.action == Stage.Action.LETTER


def test_pausing_needs_a_reason_and_an_open_case(supervisor, team):
    case = make_case(
        team,
        due=None,
        balance="1.00",
        opened=DAY - days(9),
        status=Case.Status.CURED,
        closed_at=at(DAY, 1),
    )
    with pytest.raises(ActionRefused, match="reason"):
        case_pause(actor=supervisor, case=case, reason="", now=at(DAY, 9))
    with pytest.raises(ActionRefused, match="closed"):
        case_pause(actor=supervisor, case=case, reason="x", now=at(DAY, 9))


def test_the_pause_page_answers_in_place_and_404s_out_of_scope(
    client, supervisor, phone_case, cases
):
    client.force_login(supervisor)
    url = reverse("supervision:case", args=[phone_case.pk])
    response = client.post(url, {"reason": "Complaint"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Resume the case" in response.content.decode()
    assert "<html" not in response.content.decode()
    _, theirs = cases
    assert client.get(reverse("supervision:case", args=[theirs.pk])).status_code == 404


# --- Override approval through the compliance gate ----------------------------------------


@pytest.fixture
def vulnerable_block(collector, phone_case):
    phone_case.debtor.is_vulnerable = True
    phone_case.debtor.save()
    point = phone_case.phone
    decision = compliance_decide(
        actor=collector,
        case=phone_case,
        channel="call",
        contact_point=point,
        moment=timezone.now().replace(hour=12),
    )
    assert not decision.allowed
    return decision.log_entry


def test_an_approval_is_a_decision_of_the_gate_and_lets_the_collector_call(
    supervisor, collector, phone_case, vulnerable_block
):
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor,
        blocked_entry=vulnerable_block,
        reason="Specialist on the line",
        now=now,
    )

    decision = approval.decision_entry
    assert (decision.verdict, decision.approver, decision.override_reason) == (
        "overridden",
        supervisor,
        "Specialist on the line",
    )
    assert approval.collector == collector
    assert SupervisorAction.objects.get().kind == "approve_override"

    result = approved_call_log(
        approval=approval,
        user=collector,
        outcome="rpc",
        duration_seconds=240,
        now=now + dt.timedelta(minutes=10),
    )
    assert result.activity.outcome == "rpc"
    contact = ComplianceLogEntry.objects.get(activity=result.activity)
    assert (contact.verdict, contact.approver) == ("overridden", supervisor)
    approval.refresh_from_db()
    assert approval.used_activity == result.activity
    with pytest.raises(ActionRefused, match="already been used"):
        approved_call_log(
            approval=approval, user=collector, outcome="rpc", now=now + dt.timedelta(minutes=20)
        )


def test_an_approval_cannot_be_used_by_another_collector_or_after_it_expires(
    supervisor, collector, collector2, vulnerable_block
):
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="ok", now=now
    )
    with pytest.raises(ActionRefused, match="another collector"):
        approved_call_log(approval=approval, user=collector2, outcome="rpc", now=now)
    with pytest.raises(ActionRefused, match="expired"):
        approved_call_log(
            approval=approval, user=collector, outcome="rpc", now=approval.valid_until
        )


def test_an_approval_held_in_memory_is_still_used_only_once(
    supervisor, collector, vulnerable_block
):
    """The used mark is read under the lock, not from the caller's copy of the approval."""
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="ok", now=now
    )
    approved_call_log(approval=approval, user=collector, outcome="rpc", now=now)

    with pytest.raises(ActionRefused, match="already been used"):
        approved_call_log(approval=approval, user=collector, outcome="rpc", now=now)
    assert Activity.objects.filter(channel="call", actor=collector).count() == 1


def test_an_approved_call_is_refused_while_another_collector_holds_the_case(
    supervisor, collector, collector2, phone_case, vulnerable_block
):
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="ok", now=now
    )
    Case.objects.filter(pk=phone_case.pk).update(
        claimed_by=collector2, claim_expires_at=now + dt.timedelta(minutes=10)
    )

    with pytest.raises(ActionRefused, match="being worked by someone else"):
        approved_call_log(approval=approval, user=collector, outcome="rpc", now=now)
    approval.refresh_from_db()
    assert approval.used_activity is None
    assert not Activity.objects.filter(channel="call").exists()


def test_an_approved_call_drops_a_broken_promise_band_like_any_call(
    supervisor, collector, phone_case, vulnerable_block
):
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="ok", now=now
    )
    Case.objects.filter(pk=phone_case.pk).update(priority_score=BROKEN_PROMISE_PRIORITY + 5)

    approved_call_log(approval=approval, user=collector, outcome="rpc", now=now)

    phone_case.refresh_from_db()
    assert phone_case.priority_score < BROKEN_PROMISE_PRIORITY
    assert phone_case.claimed_by is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_approval_make_one_call(
    supervisor, collector, vulnerable_block
):
    now = timezone.now().replace(hour=12, minute=5)
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="ok", now=now
    )
    both_ready = threading.Barrier(2)

    def use_it(_) -> str:
        try:
            both_ready.wait()
            approved_call_log(approval=approval, user=collector, outcome="rpc", now=now)
            return "called"
        except ActionRefused as refused:
            return str(refused)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = sorted(pool.map(use_it, range(2)))

    assert answers == ["This approval has already been used.", "called"]
    assert Activity.objects.filter(channel="call", actor=collector).count() == 1


def test_the_gate_refuses_to_override_a_fixed_rule_and_logs_it(
    supervisor, collector, vulnerable_block, phone_case
):
    phone_case.debtor.is_bankrupt = True
    phone_case.debtor.save()
    before = ComplianceLogEntry.objects.count()

    with pytest.raises(ActionRefused, match="bankruptcy cannot be overridden"):
        override_approve(
            approver=supervisor,
            blocked_entry=vulnerable_block,
            reason="please",
            now=timezone.now().replace(hour=12, minute=5),
        )

    assert ComplianceLogEntry.objects.count() == before + 1
    assert ComplianceLogEntry.objects.order_by("-pk").first().verdict == "blocked"
    assert not OverrideApproval.objects.exists()


def test_the_approvals_page_lists_overridable_blocks_of_ones_cases(
    client, supervisor, vulnerable_block
):
    client.force_login(supervisor)
    response = client.get(reverse("supervision:approvals"))
    assert [entry.pk for entry in response.context["waiting"]] == [vulnerable_block.pk]

    client.post(
        reverse("supervision:approvals"), {"entry": vulnerable_block.pk, "reason": "Reviewed"}
    )
    assert OverrideApproval.objects.get().blocked_entry == vulnerable_block
    assert client.get(reverse("supervision:approvals")).context["waiting"] == []


def test_the_collector_logs_the_approved_call_from_their_page(
    client, supervisor, collector, vulnerable_block
):
    approval = override_approve(
        approver=supervisor, blocked_entry=vulnerable_block, reason="Reviewed", now=timezone.now()
    )
    client.force_login(collector)
    assert list(client.get(reverse("supervision:my_approvals")).context["approvals"]) == [approval]
    client.post(
        reverse("supervision:approved_call", args=[approval.pk]),
        {"outcome": "voicemail", "duration_minutes": 1, "notes": ""},
    )
    approval.refresh_from_db()
    assert approval.used_activity.outcome == Activity.Outcome.VOICEMAIL


def test_another_teams_block_cannot_be_approved(client, supervisor, outsider, other_team):
    case = make_case(other_team, due=DAY - days(40), balance="1.00", opened=DAY - days(39))
    case.debtor.is_vulnerable = True
    case.debtor.save()
    entry = compliance_decide(
        actor=outsider, case=case, channel="call", contact_point=case.phone, moment=timezone.now()
    ).log_entry
    client.force_login(supervisor)
    response = client.post(reverse("supervision:approvals"), {"entry": entry.pk, "reason": "x"})
    assert response.status_code == 404
    assert not OverrideApproval.objects.exists()


@pytest.mark.parametrize("posted", ["", "abc", "1.5", "٣", "9" * 30])
def test_an_approval_of_no_row_id_is_not_found(client, supervisor, posted):
    client.force_login(supervisor)
    response = client.post(reverse("supervision:approvals"), {"entry": posted, "reason": "x"})
    assert response.status_code == 404


def test_the_reassignment_search_finds_a_case_by_phone_and_never_outside_scope(
    client, supervisor, cases
):
    ours, theirs = cases
    ContactPoint.objects.create(debtor=ours[0].debtor, kind="home", value="+14155550100")
    ContactPoint.objects.create(debtor=theirs.debtor, kind="home", value="+14155550100")
    client.force_login(supervisor)
    response = client.get(reverse("supervision:reassign"), {"search": "(415) 555-0100"})
    assert [case.pk for case in response.context["page"]] == [ours[0].pk]
