"""`manage.py agency_statements`: write (or write again) one month's commission statements."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import Agency
from agencies.services import statement_totals, statements_generate_month


def month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"--month must be YYYY-MM, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Attribute the month's payments and write each agency's commission statement for it; "
        "a statement written before is replaced (one per agency and month)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", type=month, help="YYYY-MM (default: last month).")
        parser.add_argument("--agency", help="Only this agency (its name).")

    def handle(self, *args, month=None, agency=None, **options):
        now = timezone.now()
        first = month or (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1))
        agencies = None
        if agency:
            found = Agency.objects.filter(name=agency).first()
            if found is None:
                raise CommandError(f"No agency named {agency!r}.")
            agencies = [found]
        statements = statements_generate_month(month=first, now=now, agencies=agencies)
        self.stdout.write(f"Statements for {first:%B %Y}: {len(statements)}")
        for statement in statements:
            totals = ", ".join(
                f"{t.commission} {t.currency} on {t.collected} collected"
                for t in statement_totals(statement)
            )
            self.stdout.write(f"  {statement.agency.name}: {totals or 'nothing collected'}")
