from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.roles import Role
from common.admin import TIMESTAMPS, FreeTextAdmin

ROLE_LABELS = dict(Role.choices)


@admin.register(User)
class UserAdmin(FreeTextAdmin, DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "team",
        "agency",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "team",
        "agency",
        "language",
    )
    list_select_related = ("team", "agency")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("team", "agency", "time_zone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Organisation"),
            {"classes": ("wide",), "fields": ("team", "agency", "time_zone", "language")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Roles"))
    def roles(self, user: User) -> str:
        return ", ".join(
            str(ROLE_LABELS.get(group.name, group.name)) for group in user.groups.all()
        )


@admin.register(Team)
class TeamAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = ("name", "is_specialist", "member_count", "created_at")
    list_filter = ("is_specialist",)
    search_fields = ("name",)
    autocomplete_fields = ("supervisors",)
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("Members"), ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count
