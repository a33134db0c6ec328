"""A batch of cases is written set-based: many cases, at different places on the ladder, in
one batch come out exactly as each would alone, with the best contact point for each message."""

from __future__ import annotations

import pytest

from cases.models import CardAccount, Case, Stage, StageEntry
from pipeline.models import OutboundMessage
from pipeline.services import pipeline_run_day
from tests.factories import CardAccountFactory, ContactPointFactory
from tests.pipeline.conftest import day, moment

pytestmark = pytest.mark.django_db


def overdue_since(days: int, **points):
    """An account `days` past due on day 0's run date (day(0) + days), with contact points."""
    account = CardAccountFactory(oldest_unpaid_due_date=day(0))
    for kind, fields in points.items():
        ContactPointFactory(debtor=account.debtor, kind=kind, **fields)
    return account


def entered(account) -> list[tuple[str, int, str]]:
    return sorted(
        StageEntry.objects.filter(case__account=account).values_list(
            "stage__action", "days_past_due", "action_status"
        )
    )


def message_of(account) -> tuple[str, int | None]:
    message = OutboundMessage.objects.get(case__account=account)
    return message.channel, message.contact_point_id


def test_cases_in_one_batch_get_each_their_own_entries_messages_and_contact_points(team):
    verified_mobile = overdue_since(0)
    ContactPointFactory(debtor=verified_mobile.debtor, value="+15550000001")
    chosen = ContactPointFactory(debtor=verified_mobile.debtor, value="+15550000002", verified=True)
    email_only = overdue_since(0)
    email = ContactPointFactory(
        debtor=email_only.debtor, kind="email", value="a@example.test", email_consent=True
    )
    unreachable = overdue_since(0)
    ContactPointFactory(debtor=unreachable.debtor, value="+15550000003", opted_out=True)
    ContactPointFactory(debtor=unreachable.debtor, value="+15550000004", invalid=True)
    ContactPointFactory(debtor=unreachable.debtor, value="+15550000005", do_not_contact=True)
    ContactPointFactory(debtor=unreachable.debtor, value="+15550000006", sms_consent=False)

    result = pipeline_run_day(business_date=day(1), now=moment(1), batch_size=2)

    for account in (verified_mobile, email_only, unreachable):
        assert entered(account) == [("sms", 1, "done")]
    assert message_of(verified_mobile) == ("sms", chosen.pk)
    assert message_of(email_only) == ("email", email.pk)
    assert message_of(unreachable) == ("sms", None)
    assert result.counts["entered:sms"] == 3
    assert (result.counts["messages:sms"], result.counts["messages:email"]) == (2, 1)
    assert set(Case.objects.values_list("stage__action", "stage_entered_at")) == {
        ("sms", moment(1))
    }


def test_a_letter_goes_to_the_verified_postal_address_and_the_stage_effects_land(team):
    letter = overdue_since(0)
    ContactPointFactory(debtor=letter.debtor, kind="postal", value="1 Old Road")
    address = ContactPointFactory(
        debtor=letter.debtor, kind="postal", value="2 New Road", verified=True
    )
    phone = overdue_since(0)
    litigation = overdue_since(0)
    # Three places on the ladder on one run date: 45 (letter), 30 (phone), 120 (litigation).
    CardAccount.objects.filter(pk=phone.pk).update(oldest_unpaid_due_date=day(15))
    CardAccount.objects.filter(pk=litigation.pk).update(oldest_unpaid_due_date=day(-75))

    result = pipeline_run_day(business_date=day(45), now=moment(45), batch_size=2)

    assert entered(letter) == [("letter", 45, "done")]
    assert message_of(letter) == ("letter", address.pk)
    assert entered(phone) == [("call_queue", 30, "done")]
    assert Case.objects.get(account=phone).next_action_at == moment(45)
    assert entered(litigation) == [("litigation", 120, "done")]
    assert Case.objects.get(account=litigation).status == Case.Status.LITIGATION
    assert (result.counts["phone_queue_entries"], result.counts["litigation_referrals"]) == (1, 1)


def test_cases_coming_from_different_stages_replay_only_what_each_skipped(team):
    Stage.objects.filter(action__in=["letter", "call_queue"]).update(replay_if_skipped=True)
    from_nowhere = overdue_since(0)
    from_the_letter = overdue_since(0)
    pipeline_run_day(business_date=day(45), now=moment(45))
    Case.objects.filter(account=from_nowhere).update(stage=None)
    StageEntry.objects.filter(case__account=from_nowhere).delete()

    pipeline_run_day(business_date=day(95), now=moment(95), batch_size=5)

    def entered_on_day_95(account) -> list[str]:
        return sorted(
            StageEntry.objects.filter(case__account=account, entered_on=day(95)).values_list(
                "stage__action", flat=True
            )
        )

    assert entered_on_day_95(from_nowhere) == ["agency", "call_queue", "letter"]
    assert entered_on_day_95(from_the_letter) == ["agency"]
    assert OutboundMessage.objects.filter(case__account=from_nowhere).get().channel == "letter"
    assert OutboundMessage.objects.filter(case__account=from_the_letter).count() == 1
    nowhere = Case.objects.get(account=from_nowhere)
    assert nowhere.next_action_at == moment(95)  # the replayed phone stage's effect
    assert nowhere.stage.action == "agency"


def test_the_run_says_where_its_time_went(overdue_account):
    result = pipeline_run_day(business_date=day(1), now=moment(1))

    steps = ["open new cases", "cure paid cases", "settle due promises", "escalate"]
    assert [name for name in result.timings if ": " not in name] == steps
    assert {"escalate: selecting", "escalate: updating cases"} <= set(result.timings)
    assert all(seconds >= 0 for seconds in result.timings.values())


def table_rows_planned(table: str) -> float:
    """What the planner believes `table` holds (pg_class.reltuples, set by ANALYZE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize(("threshold", "refreshed"), [(3, True), (4, False)])
def test_a_run_that_moves_many_cases_refreshes_the_planners_statistics(
    team, monkeypatch, threshold, refreshed
):
    """Planned on yesterday's statistics, the agencies' step after a heavy night took time
    growing with the square of the cases moved; a run moving at least the threshold ANALYZEs
    what it rewrote, in its own transaction, so the steps after it plan on today's rows."""
    monkeypatch.setattr("pipeline.services.REFRESH_STATISTICS_AFTER", threshold)
    for _ in range(3):
        overdue_since(0, mobile={"sms_consent": True})
    before = table_rows_planned(StageEntry._meta.db_table)

    result = pipeline_run_day(business_date=day(1), now=moment(1))

    assert result.counts["entered:sms"] == 3
    after = table_rows_planned(StageEntry._meta.db_table)
    assert ("planner statistics" in result.timings) is refreshed
    # ANALYZE writes pg_class in place: what an earlier test left there stays, hence `before`.
    assert after == (3 if refreshed else before)
