"""Every message the dispatch sends carries its own portal link; a visit by it is recorded with
the message that brought the debtor; forged, expired and replayed links are refused."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core import mail

from cases.models import ContactPoint, StageEntry, Strategy
from common.portal_links import message_link_ids, message_link_token, message_link_url
from pipeline.messaging import messages_claim_batch, messages_send_claimed
from pipeline.models import OutboundMessage
from portal.access import portal_link_path
from portal.models import PortalVisit
from tests.factories import ContactPointFactory
from tests.portal.conftest import answers

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://portal\.bank\.example/portal/l/([^/\s]+)/")


@pytest.fixture(autouse=True)
def portal_base(settings, tmp_path):
    settings.PORTAL_BASE_URL = "https://portal.bank.example"
    settings.SMS_BACKEND = "pipeline.channels.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")


@pytest.fixture
def sent_at(business_date) -> dt.datetime:
    """Noon of the day before: inside the debtor's contact hours, and always in the past."""
    return dt.datetime.combine(business_date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def entry(case, sent_at) -> StageEntry:
    stage = Strategy.objects.get(is_default=True).stages.order_by("position").first()
    return StageEntry.objects.create(
        case=case, stage=stage, entered_on=sent_at.date(), entered_at=sent_at, days_past_due=5
    )


def send(case, entry, channel: str, now: dt.datetime) -> OutboundMessage:
    """Queue a message of `channel` and dispatch it at `now`."""
    kind = {"sms": "mobile", "email": "email", "letter": "postal"}[channel]
    point = ContactPoint.objects.filter(debtor=case.debtor, kind=kind).first()
    message = OutboundMessage.objects.create(
        case=case, stage_entry=entry, channel=channel, contact_point=point
    )
    ids = messages_claim_batch(now=now, slot=0, limit=10)
    messages_send_claimed(ids=ids, slot=0, now=now)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT, message.last_error
    return message


def path_of(url: str) -> str:
    return url.removeprefix("https://portal.bank.example")


@pytest.fixture
def sms(case, entry, sent_at) -> OutboundMessage:
    return send(case, entry, "sms", sent_at)


def test_every_sms_email_and_letter_carries_its_own_link(case, entry, sent_at, tmp_path):
    ContactPoint.objects.filter(debtor=case.debtor, kind="email").update(email_consent=True)
    ContactPointFactory(debtor=case.debtor, kind="postal", value="1 High Street, Springfield")
    sent = {
        channel: send(case, entry, channel, sent_at + dt.timedelta(minutes=n))
        for n, channel in enumerate(["sms", "email", "letter"])
    }
    [text] = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    [email] = mail.outbox
    tokens = {
        "sms": LINK.findall(text["body"]),
        "email": LINK.findall(email.body),
        "letter": LINK.findall(sent["letter"].document_html),
    }
    for channel, message in sent.items():
        assert tokens[channel] == [message_link_token(case_id=case.pk, message_id=message.pk)]
        assert message_link_ids(tokens[channel][0]) == (case.pk, message.pk)
    assert len({found[0] for found in tokens.values()}) == 3


def test_the_link_in_an_sms_is_short(case, sms):
    url = message_link_url(
        base_url="https://portal.bank.example", case_id=case.pk, message_id=sms.pk
    )
    assert url in sms.body and len(url) <= 70


def test_a_template_may_place_the_link_itself(case, entry, sent_at):
    entry.stage.message_template = "Pay here: {{ portal_link }} Reply STOP to opt out."
    entry.stage.save()
    message = send(case, entry, "sms", sent_at)
    assert message.body.startswith("Pay here: https://portal.bank.example/portal/l/")
    assert len(LINK.findall(message.body)) == 1


def test_arriving_by_a_messages_link_records_the_visit_and_its_message(client, case, sms):
    response = client.get(
        path_of(message_link_url(base_url="", case_id=case.pk, message_id=sms.pk))
    )
    assert response.status_code == 302 and response.url == "/portal/verify/"
    visit = PortalVisit.objects.get()
    assert (visit.case, visit.message, visit.verified_at) == (case, sms, None)
    assert client.post("/portal/verify/", answers()).status_code == 302
    visit.refresh_from_db()
    assert visit.verified_at is not None and visit.verified_at >= visit.arrived_at
    assert PortalVisit.objects.count() == 1


def test_a_visit_from_the_start_page_is_recorded_once_proven_without_a_message(client, case):
    client.post("/portal/", {"reference": case.account.account_reference, **answers()})
    visit = PortalVisit.objects.get()
    assert visit.message is None and visit.verified_at == visit.arrived_at


def test_a_wrong_answer_leaves_the_visit_unverified(client, case, sms):
    client.get(f"/portal/l/{message_link_token(case_id=case.pk, message_id=sms.pk)}/")
    client.post("/portal/verify/", answers(national_id_last4="9999"))
    assert PortalVisit.objects.get().verified_at is None


def refused(client, token: str) -> bool:
    response = client.get(f"/portal/l/{token}/", follow=True)
    return (
        response.redirect_chain[-1][0] == "/portal/"
        and "This link does not work" in response.content.decode()
        and not PortalVisit.objects.exists()
    )


def test_a_forged_link_is_refused(client, case, sms):
    token = message_link_token(case_id=case.pk, message_id=sms.pk)
    tag = token.split("-", 2)[2]
    assert refused(client, token[: -len(tag)] + ("A" * len(tag)))
    assert refused(client, f"{case.pk}-{sms.pk}")
    assert refused(client, "not-a-link")


def test_a_link_with_a_changed_case_or_message_is_refused(client, case, other_case, sms):
    tag = message_link_token(case_id=case.pk, message_id=sms.pk).split("-", 2)[2]

    def ids(case_id: int, message_id: int) -> str:
        return "-".join(message_link_token(case_id=case_id, message_id=message_id).split("-")[:2])

    assert refused(client, f"{ids(other_case.pk, sms.pk)}-{tag}")
    assert refused(client, f"{ids(case.pk, sms.pk + 1)}-{tag}")


def test_a_link_signed_under_another_key_is_refused(client, case, sms, settings):
    settings.SECRET_KEY = "another key altogether, for this test only, long enough"
    token = message_link_token(case_id=case.pk, message_id=sms.pk)
    settings.SECRET_KEY = "the real key, for this test only, long enough to sign with"
    assert refused(client, token)


def test_a_link_keeps_working_through_a_key_rotation(client, case, sms, settings):
    token = message_link_token(case_id=case.pk, message_id=sms.pk)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new key, for this test only, long enough to sign with"
    assert client.get(f"/portal/l/{token}/").url == "/portal/verify/"


def test_an_expired_link_is_refused(client, case, sms, settings):
    token = message_link_token(case_id=case.pk, message_id=sms.pk)
    later = sms.sent_at + dt.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS, seconds=1)
    with time_machine.travel(later, tick=False):
        assert refused(client, token)
    just_in_time = sms.sent_at + dt.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS, seconds=-1)
    with time_machine.travel(just_in_time, tick=False):
        assert client.get(f"/portal/l/{token}/").url == "/portal/verify/"


def test_a_link_naming_a_message_never_sent_is_refused(client, case, entry):
    """A replay: the token is genuine but its message did not go out (blocked, cancelled,
    failed), so no debtor can have received it."""
    for status in ["pending", "cancelled", "blocked", "failed"]:
        message = OutboundMessage.objects.create(
            case=case, stage_entry=entry, channel="sms", status=status
        )
        assert refused(client, message_link_token(case_id=case.pk, message_id=message.pk))
        message.delete()


def test_a_superseded_messages_link_is_refused(client, case, entry, sms, sent_at):
    """A replay: once a newer message went out on the same channel, the old one's link stops;
    a message on another channel leaves it working."""
    old = message_link_token(case_id=case.pk, message_id=sms.pk)
    ContactPoint.objects.filter(debtor=case.debtor, kind="email").update(email_consent=True)
    send(case, entry, "email", sent_at + dt.timedelta(hours=1))
    assert client.get(f"/portal/l/{old}/").url == "/portal/verify/"
    PortalVisit.objects.all().delete()
    later_stage = entry.stage.strategy.stages.order_by("position")[1]
    later = StageEntry.objects.create(
        case=case,
        stage=later_stage,
        entered_on=sent_at.date(),
        entered_at=sent_at,
        days_past_due=30,
    )
    newer = send(case, later, "sms", sent_at + dt.timedelta(hours=2))
    assert refused(client, old)
    assert client.get(f"/portal/l/{message_link_token(case_id=case.pk, message_id=newer.pk)}/")


def test_a_link_made_for_a_case_alone_still_opens_it(client, case):
    assert client.get(portal_link_path(case_id=case.pk)).url == "/portal/verify/"
    assert PortalVisit.objects.get().message is None
