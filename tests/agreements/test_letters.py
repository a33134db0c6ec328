"""The letters agreements send: a plan's confirmation and an accepted settlement's letter are
queued by post, judged at the compliance gate by dispatch, logged, and set into print files,
in the debtor's language; closing the case cancels the ladder's messages, not these."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from agreements.models import RepaymentPlan, SettlementOffer
from agreements.services import offer_accept, settlements_review_day
from cases.models import Stage
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from pipeline.models import OutboundMessage
from pipeline.printing import letters_print
from pipeline.services import pipeline_run_day
from tests.agreements.conftest import AGREED_ON, NOW, case_in_team, moment, pay
from tests.agreements.test_plans import make_plan
from tests.agreements.test_settlements import offer
from tests.factories import ContactPointFactory
from tests.pdfs import pdf_text
from tests.pipeline.test_messages import dispatch_and_send

pytestmark = pytest.mark.django_db

# 10:00 in Shanghai on the day after the plan was agreed: the next dispatch.
DISPATCHED_AT = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
ADDRESS = "上海市浦东新区世纪大道100号"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def chinese_case(team, **debtor):
    case = case_in_team(
        team,
        policy="CN-bank",
        time_zone="Asia/Shanghai",
        language="zh",
        full_name="王芳",
        **debtor,
    )
    ContactPointFactory(debtor=case.debtor, kind="postal", value=ADDRESS)
    return case


def log_rows(message: OutboundMessage) -> list[ComplianceLogEntry]:
    return list(ComplianceLogEntry.objects.filter(case_id=message.case_id).order_by("pk"))


def test_a_plan_agreed_under_cn_bank_sends_its_schedule_by_post_in_chinese(collector, team, media):
    case = chinese_case(team)

    plan = make_plan(collector, case, total="300.00", count=3)

    letter = plan.letter
    assert (letter.purpose, letter.channel, letter.status) == (
        OutboundMessage.Purpose.PLAN_CONFIRMATION,
        "letter",
        OutboundMessage.Status.PENDING,
    )
    assert letter.stage_entry is None and letter.contact_point.value == ADDRESS
    assert letter.created_at == NOW
    assert RepaymentPlan.objects.get(pk=plan.pk).letter == letter
    assert letter.subject == "还款计划确认函"
    case.refresh_from_db()
    assert case.under_repayment_plan and case.paused_at is not None

    assert dispatch_and_send(DISPATCHED_AT) == ["sent"]

    letter.refresh_from_db()
    assert letter.sent_at == DISPATCHED_AT and letter.activity.channel == "letter"
    assert "还款计划确认函" in letter.document_html
    [decided, contact] = log_rows(letter)
    assert (decided.kind, decided.action, decided.verdict) == (
        "decision",
        "plan_confirmation",
        "allowed",
    )
    assert contact.activity_id == letter.activity_id
    plan_rule = next(r for r in decided.rules if r["code"] == "repayment_plan")
    assert plan_rule["passed"] and "plan_confirmation" in plan_rule["reason"]

    assert letters_print(now=DISPATCHED_AT + dt.timedelta(minutes=10)) == 1
    letter.refresh_from_db()
    text = pdf_text(letter.print_file.file.read())
    assert "还款计划确认函" in text and "王芳" in text
    for number, amount, due in (
        (1, "100.00", "2026年12月10日"),
        (2, "100.00", "2027年1月10日"),
        (3, "100.00", "2027年2月10日"),
    ):
        assert f"{number}.{due}前还款¥{amount}" in text


def test_while_the_plan_is_kept_the_gate_still_refuses_a_demand_letter(collector, team):
    case = chinese_case(team)
    make_plan(collector, case)
    case.refresh_from_db()

    demand = compliance_decide(
        actor=None, case=case, channel="letter", action="demand_letter", moment=DISPATCHED_AT
    )
    confirmation = compliance_decide(
        actor=None, case=case, channel="letter", action="plan_confirmation", moment=DISPATCHED_AT
    )

    assert [result.code for result in demand.failed_results] == ["repayment_plan"]
    assert confirmation.allowed


def test_a_plan_letter_without_an_address_on_file_fails_and_says_so(collector, team):
    case = case_in_team(team)  # no postal address

    plan = make_plan(collector, case)

    assert plan.letter.contact_point is None
    assert dispatch_and_send(DISPATCHED_AT) == ["failed"]
    plan.letter.refresh_from_db()
    assert plan.letter.activity.outcome == "failed"
    assert "no usable contact point" in plan.letter.last_error


def test_an_accepted_settlement_sends_its_letter_even_once_paid_and_settled(
    collector, team, limits, media
):
    case = case_in_team(team)
    ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St, Springfield")
    made = offer(collector, case, "1100.00")
    assert made.letter is None  # an offer is not yet an agreement

    accepted = offer_accept(actor=collector, offer=made, business_date=AGREED_ON, now=NOW)

    letter = accepted.letter
    assert letter.purpose == OutboundMessage.Purpose.SETTLEMENT_LETTER
    assert SettlementOffer.objects.get(pk=made.pk).letter == letter
    assert letter.subject == "Your settlement offer" and "1,100.00" in letter.body
    # Paid the same day; the night settles the case before the letter went out.
    pay(case, "1100.00", AGREED_ON)
    settlements_review_day(business_date=AGREED_ON, now=moment(AGREED_ON))
    case.refresh_from_db()
    assert case.status == case.Status.SETTLED

    assert dispatch_and_send(DISPATCHED_AT) == ["sent"]
    [decided, _contact] = log_rows(letter)
    assert (decided.action, decided.verdict) == ("settlement_letter", "allowed")
    assert letters_print(now=DISPATCHED_AT) == 1
    letter.refresh_from_db()
    assert "1,100.00" in pdf_text(letter.print_file.file.read())


def test_a_cure_cancels_the_ladders_messages_but_not_an_agreements_letter(collector, team, limits):
    case = case_in_team(team)
    ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St, Springfield")
    letter = offer_accept(
        actor=collector, offer=offer(collector, case, "1100.00"), business_date=AGREED_ON, now=NOW
    ).letter
    entry = case.stage_entries.create(
        stage=Stage.objects.filter(strategy__is_default=True).first(),
        entered_on=AGREED_ON,
        entered_at=NOW,
        days_past_due=30,
    )
    reminder = OutboundMessage.objects.create(case=case, stage_entry=entry, channel="letter")
    pay(case, "1200.00", AGREED_ON)

    pipeline_run_day(business_date=AGREED_ON + dt.timedelta(days=1), now=DISPATCHED_AT)

    case.refresh_from_db()
    reminder.refresh_from_db()
    letter.refresh_from_db()
    assert case.status == case.Status.CURED
    assert reminder.status == OutboundMessage.Status.CANCELLED
    assert letter.status == OutboundMessage.Status.PENDING


def test_the_plan_and_offer_pages_say_where_their_letters_stand(client, collector, team, limits):
    case = case_in_team(team)
    ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St, Springfield")
    plan = make_plan(collector, case, total="300.00")
    client.force_login(collector)

    def letter_line(url_name: str, pk: int, element: str) -> str:
        html = client.get(reverse(url_name, args=[pk])).content.decode()
        return re.search(rf'id="{element}">(.*?)</dd>', html).group(1)

    assert letter_line("agreements:plan", plan.pk, "plan-letter") == "Pending"
    assert dispatch_and_send(DISPATCHED_AT) == ["sent"]
    assert letter_line("agreements:plan", plan.pk, "plan-letter").startswith("Sent · ")

    other = case_in_team(team)
    made = offer(collector, other, "1100.00")
    assert (
        'id="offer-letter"'
        not in client.get(reverse("agreements:offer", args=[made.pk])).content.decode()
    )
    offer_accept(actor=collector, offer=made, business_date=AGREED_ON, now=NOW)
    assert letter_line("agreements:offer", made.pk, "offer-letter") == "Pending"
