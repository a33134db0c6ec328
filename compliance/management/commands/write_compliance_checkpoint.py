"""Write a signed checkpoint of the compliance log now, as the recurring job does."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.checkpoints import compliance_checkpoint_write, configured_signing_key


class Command(BaseCommand):
    help = (
        "Sign the compliance log's head with COMPLIANCE_CHECKPOINT_KEY and write it to "
        "COMPLIANCE_CHECKPOINT_DIR, unless that head already has its checkpoint."
    )

    def handle(self, *args, **options):
        try:
            key = configured_signing_key()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if key is None:
            raise CommandError(_("COMPLIANCE_CHECKPOINT_KEY is not set: no checkpoint written."))
        written = compliance_checkpoint_write(now=timezone.now(), key=key)
        if written:
            self.stdout.write(_("checkpoint written: %(path)s") % {"path": written})
        else:
            self.stdout.write(
                _("nothing to write: the log is empty or its head already has a checkpoint")
            )
