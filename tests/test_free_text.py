"""Free text typed anywhere to be kept (the admin's fields, the notes and reasons of every
app's forms) refuses card numbers and national ID numbers."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.test import RequestFactory

from accounts.roles import ADMIN_APPS
from agencies.admin import RecallActionForm
from agencies.forms import ExtendByDaysForm, ExtendForm, RecallForm
from supervision.forms import ApprovedCallForm, ReasonForm

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


def refuses(field, value: str) -> bool:
    try:
        field.run_validators(value)
    except ValidationError as error:
        return any("must not be written here" in message for message in error.messages)
    return False


def free_text_form_fields(request):
    """(where, form field) of every form field the admin builds from a free-text model field,
    on the pages where rows are added or changed."""
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ADMIN_APPS:
            continue
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # rows only the application writes
        forms = [(model, model_admin.get_form(request))]
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            forms.append((inline.model, inline.get_formset(request).form))
        for form_model, form in forms:
            for name, field in form.base_fields.items():
                # A field of the form alone (a password, a raw national ID) is not looked at.
                try:
                    model_field = form_model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if isinstance(model_field, models.CharField | models.TextField) and not (
                    model_field.choices
                ):
                    yield f"{model_admin.__class__.__name__}: {form_model.__name__}.{name}", field


def test_every_free_text_field_of_the_admin_refuses_a_card_number(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    fields = dict(free_text_form_fields(request))

    assert "DebtorAdmin: Debtor.vulnerability_note" in fields
    assert "DebtorAdmin: ContactPoint.value" in fields
    assert "ActivityAdmin: Activity.notes" in fields
    assert [where for where, field in fields.items() if not refuses(field, CARD)] == []


@pytest.mark.parametrize(
    ("form_class", "name"),
    [
        (ReasonForm, "reason"),
        (ApprovedCallForm, "notes"),
        (RecallForm, "reason"),
        (ExtendForm, "reason"),
        (ExtendByDaysForm, "reason"),
        (RecallActionForm, "reason"),
    ],
)
def test_the_reasons_and_notes_of_supervisors_and_agencies_refuse_a_national_id(form_class, name):
    assert refuses(form_class.base_fields[name], "SSN 123-45-6789")
    assert not refuses(form_class.base_fields[name], "Debtor asked for a week")
