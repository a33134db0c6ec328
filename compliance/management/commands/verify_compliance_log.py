"""Walk the compliance log's hash chain and name the first row changed, deleted or reordered;
with --checkpoints, also hold it against the signed checkpoints kept outside the database."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from compliance.checkpoints import (
    CheckpointKeyError,
    compliance_log_verify_checkpoints,
    public_key_from_text,
)
from compliance.log import compliance_log_verify


class Command(BaseCommand):
    help = (
        "Verify the compliance log's hash chain in batches. Exits 0 with 'verified N rows', "
        "or non-zero naming the first row that was changed, deleted or reordered. With "
        "--checkpoints DIR, every signed checkpoint there must also match the log, which "
        "catches a row rewritten with every later hash recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows read per query (default 1000)."
        )
        parser.add_argument(
            "--checkpoints",
            type=Path,
            metavar="DIR",
            help="A directory of checkpoints written by the checkpoint job.",
        )
        parser.add_argument(
            "--public-key",
            help="The checkpoints' public key, base64 (default: COMPLIANCE_CHECKPOINT_PUBLIC_KEY).",
        )

    def handle(self, *args, batch_size: int, checkpoints: Path | None, public_key, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if checkpoints is None:
            result = compliance_log_verify(batch_size=batch_size)
        else:
            if not checkpoints.is_dir():
                raise CommandError(
                    _("--checkpoints: %(path)s is not a directory.") % {"path": checkpoints}
                )
            key_text = public_key or settings.COMPLIANCE_CHECKPOINT_PUBLIC_KEY
            if not key_text:
                raise CommandError(
                    _(
                        "--checkpoints needs the public key: --public-key or "
                        "COMPLIANCE_CHECKPOINT_PUBLIC_KEY."
                    )
                )
            try:
                key = public_key_from_text(key_text)
            except CheckpointKeyError as error:
                raise CommandError(f"--public-key: {error}") from error
            result = compliance_log_verify_checkpoints(
                directory=checkpoints, public_key=key, batch_size=batch_size
            )
        if not result.ok:
            raise CommandError(result.summary)
        self.stdout.write(self.style.SUCCESS(result.summary))
