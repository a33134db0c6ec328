"""The pipeline's runs and the messages it owes, in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from common.admin import TIMESTAMPS, FreeTextAdmin, ReadOnlyAdmin
from pipeline.models import OutboundMessage, PipelineRun, PrintFile
from pipeline.printing import letter_copy_pdf


@admin.register(PipelineRun)
class PipelineRunAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "business_date",
        "dry_run",
        "status",
        "started_at",
        "finished_at",
        "triggered_by",
    )
    list_filter = ("status", "dry_run")
    list_select_related = ("triggered_by",)
    autocomplete_fields = ("triggered_by",)
    date_hierarchy = "business_date"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "case",
        "purpose",
        "channel",
        "status",
        "contact_point",
        "attempts",
        "sent_at",
        "delivery_status",
        "created_at",
    )
    list_filter = ("status", "channel", "purpose")
    list_select_related = ("case__account", "contact_point")
    search_fields = ("=case__account__account_reference", "=provider_reference")
    autocomplete_fields = ("case", "stage_entry", "contact_point", "activity")
    readonly_fields = (*TIMESTAMPS, "print_file", "print_page", "letter_copy")
    show_full_result_count = False

    def get_urls(self):
        copy = path(
            "<int:message_id>/letter.pdf",
            self.admin_site.admin_view(self.letter_copy_view),
            name="pipeline_outboundmessage_letter",
        )
        return [copy, *super().get_urls()]

    @admin.display(description=gettext_lazy("copy of the letter"))
    def letter_copy(self, message: OutboundMessage) -> str:
        if not _sent_letter(message):
            return "-"
        url = reverse("admin:pipeline_outboundmessage_letter", args=[message.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("PDF"))

    def letter_copy_view(self, request, message_id: int) -> HttpResponse:
        """The sent letter set again as a PDF of its own, as it went to print."""
        message = self.get_object(request, str(message_id))
        if message is None or not self.has_view_permission(request, message):
            raise Http404
        if not _sent_letter(message):
            raise Http404
        response = HttpResponse(letter_copy_pdf(message), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letter-{message.pk}.pdf"'
        return response


def _sent_letter(message: OutboundMessage) -> bool:
    return message.channel == "letter" and message.status == OutboundMessage.Status.SENT


@admin.register(PrintFile)
class PrintFileAdmin(ReadOnlyAdmin):
    """The print files, for the print-and-mail house: each file's letters in page order."""

    list_display = ("file", "letters", "created_at")
    date_hierarchy = "created_at"
    readonly_fields = ("file", "letters", "created_at")


# Compliance: a policy changes by a new version (added through the service, validated); the
# log and its chain head are written by the compliance engine alone.
