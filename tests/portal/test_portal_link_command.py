"""`manage.py portal_link`: a working link to a case's portal, and a clear refusal."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from portal.access import case_id_of_link

pytestmark = pytest.mark.django_db


def link_of(*args: str) -> str:
    out = io.StringIO()
    call_command("portal_link", *args, stdout=out)
    return out.getvalue().strip()


def test_it_prints_a_link_to_the_cases_identity_questions(client, case):
    link = link_of(str(case.pk), "--base-url", "https://portal.example/")

    assert link.startswith("https://portal.example/portal/l/")
    token = link.removeprefix("https://portal.example/portal/l/").removesuffix("/")
    assert case_id_of_link(token) == case.pk
    assert client.get(link.removeprefix("https://portal.example")).url == "/portal/verify/"


def test_each_link_is_new(case):
    assert link_of(str(case.pk)) != link_of(str(case.pk))


def test_a_case_that_does_not_exist_is_refused():
    with pytest.raises(CommandError, match=r"No case has the id 404\."):
        link_of("404")
