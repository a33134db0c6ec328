"""Admin classes several apps share. Registers nothing itself."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.text import capfirst

from common.forms import AmountField
from common.money import AMOUNT
from common.sensitive import reject_secrets

# The timestamps every TimeStampedModel carries, shown read-only.
TIMESTAMPS = ("created_at", "updated_at")


class FreeTextAdmin:
    """For a ModelAdmin or an inline: every free-text field of the model (a CharField or
    TextField without choices) refuses a card number or a national ID number."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        free_text = isinstance(db_field, models.CharField | models.TextField)
        if formfield is not None and free_text and not db_field.choices:
            formfield.validators.append(reject_secrets)
        return formfield


class WrittenOnceAdmin(FreeTextAdmin, admin.ModelAdmin):
    """Rows that are written once: never changed or deleted here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(WrittenOnceAdmin):
    """Rows only the application writes, through its services: shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False


class AmountFieldsMixin:
    """Amount columns (common.money.AMOUNT) are edited through AmountField, so the admin reads
    amounts as every other form does: `1234.50`, never `1e3` or other scripts' digits."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField) and (
            db_field.max_digits,
            db_field.decimal_places,
        ) == (AMOUNT["max_digits"], AMOUNT["decimal_places"]):
            return AmountField(
                required=not db_field.blank,
                label=capfirst(db_field.verbose_name),
                help_text=db_field.help_text,
                initial=db_field.get_default() if db_field.has_default() else None,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
