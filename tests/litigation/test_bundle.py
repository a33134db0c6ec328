"""The evidence bundle: one ZIP whose PDF lists the attachments by SHA-256, and whose
compliance rows verify against the case's log rows."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal
from compliance.models import ComplianceLogEntry
from litigation.bundle import evidence_bundle
from tests.compliance.factories import local_moment, mobile
from tests.factories import ActivityFactory, PromiseToPayFactory
from tests.litigation.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_case(lawsuit, collector):
    """The lawsuit's case with two decisions of the gate, sealed, a call and a promise."""
    case = lawsuit.case
    point = mobile(case)
    for hour in ("10:00", "11:00"):
        compliance_decide(
            actor=collector,
            case=case,
            channel="call",
            contact_point=point,
            moment=local_moment(f"2026-11-16 {hour}", case.debtor.time_zone),
        )
    compliance_log_seal()
    ActivityFactory(case=case, occurred_at=NOW, notes='=HYPERLINK("x")')
    PromiseToPayFactory(case=case)
    return case


def read_bundle(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_bundle_verifies_against_the_cases_log_rows(lawsuit, logged_case):
    files = read_bundle(evidence_bundle(lawsuit=lawsuit, now=NOW))

    assert files["bundle.pdf"].startswith(b"%PDF")
    log = json.loads(files["compliance_log.json"])
    assert log["chain_verification"]["ok"] is True
    stored = {e.pk: e for e in ComplianceLogEntry.objects.filter(case=logged_case)}
    assert {row["id"] for row in log["rows"]} == set(stored) and len(stored) == 2
    for row in log["rows"]:
        canonical = json.dumps(
            row["hashed_content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        recomputed = hashlib.sha256(f"{row['previous_hash']}\n{canonical}".encode()).hexdigest()
        assert recomputed == row["entry_hash"] == stored[row["id"]].entry_hash
        assert row["hash_matches"] is True


def test_the_attachments_hold_the_history_and_no_formula_runs(lawsuit, logged_case):
    files = read_bundle(evidence_bundle(lawsuit=lawsuit, now=NOW))
    assert set(files) >= {
        "bundle.pdf",
        "account_statement.csv",
        "contact_history.csv",
        "plans_and_promises.csv",
        "compliance_log.json",
    }
    assert b"'=HYPERLINK" in files["contact_history.csv"]
    assert b"promise" in files["plans_and_promises.csv"]
    assert logged_case.account.account_reference.encode() in files["account_statement.csv"]


def test_the_bundle_downloads_for_the_legal_team_and_is_a_404_outside_the_scope(
    client, lawyer, outsider, lawsuit
):
    url = reverse("litigation:bundle", args=[lawsuit.pk])
    client.force_login(lawyer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store" or "no-store" in response["Cache-Control"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404
