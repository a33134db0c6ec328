"""`manage.py run_agency_day`: the agencies' nightly step for one business date, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from agencies.services import agencies_run_day
from common.commands import add_business_day_arguments
from common.dry_run import dry_run_transaction

LABELS = {
    "recalled": "Placements recalled",
    "recalled_to_next_stage": "  to the next stage",
    "recalled_to_in_house": "  to in-house collection",
    "payments_attributed": "Payments attributed to agencies",
    "placed": "Cases placed",
    "not_placed_no_capacity": "Not placed: no capacity left",
    "not_placed_no_agency": "Not placed: no eligible agency",
    "not_placed_excluded": "Not placed: bankrupt, deceased or disputed",
    "statements_generated": "Commission statements written",
}


class Command(BaseCommand):
    help = (
        "Recall the placements whose period ended, attribute payments, place the cases awaiting "
        "placement (and on the first of a month write last month's statements). The nightly "
        "collections job runs this right after the pipeline."
    )

    def add_arguments(self, parser):
        add_business_day_arguments(parser)

    def handle(self, *args, date=None, dry_run=False, **options):
        now = timezone.now()
        business_date = date or timezone.localdate(now)
        with dry_run_transaction(dry_run=dry_run):
            counts = agencies_run_day(business_date=business_date, now=now)
        verb = "would do" if dry_run else "did"
        self.stdout.write(f"Agencies for {business_date} {verb}:")
        for key, label in LABELS.items():
            if counts.get(key):
                self.stdout.write(f"  {label:<45} {counts[key]:>9}")
            if key == "placed":
                for agency_key in sorted(k for k in counts if k.startswith("placed_with:")):
                    agency = f"  with {agency_key.partition(':')[2]}"
                    self.stdout.write(f"  {agency:<45} {counts[agency_key]:>9}")
