"""For the migrations that moved models out of `cases` into apps of their own."""

from __future__ import annotations

from django.db import migrations


def content_types_follow(
    app_label: str, models: list[str], moved_permissions: list[tuple[str, str]]
) -> migrations.RunPython:
    """The operation that moves the models' content types from `cases` to `app_label` (and with
    them their permissions and the admin's history), and the permissions once declared on
    cases.Case, (codename, model) each, to the model that declares them now. Reversible.

    On a new database the content types do not exist yet (Django creates them after the
    migrations): nothing to move.
    """

    def follow(apps, schema_editor):
        content_type, permission = _models(apps)
        content_type.objects.filter(app_label="cases", model__in=models).update(app_label=app_label)
        case_type = content_type.objects.filter(app_label="cases", model="case").first()
        for codename, model in moved_permissions:
            target = content_type.objects.filter(app_label=app_label, model=model).first()
            if case_type is not None and target is not None:
                permission.objects.filter(content_type=case_type, codename=codename).update(
                    content_type=target
                )

    def go_back(apps, schema_editor):
        content_type, permission = _models(apps)
        case_type = content_type.objects.filter(app_label="cases", model="case").first()
        for codename, model in moved_permissions:
            permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model, codename=codename
            ).update(content_type=case_type)
        content_type.objects.filter(app_label=app_label, model__in=models).update(app_label="cases")

    return migrations.RunPython(follow, go_back)


def _models(apps):
    return apps.get_model("contenttypes", "ContentType"), apps.get_model("auth", "Permission")
