"""The roles of the product, as Django groups, and what each may do."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COLLECTOR = "collector", _("Collector")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    AGENCY_COLLECTOR = "agency_collector", _("Agency collector")
    AGENCY_MANAGER = "agency_manager", _("Agency manager")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    LEGAL = "legal", _("Legal team")
    ADMIN = "admin", _("Admin")


AGENCY_ROLES = frozenset({Role.AGENCY_COLLECTOR, Role.AGENCY_MANAGER})
# Roles that lead in-house teams: they see the cases of the teams they supervise.
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})

SUPERVISOR_PERMISSIONS = [
    "accounts.view_user",
    "accounts.view_team",
    "accounts.change_team",
    "cases.view_case",
    "cases.work_case",
    "cases.change_case",
    "supervision.reassign_case",
    "reporting.view_dashboard",
    "compliance.override_compliance",
    "pipeline.run_pipeline",
    "cases.view_debtor",
    "cases.view_contactpoint",
    "cases.change_contactpoint",
    "cases.view_cardaccount",
    "cases.view_activity",
    "cases.add_activity",
    "cases.view_promisetopay",
    "cases.add_promisetopay",
    "cases.view_payment",
    "cases.view_strategy",
    "cases.view_stage",
    "agencies.view_agency",
    "agencies.view_placement",
    "agencies.add_placement",
    "agencies.change_placement",
    "agencies.view_agency_performance",
    "agreements.view_repaymentplan",
    "agreements.add_repaymentplan",
    "agreements.view_settlementoffer",
    "agreements.add_settlementoffer",
    "agreements.decide_settlementoffer",
    "agreements.change_repaymentplan",
    "disputes.view_dispute",
    "disputes.add_dispute",
    "disputes.view_complaint",
    "disputes.add_complaint",
    "disputes.change_dispute",
    "disputes.change_complaint",
    "visits.view_visit",
    "visits.add_visit",
    "visits.change_visit",
    "litigation.view_lawsuit",
    "litigation.view_lawfirm",
    "litigation.approve_lawsuitcost",
]

# Group name -> "app_label.codename" permissions. The data migration installs these
# and is re-run by `manage.py sync_roles` after a permission is added here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COLLECTOR: [
        "cases.view_case",
        "cases.work_case",
        "cases.view_debtor",
        "cases.view_contactpoint",
        "cases.change_contactpoint",
        "cases.view_cardaccount",
        "cases.view_activity",
        "cases.add_activity",
        "cases.view_promisetopay",
        "cases.add_promisetopay",
        "cases.view_payment",
        "agreements.view_repaymentplan",
        "agreements.add_repaymentplan",
        "agreements.view_settlementoffer",
        "agreements.add_settlementoffer",
        "disputes.view_dispute",
        "disputes.add_dispute",
        "disputes.view_complaint",
        "disputes.add_complaint",
        "visits.add_visit",
        "visits.change_visit",
    ],
    Role.AGENCY_COLLECTOR: [
        "cases.view_case",
        "cases.work_case",
        "cases.view_debtor",
        "cases.view_contactpoint",
        "cases.view_cardaccount",
        "cases.view_activity",
        "cases.add_activity",
        "cases.view_promisetopay",
        "cases.add_promisetopay",
        "cases.view_payment",
        "agreements.view_repaymentplan",
        "agreements.add_repaymentplan",
        "agreements.view_settlementoffer",
        "agreements.add_settlementoffer",
        "disputes.view_dispute",
        "disputes.add_dispute",
        "disputes.view_complaint",
        "disputes.add_complaint",
        "visits.change_visit",
    ],
    Role.AGENCY_MANAGER: [
        "cases.view_case",
        "cases.work_case",
        "cases.view_debtor",
        "cases.view_contactpoint",
        "cases.view_cardaccount",
        "cases.view_activity",
        "cases.add_activity",
        "cases.view_promisetopay",
        "cases.add_promisetopay",
        "cases.view_payment",
        "agencies.view_agency",
        "agencies.view_placement",
        "agencies.view_agency_performance",
        "agreements.view_repaymentplan",
        "agreements.add_repaymentplan",
        "agreements.view_settlementoffer",
        "agreements.add_settlementoffer",
        "disputes.view_dispute",
        "disputes.add_dispute",
        "disputes.view_complaint",
        "disputes.add_complaint",
        "visits.view_visit",
        "visits.add_visit",
        "visits.change_visit",
    ],
    Role.SUPERVISOR: SUPERVISOR_PERMISSIONS,
    # A manager may do what a supervisor may, and approve write-offs.
    Role.MANAGER: [
        *SUPERVISOR_PERMISSIONS,
        "agreements.view_writeoffbatch",
        "agreements.approve_writeoffbatch",
    ],
    Role.LEGAL: [
        "cases.view_case",
        "cases.view_debtor",
        "cases.view_contactpoint",
        "cases.view_cardaccount",
        "cases.view_activity",
        "cases.add_activity",
        "cases.view_promisetopay",
        "cases.view_payment",
        "agreements.view_repaymentplan",
        "agreements.view_settlementoffer",
        "litigation.view_lawsuit",
        "litigation.change_lawsuit",
        "litigation.view_lawfirm",
        "litigation.add_lawsuitcost",
    ],
    Role.COMPLIANCE_OFFICER: [
        "accounts.view_user",
        "accounts.view_team",
        "cases.view_case",
        "reporting.view_dashboard",
        "compliance.view_compliance_log",
        "cases.view_debtor",
        "cases.view_contactpoint",
        "cases.view_cardaccount",
        "cases.view_activity",
        "cases.view_promisetopay",
        "cases.view_payment",
        "cases.view_strategy",
        "cases.view_stage",
        "agencies.view_agency",
        "agencies.view_placement",
        "agencies.view_agency_performance",
        "agreements.view_repaymentplan",
        "agreements.view_settlementoffer",
        "disputes.view_dispute",
        "disputes.add_dispute",
        "disputes.view_complaint",
        "disputes.add_complaint",
        "disputes.change_dispute",
        "disputes.change_complaint",
        "visits.view_visit",
        "litigation.view_lawsuit",
        "litigation.view_lawfirm",
    ],
}
# Admins are staff with every permission of the apps they configure.
ADMIN_APPS = (
    "accounts",
    "cases",
    "compliance",
    "pipeline",
    "agencies",
    "feeds",
    "agreements",
    "supervision",
    "reporting",
    "visits",
    "disputes",
    "litigation",
)


def sync_role_groups(group_model, permission_model, *, created_only: bool = False) -> None:
    """Create the role groups and set each one's permissions to exactly ROLE_PERMISSIONS.

    Takes the models as arguments so the data migration can pass its historical ones. An app
    with no permissions yet (not migrated yet, on a new database) is left out: its own first
    migration syncs the groups again once it has them. A migration passes `created_only`: a
    permission a later migration creates is left out too, and that migration syncs again.
    """
    migrated_apps = set(
        permission_model.objects.values_list("content_type__app_label", flat=True).distinct()
    )
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        codes = [code for code in codes if code.split(".")[0] in migrated_apps]
        wanted = Q()
        for code in codes:
            app_label, codename = code.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(permission_model.objects.filter(wanted)) if codes else []
        missing = set(codes) - {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
        if missing and not created_only:
            raise LookupError(f"Role {role} names unknown permissions: {sorted(missing)}")
        group.permissions.set(permissions)
    admin_group, _ = group_model.objects.get_or_create(name=Role.ADMIN)
    admin_group.permissions.set(
        permission_model.objects.filter(content_type__app_label__in=(*ADMIN_APPS, "auth"))
    )
