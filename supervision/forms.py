"""Forms of the supervisor's actions, and the case search of the reassignment page."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from accounts.selectors import (
    assignable_collectors_for,
    collector_teams_for,
    teams_visible_to,
)
from cases.buckets import BUCKET_FLOORS, DELINQUENCY_BUCKETS, Bucket
from cases.models import Case, Stage
from cases.selectors import cases_matching
from common.forms import FreeTextField
from workspace.services import CALL_OUTCOMES


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.team})" if obj.team_id else name


class ReasonField(FreeTextField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("label", gettext_lazy("Reason"))
        kwargs.setdefault("help_text", gettext_lazy("Kept in the audit trail."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError(_("Give a reason: it is kept in the audit trail."))
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
        label=gettext_lazy("Team"),
        queryset=lambda request: teams_visible_to(request.user) if request else Team.objects.none(),
        empty_label=gettext_lazy("All my teams"),
    )
    assigned_to = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Collector"),
        queryset=lambda request: (
            assignable_collectors_for(request.user) if request else User.objects.none()
        ),
        empty_label=gettext_lazy("Anyone"),
        null_label=gettext_lazy("Team pool (unassigned)"),
    )
    stage = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Stage"),
        queryset=Stage.objects.select_related("strategy"),
        empty_label=gettext_lazy("Any stage"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[(s.value, s.label) for s in Case.Status if s not in Case.CLOSED_STATUSES],
        empty_label=gettext_lazy("Any open status"),
    )
    product = django_filters.CharFilter(
        label=gettext_lazy("Product"), field_name="account__product", lookup_expr="iexact"
    )
    bucket = django_filters.ChoiceFilter(
        label=gettext_lazy("Days past due"),
        choices=[(int(b), b.label) for b in (Bucket.CURRENT, *DELINQUENCY_BUCKETS)],
        method="filter_bucket",
        empty_label=gettext_lazy("Any"),
    )
    paused = django_filters.BooleanFilter(
        field_name="paused_at", lookup_expr="isnull", exclude=True, label=gettext_lazy("Paused")
    )
    search = django_filters.CharFilter(
        method="filter_search",
        label=gettext_lazy("Account or debtor"),
        help_text=gettext_lazy(
            "Name, phone number, account reference, national ID, or the last four of the ID or "
            "the card."
        ),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_bucket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_due_date_range(int(value), timezone.localdate()))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return cases_matching(queryset, value)


class ReassignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    all_matching = forms.BooleanField(
        required=False,
        label=gettext_lazy("Every case matching the search, not only those ticked"),
    )
    collector = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        label=gettext_lazy("Give to collector"),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="—",
        label=gettext_lazy("or put in the pool of team"),
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
            raise forms.ValidationError(_("Choose either a collector or a team's pool."))
        if not cleaned.get("all_matching") and not cleaned.get("cases"):
            raise forms.ValidationError(_("Tick the cases to reassign, or choose every match."))
        return cleaned


class MoveCollectorForm(forms.Form):
    collector = PersonChoiceField(label=gettext_lazy("Collector"), queryset=User.objects.none())
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=gettext_lazy("To team"))
    return_cases = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("Return the collector's open cases to the old team's pool"),
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
            raise forms.ValidationError(
                _("%(collector)s is already in %(team)s.") % {"collector": collector, "team": team}
            )
        return cleaned


class ReasonForm(forms.Form):
    reason = ReasonField()


class ApprovedCallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(outcome.value, outcome.label) for outcome in CALL_OUTCOMES],
    )
    duration_minutes = forms.IntegerField(
        min_value=0, max_value=240, initial=0, label=gettext_lazy("Duration (minutes)")
    )
    notes = FreeTextField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
