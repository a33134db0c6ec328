from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from compliance.grants import application_role_grant_after_migrate

        # Sent once per app after every migrate: this app's signal grants once, all tables made.
        post_migrate.connect(application_role_grant_after_migrate, sender=self)
