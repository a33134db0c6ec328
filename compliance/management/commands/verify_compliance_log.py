"""Walk the compliance log's hash chain and name the first row changed, deleted or reordered."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.log import compliance_log_verify


class Command(BaseCommand):
    help = (
        "Verify the compliance log's hash chain in batches. Exits 0 with 'verified N rows', "
        "or non-zero naming the first row that was changed, deleted or reordered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows read per query (default 1000)."
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = compliance_log_verify(batch_size=batch_size)
        if not result.ok:
            raise CommandError(result.summary)
        self.stdout.write(self.style.SUCCESS(result.summary))
