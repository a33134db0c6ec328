"""The forms of the plan and offer pages; the services judge what the fields cannot."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import RepaymentPlan, SettlementOffer
from common.forms import AmountField, DateInput, FreeTextField, latest_date

# More instalments than anyone agrees to: ten years of weekly payments.
MAX_INSTALMENTS = 520


class PlanForm(forms.Form):
    total_amount = AmountField(positive=True, label=_("Total to pay"))
    instalment_count = forms.IntegerField(
        label=_("Number of instalments"), min_value=1, max_value=MAX_INSTALMENTS
    )
    frequency = forms.ChoiceField(
        label=_("Frequency"),
        choices=RepaymentPlan.Frequency.choices,
        initial=RepaymentPlan.Frequency.MONTHLY,
    )
    first_due_date = forms.DateField(
        label=_("First instalment due"), widget=DateInput, validators=[latest_date]
    )
    agreed_via = forms.ChoiceField(
        label=_("Agreed by way of"),
        choices=RepaymentPlan.Channel.choices,
        initial=RepaymentPlan.Channel.CALL,
    )


class OfferForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=SettlementOffer.Kind.choices,
        initial=SettlementOffer.Kind.SETTLEMENT,
    )
    amount = AmountField(positive=True, label=_("Amount to pay"))
    expires_on = forms.DateField(
        label=_("Pay by (expiry)"), widget=DateInput, validators=[latest_date]
    )
    reason = FreeTextField(label=_("Reason"), max_length=300)

    def __init__(self, *args, business_date: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = business_date + dt.timedelta(days=30)


class DecisionForm(forms.Form):
    note = FreeTextField(label=_("Note"), max_length=300, required=False)


class PlanCancelForm(forms.Form):
    reason = FreeTextField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why the plan ends early: kept in the case's history."),
    )


class RemovalForm(forms.Form):
    reason = FreeTextField(label=_("Reason"), max_length=300)
