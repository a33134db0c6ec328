"""Planning, checking in and checking out a field visit, through the compliance gate."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Activity
from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceLogEntry
from tests.compliance.factories import case_under
from tests.factories import ContactPointFactory
from tests.visits.conftest import NOW, SHANGHAI, TOMORROW_10
from visits.models import Visit
from visits.services import VisitRefused, visit_check_in, visit_check_out, visit_plan

pytestmark = pytest.mark.django_db
Verdict = ComplianceLogEntry.Verdict


def plan(case, address, planner, visitors, at=TOMORROW_10):
    return visit_plan(
        case=case, user=planner, address=address, planned_at=at, visitors=visitors, now=NOW
    )


def at_local(hour: int, minute: int = 0, day: int = 24) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_a_visit_in_the_window_is_planned_and_its_decision_logged(
    cn_case, home, supervisor, collector, partner
):
    result = plan(cn_case, home, supervisor, [collector, partner])

    assert result.visit is not None
    assert result.visit.status == Visit.Status.PLANNED
    assert set(result.visit.visitors.all()) == {collector, partner}
    row = result.decision.log_entry
    assert (row.channel, row.action, row.verdict) == ("visit", "visit_plan", Verdict.ALLOWED)
    assert row.contact_point == home
    assert result.visit.plan_decision == row


def test_a_visit_planned_after_22_in_the_debtors_zone_is_refused_and_nothing_planned(
    cn_case, home, supervisor, collector, partner
):
    # 22:30 in Shanghai is 14:30 UTC: day-time on the server's clock, night on the debtor's.
    result = plan(cn_case, home, supervisor, [collector, partner], at=at_local(22, 30))

    assert result.visit is None
    assert Visit.objects.count() == 0
    row = result.decision.log_entry
    assert row.verdict == Verdict.BLOCKED
    assert row.failed_rule_codes == ["contact_window"]
    assert row.debtor_time_zone == "Asia/Shanghai"
    # The next allowed moment is 08:00 the next morning, debtor's time.
    assert result.decision.next_allowed_at == at_local(8, 0, day=25)


def test_cn_bank_refuses_a_visit_by_one_visitor_before_the_gate(cn_case, home, collector):
    with pytest.raises(VisitRefused, match="at least 2 visitors"):
        plan(cn_case, home, collector, [collector])

    assert Visit.objects.count() == 0
    assert ComplianceLogEntry.objects.count() == 0


def test_a_visitor_who_may_not_see_the_case_is_refused(cn_case, home, collector, outsider):
    with pytest.raises(VisitRefused, match="Only staff who may see this case"):
        plan(cn_case, home, collector, [collector, outsider])
    assert Visit.objects.count() == 0


def test_a_visit_goes_to_a_postal_address_of_the_debtor(cn_case, collector, partner):
    phone = cn_case.debtor.contact_points.create(kind="mobile", value="+8613800138000")
    with pytest.raises(VisitRefused, match="postal"):
        plan(cn_case, phone, collector, [collector, partner])


def test_a_visit_cannot_be_planned_in_the_past(cn_case, home, collector, partner):
    with pytest.raises(VisitRefused, match="future"):
        plan(cn_case, home, collector, [collector, partner], at=NOW - dt.timedelta(hours=1))


def test_a_bankrupt_debtor_is_not_visited(cn_case, home, collector, partner):
    cn_case.debtor.is_bankrupt = True
    cn_case.debtor.save()
    result = plan(cn_case, home, collector, [collector, partner])
    assert result.visit is None
    assert "bankruptcy" in result.decision.log_entry.failed_rule_codes


def test_check_in_is_judged_again_at_its_own_moment(cn_case, home, collector, partner):
    visit = plan(cn_case, home, collector, [collector, partner], at=at_local(21, 0)).visit

    late = visit_check_in(visit=visit, user=partner, now=at_local(22, 15))
    assert late.visit is None
    assert late.decision.log_entry.action == "visit_check_in"
    assert late.decision.log_entry.failed_rule_codes == ["contact_window"]
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED and visit.checked_in_at is None

    on_time = visit_check_in(
        visit=visit, user=partner, now=at_local(21, 10), latitude=None, longitude=None
    )
    assert on_time.visit.status == Visit.Status.CHECKED_IN
    assert on_time.visit.check_in_decision == on_time.decision.log_entry


def test_only_a_visitor_checks_in(cn_case, home, collector, partner, supervisor):
    visit = plan(cn_case, home, supervisor, [collector, partner]).visit
    with pytest.raises(VisitRefused, match="visitors"):
        visit_check_in(visit=visit, user=supervisor, now=TOMORROW_10)


def test_check_in_keeps_the_position_when_given(cn_case, home, collector, partner):
    visit = plan(cn_case, home, collector, [collector, partner]).visit
    done = visit_check_in(
        visit=visit,
        user=collector,
        now=TOMORROW_10,
        latitude=Decimal("31.230416"),
        longitude=Decimal("121.473701"),
    ).visit
    done.refresh_from_db()
    assert (done.latitude, done.longitude) == (Decimal("31.230416"), Decimal("121.473701"))


def checked_in(case, address, collector, partner) -> Visit:
    visit = plan(case, address, collector, [collector, partner]).visit
    return visit_check_in(visit=visit, user=collector, now=TOMORROW_10).visit


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_check_out_logs_each_files_sha256_in_the_contact_row_and_the_chain_verifies(
    cn_case, home, collector, partner, settings
):
    visit = checked_in(cn_case, home, collector, partner)
    photo, audio = b"\x89PNG fake photo bytes", b"ID3 fake recording"
    done = visit_check_out(
        visit=visit,
        user=collector,
        now=TOMORROW_10 + dt.timedelta(minutes=25),
        outcome=Visit.Outcome.PROMISE,
        notes="Met Mr Wang at the door; he promised to pay on Friday.",
        identification_shown=True,
        files=[upload("door.png", photo), upload("talk.m4a", audio)],
    )

    assert done.status == Visit.Status.DONE
    activity = done.activity
    assert (activity.channel, activity.outcome) == ("visit", Activity.Outcome.PROMISE)
    assert activity.occurred_at == TOMORROW_10 and activity.duration_seconds == 25 * 60
    contact = ComplianceLogEntry.objects.get(kind="contact", activity=activity)
    assert contact.decision_entry == visit.check_in_decision
    assert contact.evidence == [
        {"file": "door.png", "bytes": len(photo), "sha256": hashlib.sha256(photo).hexdigest()},
        {"file": "talk.m4a", "bytes": len(audio), "sha256": hashlib.sha256(audio).hexdigest()},
    ]
    stored = list(done.evidence.all())
    assert [item.file.read() for item in stored] == [photo, audio]
    assert all(item.file.name.startswith("visits/2026/11/") for item in stored)
    assert all(item.file.path.startswith(str(settings.MEDIA_ROOT)) for item in stored)

    compliance_log_seal()
    assert compliance_log_verify().ok
    contact.refresh_from_db()
    assert contact.hashed_content()["evidence"] == contact.evidence


def test_changing_a_files_hash_in_the_log_breaks_the_chain(cn_case, home, collector, partner):
    visit = checked_in(cn_case, home, collector, partner)
    visit_check_out(
        visit=visit,
        user=collector,
        now=TOMORROW_10 + dt.timedelta(minutes=5),
        outcome=Visit.Outcome.NOBODY_HOME,
        identification_shown=True,
        files=[upload("door.jpg", b"photo")],
    )
    compliance_log_seal()
    contact = ComplianceLogEntry.objects.get(kind="contact")
    tampered = [{**contact.evidence[0], "sha256": "0" * 64}]
    contact.evidence = tampered
    assert contact.compute_hash() != contact.entry_hash


def test_a_row_without_evidence_hashes_as_before_the_field_existed(cn_case, home, collector):
    decision = compliance_decide(
        actor=collector, case=cn_case, channel="visit", contact_point=home, moment=TOMORROW_10
    )
    assert "evidence" not in decision.log_entry.hashed_content()


def test_cn_bank_asks_for_identification_at_check_out(cn_case, home, collector, partner):
    visit = checked_in(cn_case, home, collector, partner)
    with pytest.raises(VisitRefused, match="identification"):
        visit_check_out(
            visit=visit,
            user=collector,
            now=TOMORROW_10,
            outcome=Visit.Outcome.MET_DEBTOR,
            identification_shown=False,
            files=[],
        )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CHECKED_IN
    assert not Activity.objects.filter(channel="visit").exists()


def test_a_file_too_large_is_refused_and_nothing_is_recorded(
    cn_case, home, collector, partner, settings
):
    settings.VISIT_EVIDENCE_MAX_MB = 1
    visit = checked_in(cn_case, home, collector, partner)
    with pytest.raises(VisitRefused, match="larger than 1 MB"):
        visit_check_out(
            visit=visit,
            user=collector,
            now=TOMORROW_10,
            outcome=Visit.Outcome.MET_DEBTOR,
            identification_shown=True,
            files=[upload("big.jpg", b"x" * (1024 * 1024 + 1))],
        )
    assert not Activity.objects.filter(channel="visit").exists()
    assert not ComplianceLogEntry.objects.filter(kind="contact").exists()


def test_a_file_that_is_not_a_photo_or_recording_is_refused(cn_case, home, collector, partner):
    visit = checked_in(cn_case, home, collector, partner)
    with pytest.raises(VisitRefused, match="not a photo or a recording"):
        visit_check_out(
            visit=visit,
            user=collector,
            now=TOMORROW_10,
            outcome=Visit.Outcome.MET_DEBTOR,
            identification_shown=True,
            files=[upload("page.html", b"<script>")],
        )


def test_us_ma_allows_one_home_visit_in_30_days(team, collector):
    case = case_under("US-MA", time_zone="America/New_York")
    case.team = team
    case.save()
    address = ContactPointFactory(debtor=case.debtor, kind="postal", value="1 Main St, Boston")
    first_at = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # 10:00 in Boston
    visit = visit_plan(
        case=case,
        user=collector,
        address=address,
        planned_at=first_at,
        visitors=[collector],
        now=NOW,
    ).visit
    visit_check_in(visit=visit, user=collector, now=first_at)
    visit_check_out(
        visit=visit,
        user=collector,
        now=first_at + dt.timedelta(minutes=10),
        outcome=Visit.Outcome.NOBODY_HOME,
        identification_shown=False,
        files=[],
    )

    again = visit_plan(
        case=case,
        user=collector,
        address=address,
        planned_at=first_at + dt.timedelta(days=7),
        visitors=[collector],
        now=first_at + dt.timedelta(hours=1),
    )
    assert again.visit is None
    assert again.decision.log_entry.failed_rule_codes == ["ma_home_visits"]
