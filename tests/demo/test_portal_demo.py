"""The demo world can be tried on the debtor portal: its debtors can prove who they are, and
`seed_demo` says with which account and which answers."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from cases.models import Debtor
from tests.demo.test_seed_demo import WORLD, seed

pytestmark = pytest.mark.django_db

TRY_PORTAL = re.compile(
    r"Try the debtor portal at /portal/ with account reference (?P<reference>\S+), date of "
    r"birth (?P<birth_date>\d{4}-\d\d-\d\d) and national ID ending (?P<last4>\S{4}); or arrive "
    r"by a link as a message carries it: manage.py portal_link (?P<case>\d+)\."
)


def test_every_demo_debtor_can_answer_the_portals_questions():
    seed(*WORLD)
    assert not Debtor.objects.filter(birth_date__isnull=True).exists()
    assert not Debtor.objects.exclude(national_id_last4__regex=r"^\S{4}$").exists()


def test_the_account_seed_demo_names_opens_the_portal_with_the_answers_it_gives(client):
    demo = TRY_PORTAL.search(seed(*WORLD))
    assert demo is not None

    response = client.post(
        "/portal/",
        {
            "reference": demo["reference"],
            "birth_date": demo["birth_date"],
            "national_id_last4": demo["last4"],
        },
    )

    assert response.url == "/portal/account/"
    assert demo["reference"] in client.get(response.url).content.decode()


def test_the_link_of_the_named_case_leads_to_its_identity_questions(client):
    demo = TRY_PORTAL.search(seed(*WORLD))
    out = io.StringIO()
    call_command("portal_link", demo["case"], stdout=out)
    link = out.getvalue().strip().removeprefix("http://127.0.0.1:8000")

    assert client.get(link).url == "/portal/verify/"
    response = client.post(
        "/portal/verify/", {"birth_date": demo["birth_date"], "national_id_last4": demo["last4"]}
    )
    assert response.url == "/portal/account/"


def test_a_seeded_database_is_reminded_of_the_portals_account_too():
    first = TRY_PORTAL.search(seed("--debtors", "20", "--date", "2026-11-23"))
    again = TRY_PORTAL.search(seed("--if-empty"))
    assert again is not None and again.group(0) == first.group(0)
