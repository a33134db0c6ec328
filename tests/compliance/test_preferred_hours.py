"""The debtor's preferred hours: calls and SMS only inside them, judged on the debtor's clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from accounts.roles import Role
from cases.models import Debtor
from compliance.engine import compliance_decide
from tests.compliance.factories import case_under, local_moment, mobile, past_contact
from tests.factories import ContactPointFactory, UserFactory

pytestmark = pytest.mark.django_db

LA = "America/Los_Angeles"


def evening_only(policy: str = "US-RegF"):
    return case_under(
        policy,
        time_zone=LA,
        preferred_hours_start=dt.time(18),
        preferred_hours_end=dt.time(20),
    )


def decide(case, channel, moment, point=None, **kwargs):
    return compliance_decide(
        actor=None, case=case, channel=channel, contact_point=point, moment=moment, **kwargs
    )


def test_a_call_outside_the_debtors_preferred_hours_is_refused_with_the_reason():
    case = evening_only()
    decision = decide(case, "call", local_moment("2026-03-10 14:00", LA), mobile(case))
    assert not decision.allowed
    assert decision.log_entry.failed_rule_codes == ["preferred_hours"]
    assert "outside the debtor's preferred hours 18:00-20:00" in decision.reason
    # The next chance is the hours' opening, on the debtor's clock.
    assert decision.next_allowed_at == local_moment("2026-03-10 18:00", LA)


@pytest.mark.parametrize(
    ("wall_clock", "allowed"),
    [("17:59", False), ("18:00", True), ("19:59", True), ("20:00", False)],
)
def test_calls_and_sms_are_allowed_only_inside_the_preferred_hours(wall_clock, allowed):
    case = evening_only()
    moment = local_moment(f"2026-03-10 {wall_clock}", LA)
    point = mobile(case, sms_consent=True)
    assert decide(case, "call", moment, point).allowed is allowed
    assert decide(case, "sms", moment, point).allowed is allowed


def test_letters_and_emails_are_not_held_to_the_preferred_hours():
    case = evening_only()
    moment = local_moment("2026-03-10 10:00", LA)
    email = ContactPointFactory(debtor=case.debtor, kind="email", email_consent=True)
    postal = ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St")
    assert decide(case, "email", moment, email).allowed
    letter = decide(case, "letter", moment, postal)
    assert letter.allowed
    assert "preferred_hours" not in [result.code for result in letter.results]


def test_without_preferred_hours_the_rule_passes_and_says_so():
    case = case_under(time_zone=LA)
    decision = decide(case, "call", local_moment("2026-03-10 10:00", LA), mobile(case))
    assert decision.allowed
    rule = next(result for result in decision.results if result.code == "preferred_hours")
    assert rule.reason == "The debtor gave no preferred hours."


def test_no_supervisor_overrides_the_debtors_preferred_hours():
    case = evening_only()
    supervisor = UserFactory(role=Role.SUPERVISOR)
    decision = decide(
        case,
        "call",
        local_moment("2026-03-10 14:00", LA),
        mobile(case),
        override_reason="The debtor will not mind",
        approver=supervisor,
    )
    assert not decision.allowed
    assert "preferred_hours cannot be overridden" in decision.reason


def test_the_debtors_own_request_to_be_called_lifts_their_preferred_hours():
    case = evening_only()
    point = mobile(case)
    past_contact(
        case,
        at=local_moment("2026-03-10 09:00", LA),
        outcome="callback",
        direction="inbound",
        contact_point=point,
    )
    decision = decide(case, "call", local_moment("2026-03-10 14:00", LA), point)
    assert decision.allowed, decision.reason
    rule = next(result for result in decision.results if result.code == "preferred_hours")
    assert "agreed to be contacted" in rule.reason


def test_hours_that_miss_the_policys_window_leave_no_next_chance():
    case = case_under(
        time_zone=LA, preferred_hours_start=dt.time(5), preferred_hours_end=dt.time(7)
    )
    decision = decide(case, "call", local_moment("2026-03-10 06:00", LA), mobile(case))
    assert not decision.allowed
    assert decision.log_entry.failed_rule_codes == ["contact_window"]
    assert decision.next_allowed_at is None


def test_the_database_refuses_half_a_window_or_one_that_ends_first():
    case = case_under()
    for start, end in [(dt.time(18), None), (dt.time(20), dt.time(18))]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Debtor.objects.filter(pk=case.debtor_id).update(
                preferred_hours_start=start, preferred_hours_end=end
            )
