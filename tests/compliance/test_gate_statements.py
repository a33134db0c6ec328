"""How the gate reads what it judges: each case's policy in force in one statement, and no
savepoint of its own inside the caller's transaction."""

from __future__ import annotations

import copy

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry, CompliancePolicy, PortfolioPolicy
from compliance.policies import policies_in_force, policy_version_create
from compliance.presets import US_REGF_PARAMETERS
from tests.compliance.factories import case_under, mobile, utc

MOMENT = utc("2026-11-23 15:00")  # 10:00 in New York: inside every call window


def call(case, point):
    return compliance_decide(
        actor=None, case=case, channel="call", contact_point=point, moment=MOMENT
    )


@pytest.mark.django_db
def test_each_case_gets_its_policy_and_that_policys_newest_version(settings, admin_user):
    settings.COLLECTIONS_POLICY = "CN-bank"
    regf, fca, site = case_under("US-RegF"), case_under("UK-FCA"), case_under("")
    in_portfolio = case_under("UK-FCA")
    in_portfolio.account.portfolio = "massachusetts-2026"
    in_portfolio.account.save()
    policies_in_force(case_ids=[site.pk])  # seeds the presets on first use
    PortfolioPolicy.objects.create(
        portfolio="massachusetts-2026", policy=CompliancePolicy.objects.get(code="US-MA")
    )
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    parameters["contact_windows"]["call"] = {"start": "09:00", "end": "20:00"}
    policy_version_create(
        policy=CompliancePolicy.objects.get(code="US-RegF"),
        parameters=parameters,
        note="Later start",
        created_by=admin_user,
    )

    with CaptureQueriesContext(connection) as queries:
        in_force = policies_in_force(case_ids=[regf.pk, fca.pk, site.pk, in_portfolio.pk])

    assert len(queries.captured_queries) == 1
    assert {pk: (policy.code, policy.version) for pk, policy in in_force.items()} == {
        regf.pk: ("US-RegF", 2),
        fca.pk: ("UK-FCA", 1),
        site.pk: ("CN-bank", 1),
        in_portfolio.pk: ("US-MA", 1),
    }
    assert str(in_force[regf.pk].parameters.contact_windows["call"].start) == "09:00:00"


@pytest.mark.django_db
def test_a_case_that_does_not_exist_is_named():
    with pytest.raises(Case.DoesNotExist, match="No case 999999"):
        policies_in_force(case_ids=[999999])


@pytest.mark.django_db
def test_inside_a_transaction_a_refused_attempt_leaves_no_row_and_the_transaction_goes_on():
    case, stranger = case_under(), case_under()
    with transaction.atomic():
        with pytest.raises(ValueError, match="another debtor"):
            call(case, mobile(stranger))
        assert not ComplianceLogEntry.objects.exists()
        decision = call(case, mobile(case))
    assert decision.allowed
    assert list(ComplianceLogEntry.objects.values_list("pk", flat=True)) == [decision.log_entry.pk]


@pytest.mark.django_db
def test_inside_a_transaction_the_gate_takes_no_savepoint():
    case = case_under()
    point = mobile(case)
    call(case, point)  # seeds the preset
    with CaptureQueriesContext(connection) as queries:
        call(case, point)
    assert not [query for query in queries.captured_queries if "SAVEPOINT" in query["sql"]]


@pytest.mark.django_db(transaction=True)
def test_alone_the_gate_opens_its_own_transaction_for_the_debtors_lock():
    case = case_under()
    point = mobile(case)
    assert not transaction.get_connection().in_atomic_block
    decision = call(case, point)
    assert decision.allowed
    assert ComplianceLogEntry.objects.get(pk=decision.log_entry.pk).case_id == case.pk
