"""The officer's list of calls without a recording, under the policies that require one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import Activity
from compliance.engine import compliance_decide, compliance_record_contact
from compliance.models import CompliancePolicyVersion
from tests.compliance.factories import case_under, local_moment, mobile, sealed
from tests.factories import ActivityFactory
from workspace.services import call_log_inbound

pytestmark = pytest.mark.django_db
SHANGHAI, LONDON = "Asia/Shanghai", "Europe/London"
URL = reverse("compliance:recordings")


def call_made(case, moment, *, recording: str = "", actor=None):
    """A call the gate allowed and that was made, as the workspace records it."""
    point = mobile(case)
    decision = compliance_decide(
        actor=actor, case=case, channel="call", contact_point=point, moment=moment
    )
    assert decision.allowed, decision.reason
    activity = ActivityFactory(
        case=case,
        contact_point=point,
        occurred_at=moment,
        outcome=Activity.Outcome.NO_ANSWER,
        recording_reference=recording,
    )
    return sealed(compliance_record_contact(decision=decision, activity=activity))


def cases_listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', response.content.decode())]


def test_calls_without_a_recording_under_the_cn_preset_are_listed_and_drill_to_the_case(
    client, compliance_officer, collector
):
    cn = case_under("CN-bank", time_zone=SHANGHAI)
    recorded = case_under("CN-bank", time_zone=SHANGHAI)
    uk = case_under("UK-FCA", time_zone=LONDON)
    missing = call_made(cn, local_moment("2026-11-23 10:00", SHANGHAI))
    call_made(recorded, local_moment("2026-11-23 10:00", SHANGHAI), recording="rec-1")
    call_made(uk, local_moment("2026-11-23 10:00", LONDON))
    received = call_log_inbound(
        case=cn, user=collector, outcome="rpc", now=local_moment("2026-11-24 09:00", SHANGHAI)
    )
    client.force_login(compliance_officer)

    response = client.get(URL, {"date_from": "2026-11-01", "date_to": "2026-11-30"})

    assert response.status_code == 200
    assert cases_listed(response) == [cn.pk, cn.pk]  # newest first: the inbound call, the dial
    page = response.content.decode()
    assert f'href="/compliance/{missing.pk}/"' in page
    assert f'href="/compliance/{received.compliance_log.get().pk}/"' in page
    assert "CN-bank v" in page


def test_the_period_filter_narrows_the_list(client, compliance_officer):
    cn = case_under("CN-bank", time_zone=SHANGHAI)
    call_made(cn, local_moment("2026-10-05 10:00", SHANGHAI))
    client.force_login(compliance_officer)

    november = client.get(URL, {"date_from": "2026-11-01", "date_to": "2026-11-30"})
    october = client.get(URL, {"date_from": "2026-10-01", "date_to": "2026-10-31"})
    backwards = client.get(URL, {"date_from": "2026-11-30", "date_to": "2026-11-01"})

    assert cases_listed(november) == []
    assert cases_listed(october) == [cn.pk]
    assert cases_listed(backwards) == []
    assert "The period ends before it starts." in backwards.content.decode()


def test_a_version_that_stopped_requiring_recordings_lists_nothing_made_under_it(
    client, compliance_officer
):
    cn = case_under("CN-bank", time_zone=SHANGHAI)
    policy_version = CompliancePolicyVersion.objects.filter(policy__code="CN-bank").first()
    relaxed = {**policy_version.parameters, "call_recording_required": False}
    policy_version.policy.versions.create(version=policy_version.version + 1, parameters=relaxed)
    call_made(cn, local_moment("2026-11-23 10:00", SHANGHAI))
    client.force_login(compliance_officer)

    assert cases_listed(client.get(URL)) == []


def test_the_list_is_paginated(client, compliance_officer):
    cn = case_under("CN-bank", time_zone=SHANGHAI)
    for hour in range(8, 14):
        for minute in range(0, 60, 6):
            call_made(cn, local_moment(f"2026-11-23 {hour:02d}:{minute:02d}", SHANGHAI))
    client.force_login(compliance_officer)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert (len(cases_listed(first)), len(cases_listed(second))) == (50, 10)


def test_others_are_refused(client, collector, outsider):
    for user in (collector, outsider):
        client.force_login(user)
        assert client.get(URL).status_code == 404
