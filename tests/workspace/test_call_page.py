"""The case page around a call: click to call, the required disclosure, missing recordings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CardAccount
from compliance.models import CompliancePolicy, PortfolioPolicy
from compliance.presets import UK_FCA_PARAMETERS
from tests.factories import ActivityFactory
from workspace.dialing import dial_url

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def case(team, make_case):
    return make_case(team=team)


@pytest.fixture
def worker(client, collector):
    client.force_login(collector)
    return client


def page_of(client, case) -> str:
    return client.get(reverse("workspace:detail", args=[case.pk])).content.decode()


def under(case, code: str) -> None:
    """Put the case's account in a portfolio that follows the policy `code`."""
    portfolio = f"portfolio-{code}"
    CardAccount.objects.filter(pk=case.account_id).update(portfolio=portfolio)
    PortfolioPolicy.objects.get_or_create(
        portfolio=portfolio, defaults={"policy": CompliancePolicy.objects.get(code=code)}
    )


# --- Click to call --------------------------------------------------------------------------


def test_each_phone_number_links_to_the_phone_by_default(worker, case):
    point = case.debtor.contact_points.get()

    assert f'href="tel:{point.value}"' in page_of(worker, case)


def test_the_link_follows_the_dialer_url_template(worker, case, settings):
    settings.DIALER_URL_TEMPLATE = "https://dialer.example/call?to={number}&from=crm"
    point = case.debtor.contact_points.get()

    page = page_of(worker, case)

    digits = point.value.removeprefix("+")
    assert f'href="https://dialer.example/call?to=%2B{digits}&amp;from=crm"' in page


@pytest.mark.parametrize(
    ("written", "template", "link"),
    [
        ("+86 138-0013-8000", "tel:{number}", "tel:+8613800138000"),
        ("0086 138 0013 8000", "tel:{number}", "tel:+8613800138000"),
        ("+44 (20) 7946 0000", "sip:{number}@pbx", "sip:%2B442079460000@pbx"),
        ("(415) 555-0100", "tel:{number}", "tel:+14155550100"),  # PHONE_DEFAULT_REGION
        ("12", "tel:{number}", "tel:12"),  # not a number: its digits, as written
    ],
)
def test_numbers_are_dialled_in_e164_url_quoted(written, template, link, settings):
    settings.PHONE_DEFAULT_REGION = "US"
    assert dial_url(written, template) == link


def test_an_email_address_is_no_phone_link(worker, case):
    case.debtor.contact_points.create(kind="email", value="ann@example.com")

    page = page_of(worker, case)

    assert "ann@example.com" in page
    assert "tel:ann" not in page


# --- The disclosure on a right-party contact ------------------------------------------------


def post_call(client, case, **data) -> str:
    body = {f"call-{field}": value for field, value in data.items()}
    response = client.post(reverse("workspace:call_log", args=[case.pk]), body, **HTMX)
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def test_the_call_form_shows_the_policys_disclosure(worker, case):
    page = page_of(worker, case)

    assert "This is an attempt to collect a debt" in page
    assert 'name="call-disclosure_given"' in page


def test_a_right_party_contact_is_refused_until_the_disclosure_is_ticked(worker, case):
    point = case.debtor.contact_points.get()

    refused = post_call(worker, case, contact_point=point.pk, outcome="rpc", notes="Talked")

    assert "A right-party contact needs the disclosure" in refused
    assert "Talked" in refused  # nothing typed is lost
    assert not case.activities.exists()

    post_call(worker, case, contact_point=point.pk, outcome="rpc", disclosure_given="on")
    assert case.activities.get().disclosure_given


def test_an_unanswered_call_needs_no_disclosure(worker, case):
    point = case.debtor.contact_points.get()

    page = post_call(worker, case, contact_point=point.pk, outcome="no_answer")

    assert "Logged: No answer." in page
    assert not case.activities.get().disclosure_given


def test_paid_leads_on_to_the_payments_report_on_the_redrawn_page(worker, case):
    point = case.debtor.contact_points.get()

    page = post_call(worker, case, contact_point=point.pk, outcome="paid", disclosure_given="on")

    assert "Logged: Paid. Now report the payment below" in page
    assert "data-report-payment" in page
    assert 'id="payment-form"' in page  # the payments are part of the redrawn workspace


def test_another_outcome_does_not_ask_for_a_payment(worker, case):
    point = case.debtor.contact_points.get()

    page = post_call(worker, case, contact_point=point.pk, outcome="no_answer")

    assert "data-report-payment" not in page
    assert "data-outcome-logged" in page


def test_a_policy_without_a_disclosure_asks_for_none(worker, case):
    policy = CompliancePolicy.objects.create(code="NO-WORDS", preset="UK-FCA", name="No words")
    policy.versions.create(
        version=1, parameters={**UK_FCA_PARAMETERS, "right_party_disclosure": ""}
    )
    under(case, "NO-WORDS")
    point = case.debtor.contact_points.get()

    assert 'name="call-disclosure_given"' not in page_of(worker, case)
    page = post_call(worker, case, contact_point=point.pk, outcome="rpc")
    assert "Logged: Right-party contact." in page


# --- Recordings -----------------------------------------------------------------------------


def a_call(case, **fields):
    return ActivityFactory(case=case, occurred_at=timezone.now() - dt.timedelta(hours=1), **fields)


def test_a_call_without_a_recording_is_marked_under_a_policy_that_requires_one(worker, case):
    under(case, "CN-bank")
    a_call(case)
    a_call(case, recording_reference="https://recordings.example/r/1")
    a_call(case, recording_reference="rec-42")

    page = page_of(worker, case)

    assert page.count("recording missing") == 1
    assert 'href="https://recordings.example/r/1"' in page
    assert 'title="rec-42"' in page


def test_no_recording_is_asked_for_under_a_policy_that_does_not_require_one(worker, case):
    under(case, "UK-FCA")
    a_call(case)

    assert "recording missing" not in page_of(worker, case)


def test_a_recording_reference_that_is_no_web_address_is_not_linked(worker, case):
    under(case, "CN-bank")
    a_call(case, recording_reference="javascript:alert(1)")

    page = page_of(worker, case)

    assert 'href="javascript' not in page
    assert "recording missing" not in page


def test_a_promise_is_a_right_party_contact_and_needs_the_disclosure_too(worker, case):
    point = case.debtor.contact_points.get()
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    body = {"promise-contact_point": point.pk, "promise-amount": "80", "promise-due_date": due}
    url = reverse("workspace:promise", args=[case.pk])

    refused = worker.post(url, body, **HTMX).content.decode().replace("&#x27;", "'")

    assert "A right-party contact needs the disclosure" in refused
    assert not case.promises.exists()

    worker.post(url, {**body, "promise-disclosure_given": "on"}, **HTMX)
    assert case.promises.exists()
    assert case.activities.get().disclosure_given
