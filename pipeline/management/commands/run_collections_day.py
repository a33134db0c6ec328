from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from common.commands import add_business_day_arguments
from pipeline.models import PipelineRun
from pipeline.services import (
    PipelineAlreadyRunning,
    PipelineResult,
    describe_counts,
    pipeline_preview_day,
    pipeline_run_day,
)


class Command(BaseCommand):
    help = "Run the daily collection pipeline for one business date, now and in this process."

    def add_arguments(self, parser):
        add_business_day_arguments(parser)

    @no_translations  # the operator reads English, whatever language was active
    def handle(self, *args, date=None, dry_run=False, **options):
        now = timezone.now()
        business_date = date or timezone.localdate(now)
        try:
            if dry_run:
                result = pipeline_preview_day(
                    business_date=business_date,
                    now=now,
                    started_from=PipelineRun.StartedFrom.COMMAND,
                )
            else:
                result = pipeline_run_day(
                    business_date=business_date,
                    now=now,
                    started_from=PipelineRun.StartedFrom.COMMAND,
                )
        except PipelineAlreadyRunning as busy:
            raise CommandError(str(busy)) from busy
        self.print_result(result)

    def print_result(self, result: PipelineResult) -> None:
        verb = "would do" if result.dry_run else "did"
        self.stdout.write(f"Pipeline for {result.business_date} {verb}:")
        if not result.counts:
            self.stdout.write("  nothing")
        for label, count in describe_counts(result.counts):
            self.stdout.write(f"  {label:<40} {count:>9}")
