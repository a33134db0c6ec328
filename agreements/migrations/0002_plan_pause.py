from django.db import migrations, models

from accounts.roles import sync_role_groups


def plans_own_their_pauses(apps, schema_editor):
    """A plan that paused its case said so in the case's reason; it now keeps the moment."""
    RepaymentPlan = apps.get_model("agreements", "RepaymentPlan")
    for plan in RepaymentPlan.objects.filter(status="active").select_related("case"):
        if plan.case.paused_at and plan.case.pause_reason == f"Repayment plan #{plan.pk}":
            RepaymentPlan.objects.filter(pk=plan.pk).update(paused_case_at=plan.case.paused_at)


def supervisors_cancel_plans(apps, schema_editor):
    """The roles' permissions as accounts.roles has them (supervisors cancel plans)."""
    sync_role_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), created_only=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="repaymentplan",
            name="paused_case_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "When the plan paused its case; blank if the case was paused already. A "
                    "broken plan lifts its own pause only, not one a supervisor set since."
                ),
                null=True,
                verbose_name="paused the case at",
            ),
        ),
        migrations.RunPython(plans_own_their_pauses, migrations.RunPython.noop),
        migrations.RunPython(supervisors_cancel_plans, migrations.RunPython.noop),
    ]
