"""Admin classes several apps share. Registers nothing itself."""

from __future__ import annotations

from django.contrib import admin

# The timestamps every TimeStampedModel carries, shown read-only.
TIMESTAMPS = ("created_at", "updated_at")


class WrittenOnceAdmin(admin.ModelAdmin):
    """Rows that are written once: never changed or deleted here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(WrittenOnceAdmin):
    """Rows only the application writes, through its services: shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False
