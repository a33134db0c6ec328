"""`manage.py import_feed accounts|payments FILE [--date D] [--dry-run]`."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from common.commands import iso_date
from feeds.importer import feed_import
from feeds.models import ImportRun

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = "Import a bank feed file (accounts or payments); see the README, 'Bank feeds'."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportRun.Kind.values)
        parser.add_argument("file")
        parser.add_argument(
            "--date",
            type=iso_date,
            help="Business date (YYYY-MM-DD); by default the bank's today.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count; write nothing."
        )

    def handle(self, *args, kind: str, file: str, date: dt.date | None, dry_run: bool, **options):
        try:
            handle = open(file, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        with handle:
            run = feed_import(
                kind=kind,
                path_or_file=handle,
                business_date=date or timezone.localdate(),
                dry_run=dry_run,
                on_progress=self._show_progress,
            )
        self.stderr.write("")
        if run.status == ImportRun.Status.REFUSED:
            raise CommandError(f"Refused, nothing imported: {run.message}")
        self.stdout.write(
            ngettext(
                "%(status)s: %(rows)d row read, %(inserted)d inserted, %(updated)d updated, "
                "%(unchanged)d unchanged, %(rejected)d rejected in %(seconds).1f s "
                "(import #%(run)d, sha256 %(checksum)s…)",
                "%(status)s: %(rows)d rows read, %(inserted)d inserted, %(updated)d updated, "
                "%(unchanged)d unchanged, %(rejected)d rejected in %(seconds).1f s "
                "(import #%(run)d, sha256 %(checksum)s…)",
                run.rows_read,
            )
            % {
                "status": run.get_status_display(),
                "rows": run.rows_read,
                "inserted": run.inserted,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "rejected": run.rejected,
                "seconds": run.duration_seconds,
                "run": run.pk,
                "checksum": run.checksum[:12],
            }
        )
        for row in run.rejected_rows.all()[:SHOWN_REJECTIONS]:
            self.stdout.write(f"  line {row.line_number}: {row.reason}")
        if run.rejected > SHOWN_REJECTIONS and not dry_run:
            self.stdout.write(f"  … see the import's page for all {run.rejected} rejected rows.")

    def _show_progress(self, run: ImportRun) -> None:
        bar = "#" * (run.progress_percent // 4)
        counts = ngettext(
            "%(rows)s row, %(rejected)s rejected",
            "%(rows)s rows, %(rejected)s rejected",
            run.rows_read,
        ) % {"rows": f"{run.rows_read:,}", "rejected": f"{run.rejected:,}"}
        self.stderr.write(f"\r[{bar:<25}] {run.progress_percent:3d}%  {counts}", ending="")
        self.stderr.flush()
