"""Field visits: plan one, check in on the spot, check out with the outcome and the evidence.

A visit is a contact with the debtor on the `visit` channel, so it passes the compliance gate
twice: at planning, for the planned moment (the contact window in the debtor's zone, the visit
caps, the debtor's flags), and again at check-in, for the moment the visitors arrive. Each
decision writes its row of the log, allowed or blocked. The policy's `min_staff` is enforced
here at planning: the gate's rules judge one attempt on one contact point and know nothing of
who goes. The check-out writes the visit's `Activity` and its contact row under the check-in's
decision, with every evidence file's SHA-256 in that row. Every service takes the acting user
and `now`; none reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, ngettext

from accounts.models import User
from accounts.roles import Role
from cases.models import Activity, Case, ContactPoint
from cases.selectors import cases_visible_to, current_placements
from compliance.engine import (
    Decision,
    compliance_decide,
    compliance_record_contact,
    decision_of_entry,
)
from compliance.policies import policy_parameters_for_case
from compliance.presets import FieldVisitPolicy
from visits.models import Visit, VisitEvidence

# The roles whose staff go on visits.
VISITING_ROLES = (
    Role.COLLECTOR,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.AGENCY_COLLECTOR,
    Role.AGENCY_MANAGER,
)
# How each outcome of a visit is recorded on the case's activity (the outcomes every channel
# shares): what the contact-history rules count.
ACTIVITY_OUTCOMES = {
    Visit.Outcome.MET_DEBTOR: Activity.Outcome.RIGHT_PARTY_CONTACT,
    Visit.Outcome.MET_THIRD_PARTY: Activity.Outcome.THIRD_PARTY,
    Visit.Outcome.NOBODY_HOME: Activity.Outcome.NO_ANSWER,
    Visit.Outcome.REFUSED: Activity.Outcome.REFUSED_TO_PAY,
    Visit.Outcome.ADDRESS_WRONG: Activity.Outcome.WRONG_NUMBER,
    Visit.Outcome.PROMISE: Activity.Outcome.PROMISE,
    Visit.Outcome.PAYMENT: Activity.Outcome.PAID,
}
# Outcomes where the visitors met the debtor in person.
MET_DEBTOR_OUTCOMES = (
    Visit.Outcome.MET_DEBTOR,
    Visit.Outcome.REFUSED,
    Visit.Outcome.PROMISE,
    Visit.Outcome.PAYMENT,
)
EVIDENCE_EXTENSIONS = frozenset(
    {
        # photos
        ".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp",
        # recordings
        ".m4a", ".mp3", ".aac", ".wav", ".ogg", ".oga", ".opus", ".amr", ".3gp", ".webm",
    }
)  # fmt: skip


class VisitRefused(Exception):
    """The visit cannot be planned or moved on as asked; the message says why, to a person."""


def evidence_max_bytes() -> int:
    return settings.VISIT_EVIDENCE_MAX_MB * 1024 * 1024


def missed_after() -> dt.timedelta:
    return dt.timedelta(hours=settings.VISIT_MISSED_AFTER_HOURS)


def field_visit_policy(case: Case) -> FieldVisitPolicy | None:
    """The field-visit parameters of the policy the case is judged under (None: none)."""
    return policy_parameters_for_case(case=case).field_visit


def visitors_eligible(case: Case) -> list[User]:
    """The staff who may go on a visit of `case`: those who may see it. For a case placed with
    an agency, that agency's staff; otherwise the case's team and its supervisors."""
    placement = current_placements().filter(case_id=case.pk).first()
    if placement is not None:
        candidates = User.objects.filter(agency_id=placement.agency_id)
    elif case.team_id is not None:
        candidates = User.objects.filter(team_id=case.team_id) | User.objects.filter(
            supervised_teams=case.team_id
        )
    else:
        return []
    candidates = candidates.filter(is_active=True, is_superuser=False).distinct()
    return [
        user
        for user in candidates.prefetch_related("groups").order_by("last_name", "username")
        if user.role in VISITING_ROLES and cases_visible_to(user).filter(pk=case.pk).exists()
    ]


def postal_addresses(case: Case) -> list[ContactPoint]:
    """The debtor's postal addresses a visit may go to."""
    return list(
        ContactPoint.objects.filter(
            debtor_id=case.debtor_id, kind=ContactPoint.Kind.POSTAL, owner="debtor"
        ).order_by("id")
    )


@dataclass(frozen=True)
class GateResult:
    """What a gated step did: the gate's decision, and the visit when the step was taken."""

    decision: Decision
    visit: Visit | None


def visit_plan(
    *,
    case: Case,
    user,
    address: ContactPoint,
    planned_at: dt.datetime,
    visitors: list[User],
    now: dt.datetime,
) -> GateResult:
    """Plan a visit of `case` by `visitors` to `address` at `planned_at`, if the gate allows.

    Refused before the gate (VisitRefused, nothing logged, nothing planned): a moment already
    past, an address that is not one of the debtor's postal addresses, a visitor who may not
    see the case, fewer visitors than the policy's `min_staff`. Then the gate judges the
    planned moment: blocked, only its log row is written.
    """
    if planned_at <= now:
        raise VisitRefused(gettext("Choose a time in the future for the visit."))
    if address.debtor_id != case.debtor_id or address.kind != ContactPoint.Kind.POSTAL:
        raise VisitRefused(gettext("A visit goes to one of the debtor's postal addresses."))
    eligible = {visitor.pk for visitor in visitors_eligible(case)}
    chosen = list({visitor.pk: visitor for visitor in visitors}.values())
    if not chosen:
        raise VisitRefused(gettext("Choose who goes on the visit."))
    if any(visitor.pk not in eligible for visitor in chosen):
        raise VisitRefused(gettext("Only staff who may see this case can go on its visit."))
    policy = field_visit_policy(case)
    if policy is not None and len(chosen) < policy.min_staff:
        raise VisitRefused(
            ngettext(
                "The policy asks for at least %(count)d visitor on a field visit.",
                "The policy asks for at least %(count)d visitors on a field visit.",
                policy.min_staff,
            )
            % {"count": policy.min_staff}
        )
    with transaction.atomic():
        decision = compliance_decide(
            actor=user,
            case=case,
            channel="visit",
            contact_point=address,
            moment=planned_at,
            action="visit_plan",
        )
        if not decision.allowed:
            return GateResult(decision, None)
        visit = Visit.objects.create(
            case=case,
            address=address,
            planned_at=planned_at,
            planned_by=user,
            plan_decision=decision.log_entry,
        )
        visit.visitors.set(chosen)
    return GateResult(decision, visit)


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("case").get(pk=visit.pk)


def _require_visitor(visit: Visit, user) -> None:
    if not visit.visitors.filter(pk=user.pk).exists():
        raise VisitRefused(gettext("Only the visit's visitors can check in and out."))


def visit_check_in(
    *,
    visit: Visit,
    user,
    now: dt.datetime,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> GateResult:
    """Check in on the spot, if the gate allows a visit now (judged again: the window, the
    caps, the flags may have changed since planning). The position is optional."""
    if (latitude is None) != (longitude is None):
        raise VisitRefused(gettext("A position needs both its latitude and its longitude."))
    with transaction.atomic():
        locked = _locked(visit)
        _require_visitor(locked, user)
        if locked.status != Visit.Status.PLANNED:
            raise VisitRefused(gettext("This visit is already checked in."))
        decision = compliance_decide(
            actor=user,
            case=locked.case,
            channel="visit",
            contact_point=locked.address,
            moment=now,
            action="visit_check_in",
        )
        if not decision.allowed:
            return GateResult(decision, None)
        locked.status = Visit.Status.CHECKED_IN
        locked.checked_in_at = now
        locked.checked_in_by = user
        locked.check_in_decision = decision.log_entry
        locked.latitude, locked.longitude = latitude, longitude
        locked.save()
    return GateResult(decision, locked)


def _evidence_problem(upload) -> str | None:
    """Why an uploaded file cannot be kept as evidence, or None."""
    name = upload.name or ""
    if PurePath(name).suffix.lower() not in EVIDENCE_EXTENSIONS:
        return gettext("%(name)s is not a photo or a recording this page takes.") % {"name": name}
    if upload.size > evidence_max_bytes():
        return gettext("%(name)s is larger than %(limit)d MB.") % {
            "name": name,
            "limit": settings.VISIT_EVIDENCE_MAX_MB,
        }
    if upload.size == 0:
        return gettext("%(name)s is empty.") % {"name": name}
    return None


def evidence_problems(files: list) -> list[str]:
    """Every reason the uploaded files cannot all be kept (empty: they can)."""
    problems = [problem for upload in files if (problem := _evidence_problem(upload))]
    if len(files) > settings.VISIT_EVIDENCE_MAX_FILES:
        problems.insert(
            0,
            gettext("At most %(count)d files can be added to one visit.")
            % {"count": settings.VISIT_EVIDENCE_MAX_FILES},
        )
    return problems


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def visit_check_out(
    *,
    visit: Visit,
    user,
    now: dt.datetime,
    outcome: str,
    notes: str = "",
    identification_shown: bool,
    files: list,
) -> Visit:
    """Check out: record the outcome as the visit's Activity (channel visit, from the check-in
    to now) and its compliance-log contact row under the check-in's decision, holding each
    evidence file's name, size and SHA-256; the files go to storage under visits/%Y/%m/."""
    if outcome not in Visit.Outcome.values:
        raise ValueError(f"{outcome!r} is not a visit outcome.")
    problems = evidence_problems(files)
    if problems:
        raise VisitRefused(" ".join(problems))
    with transaction.atomic():
        locked = _locked(visit)
        _require_visitor(locked, user)
        if locked.status != Visit.Status.CHECKED_IN:
            raise VisitRefused(gettext("Check in before checking out."))
        policy = field_visit_policy(locked.case)
        if policy is not None and policy.identification_shown and not identification_shown:
            raise VisitRefused(
                gettext("The policy asks the visitors to show their identification: confirm it.")
            )
        activity = Activity.objects.create(
            case=locked.case,
            debtor_id=locked.case.debtor_id,
            contact_point=locked.address,
            channel=Activity.Channel.VISIT,
            outcome=ACTIVITY_OUTCOMES[outcome],
            notes=notes,
            actor=user,
            agency_id=user.agency_id,
            occurred_at=locked.checked_in_at,
            duration_seconds=max(0, int((now - locked.checked_in_at).total_seconds())),
        )
        evidence = []
        for upload in files:
            kept = VisitEvidence(
                visit=locked,
                original_name=PurePath(upload.name).name[:200],
                size=upload.size,
                sha256=_sha256(upload),
                uploaded_by=user,
                uploaded_at=now,
            )
            kept.file.save(PurePath(upload.name).name, upload, save=False)
            kept.save()
            evidence.append({"file": kept.original_name, "bytes": kept.size, "sha256": kept.sha256})
        compliance_record_contact(
            decision=decision_of_entry(locked.check_in_decision),
            activity=activity,
            evidence=evidence,
        )
        locked.status = Visit.Status.DONE
        locked.checked_out_at = now
        locked.outcome = outcome
        locked.notes = notes
        locked.identification_shown = identification_shown
        locked.activity = activity
        locked.save()
    return locked
