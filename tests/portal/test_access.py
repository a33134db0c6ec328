"""Arriving on the portal: links, identity questions, the lockout, the portal's own session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing

from cases.models import Activity
from compliance.models import ComplianceLogEntry
from portal.access import LINK_SALT, portal_link_path, portal_link_token
from portal.models import IdentityFailure
from portal.services import IdentityLocked, portal_identify
from tests.portal.conftest import BIRTH_DATE, answers

pytestmark = pytest.mark.django_db

NOT_CONFIRMED = "We could not confirm these details"


def test_a_link_leads_to_the_identity_questions_of_its_case(client, case):
    response = client.get(portal_link_path(case_id=case.pk))
    assert response.status_code == 302 and response.url == "/portal/verify/"
    response = client.post("/portal/verify/", answers())
    assert response.status_code == 302 and response.url == "/portal/account/"
    page = client.get("/portal/account/")
    assert page.status_code == 200
    assert case.account.account_reference in page.content.decode()


def test_every_link_is_different(case):
    assert portal_link_token(case_id=case.pk) != portal_link_token(case_id=case.pk)


def test_a_tampered_link_is_refused_and_names_nothing(client, case):
    token = portal_link_token(case_id=case.pk)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/portal/l/{forged}/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    assert "This link does not work" in response.content.decode()
    assert client.get("/portal/verify/").status_code == 302  # no case pending


def test_a_link_signed_for_another_purpose_is_refused(client, case):
    token = signing.dumps({"case": case.pk}, salt="something.else")
    response = client.get(f"/portal/l/{token}/")
    assert response.url == "/portal/"


def test_an_expired_link_is_refused(client, case, settings):
    token = portal_link_token(case_id=case.pk)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS, hours=1)
    with time_machine.travel(later, tick=False):
        response = client.get(f"/portal/l/{token}/")
    assert response.url == "/portal/"


def test_a_link_to_another_case_does_not_open_with_this_debtors_answers(client, case, other_case):
    client.get(portal_link_path(case_id=other_case.pk))
    response = client.post("/portal/verify/", answers())
    assert response.status_code == 400
    assert NOT_CONFIRMED in response.content.decode()
    assert client.get("/portal/account/").url == "/portal/"


def test_a_link_payload_names_only_its_case(case):
    payload = signing.loads(portal_link_token(case_id=case.pk), salt=LINK_SALT)
    assert payload["case"] == case.pk and set(payload) == {"case", "n"}


def test_right_answers_open_the_portal_and_are_recorded(client, case):
    response = client.post("/portal/", {"reference": "acc-portal-1 ", **answers()})
    assert response.status_code == 302
    activity = Activity.objects.get(case=case)
    assert (activity.channel, activity.direction, activity.actor) == ("portal", "inbound", None)
    entry = ComplianceLogEntry.objects.get(activity=activity)
    assert entry.kind == ComplianceLogEntry.Kind.RECEIVED and entry.action == "portal_action"


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": (BIRTH_DATE + dt.timedelta(days=1)).isoformat()},
        {"national_id_last4": "1235"},
    ],
)
def test_a_wrong_answer_shows_nothing(client, case, changes):
    response = client.post("/portal/", {"reference": "ACC-PORTAL-1", **answers(**changes)})
    assert response.status_code == 400
    assert NOT_CONFIRMED in response.content.decode()
    assert "1,200" not in response.content.decode()
    assert client.get("/portal/account/").status_code == 302


def test_no_such_account_answers_exactly_as_a_wrong_answer(client, case):
    wrong = client.post(
        "/portal/", {"reference": "ACC-PORTAL-1", **answers(national_id_last4="0000")}
    )
    missing = client.post("/portal/", {"reference": "NO-SUCH-REF", **answers()})
    assert wrong.status_code == missing.status_code == 400

    def page(response) -> str:
        text = response.content.decode()
        return (
            text.replace("ACC-PORTAL-1", "REF")
            .replace("NO-SUCH-REF", "REF")
            .replace("0000", "1234")
        )

    # The CSRF token differs from page to page; the rest is the same.
    strip = lambda text: "\n".join(  # noqa: E731
        line for line in text.splitlines() if "csrfmiddlewaretoken" not in line
    )
    assert strip(page(wrong)) == strip(page(missing))


def test_wrong_answers_lock_the_reference_out(case, now, settings):
    for _attempt in range(settings.PORTAL_FAILURE_LIMIT):
        assert (
            portal_identify(
                reference="ACC-PORTAL-1",
                birth_date=BIRTH_DATE,
                national_id_last4="0000",
                client_ip=f"10.0.0.{_attempt}",
                now=now,
            )
            is None
        )
    with pytest.raises(IdentityLocked):
        portal_identify(
            reference="ACC-PORTAL-1",
            birth_date=BIRTH_DATE,
            national_id_last4="1234",
            client_ip="10.0.1.1",
            now=now,
        )
    later = now + dt.timedelta(minutes=settings.PORTAL_LOCKOUT_MINUTES, seconds=1)
    assert (
        portal_identify(
            reference="ACC-PORTAL-1",
            birth_date=BIRTH_DATE,
            national_id_last4="1234",
            client_ip="10.0.1.1",
            now=later,
        )
        == case
    )
    assert not IdentityFailure.objects.filter(reference_key="ACC-PORTAL-1").exists()


def test_a_locked_out_reference_says_try_later_whether_or_not_it_exists(client, case, settings):
    for reference in ("ACC-PORTAL-1", "NO-SUCH-REF"):
        for _attempt in range(settings.PORTAL_FAILURE_LIMIT):
            client.post("/portal/", {"reference": reference, **answers(national_id_last4="0000")})
        response = client.post("/portal/", {"reference": reference, **answers()})
        assert response.status_code == 400
        assert "try again in" in response.content.decode()


def test_many_wrong_answers_from_one_address_lock_it_out(case, now, settings):
    settings.PORTAL_CLIENT_FAILURE_LIMIT = 3
    for number in range(3):
        portal_identify(
            reference=f"GUESS-{number}",
            birth_date=BIRTH_DATE,
            national_id_last4="1234",
            client_ip="10.9.9.9",
            now=now,
        )
    with pytest.raises(IdentityLocked):
        portal_identify(
            reference="ACC-PORTAL-1",
            birth_date=BIRTH_DATE,
            national_id_last4="1234",
            client_ip="10.9.9.9",
            now=now,
        )


def test_a_staff_session_is_not_a_portal_session(client, case, collector):
    client.force_login(collector)
    assert client.get("/portal/account/").url == "/portal/"


def test_a_portal_session_opens_no_staff_page(signed_in, case):
    response = signed_in.get(f"/cases/{case.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_forged_portal_cookie_opens_nothing(client, case):
    client.cookies["portal_session"] = f'{{"case": {case.pk}, "pending": null, "language": ""}}'
    assert client.get("/portal/account/").url == "/portal/"


def test_the_portal_session_ends_after_its_minutes(signed_in, settings):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.PORTAL_SESSION_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert signed_in.get("/portal/account/").url == "/portal/"


def test_leaving_ends_the_portal_session(signed_in):
    signed_in.post("/portal/sign-out/")
    assert signed_in.get("/portal/account/").url == "/portal/"


def test_the_portal_speaks_the_debtors_language_and_switches(client, case):
    case.debtor.language = "zh"
    case.debtor.save()
    client.post("/portal/", {"reference": "ACC-PORTAL-1", **answers()})
    assert "您的欠款" in client.get("/portal/account/").content.decode()
    client.post("/portal/language/", {"language": "en", "next": "/portal/account/"})
    assert "What you owe" in client.get("/portal/account/").content.decode()


def test_the_language_switch_goes_back_only_to_the_portal(client):
    response = client.post("/portal/language/", {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/portal/"
