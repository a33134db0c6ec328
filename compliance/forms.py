"""The compliance officer's search and period forms (plain GET forms)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from cases.models import Case
from cases.selectors import cases_matching
from common.days import business_day_start
from common.forms import DateInput, PeriodChecked, latest_date
from common.numbers import MAX_ID, parse_id
from compliance.models import ComplianceLogEntry, CompliancePolicyVersion
from compliance.presets import FIXED_RULE_CODES, rule_name
from compliance.selectors import log_entries_between

# The agencies app sits above compliance: its model is reached through the log's own relation.
LOGGED_AGENCY = ComplianceLogEntry._meta.get_field("agency").related_model


def _rule_choices() -> list[tuple[str, str]]:
    """Built-in rules plus every attempt cap any policy version defines."""
    codes = set(FIXED_RULE_CODES)
    for parameters in CompliancePolicyVersion.objects.values_list("parameters", flat=True):
        caps = parameters.get("attempt_caps", []) if isinstance(parameters, dict) else []
        codes.update(cap["code"] for cap in caps if isinstance(cap, dict) and "code" in cap)
    return [("", gettext("Any rule")), *((code, rule_name(code)) for code in sorted(codes))]


class PeriodForm(PeriodChecked, forms.Form):
    date_from = forms.DateField(
        required=False, widget=DateInput, label=gettext_lazy("From"), validators=[latest_date]
    )
    date_to = forms.DateField(
        required=False,
        widget=DateInput,
        label=gettext_lazy("To (inclusive)"),
        validators=[latest_date],
    )

    def filter(self, entries: QuerySet[ComplianceLogEntry]) -> QuerySet[ComplianceLogEntry]:
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        return log_entries_between(
            entries,
            start=business_day_start(start) if start else None,
            end=business_day_start(end + dt.timedelta(days=1)) if end else None,
        )


class LogSearchForm(PeriodForm):
    debtor = forms.CharField(
        required=False,
        label=gettext_lazy("Debtor"),
        help_text=gettext_lazy(
            "Name, phone number, account reference, national ID or its last four, the card's "
            "last four, or the debtor's number."
        ),
    )
    case = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, label=gettext_lazy("Case number")
    )
    actor = forms.CharField(required=False, label=gettext_lazy("Actor (username)"))
    agency = forms.ModelChoiceField(
        queryset=LOGGED_AGENCY.objects.all(), required=False, label=gettext_lazy("Agency")
    )
    rule = forms.ChoiceField(required=False, label=gettext_lazy("Failing rule"))
    decision = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Decision"),
        choices=[("", gettext_lazy("Any decision")), *ComplianceLogEntry.Verdict.choices],
    )

    field_order = ["debtor", "case", "actor", "agency", "rule", "decision", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = _rule_choices()

    def filter(self, entries: QuerySet[ComplianceLogEntry]) -> QuerySet[ComplianceLogEntry]:
        data = self.cleaned_data
        entries = super().filter(entries)
        if debtor := data.get("debtor", "").strip():
            # Rows without a case (none is known to the log) are still found by the name.
            match = Q(case__in=cases_matching(Case.objects.all(), debtor)) | Q(
                debtor__full_name__icontains=debtor
            )
            if (debtor_id := parse_id(debtor)) is not None:
                match |= Q(debtor_id=debtor_id)
            entries = entries.filter(match)
        if data.get("case"):
            entries = entries.filter(case_id=data["case"])
        if actor := data.get("actor", "").strip():
            entries = entries.filter(actor__username__iexact=actor)
        if data.get("agency"):
            entries = entries.filter(agency=data["agency"])
        if data.get("rule"):
            entries = entries.filter(failed_rules__contains=f",{data['rule']},")
        if data.get("decision"):
            entries = entries.filter(verdict=data["decision"])
        return entries
