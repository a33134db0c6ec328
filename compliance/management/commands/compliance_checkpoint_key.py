"""Make a key pair for the compliance log's checkpoints, or show the configured public key."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from compliance.checkpoints import configured_signing_key, key_as_text, key_fingerprint


class Command(BaseCommand):
    help = (
        "Print the public key of COMPLIANCE_CHECKPOINT_KEY, for the auditors; with --new, a "
        "new private key to set as COMPLIANCE_CHECKPOINT_KEY where the checkpoint job runs, "
        "and its public key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new", action="store_true", help="Generate a new key pair.")

    def handle(self, *args, new: bool, **options):
        try:
            key = Ed25519PrivateKey.generate() if new else configured_signing_key()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if key is None:
            raise CommandError(
                _("COMPLIANCE_CHECKPOINT_KEY is not set: run with --new to make a key pair.")
            )
        public_key = key.public_key()
        if new:
            self.stdout.write(f"COMPLIANCE_CHECKPOINT_KEY={key_as_text(key)}")
        self.stdout.write(f"COMPLIANCE_CHECKPOINT_PUBLIC_KEY={key_as_text(public_key)}")
        self.stdout.write(
            _("# fingerprint %(fingerprint)s") % {"fingerprint": key_fingerprint(public_key)}
        )
