"""The compliance officer's read-only pages: the log, block counts, overrides, verification."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.navigation import COMPLIANCE_TABS, Tab, tabs_for
from cases.selectors import search_term_for_address
from common.access import permission_required_or_404
from common.forms import address_with
from compliance.forms import LogSearchForm, PeriodForm
from compliance.log import compliance_log_verify
from compliance.models import ComplianceLogEntry
from compliance.selectors import (
    log_blocks_by,
    log_blocks_by_rule,
    log_calls_without_recording,
    log_entries_visible_to,
)

PAGE_SIZE = 50
DEFAULT_PERIOD_DAYS = 30
audit_permission = permission_required_or_404("compliance.view_compliance_log")


def _tabs(request, active: str) -> list[Tab]:
    return tabs_for(request.user, COMPLIANCE_TABS, active)


def _filtered(request, form_class):
    """The visible log rows narrowed by a bound GET form; none when the form is invalid."""
    form = form_class(request.GET or None)
    entries = log_entries_visible_to(request.user)
    if form.is_bound:
        entries = form.filter(entries) if form.is_valid() else entries.none()
    return form, entries


def _page(request, entries):
    return Paginator(entries.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))


@audit_permission
def log_list(request):
    if (safer := search_term_for_address(request.GET.get("debtor", ""))) is not None:
        return redirect(address_with(request, "debtor", safer))
    form, entries = _filtered(request, LogSearchForm)
    return render(
        request,
        "compliance/log_list.html",
        {"form": form, "page": _page(request, entries), "tabs": _tabs(request, "compliance:log")},
    )


@audit_permission
def log_detail(request, entry_id: int):
    entry = get_object_or_404(log_entries_visible_to(request.user), pk=entry_id)
    return render(
        request,
        "compliance/log_detail.html",
        {
            "entry": entry,
            "contacts": entry.contact_entries.select_related("activity").order_by("pk"),
            "tabs": _tabs(request, "compliance:log"),
        },
    )


@audit_permission
def block_counts(request):
    """Blocks per rule and per team / agency over a period (the last 30 days by default)."""
    params = request.GET.copy()
    today = timezone.localdate()
    params.setdefault("date_from", (today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat())
    params.setdefault("date_to", today.isoformat())
    form = PeriodForm(params)
    entries = log_entries_visible_to(request.user)
    entries = form.filter(entries) if form.is_valid() else entries.none()
    return render(
        request,
        "compliance/block_counts.html",
        {
            "form": form,
            "by_rule": log_blocks_by_rule(entries),
            "by_team": log_blocks_by(entries, "team__name"),
            "by_agency": log_blocks_by(entries, "agency__name"),
            "decisions": entries.filter(kind=ComplianceLogEntry.Kind.DECISION).count(),
            "tabs": _tabs(request, "compliance:blocks"),
        },
    )


@audit_permission
def override_list(request):
    """Every override asked for, granted or refused, with its reason and approver."""
    form, entries = _filtered(request, PeriodForm)
    overrides = entries.filter(kind=ComplianceLogEntry.Kind.DECISION).exclude(override_reason="")
    return render(
        request,
        "compliance/override_list.html",
        {
            "form": form,
            "page": _page(request, overrides),
            "tabs": _tabs(request, "compliance:overrides"),
        },
    )


@audit_permission
def calls_without_recording(request):
    """Calls with no recording under a policy that requires calls to be recorded."""
    form, entries = _filtered(request, PeriodForm)
    return render(
        request,
        "compliance/recordings_missing.html",
        {
            "form": form,
            "page": _page(request, log_calls_without_recording(entries)),
            "tabs": _tabs(request, "compliance:recordings"),
        },
    )


@audit_permission
def chain_verify(request):
    """Verify the whole chain on demand (it walks every row, so only when asked)."""
    result = compliance_log_verify() if request.GET.get("run") else None
    return render(
        request,
        "compliance/verify.html",
        {"result": result, "tabs": _tabs(request, "compliance:verify")},
    )
