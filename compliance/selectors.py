"""Read-only queries over the compliance log that depend on who is asking."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Q, QuerySet

from accounts.roles import Role
from cases.selectors import cases_visible_to
from compliance.models import ComplianceLogEntry, CompliancePolicyVersion
from compliance.presets import rule_name


def log_entries_visible_to(user) -> QuerySet[ComplianceLogEntry]:
    """The log rows `user` may audit: all for compliance and admins, else their cases' rows."""
    entries = ComplianceLogEntry.objects.select_related(
        "actor", "agency", "team", "case", "debtor", "contact_point", "approver"
    )
    if not user.is_authenticated or not user.has_perm("compliance.view_compliance_log"):
        return entries.none()
    if user.role in (Role.ADMIN, Role.COMPLIANCE_OFFICER):
        return entries
    return entries.filter(case__in=cases_visible_to(user))


def log_blocks_by_rule(entries: QuerySet[ComplianceLogEntry]) -> list[tuple[str, str, int]]:
    """How many blocked decisions each rule took part in, most first: (code, name, blocks)."""
    counts: Counter[str] = Counter()
    combinations = (
        entries.filter(kind=ComplianceLogEntry.Kind.DECISION, verdict="blocked")
        .order_by()
        .values_list("failed_rules")
        .annotate(blocks=Count("pk"))
    )
    for failed_rules, blocks in combinations:
        for code in filter(None, failed_rules.split(",")):
            counts[code] += blocks
    return [(code, rule_name(code), blocks) for code, blocks in counts.most_common()]


def log_blocks_by(entries: QuerySet[ComplianceLogEntry], field: str) -> list[tuple[str, int]]:
    """Blocked decisions per value of `field` (e.g. "team__name"); blank means in-house/system."""
    rows = (
        entries.filter(kind=ComplianceLogEntry.Kind.DECISION, verdict="blocked")
        .order_by()
        .values_list(field)
        .annotate(blocks=Count("pk"))
        .order_by("-blocks", field)
    )
    return [(name or "—", blocks) for name, blocks in rows]


def log_entries_between(
    entries: QuerySet[ComplianceLogEntry], *, start: dt.datetime | None, end: dt.datetime | None
) -> QuerySet[ComplianceLogEntry]:
    if start is not None:
        entries = entries.filter(occurred_at__gte=start)
    if end is not None:
        entries = entries.filter(occurred_at__lt=end)
    return entries


CALL_CONTACT_KINDS = (
    ComplianceLogEntry.Kind.CONTACT,
    ComplianceLogEntry.Kind.RECEIVED,
    ComplianceLogEntry.Kind.UNGATED,
)


def log_calls_without_recording(
    entries: QuerySet[ComplianceLogEntry],
) -> QuerySet[ComplianceLogEntry]:
    """The calls among `entries` (one contact row each: made, received, or made without
    approval) that have no recording although the policy version they were made under
    requires one (`call_recording_required`)."""
    versions: dict[str, list[int]] = defaultdict(list)
    for code, version, parameters in CompliancePolicyVersion.objects.values_list(
        "policy__code", "version", "parameters"
    ):
        if isinstance(parameters, dict) and parameters.get("call_recording_required") is True:
            versions[code].append(version)
    if not versions:
        return entries.none()
    under_requiring_policy = Q()
    for code, numbers in versions.items():
        under_requiring_policy |= Q(policy_code=code, policy_version__in=numbers)
    return (
        entries.filter(
            kind__in=CALL_CONTACT_KINDS, channel="call", activity__recording_reference=""
        )
        .filter(under_requiring_policy)
        .select_related("activity")
    )
