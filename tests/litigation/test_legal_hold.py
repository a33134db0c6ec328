"""Once a lawsuit is filed, the compliance gate refuses collectors, agencies and the pipeline
with the legal hold's reason; the legal team's own contact passes."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.engine import compliance_decide
from tests.compliance.factories import local_moment, mobile
from tests.litigation.conftest import later
from tests.litigation.test_services import filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_case(lawsuit, lawyer, law_firm):
    filed(lawsuit, lawyer, law_firm)
    case = lawsuit.case
    case.refresh_from_db()
    return case


def a_weekday_afternoon_after_filing(case) -> dt.datetime:
    moment = local_moment("2026-11-25 14:00", case.debtor.time_zone)
    assert moment > case.legal_hold_since
    return moment


def test_a_collectors_call_is_refused_under_the_legal_hold(held_case, collector):
    decision = compliance_decide(
        actor=collector,
        case=held_case,
        channel="call",
        contact_point=mobile(held_case),
        moment=a_weekday_afternoon_after_filing(held_case),
    )
    assert not decision.allowed
    (failed,) = [r for r in decision.failed_results if r.code == "legal_hold"]
    assert "only the legal team" in failed.reason
    assert not failed.overridable
    assert "legal_hold" in decision.log_entry.failed_rules


def test_the_pipelines_letter_is_refused_too(held_case):
    decision = compliance_decide(
        actor=None,
        case=held_case,
        channel="letter",
        moment=a_weekday_afternoon_after_filing(held_case),
    )
    assert "legal_hold" in [r.code for r in decision.failed_results]


def test_the_legal_teams_own_call_passes_the_hold(held_case, lawyer):
    decision = compliance_decide(
        actor=lawyer,
        case=held_case,
        channel="call",
        contact_point=mobile(held_case),
        moment=a_weekday_afternoon_after_filing(held_case),
    )
    (result,) = [r for r in decision.results if r.code == "legal_hold"]
    assert result.passed


def test_before_the_filing_there_is_no_hold(lawsuit, collector):
    decision = compliance_decide(
        actor=collector,
        case=lawsuit.case,
        channel="call",
        contact_point=mobile(lawsuit.case),
        moment=later(days=1),
    )
    (result,) = [r for r in decision.results if r.code == "legal_hold"]
    assert result.passed
