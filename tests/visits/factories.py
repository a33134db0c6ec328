"""A visit as other apps' tests need one: done, with one photo, written straight."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from compliance.log import log_append
from tests.factories import ContactPointFactory
from visits.models import Visit, VisitEvidence


def visit_with_evidence(case, visitor) -> Visit:
    """A visit planned on `case` by `visitor`, with one photo kept (no gate: the tests that
    use it are about who may reach it)."""
    address = ContactPointFactory(debtor=case.debtor, kind="postal", value=f"{case.pk} Main St")
    now = timezone.now()
    decision = log_append(
        occurred_at=now,
        debtor_local_time=now.isoformat(),
        debtor_time_zone="UTC",
        case=case,
        debtor=case.debtor,
        contact_point=address,
        channel="visit",
        action="visit_plan",
        policy_code="US-RegF",
        policy_version=1,
        verdict="allowed",
        reason="Allowed",
    )
    visit = Visit.objects.create(
        case=case, address=address, planned_at=now, planned_by=visitor, plan_decision=decision
    )
    visit.visitors.add(visitor)
    VisitEvidence.objects.create(
        visit=visit,
        file=ContentFile(b"photo", name="door.jpg"),
        original_name="door.jpg",
        size=5,
        sha256="0" * 64,
        uploaded_by=visitor,
        uploaded_at=now,
    )
    return visit
