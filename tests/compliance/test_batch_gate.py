"""The batch gate decides exactly as the gate does one attempt at a time, log rows included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Debtor
from compliance.engine import ContactAttempt, compliance_decide, compliance_decide_many
from compliance.log import compliance_log_seal
from compliance.models import ComplianceLogEntry
from compliance.policies import policy_code_for_case, policy_version_current
from compliance.presets import parse_parameters
from compliance.rules import RuleContext, evaluate_rules
from tests.compliance.factories import case_under, mobile, past_contact, utc
from tests.factories import CardAccountFactory, CaseFactory, ContactPointFactory

pytestmark = pytest.mark.django_db

NOON_NEW_YORK = utc("2026-11-23 17:00")


def varied_attempts() -> list[ContactAttempt]:
    """Allowed, capped, outside hours, ceased, unconsented, third parties, cool-downs..."""
    attempts = []

    def attempt(case, point, channel="sms", moment=NOON_NEW_YORK, action="sms_reminder"):
        attempts.append(
            ContactAttempt(
                case=case, channel=channel, contact_point=point, moment=moment, action=action
            )
        )

    allowed = case_under()
    attempt(allowed, mobile(allowed, sms_consent=True))
    # Massachusetts: two texts this week reach the cap on phone communications.
    capped = case_under("US-MA")
    point = mobile(capped, sms_consent=True)
    for days in (1, 3):
        past_contact(
            capped,
            at=NOON_NEW_YORK - dt.timedelta(days=days),
            outcome="sent",
            channel="sms",
            contact_point=point,
        )
    attempt(capped, point)
    night = case_under(time_zone="America/Los_Angeles")
    attempt(night, mobile(night, sms_consent=True), moment=utc("2026-11-23 06:00"))
    ceased = case_under(cease_communication=True)
    attempt(ceased, mobile(ceased, sms_consent=True))
    unconsented = case_under()
    attempt(unconsented, mobile(unconsented, sms_consent=False))
    attempt(unconsented, None, channel="letter", action="demand_letter")
    # Calls: a UK daily cap reached, a US conversation's cool-down, a call-back consented.
    uk = case_under("UK-FCA", time_zone="Europe/London")
    uk_point = mobile(uk)
    for hours in (1, 2, 3):
        past_contact(uk, at=NOON_NEW_YORK - dt.timedelta(hours=hours), contact_point=uk_point)
    attempt(uk, uk_point, channel="call", action="contact")
    talked = case_under()
    talked_point = mobile(talked)
    past_contact(talked, at=NOON_NEW_YORK - dt.timedelta(days=2), outcome="rpc")
    attempt(talked, talked_point, channel="call", action="contact")
    asked = case_under()
    asked_point = mobile(asked)
    past_contact(asked, at=NOON_NEW_YORK - dt.timedelta(days=1), outcome="callback")
    attempt(asked, asked_point, channel="call", action="contact")
    # China: unanswered calls counted per number, today in Shanghai.
    cn = case_under("CN-bank", time_zone="Asia/Shanghai")
    cn_point = mobile(cn)
    for minutes in range(6):
        past_contact(
            cn, at=utc("2026-11-23 03:00") + dt.timedelta(minutes=minutes), contact_point=cn_point
        )
    attempt(cn, cn_point, channel="call", moment=utc("2026-11-23 05:00"), action="contact")
    # China: three conversations today across the debtor's two cards; a call-back asked for
    # lifting the quiet hours at 22:30 in Shanghai.
    talkative = case_under("CN-bank", time_zone="Asia/Shanghai")
    other_card = CaseFactory(
        account=CardAccountFactory(debtor=talkative.debtor), strategy=talkative.strategy
    )
    for hours, spoken_about in ((1, talkative), (2, other_card), (3, other_card)):
        past_contact(
            spoken_about, at=utc("2026-11-23 05:00") - dt.timedelta(hours=hours), outcome="rpc"
        )
    attempt(
        talkative,
        mobile(talkative),
        channel="call",
        moment=utc("2026-11-23 05:00"),
        action="contact",
    )
    late = case_under("CN-bank", time_zone="Asia/Shanghai")
    past_contact(late, at=utc("2026-11-23 11:00"), outcome="callback")
    attempt(late, mobile(late), channel="call", moment=utc("2026-11-23 14:30"), action="contact")
    # A third party already contacted once, under a policy that allows one contact.
    neighbour_case = case_under()
    neighbour = ContactPointFactory(
        debtor=neighbour_case.debtor,
        kind="mobile",
        owner="third_party",
        third_party_name="Sam Roe",
        third_party_relationship="neighbour",
    )
    past_contact(neighbour_case, at=NOON_NEW_YORK - dt.timedelta(days=20), contact_point=neighbour)
    attempt(neighbour_case, neighbour, channel="call", action="location_inquiry")
    # The same debtor twice at different moments, and a bankrupt one.
    attempt(
        allowed, mobile(allowed, sms_consent=True), moment=NOON_NEW_YORK + dt.timedelta(hours=1)
    )
    bankrupt = case_under(is_bankrupt=True, is_vulnerable=True)
    attempt(bankrupt, mobile(bankrupt, sms_consent=True))
    return attempts


LOG_FIELDS = [
    field.attname
    for field in ComplianceLogEntry._meta.concrete_fields
    if field.name not in ("id", "created_at")
]


def judged(decide) -> tuple[list, list]:
    """What `decide` answers and logs, rolled back so the other way starts from the same log."""
    with transaction.atomic():
        decisions = decide()
        compliance_log_seal()  # chained as well: the same hashes prove the same content
        rows = [
            {name: getattr(entry, name) for name in LOG_FIELDS}
            for entry in ComplianceLogEntry.objects.order_by("pk")
        ]
        answers = [
            (
                d.allowed,
                d.overridden,
                d.reason,
                d.next_allowed_at,
                d.results,
                d.policy_code,
                d.policy_version,
            )
            for d in decisions
        ]
        transaction.set_rollback(True)
    return answers, rows


def test_the_batch_gate_decides_and_logs_exactly_as_one_attempt_at_a_time():
    attempts = varied_attempts()

    one_by_one = judged(
        lambda: [
            compliance_decide(
                actor=a.actor,
                case=a.case,
                channel=a.channel,
                contact_point=a.contact_point,
                moment=a.moment,
                action=a.action,
            )
            for a in attempts
        ]
    )
    together = judged(lambda: compliance_decide_many(attempts))

    assert together == one_by_one
    verdicts = [row["verdict"] for row in together[1]]
    failed = " ".join(row["failed_rules"] for row in together[1])
    assert verdicts.count("allowed") >= 3 and verdicts.count("blocked") >= 6
    for code in (
        "ma_phone_communications",
        "contact_window",
        "cease_communication",
        "channel_consent",
        "daily_call_attempts",
        "conversation_cooldown",
        "unanswered_attempts",
        "effective_conversations",
        "third_party",
        "bankruptcy",
    ):
        assert f",{code}," in failed, code
    lifted = [
        row for row in together[1] if "the person agreed to be contacted" in str(row["rules"])
    ]
    assert [row["verdict"] for row in lifted] == ["allowed"]


def test_the_batch_gate_judges_as_rules_that_load_their_own_history():
    """The rules fed by the batch's few queries see what they see loading rows themselves."""
    attempts = varied_attempts()
    with transaction.atomic():
        decisions = compliance_decide_many(attempts)
        transaction.set_rollback(True)
    for attempt, decision in zip(attempts, decisions, strict=True):
        version = policy_version_current(code=policy_code_for_case(case=attempt.case))
        context = RuleContext(
            parameters=parse_parameters(version.parameters),
            actor=None,
            case=attempt.case,
            debtor=Debtor.objects.get(pk=attempt.case.debtor_id),
            contact_point=attempt.contact_point,
            channel=attempt.channel,
            action=attempt.action,
            moment=attempt.moment,
        )
        assert evaluate_rules(context) == decision.results


def test_the_batch_gate_reads_the_database_a_few_times_whatever_the_batch_size():
    attempts = varied_attempts()
    with transaction.atomic(), CaptureQueriesContext(connection) as small:
        compliance_decide_many(attempts[:3])
        transaction.set_rollback(True)
    with transaction.atomic(), CaptureQueriesContext(connection) as large:
        compliance_decide_many(attempts)
        transaction.set_rollback(True)
    # Only the policies looked up grow with the batch (one query per distinct policy).
    assert len(large.captured_queries) <= len(small.captured_queries) + 4
