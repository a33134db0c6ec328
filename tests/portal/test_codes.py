"""A one-time code by SMS, the alternative to the identity questions on the link's page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine

from cases.models import Activity, ContactPoint
from compliance.models import ComplianceLogEntry
from portal.access import portal_link_path
from portal.models import IdentityFailure, OneTimeCode, PortalVisit
from portal.services import portal_code_check

pytestmark = pytest.mark.django_db

ON_ITS_WAY = "If a mobile number we may text is on file, a code is on its way"
NOT_CONFIRMED = "We could not confirm these details"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "pipeline.channels.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def texts(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def code_in(text: dict) -> str:
    return re.search(r"\b(\d{6})\b", text["body"])[1]


@pytest.fixture
def arrived(client, case):
    """The client, arrived by a link for `case`, on the identity page."""
    assert client.get(portal_link_path(case_id=case.pk)).url == "/portal/verify/"
    return client


def ask_for_code(client) -> str:
    response = client.post("/portal/verify/code/send/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_identity_page_offers_a_code(arrived):
    page = arrived.get("/portal/verify/").content.decode()
    assert "Send me a code" in page and 'autocomplete="one-time-code"' in page


def test_a_code_goes_to_the_consented_mobile_and_opens_the_portal(arrived, case, sms_file):
    assert ON_ITS_WAY in ask_for_code(arrived)
    [text] = texts(sms_file)
    mobile = ContactPoint.objects.get(debtor=case.debtor, kind="mobile")
    assert text["to"] == mobile.value
    response = arrived.post("/portal/verify/code/", {"code-code": code_in(text)})
    assert response.status_code == 302 and response.url == "/portal/account/"
    assert arrived.get("/portal/account/").status_code == 200
    assert PortalVisit.objects.get().verified_at is not None


def test_the_code_is_hashed_at_rest(arrived, sms_file):
    ask_for_code(arrived)
    code = code_in(texts(sms_file)[0])
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64


def test_sending_a_code_is_logged_as_a_system_message_not_a_collection_contact(
    arrived, case, sms_file
):
    ask_for_code(arrived)
    activity = Activity.objects.get(case=case, direction="outbound")
    assert (activity.channel, activity.outcome) == ("system", "sent")
    entry = ComplianceLogEntry.objects.get(activity=activity)
    assert (entry.kind, entry.action, entry.channel, entry.verdict) == (
        "contact",
        "one_time_code",
        "sms",
        "allowed",
    )
    assert entry.contact_point_id == activity.contact_point_id
    assert "not a collection contact" in entry.reason
    assert not ComplianceLogEntry.objects.filter(kind="decision").exists()


def test_without_a_consented_mobile_the_page_says_the_same_and_nothing_is_sent(
    arrived, case, sms_file
):
    ContactPoint.objects.filter(debtor=case.debtor, kind="mobile").update(sms_consent=False)
    assert ON_ITS_WAY in ask_for_code(arrived)
    assert texts(sms_file) == [] and not OneTimeCode.objects.exists()
    assert not Activity.objects.filter(case=case).exists()


def test_a_mobile_of_a_third_party_gets_no_code(arrived, case, sms_file):
    ContactPoint.objects.filter(debtor=case.debtor, kind="mobile").update(
        owner="third_party", third_party_name="A. Neighbour", third_party_relationship="neighbour"
    )
    ask_for_code(arrived)
    assert texts(sms_file) == []


def test_a_wrong_code_is_an_identity_failure(arrived, case, sms_file):
    ask_for_code(arrived)
    right = code_in(texts(sms_file)[0])
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    response = arrived.post("/portal/verify/code/", {"code-code": wrong})
    assert response.status_code == 400 and NOT_CONFIRMED in response.content.decode()
    assert IdentityFailure.objects.filter(reference_key=case.account.account_reference).count() == 1
    assert arrived.get("/portal/account/").url == "/portal/"


def test_wrong_codes_lock_the_portal_as_wrong_answers_do(arrived, sms_file, settings):
    ask_for_code(arrived)
    right = code_in(texts(sms_file)[0])
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    for _attempt in range(settings.PORTAL_FAILURE_LIMIT):
        arrived.post("/portal/verify/code/", {"code-code": wrong})
    response = arrived.post("/portal/verify/code/", {"code-code": right})
    assert response.status_code == 400 and "Too many attempts" in response.content.decode()
    assert arrived.get("/portal/account/").url == "/portal/"


def test_an_expired_code_is_refused(arrived, sms_file, settings):
    ask_for_code(arrived)
    code = code_in(texts(sms_file)[0])
    later = OneTimeCode.objects.get().sent_at + dt.timedelta(minutes=settings.PORTAL_CODE_MINUTES)
    with time_machine.travel(later + dt.timedelta(seconds=1), tick=False):
        response = arrived.post("/portal/verify/code/", {"code-code": code})
    assert response.status_code == 400


def test_a_code_works_once(arrived, case, sms_file, now):
    ask_for_code(arrived)
    code = code_in(texts(sms_file)[0])
    visit = PortalVisit.objects.get()
    check = {"visit_id": visit.pk, "code": code, "client_ip": "192.0.2.1", "now": now}
    assert portal_code_check(**check) == case
    assert portal_code_check(**check) is None


def test_a_new_code_replaces_the_one_before(arrived, sms_file):
    ask_for_code(arrived)
    ask_for_code(arrived)
    first, second = (code_in(text) for text in texts(sms_file))
    if first != second:
        assert arrived.post("/portal/verify/code/", {"code-code": first}).status_code == 400
    assert arrived.post("/portal/verify/code/", {"code-code": second}).status_code == 302


def test_codes_sent_to_a_case_are_limited(arrived, sms_file, settings):
    for _request in range(settings.PORTAL_FAILURE_LIMIT + 2):
        assert ON_ITS_WAY in ask_for_code(arrived)
    assert len(texts(sms_file)) == settings.PORTAL_FAILURE_LIMIT


def test_a_malformed_code_is_a_form_error_not_a_failure(arrived):
    response = arrived.post("/portal/verify/code/", {"code-code": "12ab<script>"})
    assert response.status_code == 400
    assert "Enter the six digits of the code" in response.content.decode()
    assert not IdentityFailure.objects.exists()


def test_no_code_without_a_link_being_answered(client, sms_file):
    assert client.post("/portal/verify/code/send/").url == "/portal/"
    assert client.post("/portal/verify/code/", {"code-code": "123456"}).url == "/portal/"
    assert texts(sms_file) == []


def test_the_code_is_written_in_the_debtors_language(arrived, case, sms_file):
    case.debtor.language = "zh-hans"
    case.debtor.save()
    ask_for_code(arrived)
    assert "验证码" in texts(sms_file)[0]["body"]


def test_no_code_is_sent_while_the_portal_is_locked(arrived, case, sms_file, settings, now):
    for _attempt in range(settings.PORTAL_FAILURE_LIMIT):
        IdentityFailure.objects.create(
            reference_key=case.account.account_reference, client_ip="192.0.2.9", failed_at=now
        )
    page = ask_for_code(arrived)
    assert "Too many attempts" in page and ON_ITS_WAY not in page
    assert texts(sms_file) == []
