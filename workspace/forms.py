from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Activity, Case, ContactPoint, ReportedPayment
from common.formatting import number
from common.forms import AmountField, DateInput, FreeTextField
from common.numbers import AmountError, parse_amount
from common.phones import PhoneNumberError, phone_e164
from common.sensitive import mask_secrets
from compliance.presets import ContactWindow
from compliance.rules import window_opening_at_or_after
from workspace.services import (
    CALL_OUTCOMES,
    CONTACT_POINT_MARKS,
    INBOUND_OUTCOMES,
    RIGHT_PARTY_OUTCOMES,
    disclosure_required,
    preferred_hours_problem,
    promise_date_problem,
    promise_latest_date,
    promise_max_days,
)


def _helper(form_id: str) -> FormHelper:
    """Crispy renders the fields; the template wraps them in the htmx form and its buttons."""
    helper = FormHelper()
    helper.form_tag = False
    helper.form_id = form_id
    return helper


def debtor_contact_points(case: Case) -> list[ContactPoint]:
    """The debtor's contact points; one query per page when the view prefetched them."""
    return list(case.debtor.contact_points.all())


def _phone_points(case: Case) -> list[ContactPoint]:
    return [p for p in debtor_contact_points(case) if p.kind in ContactPoint.PHONE_KINDS]


CONTACT_POINT_FLAG_LABELS = (
    ("invalid", _("invalid")),
    ("do_not_contact", _("DNC")),
    ("opted_out", _("opted out")),
)


def contact_point_label(point: ContactPoint) -> str:
    flags = [str(label) for flag, label in CONTACT_POINT_FLAG_LABELS if getattr(point, flag)]
    owner = "" if point.owner == ContactPoint.Owner.DEBTOR else f" ({point.third_party_name})"
    return mask_secrets(f"{point}{owner}{' · ' + ', '.join(flags) if flags else ''}")


class _ListedChoices(ModelChoiceIterator):
    """The choices of a ContactPointField: the rows it was offered, with no query of its own."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for point in self.field.points:
            yield self.choice(point)

    def __len__(self) -> int:
        return len(self.field.points) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.points)


class ContactPointField(forms.ModelChoiceField):
    """One of a debtor's contact points. The case page's forms share the one read of them
    that the page makes (see offer), instead of each form querying them at render time."""

    iterator = _ListedChoices

    def __init__(self, **kwargs):
        super().__init__(queryset=ContactPoint.objects.none(), **kwargs)
        self.points: list[ContactPoint] = []

    def label_from_instance(self, point: ContactPoint) -> str:
        return contact_point_label(point)

    def offer(self, points: list[ContactPoint]) -> None:
        """Offer these points; only they are accepted."""
        self.points = points
        self.queryset = ContactPoint.objects.filter(pk__in=[point.pk for point in points])


class _CallForm(forms.Form):
    contact_point = ContactPointField(label=_("Number"))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        points = _phone_points(case)
        field = self.fields["contact_point"]
        field.offer(points)
        usable = [p for p in points if not (p.invalid or p.do_not_contact or p.opted_out)]
        if usable:
            field.initial = usable[0].pk


def _disclosure_field() -> forms.BooleanField:
    return forms.BooleanField(
        required=False,
        label=_("I gave the disclosure shown above to the person"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class _DisclosureCheck:
    """A right-party contact needs the policy's disclosure, confirmed by the collector."""

    def check_disclosure(self, case: Case, outcome: str | None, given: bool) -> None:
        if outcome and not given and disclosure_required(case=case, outcome=outcome):
            self.add_error(
                "disclosure_given",
                gettext(
                    "A right-party contact needs the disclosure: say it, then tick that you "
                    "gave it (or choose another outcome)."
                ),
            )


class CallLogForm(_DisclosureCheck, _CallForm):
    """Contact point and notes; the outcome comes from the button pressed (keys 1-9)."""

    prefix = "call"  # several forms share the page: unique ids and names

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(o.value, o.label) for o in CALL_OUTCOMES]
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    disclosure_given = _disclosure_field()

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.case = case
        self.helper = _helper("call-form")
        # The disclosure's box is drawn beside its text (workspace/_call_form_extras.html).
        self.helper.layout = Layout("contact_point", "notes")

    def clean(self) -> dict:
        cleaned = super().clean()
        self.check_disclosure(
            self.case, cleaned.get("outcome"), cleaned.get("disclosure_given", False)
        )
        return cleaned


class PromiseForm(_DisclosureCheck, _CallForm):
    """A promise is taken in a right-party contact: the policy's disclosure is due on it."""

    prefix = "promise"
    amount = AmountField(positive=True, label=_("Amount"))
    due_date = forms.DateField(label=_("Pay by"), widget=DateInput)
    instalments = forms.CharField(
        required=False,
        label=_("Instalment plan (optional)"),
        help_text=_(
            "One per line: date and amount, e.g. 2026-12-01 50.00. They must add up to "
            "the amount and fall on or before the pay-by date."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    disclosure_given = _disclosure_field()

    def __init__(self, *args, case: Case, business_date: dt.date, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.case = case
        self.business_date = business_date
        self.latest_date = promise_latest_date(business_date)
        self.fields["amount"].widget.attrs["data-shortcut-focus"] = "p"
        self.fields["due_date"].widget.attrs.update(
            {
                "min": (business_date + dt.timedelta(days=1)).isoformat(),
                "max": self.latest_date.isoformat(),
            }
        )
        self.helper = _helper("promise-form")
        self.helper.layout = Layout(
            "contact_point",
            Row(Column("amount"), Column("due_date")),
            "instalments",
            "notes",
        )

    def _date_problem(self, day: dt.date) -> str:
        """'early' or 'late' when `day` falls outside the promise's range, else ''."""
        return promise_date_problem(day, business_date=self.business_date)

    def _range(self) -> dict:
        return {
            "today": date_format(self.business_date),
            "days": promise_max_days(),
            "latest": date_format(self.latest_date),
        }

    def clean_due_date(self) -> dt.date:
        due_date = self.cleaned_data["due_date"]
        problem = self._date_problem(due_date)
        if problem == "early":
            raise forms.ValidationError(
                gettext("The pay-by date must be after today (%(today)s).") % self._range()
            )
        if problem == "late":
            raise forms.ValidationError(
                gettext("The pay-by date must be within %(days)s days, by %(latest)s.")
                % self._range()
            )
        return due_date

    def clean_instalments(self) -> list[tuple[dt.date, Decimal]]:
        plan: list[tuple[dt.date, Decimal]] = []
        for line_number, line in enumerate(self.cleaned_data["instalments"].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                day_text, amount_text = line.split()
                day = dt.date.fromisoformat(day_text)
            except ValueError:
                raise forms.ValidationError(
                    gettext("Line %(line)s: write a date and an amount, e.g. 2026-12-01 50.00.")
                    % {"line": line_number}
                ) from None
            try:
                amount = parse_amount(amount_text)
            except AmountError as error:
                raise forms.ValidationError(
                    gettext("Line %(line)s: %(error)s")
                    % {"line": line_number, "error": error.message}
                ) from None
            if amount == 0:
                raise forms.ValidationError(
                    gettext("Line %(line)s: the amount must be more than zero.")
                    % {"line": line_number}
                )
            problem = self._date_problem(day)
            if problem == "early":
                raise forms.ValidationError(
                    gettext("Line %(line)s: the date must be after today (%(today)s).")
                    % {"line": line_number, **self._range()}
                )
            if problem == "late":
                raise forms.ValidationError(
                    gettext("Line %(line)s: the date must be within %(days)s days, by %(latest)s.")
                    % {"line": line_number, **self._range()}
                )
            plan.append((day, amount))
        days = [day for day, _amount in plan]
        if len(days) != len(set(days)):
            raise forms.ValidationError(gettext("Two instalments fall on the same date."))
        return sorted(plan)

    def clean(self) -> dict:
        cleaned = super().clean()
        plan, amount, due_date = (
            cleaned.get("instalments"),
            cleaned.get("amount"),
            cleaned.get("due_date"),
        )
        if plan and amount is not None and due_date is not None:
            total = sum((value for _day, value in plan), Decimal(0))
            if total != amount:
                self.add_error(
                    "instalments",
                    gettext("The instalments add up to %(total)s, not %(amount)s.")
                    % {"total": number(total), "amount": number(amount)},
                )
            if max(day for day, _amount in plan) > due_date:
                self.add_error("instalments", gettext("An instalment falls after the pay-by date."))
        self.check_disclosure(
            self.case, Activity.Outcome.PROMISE, cleaned.get("disclosure_given", False)
        )
        return cleaned


class CallbackForm(forms.Form):
    """The call-back time is typed on the debtor's clock, as they asked for it ("call me at
    six"), and checked against the call window there; the form names the zone."""

    prefix = "callback"

    when = forms.DateTimeField(
        label=_("Call back at"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-shortcut-focus": "c"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def __init__(
        self,
        *args,
        debtor_zone: ZoneInfo,
        call_window: ContactWindow | None,
        now: dt.datetime,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.debtor_zone = debtor_zone
        self.call_window, self.now = call_window, now
        self.fields["when"].label = gettext("Call back at (debtor's time, %(zone)s)") % {
            "zone": debtor_zone.key
        }
        self.helper = _helper("callback-form")

    def clean_when(self) -> dt.datetime:
        return callback_time(
            self.cleaned_data["when"],
            debtor_zone=self.debtor_zone,
            call_window=self.call_window,
            now=self.now,
        )


def callback_time(
    typed: dt.datetime,
    *,
    debtor_zone: ZoneInfo,
    call_window: ContactWindow | None,
    now: dt.datetime,
) -> dt.datetime:
    """A call-back time typed on the debtor's clock, checked: a time that exists there, in the
    future, within the promise horizon, and inside the call window."""
    # Django read the wall-clock value in the current zone; it is the debtor's. A time that
    # does not exist there (skipped by daylight saving) is refused, not shifted.
    wall_clock = timezone.make_naive(typed)
    when = wall_clock.replace(tzinfo=debtor_zone)
    if when.astimezone(dt.UTC).astimezone(debtor_zone).replace(tzinfo=None) != wall_clock:
        raise forms.ValidationError(
            gettext("That time does not exist in %(zone)s (the clocks change then).")
            % {"zone": debtor_zone.key}
        )
    if when <= now:
        raise forms.ValidationError(gettext("The call-back must be in the future."))
    if when > now + dt.timedelta(days=promise_max_days()):
        raise forms.ValidationError(
            gettext("Schedule call-backs within %(days)s days.") % {"days": promise_max_days()}
        )
    if call_window and not call_window.start <= wall_clock.time() < call_window.end:
        opening = window_opening_at_or_after(when, call_window, debtor_zone)
        raise forms.ValidationError(
            gettext(
                "%(time)s is outside the call window %(start)s-%(end)s (debtor's time, "
                "%(zone)s); the next opening is %(opening)s."
            )
            % {
                "time": time_format(wall_clock),
                "zone": debtor_zone.key,
                "start": time_format(call_window.start),
                "end": time_format(call_window.end),
                "opening": date_format(opening.astimezone(debtor_zone), "DATETIME_FORMAT"),
            }
        )
    return when


class InboundCallForm(_DisclosureCheck, forms.Form):
    """A call the debtor made: who called, the outcome, notes, and a call-back they asked for
    (typed on the debtor's clock, checked like any call-back)."""

    prefix = "inbound"

    contact_point = ContactPointField(
        label=_("Calling from"), required=False, empty_label=_("A number not on file")
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(o.value, o.label) for o in INBOUND_OUTCOMES]
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    callback_at = forms.DateTimeField(
        label=_("Call-back requested for (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    disclosure_given = _disclosure_field()

    def __init__(
        self,
        *args,
        case: Case,
        debtor_zone: ZoneInfo,
        call_window: ContactWindow | None,
        now: dt.datetime,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.case, self.now = case, now
        self.debtor_zone, self.call_window = debtor_zone, call_window
        self.fields["contact_point"].offer(_phone_points(case))
        self.fields["callback_at"].label = gettext(
            "Call-back requested for (optional, debtor's time, %(zone)s)"
        ) % {"zone": debtor_zone.key}
        self.helper = _helper("inbound-form")
        self.helper.layout = Layout("contact_point", "outcome", "callback_at", "notes")

    def clean_callback_at(self) -> dt.datetime | None:
        typed = self.cleaned_data["callback_at"]
        if typed is None:
            return None
        return callback_time(
            typed,
            debtor_zone=self.debtor_zone,
            call_window=self.call_window,
            now=self.now,
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if cleaned.get("callback_at") and outcome and outcome not in RIGHT_PARTY_OUTCOMES:
            self.add_error(
                "callback_at",
                gettext("Only the debtor can ask for a call-back: choose the debtor's outcome."),
            )
        self.check_disclosure(self.case, outcome, cleaned.get("disclosure_given", False))
        return cleaned


class NoteForm(forms.Form):
    prefix = "note"
    text = FreeTextField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("note-form")


class ContactPointMarkForm(forms.Form):
    prefix = "mark"
    contact_point = ContactPointField(label=_("Contact point"))
    mark = forms.ChoiceField(
        choices=[(mark, _(label)) for mark, label in CONTACT_POINT_MARKS.items()],
        label=_("Mark as"),
    )
    reason = FreeTextField(label=_("Reason"), max_length=500)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].offer(debtor_contact_points(case))
        self.helper = _helper("contact-point-form")


class DebtorFlagForm(forms.Form):
    prefix = "flag"
    flag = forms.ChoiceField(
        choices=[
            ("dispute_pending", _("Dispute")),
            ("cease_communication", _("Cease-communication request")),
            ("is_vulnerable", _("Vulnerability")),
        ],
        label=_("Record"),
    )
    reason = FreeTextField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("debtor-flag-form")


HOUR_CHOICES = [("", _("Any time"))] + [(f"{hour:02d}:00", f"{hour:02d}:00") for hour in range(24)]


class PreferredHoursMixin:
    """Preferred hours' two fields (whole hours of the debtor's clock) and their checks: both
    or neither, the start first, and some time inside the policy's call window."""

    call_window: ContactWindow | None

    def add_preferred_hours_fields(self, *, call_window: ContactWindow | None) -> None:
        self.call_window = call_window
        self.fields["preferred_start"] = forms.TypedChoiceField(
            label=_("Call or text me only from"),
            choices=HOUR_CHOICES,
            coerce=dt.time.fromisoformat,
            empty_value=None,
            required=False,
        )
        self.fields["preferred_end"] = forms.TypedChoiceField(
            label=_("until"),
            choices=HOUR_CHOICES,
            coerce=dt.time.fromisoformat,
            empty_value=None,
            required=False,
            help_text=_("Your own local time."),
        )

    def clean_preferred_hours(self, cleaned: dict) -> None:
        start, end = cleaned.get("preferred_start"), cleaned.get("preferred_end")
        if problem := preferred_hours_problem(start, end):
            self.add_error("preferred_end", problem)
            return
        window = self.call_window
        if (
            start is not None
            and window is not None
            and (start >= window.end or end <= window.start)
        ):
            self.add_error(
                "preferred_end",
                gettext("We call only from %(start)s to %(end)s: choose hours within them.")
                % {"start": time_format(window.start), "end": time_format(window.end)},
            )


def preferred_hours_initial(debtor) -> dict:
    """The debtor's preferred hours as the form's fields show them."""
    return {
        "preferred_start": debtor.preferred_hours_start and f"{debtor.preferred_hours_start:%H:%M}",
        "preferred_end": debtor.preferred_hours_end and f"{debtor.preferred_hours_end:%H:%M}",
    }


class PreferredHoursForm(PreferredHoursMixin, forms.Form):
    """The hours a debtor asked to be called and texted in, as a collector records them."""

    prefix = "hours"

    def __init__(self, *args, call_window: ContactWindow | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_preferred_hours_fields(call_window=call_window)
        self.fields["preferred_start"].label = _("Preferred hours from")
        self.fields["preferred_end"].help_text = _("The debtor's local time.")
        self.helper = _helper("preferred-hours-form")

    def clean(self):
        cleaned = super().clean()
        self.clean_preferred_hours(cleaned)
        return cleaned


class IncomingCallForm(forms.Form):
    """The caller's number, typed or pasted in any format; cleaned to E.164."""

    number = forms.CharField(
        label=_("Caller's number"),
        max_length=100,
        help_text=_("Any format: (415) 555-0100, +1 415-555-0100, 0086 138 0013 8000."),
    )

    def clean_number(self) -> str:
        try:
            return phone_e164(self.cleaned_data["number"])
        except PhoneNumberError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class PaymentReportForm(forms.Form):
    """A payment the debtor made; the rules (currency, dates, references) are the service's,
    which answers by field."""

    prefix = "payment"
    amount = AmountField(positive=True, label=_("Amount"))
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    # Online payments are reported by the payment provider itself, never by hand.
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            choice
            for choice in ReportedPayment.Method.choices
            if choice[0] != ReportedPayment.Method.ONLINE
        ],
    )
    payer_reference = forms.CharField(
        label=_("Payer's reference"),
        max_length=64,
        required=False,
        help_text=_("Required for a card payment or a transfer: the reference the bank shows."),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )

    def __init__(self, *args, case: Case, business_date: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = case.account.currency
        self.fields["paid_on"].initial = business_date
        self.fields["paid_on"].widget.attrs["max"] = business_date.isoformat()
        self.helper = _helper("payment-form")
        self.helper.layout = Layout(
            Row(Column("amount"), Column("currency")),
            Row(Column("method"), Column("paid_on")),
            "payer_reference",
            "notes",
        )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()
