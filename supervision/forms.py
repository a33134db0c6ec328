"""Forms of the supervisor's actions, and the case search of the reassignment page."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Team, User
from accounts.selectors import (
    assignable_collectors_for,
    collector_teams_for,
    teams_visible_to,
)
from cases.buckets import BUCKET_FLOORS, DELINQUENCY_BUCKETS, Bucket
from cases.models import Case, Stage
from common.forms import FreeTextField
from workspace.services import CALL_OUTCOMES


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.team})" if obj.team_id else name


class ReasonField(FreeTextField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("help_text", "Kept in the audit trail.")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError("Give a reason: it is kept in the audit trail.")
        return value.strip()


def _due_date_range(bucket: int, today: dt.date) -> Q:
    """Open cases whose account is in `bucket` today, by its oldest unpaid due date."""
    floors = dict(BUCKET_FLOORS)
    if bucket == Bucket.CURRENT:
        return Q(account__oldest_unpaid_due_date__isnull=True) | Q(
            account__oldest_unpaid_due_date__gte=today
        )
    ordered = list(DELINQUENCY_BUCKETS)
    condition = Q(account__oldest_unpaid_due_date__lte=today - dt.timedelta(days=floors[bucket]))
    following = ordered.index(bucket) + 1
    if following < len(ordered):
        ceiling = floors[ordered[following]]
        condition &= Q(account__oldest_unpaid_due_date__gt=today - dt.timedelta(days=ceiling))
    return condition


class CaseSearchFilterSet(django_filters.FilterSet):
    """Which open cases to reassign: by team, collector (or the pool), stage, product, bucket."""

    team = django_filters.ModelChoiceFilter(
        queryset=lambda request: teams_visible_to(request.user) if request else Team.objects.none(),
        empty_label="All my teams",
    )
    assigned_to = django_filters.ModelChoiceFilter(
        label="Collector",
        queryset=lambda request: (
            assignable_collectors_for(request.user) if request else User.objects.none()
        ),
        empty_label="Anyone",
        null_label="Team pool (unassigned)",
    )
    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.objects.select_related("strategy"), empty_label="Any stage"
    )
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in Case.Status if s not in Case.CLOSED_STATUSES],
        empty_label="Any open status",
    )
    product = django_filters.CharFilter(field_name="account__product", lookup_expr="iexact")
    bucket = django_filters.ChoiceFilter(
        label="Days past due",
        choices=[(int(b), b.label) for b in (Bucket.CURRENT, *DELINQUENCY_BUCKETS)],
        method="filter_bucket",
        empty_label="Any",
    )
    paused = django_filters.BooleanFilter(
        field_name="paused_at", lookup_expr="isnull", exclude=True, label="Paused"
    )
    search = django_filters.CharFilter(method="filter_search", label="Account or debtor")

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_bucket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_due_date_range(int(value), timezone.localdate()))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(account__account_reference__iexact=value) | Q(debtor__full_name__icontains=value)
        )


class ReassignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    all_matching = forms.BooleanField(
        required=False, label="Every case matching the search, not only those ticked"
    )
    collector = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        label="Give to collector",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="—",
        label="or put in the pool of team",
    )
    reason = ReasonField()

    def __init__(self, *args, user, cases: QuerySet[Case], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["collector"].queryset = assignable_collectors_for(user)
        self.fields["team"].queryset = collector_teams_for(user)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("collector")) == bool(cleaned.get("team")):
            raise forms.ValidationError("Choose either a collector or a team's pool.")
        if not cleaned.get("all_matching") and not cleaned.get("cases"):
            raise forms.ValidationError("Tick the cases to reassign, or choose every match.")
        return cleaned


class MoveCollectorForm(forms.Form):
    collector = PersonChoiceField(queryset=User.objects.none())
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="To team")
    return_cases = forms.BooleanField(
        required=False,
        initial=True,
        label="Return the collector's open cases to the old team's pool",
    )
    reason = ReasonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = assignable_collectors_for(user)
        self.fields["team"].queryset = collector_teams_for(user)

    def clean(self):
        cleaned = super().clean()
        collector, team = cleaned.get("collector"), cleaned.get("team")
        if collector and team and collector.team_id == team.pk:
            raise forms.ValidationError(f"{collector} is already in {team}.")
        return cleaned


class ReasonForm(forms.Form):
    reason = ReasonField()


class ApprovedCallForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(outcome.value, outcome.label) for outcome in CALL_OUTCOMES]
    )
    duration_minutes = forms.IntegerField(
        min_value=0, max_value=240, initial=0, label="Duration (minutes)"
    )
    notes = FreeTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
