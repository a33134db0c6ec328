"""`manage.py portal_link <case id>`: a link to the case's portal, as a message would carry it,
to try the portal with (the demo) or to give a debtor by hand. The link proves nothing about
who holds it: the debtor still answers the identity questions."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.models import Case
from portal.access import portal_link_path


class Command(BaseCommand):
    help = "Print a signed, expiring link to a case's debtor portal (identity is still asked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", type=int, help="The case's id.")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site is served (default http://127.0.0.1:8000, as `make run`).",
        )

    def handle(self, *args, case: int, base_url: str, **options) -> None:
        if not Case.objects.filter(pk=case).exists():
            raise CommandError(f"No case has the id {case}.")
        self.stdout.write(base_url.rstrip("/") + portal_link_path(case_id=case))
